/**
 * Every deprecation code's "replace with" (legacy/deprecation-codes.ts: the text of the warning and of
 * MIGRATION.md's table) gives the same result as the old call, with the flags off (phase 1) and on (phase 5),
 * over real sockets: the old name and its documented replacement are called side by side, and what they return
 * and what the user's tabs receive are compared.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConnectionManager,
  ConnectionScopedWebSocketManager,
  DEPRECATIONS,
  DEPRECATION_CODES,
  getWebSocketManager,
  get_websocket_manager,
  IsolatedWebSocketManager,
  UnifiedWebSocketManager,
  WebSocketManager,
  WebSocketManagerAdapter,
  WebSocketManagerFactory,
  type DeprecationCode,
  type LegacyManagerFacade,
  type MigrationServer,
} from '../../legacy/index.js';
import { StaticFlagSource, type AgentEventEnvelope } from '../../src/index.js';
import type { TestClient } from '../support/client.js';
import { startHarness, type Harness } from '../support/harness.js';

type State = 'off' | 'on';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

/** Phase 1 (every flag off: every connection on the legacy path) or phase 5 (every flag on). */
async function serve(state: State): Promise<{ wss: MigrationServer; alice: TestClient[]; bob: TestClient }> {
  const on = state === 'on';
  h = await startHarness({ flags: new StaticFlagSource({ ssot: on, unified: on, factory: on }) });
  const first = await h.connectReady('alice');
  const second = await h.connectReady('alice');
  const bob = await h.connectReady('bob');
  // Off: the legacy path keeps the newest tab of a user (the older one is closed with 4010).
  if (!on) expect(await first.closed).toMatchObject({ code: 4010 });
  h.wss.legacy.bindGlobal();
  return { wss: h.wss, alice: on ? [first, second] : [second], bob };
}

/** An envelope without what differs from one send to the next (its seq and time). */
function shape(e: AgentEventEnvelope): Omit<AgentEventEnvelope, 'seq' | 'ts'> {
  const { seq: _seq, ts: _ts, ...rest } = e;
  return rest;
}

/** One comparison: what the old call gave, what the replacement gave. */
interface Pair {
  what: string;
  old: unknown;
  replacement: unknown;
}

function compare(pairs: Pair[]): void {
  for (const p of pairs) expect(p.old, p.what).toEqual(p.replacement);
}

/** Both calls' frames reached every live tab of alice, the same (but for seq/ts), and none reached bob. */
async function sameFrames(alice: TestClient[], bob: TestClient, type: string): Promise<void> {
  for (const tab of alice) {
    const [a, b] = await tab.waitForCount((f) => f.type === type, 2);
    const { seq: _s1, ts: _t1, ...one } = a as Record<string, unknown>;
    const { seq: _s2, ts: _t2, ...two } = b as Record<string, unknown>;
    expect(one).toEqual(two);
  }
  expect(bob.frames.filter((f) => f.type === type)).toEqual([]);
}

/** The process-wide names and `wss.manager`: every method of the unified interface. */
function processWide(make: () => LegacyManagerFacade, wss: MigrationServer): Pair[] {
  const old = make();
  const rep = wss.manager;
  const id = rep.getUserConnections('alice')[0]!.id;
  return [
    { what: 'getConnectionCount()', old: old.getConnectionCount(), replacement: rep.getConnectionCount() },
    { what: "isUserConnected('alice')", old: old.isUserConnected('alice'), replacement: rep.isUserConnected('alice') },
    { what: "isUserConnected('nobody')", old: old.isUserConnected('nobody'), replacement: rep.isUserConnected('nobody') },
    { what: 'getConnection(id)', old: old.getConnection(id)?.id, replacement: rep.getConnection(id)?.id },
    { what: 'getConnectionHealth(id)', old: old.getConnectionHealth(id)?.userId, replacement: rep.getConnectionHealth(id)?.userId },
    { what: "sendMessage('alice', …)", old: old.sendMessage('alice', { type: 'm' }), replacement: rep.sendMessage('alice', { type: 'm' }) },
    { what: "sendMessage('nobody', …)", old: old.sendMessage('nobody', { type: 'x' }), replacement: rep.sendMessage('nobody', { type: 'x' }) },
    { what: 'broadcastMessage(…)', old: old.broadcastMessage({ type: 'b' }), replacement: rep.broadcastMessage({ type: 'b' }) },
    { what: 'sendAgentEvent(…)', old: shape(old.sendAgentEvent('alice', 'progress', { p: 1 })), replacement: shape(rep.sendAgentEvent('alice', 'progress', { p: 1 })) },
    { what: 'emitCriticalEvent(…)', old: shape(old.emitCriticalEvent('alice', 'agent_started', { a: 1 })), replacement: shape(rep.emitCriticalEvent('alice', 'agent_started', { a: 1 })) },
  ];
}

