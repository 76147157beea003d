import { afterEach, describe, expect, it } from 'vitest';
import {
  ConnectionManager,
  ConnectionScopedWebSocketManager,
  getWebSocketManager,
  get_websocket_manager,
  IsolatedWebSocketManager,
  LegacyManagerFacade,
  LegacyUserBoundManager,
  UnifiedWebSocketManager,
  WebSocketManager,
  WebSocketManagerAdapter,
  WebSocketManagerFactory,
} from '../../legacy/index.js';
import { boundLegacyServer } from '../../legacy/index.js';
import { IsolatedManager, StaticFlagSource, type WebSocketManagerProtocol } from '../../src/index.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

/** A server with both paths populated: alice on legacy and on SSOT, bob on legacy. */
async function twoPaths(flags: { unified?: boolean; factory?: boolean } = {}) {
  const source = new StaticFlagSource({ ssot: false, ...flags });
  h = await startHarness({ flags: source });
  const aliceLegacy = await h.connectReady('alice');
  const bob = await h.connectReady('bob');
  source.set({ ssot: true });
  const aliceSsot = await h.connectReady('alice');
  source.set({ ssot: false });
  h.wss.legacy.bindGlobal();
  return { h, aliceLegacy, aliceSsot, bob, source };
}

// The compiler checks every process-wide adapter against the unified protocol.
const protocolChecks: Array<new () => WebSocketManagerProtocol> = [WebSocketManager, ConnectionManager, WebSocketManagerAdapter, UnifiedWebSocketManager];