/** What a code's replacement text must name for the comparison below to be the documented one. */
const NAMES: Record<DeprecationCode, string[]> = {
  WSSOT_DEP001: ['wss.manager'],
  WSSOT_DEP002: ['wss.manager'],
  WSSOT_DEP003: ['wss.manager'],
  WSSOT_DEP004: ['wss.factory.createIsolatedManager(userId, connectionId)'],
  WSSOT_DEP005: ['wss.factory.createIsolatedManager(userId, connectionId)'],
  WSSOT_DEP006: ['wss.manager', 'wss.factory.createIsolatedManager(userId, connectionId) for a user-bound manager'],
  WSSOT_DEP007: ['wss.factory', 'createIsolatedManager(userId, userId)'],
  WSSOT_DEP008: ['wss.manager', 'not a new UnifiedWebSocketManager()'],
  WSSOT_DEP009: ['camelCase'],
  WSSOT_DEP010: ['isolated.emitCriticalEvent(type, data)', 'wss.manager.emitCriticalEvent(userId, type, data)'],
};

describe('each deprecation code names its replacement', () => {
  it.each(DEPRECATION_CODES)('%s', (code) => {
    for (const name of NAMES[code]) expect(DEPRECATIONS[code].with).toContain(name);
  });
});

describe.each(['off', 'on'] as const)('replacements give the old results (flags %s)', (state) => {
  it.each([
    ['WSSOT_DEP001', () => new WebSocketManager()],
    ['WSSOT_DEP002', () => new ConnectionManager()],
    ['WSSOT_DEP003', () => new WebSocketManagerAdapter()],
    ['WSSOT_DEP008', () => new UnifiedWebSocketManager()],
  ] as const)('%s: the old process-wide manager and wss.manager', async (_code, make) => {
    const { wss, alice, bob } = await serve(state);
    compare(processWide(make, wss));
    await sameFrames(alice, bob, 'm');
    await sameFrames(alice, bob, 'agent_started');
  });

  it.each([
    ['WSSOT_DEP004', (u: string, c: string) => new IsolatedWebSocketManager(u, c)],
    ['WSSOT_DEP005', (u: string, c: string) => new ConnectionScopedWebSocketManager(u, c)],
  ] as const)('%s: the old user-bound class and wss.factory.createIsolatedManager(userId, connectionId)', async (_code, make) => {
    const { wss, alice, bob } = await serve(state);
    const old = make('alice', 'c1');
    const rep = wss.factory.createIsolatedManager('alice', 'c1');
    compare([
      { what: 'getConnectionCount()', old: old.getConnectionCount(), replacement: rep.getConnectionCount() },
      { what: 'isConnected()', old: old.isConnected(), replacement: rep.isConnected() },
      { what: 'sendMessage(…)', old: old.sendMessage({ type: 'm' }), replacement: rep.sendMessage({ type: 'm' }) },
      { what: 'sendAgentEvent(…)', old: shape(old.sendAgentEvent('progress', { p: 1 })), replacement: shape(rep.sendAgentEvent('progress', { p: 1 })) },
      { what: 'emitCriticalEvent(…)', old: shape(old.emitCriticalEvent('tool_executing', { tool: 't' })), replacement: shape(rep.emitCriticalEvent('tool_executing', { tool: 't' })) },
    ]);
    await sameFrames(alice, bob, 'm');
    await sameFrames(alice, bob, 'tool_executing');
    wss.factory.cleanupManager('alice', 'c1');
  });

  it('WSSOT_DEP006: getWebSocketManager() and wss.manager; getWebSocketManager(ctx) and the user-bound replacement for what it returns', async () => {
    const { wss, alice, bob } = await serve(state);
    const old = getWebSocketManager();
    const rep = wss.manager;
    compare([
      { what: 'getConnectionCount()', old: old.getConnectionCount(), replacement: rep.getConnectionCount() },
      { what: "isUserConnected('alice')", old: old.isUserConnected('alice'), replacement: rep.isUserConnected('alice') },
      { what: "sendMessage('alice', …)", old: old.sendMessage('alice', { type: 'm' }), replacement: rep.sendMessage('alice', { type: 'm' }) },
    ]);
    await sameFrames(alice, bob, 'm');
    // With a user: the shared manager while WS_ENABLE_FACTORY is off (wss.manager replaces it), a user-bound one
    // once it is on (wss.factory.createIsolatedManager replaces it).
    const withUser = get_websocket_manager({ userId: 'alice', connectionId: 'c2' });
    const userRep = state === 'on' ? wss.factory.createIsolatedManager('alice', 'c2') : null;
    compare([
      { what: 'getConnectionCount() with a user', old: withUser.getConnectionCount(), replacement: userRep?.getConnectionCount() ?? rep.getConnectionCount() },
      { what: 'emitCriticalEvent(type, data) with a user', old: shape(withUser.emitCriticalEvent('agent_thinking', { t: 1 })), replacement: shape(userRep?.emitCriticalEvent('agent_thinking', { t: 1 }) ?? rep.emitCriticalEvent('alice', 'agent_thinking', { t: 1 })) },
    ]);
    await sameFrames(alice, bob, 'agent_thinking');
  });

  it('WSSOT_DEP007: the old factory (one manager per user, whatever the connection id) and wss.factory with one fixed id per user', async () => {
    const { wss, alice, bob } = await serve(state);
    const old = new WebSocketManagerFactory();
    const rep = wss.factory;
    const runs = rep.options.maxManagersPerUser + 5; // past the canonical factory's cap
    const oldFirst = old.createIsolatedManager('alice', 'run-0');
    const repFirst = rep.createIsolatedManager('alice', 'alice');
    const oldSame: boolean[] = [];
    const repSame: boolean[] = [];
    for (let i = 1; i < runs; i++) {
      oldSame.push(old.createIsolatedManager('alice', `run-${i}`) === oldFirst);
      repSame.push(rep.createIsolatedManager('alice', 'alice') === repFirst);
    }
    compare([
      { what: 'the same manager for every run', old: oldSame, replacement: repSame },
      { what: 'getManagerByUser()', old: old.getManagerByUser('alice') === oldFirst, replacement: rep.getManagerByUser('alice') === repFirst },
      { what: 'sendMessage(…)', old: oldFirst.sendMessage({ type: 'm' }), replacement: repFirst.sendMessage({ type: 'm' }) },
      { what: 'emitCriticalEvent(…)', old: shape(oldFirst.emitCriticalEvent('agent_completed', { ok: true })), replacement: shape(repFirst.emitCriticalEvent('agent_completed', { ok: true })) },
      { what: 'getActiveConnectionsCount()', old: old.getActiveConnectionsCount(), replacement: rep.getActiveConnectionsCount() },
      { what: 'cleanupManager(userId, id)', old: old.cleanupManager('alice', 'run-0'), replacement: rep.cleanupManager('alice', 'alice') },
    ]);
    expect(oldSame.every(Boolean)).toBe(true);
    await sameFrames(alice, bob, 'm');
    await sameFrames(alice, bob, 'agent_completed');
    await old.close();
  });

  it('WSSOT_DEP009: each snake_case name and its camelCase method on the same object', async () => {
    const { wss, alice, bob } = await serve(state);
    const shared = new WebSocketManager();
    const user = new IsolatedWebSocketManager('alice', 'c3');
    const factory = new WebSocketManagerFactory();
    compare([
      { what: 'get_connection_count', old: shared.get_connection_count(), replacement: shared.getConnectionCount() },
      { what: 'is_user_connected', old: shared.is_user_connected('alice'), replacement: shared.isUserConnected('alice') },
      { what: 'send_message', old: shared.send_message('alice', { type: 'm' }), replacement: shared.sendMessage('alice', { type: 'm' }) },
      { what: 'emit_critical_event', old: shape(shared.emit_critical_event('alice', 'agent_started', {})), replacement: shape(shared.emitCriticalEvent('alice', 'agent_started', {})) },
      { what: 'send_agent_event (user-bound)', old: shape(user.send_agent_event('progress', { p: 2 })), replacement: shape(user.sendAgentEvent('progress', { p: 2 })) },
      { what: 'create_isolated_manager', old: factory.create_isolated_manager('alice', 'r1'), replacement: factory.createIsolatedManager('alice', 'r1') },
      { what: 'get_active_connections_count', old: factory.get_active_connections_count(), replacement: factory.getActiveConnectionsCount() },
    ]);
    await sameFrames(alice, bob, 'm');
    await sameFrames(alice, bob, 'agent_started');
    await factory.close();
    expect(wss.legacy.usage().WSSOT_DEP009.calls).toBeGreaterThanOrEqual(7);
  });

  it('WSSOT_DEP010: emitCriticalEvent(type, data) on a user-bound shared manager, the isolated manager and wss.manager with the user', async () => {
    const { wss, alice, bob } = await serve(state);
    const old = new WebSocketManager({ userContext: { userId: 'alice' } }).emitCriticalEvent('agent_thinking', { t: 1 });
    const isolated = wss.factory.createIsolatedManager('alice', 'c4').emitCriticalEvent('agent_thinking', { t: 1 });
    const manager = wss.manager.emitCriticalEvent('alice', 'agent_thinking', { t: 1 });
    compare([
      { what: 'isolated.emitCriticalEvent(type, data)', old: shape(old), replacement: shape(isolated) },
      { what: 'wss.manager.emitCriticalEvent(userId, type, data)', old: shape(old), replacement: shape(manager) },
    ]);
    expect([isolated.seq, manager.seq]).toEqual([old.seq + 1, old.seq + 2]);
    for (const tab of alice) expect((await tab.waitForCount((f) => f.type === 'agent_thinking', 3)).map((f) => f['seq'])).toEqual([old.seq, old.seq + 1, old.seq + 2]);
    expect(bob.frames.filter((f) => f.type === 'agent_thinking')).toEqual([]);
  });
});