describe('legacy adapters', () => {
  describe.each([
    ['WebSocketManager', WebSocketManager, 'WSSOT_DEP001'],
    ['ConnectionManager', ConnectionManager, 'WSSOT_DEP002'],
    ['WebSocketManagerAdapter', WebSocketManagerAdapter, 'WSSOT_DEP003'],
    ['UnifiedWebSocketManager (old path)', UnifiedWebSocketManager, 'WSSOT_DEP008'],
  ] as const)('%s', (_name, Adapter, code) => {
    it('works on the bound server, with lenient ids and old names, and counts its calls', async () => {
      const { aliceLegacy, aliceSsot, bob } = await twoPaths();
      const m = new Adapter();
      expect(m).toBeInstanceOf(LegacyManagerFacade);
      const before = h!.wss.legacy.usage()[code].calls;
      expect(m.sendMessage('alice', { type: 'hello' })).toBe(true);
      expect(m.send_message({ value: 'bob' } as never, { type: 'hello' })).toBe(true);
      expect(m.emitCriticalEvent('alice', 'agent_started', {})).toMatchObject({ seq: 1 });
      for (const c of [aliceLegacy, aliceSsot, bob]) await c.nextOfType('hello');
      for (const c of [aliceLegacy, aliceSsot]) expect(await c.nextOfType('agent_started')).toMatchObject({ seq: 1 });
      expect(h!.wss.legacy.usage()[code].calls).toBe(before + 3);
      expect(h!.wss.health().deprecations.WSSOT_DEP009).toBeGreaterThanOrEqual(1);
      const connectionId = [...h!.wss.legacy.manager.connections()].find((c) => c.userId === 'alice')!.id;
      expect(m.get_connection(connectionId)?.userId).toBe('alice');
      expect(m.getConnectionHealth(connectionId)).toMatchObject({ userId: 'alice', state: 'open' });
    });
  });

  describe('WS_ENABLE_UNIFIED', () => {
    it('off: calls go to the legacy path as is (its own view of connections)', async () => {
      await twoPaths({ unified: false });
      const m = new WebSocketManager();
      expect(m.getConnectionCount()).toBe(2);
      expect(m.isUserConnected(42)).toBe(false);
    });

    it('on: calls are translated onto the unified interface (answers cover both paths)', async () => {
      await twoPaths({ unified: true });
      const m = new WebSocketManager();
      expect(m.getConnectionCount()).toBe(3);
      expect(m.is_user_connected('alice')).toBe(true);
      const ssotId = h!.wss.manager.getUserConnections('alice').find((c) => c.path === 'ssot')!.id;
      expect(m.getConnection(ssotId)?.path).toBe('ssot');
    });
  });

  describe('emitCriticalEvent(type, data) on a user-bound adapter', () => {
    it('sends to the bound user (and counts WSSOT_DEP010); without a bound user it throws a coded error', async () => {
      const { aliceLegacy, bob } = await twoPaths();
      const m = new WebSocketManager({ userContext: { user_id: 'alice' } });
      expect(m.emitCriticalEvent('agent_thinking', { thought: 'hm' })).toMatchObject({ type: 'agent_thinking', seq: 1 });
      await aliceLegacy.nextOfType('agent_thinking');
      expect(h!.wss.legacy.usage().WSSOT_DEP010.calls).toBe(1);
      expect(() => new WebSocketManager().emitCriticalEvent('agent_thinking', {})).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_USER_REQUIRED' }));
      h!.wss.manager.sendMessage('bob', { type: 'marker' });
      await bob.nextOfType('marker');
      expect(bob.frames.some((f) => f.type === 'agent_thinking')).toBe(false);
    });
  });

  describe.each([
    ['IsolatedWebSocketManager', IsolatedWebSocketManager, 'WSSOT_DEP004'],
    ['ConnectionScopedWebSocketManager', ConnectionScopedWebSocketManager, 'WSSOT_DEP005'],
  ] as const)('%s', (_name, Adapter, code) => {
    it('is bound to one user: reaches all of that user’s tabs, never another user', async () => {
      const { aliceLegacy, aliceSsot, bob } = await twoPaths();
      const m = new Adapter(7 as never, 'c1');
      expect(m).toBeInstanceOf(LegacyUserBoundManager);
      const alice = new Adapter({ userId: 'alice' }, 'c1');
      expect(alice.emitCriticalEvent('agent_started', {})).toMatchObject({ seq: 1 });
      expect(alice.emit_critical_event('alice', 'agent_thinking', {})).toMatchObject({ seq: 2 });
      expect(alice.sendMessage({ type: 'note' })).toBe(true);
      for (const c of [aliceLegacy, aliceSsot]) {
        await c.nextOfType('agent_thinking');
        await c.nextOfType('note');
      }
      expect(alice.getConnectionCount()).toBe(2);
      expect(() => alice.sendMessage('bob', { type: 'leak' })).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_CROSS_USER' }));
      expect(() => alice.emitCriticalEvent('bob' as never, 'agent_started' as never, {} as never)).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_CROSS_USER' }));
      h!.wss.manager.sendMessage('bob', { type: 'marker' });
      await bob.nextOfType('marker');
      expect(bob.frames.some((f) => f.type === 'leak' || f.type === 'note' || f.type === 'agent_started')).toBe(false);
      expect(h!.wss.legacy.usage()[code].calls).toBeGreaterThanOrEqual(6);
    });

    it('goes through the factory with WS_ENABLE_FACTORY', async () => {
      await twoPaths({ factory: true });
      const alice = new Adapter('alice', 'conn-9');
      alice.sendMessage({ type: 'x' });
      expect(h!.wss.factory.getManagerByUser('alice')).toBeInstanceOf(IsolatedManager);
      expect(h!.wss.factory.getManagerByUser('alice')!.connectionId).toBe('conn-9');
    });

    it('keeps working past the factory cap when old code makes one adapter per socket and never cleans up', async () => {
      const { aliceLegacy } = await twoPaths({ factory: true });
      const cap = h!.wss.factory.options.maxManagersPerUser;
      for (let i = 0; i < cap + 5; i++) expect(new Adapter('alice', `socket-${i}`).sendMessage({ type: 'n', i })).toBe(true);
      const got = await aliceLegacy.waitForCount((f) => f.type === 'n', cap + 5);
      expect(got.map((f) => f.i)).toEqual(Array.from({ length: cap + 5 }, (_, i) => i));
    });

    it('past the factory cap, with WS_ENABLE_UNIFIED on, every send form reaches alice on both paths (and never bob)', async () => {
      const { aliceLegacy, aliceSsot, bob } = await twoPaths({ factory: true, unified: true });
      const cap = h!.wss.factory.options.maxManagersPerUser;
      for (let i = 0; i < cap; i++) new Adapter('alice', `socket-${i}`).sendMessage({ type: 'fill' });
      const over = new Adapter('alice', 'one-too-many');
      expect(over.sendMessage({ type: 'm' })).toBe(true);
      expect(over.sendAgentEvent('agent_thinking', { step: 1 })).toMatchObject({ type: 'agent_thinking' });
      expect(over.emitCriticalEvent('agent_completed', { result: 'ok' })).toMatchObject({ type: 'agent_completed' });
      for (const c of [aliceLegacy, aliceSsot]) {
        await c.nextOfType('m');
        await c.nextOfType('agent_thinking');
        await c.nextOfType('agent_completed');
      }
      expect(bob.frames.some((f) => f.type === 'm' || f.type === 'agent_thinking' || f.type === 'agent_completed')).toBe(false);
    });

    it('tells a new-form call with a string payload from the old (userId, …) form', async () => {
      const { aliceLegacy } = await twoPaths();
      const alice = new Adapter('alice', 'c1');
      expect(alice.sendMessage('hello', { delivery: 'droppable' })).toBe(true);
      expect(alice.sendAgentEvent('progress', '50%', { delivery: 'droppable' })).toMatchObject({ type: 'progress', data: '50%', transient: true });
      expect(alice.sendAgentEvent('alice', 'agent_started', { agent: 'a' })).toMatchObject({ type: 'agent_started', data: { agent: 'a' } });
      await aliceLegacy.waitForCount((f) => (f as unknown) === 'hello', 1);
      await aliceLegacy.nextOfType('agent_started');
    });

    it('has the rest of the old unified interface, scoped to its user (camelCase and snake_case)', async () => {
      const { aliceLegacy, aliceSsot, bob } = await twoPaths();
      const alice = new Adapter('alice', 'c1');
      expect(alice.broadcast_message({ type: 'to-me' })).toBe(2); // alice's connections, not everyone's
      for (const c of [aliceLegacy, aliceSsot]) await c.nextOfType('to-me');
      const mine = h!.wss.manager.getUserConnections('alice')[0]!;
      const bobs = h!.wss.manager.getUserConnections('bob')[0]!;
      expect(alice.get_connection(mine.id)?.userId).toBe('alice');
      expect(alice.getConnection(bobs.id)).toBeUndefined();
      expect(alice.get_connection_health(mine.id)).toMatchObject({ userId: 'alice' });
      expect(() => alice.remove_connection(bobs.id)).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_CROSS_USER' }));
      expect(() => alice.remove_connection('bob')).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_CROSS_USER' }));
      expect(alice.removeConnection(mine.id, 1000, 'bye')).toBe(1);
      expect(await aliceLegacy.closed).toMatchObject({ code: 1000, reason: 'bye' }); // the oldest of alice's connections
      h!.wss.manager.sendMessage('bob', { type: 'marker' });
      await bob.nextOfType('marker');
      expect(bob.frames.some((f) => f.type === 'to-me')).toBe(false);
      expect(h!.wss.manager.getUserConnectionCount('bob')).toBe(1);
    });

    it('refuses a missing user with a coded error', () => {
      expect(() => new Adapter(undefined as never)).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_INVALID_USER_ID' }));
    });
  });

  describe('getWebSocketManager()', () => {
    it('throws a coded error until the app binds a server', async () => {
      h = await startHarness();
      expect(boundLegacyServer()).toBeNull();
      expect(() => getWebSocketManager()).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_LEGACY_NOT_BOUND' }));
      expect(() => new WebSocketManager().getConnectionCount()).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_LEGACY_NOT_BOUND' }));
    });

    it('returns the shared manager without WS_ENABLE_FACTORY, a user-bound one with it', async () => {
      const { source, aliceLegacy } = await twoPaths();
      const shared = getWebSocketManager({ userId: 'alice' });
      expect(shared).toBeInstanceOf(LegacyManagerFacade);
      (shared as LegacyManagerFacade).emitCriticalEvent('agent_started', {});
      await aliceLegacy.nextOfType('agent_started');
      source.set({ factory: true });
      const bound = get_websocket_manager({ user_id: 'alice', websocket_connection_id: 'ws-1' });
      expect(bound).toBeInstanceOf(LegacyUserBoundManager);
      expect((bound as LegacyUserBoundManager).connectionId).toBe('ws-1');
      expect(getWebSocketManager()).toBeInstanceOf(LegacyManagerFacade); // no user: nothing to isolate
      expect(h!.wss.legacy.usage().WSSOT_DEP006.calls).toBeGreaterThanOrEqual(3);
    });

    it('is unbound when its server closes', async () => {
      await twoPaths();
      expect(boundLegacyServer()).toBe(h!.wss);
      await h!.close();
      h = null;
      expect(boundLegacyServer()).toBeNull();
    });
  });

  describe('WebSocketManagerFactory (old path)', () => {
    it('keys its managers by user, as the old factory did, over the bound server, with lenient ids and the old names', async () => {
      const { aliceLegacy } = await twoPaths();
      const f = new WebSocketManagerFactory();
      const m = f.create_isolated_manager('alice', 1);
      expect(m).toBeInstanceOf(LegacyUserBoundManager);
      expect(f.createIsolatedManager('alice', '1')).toBe(m);
      // A fresh connection id per call (one per agent run) gets the user's manager again: never a new one, never a limit.
      expect(f.createIsolatedManager('alice', 'run-2')).toBe(m);
      expect(m.connectionId).toBe('1');
      expect(f.get_manager_by_user('alice')).toBe(m);
      m.emitCriticalEvent('agent_started', {});
      m.emit_critical_event('alice', 'agent_thinking', {});
      await aliceLegacy.nextOfType('agent_started');
      await aliceLegacy.nextOfType('agent_thinking');
      expect(f.get_active_connections_count()).toBe(2);
      expect(f.getManagerCount()).toBe(1);
      expect(f.cleanup_manager('alice')).toBe(1);
      expect(f.getManagerByUser('alice')).toBeUndefined();
      const next = f.createIsolatedManager('alice', 'run-3');
      expect(next).not.toBe(m);
      expect(next.connectionId).toBe('run-3');
      expect(h!.wss.legacy.usage().WSSOT_DEP007.calls).toBeGreaterThanOrEqual(8);
      await f.close();
    });

    it('hands out a new manager once the user\'s one was idle longer than idleTimeoutMs (the old _connection_timeout)', async () => {
      await twoPaths();
      let now = 1_000;
      const f = new WebSocketManagerFactory({ idleTimeoutMs: 100, now: () => now });
      const m = f.createIsolatedManager('alice', 'a');
      now += 100;
      expect(f.createIsolatedManager('alice', 'b')).toBe(m);
      now += 101;
      expect(m.is_expired()).toBe(true);
      expect(f.getManagerByUser('alice')).toBeUndefined();
      const fresh = f.createIsolatedManager('alice', 'c');
      expect(fresh).not.toBe(m);
      expect(fresh.isActive).toBe(true);
      // The expired object keeps working, as the old managers did: the factory only stopped handing it out.
      expect(m.sendMessage({ type: 'still works' })).toBe(true);
      await f.close();
      expect(fresh.isActive).toBe(false);
    });
  });

  it('every process-wide adapter satisfies WebSocketManagerProtocol', () => {
    expect(protocolChecks).toHaveLength(4);
  });
});
