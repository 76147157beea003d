/**
 * The per-call part of a legacy object (server resolution, flag decision, usage count) is evaluated on every
 * call, so what changes between two calls on the same object (the global binding, a flag) applies at once.
 */
import http from 'node:http';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMigrationServer, IsolatedWebSocketManager, WebSocketManager, type MigrationServer } from '../../legacy/index.js';
import { CompositeFlagSource, EnvFlagSource, StaticFlagSource, type FlagSource } from '../../src/index.js';

const servers: MigrationServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A server that is never listened on: managers, flags and usage are all a legacy call touches here. */
function server(flags: FlagSource): MigrationServer {
  const wss = createMigrationServer({ server: http.createServer(), authenticate: () => null, logger: pino({ level: 'silent' }), heartbeatIntervalMs: 0, flags });
  servers.push(wss);
  return wss;
}

/** Which manager each sendMessage reached: 'unified' (wss.manager) or 'legacy' (the legacy path manager). */
function watchTargets(wss: MigrationServer): string[] {
  const seen: string[] = [];
  const unified = wss.manager.sendMessage.bind(wss.manager);
  const legacy = wss.legacy.manager.sendMessage.bind(wss.legacy.manager);
  // The legacy path sends through the canonical send path: a call that entered through it counts as 'legacy' only.
  let inLegacy = false;
  vi.spyOn(wss.manager, 'sendMessage').mockImplementation((...args) => (inLegacy || seen.push('unified'), unified(...args)));
  vi.spyOn(wss.legacy.manager, 'sendMessage').mockImplementation((...args) => {
    seen.push('legacy');
    inLegacy = true;
    try {
      return legacy(...args);
    } finally {
      inLegacy = false;
    }
  });
  return seen;
}

describe('legacy dispatch, per call', () => {
  it('a WS_ENABLE_UNIFIED flip through setFlags is seen by the next call on the same object', () => {
    const wss = server(new CompositeFlagSource({ bootstrap: new StaticFlagSource({ unified: true }) }));
    const seen = watchTargets(wss);
    const m = new WebSocketManager({ server: wss });
    const bound = new WebSocketManager({ server: wss, userContext: { userId: 'alice' } });
    m.sendMessage('alice', { type: 'a' });
    bound.sendMessage('alice', { type: 'a' });
    wss.setFlags({ unified: false });
    m.sendMessage('alice', { type: 'b' });
    bound.sendMessage('alice', { type: 'b' });
    wss.setFlags({ unified: true });
    m.sendMessage(7, { type: 'c' });
    expect(seen).toEqual(['unified', 'unified', 'legacy', 'legacy', 'unified']);
  });

  it('a rollback through the environment layer (WS_ENABLE_UNIFIED=false, reloaded) is seen by the next call', () => {
    const vars: NodeJS.ProcessEnv = {};
    const env = new EnvFlagSource({ env: vars });
    const wss = server(new CompositeFlagSource({ env, bootstrap: new StaticFlagSource({ unified: true }) }));
    const seen = watchTargets(wss);
    const m = new WebSocketManager({ server: wss });
    m.sendMessage('alice', { type: 'a' });
    vars.WS_ENABLE_UNIFIED = 'false';
    env.reload();
    m.sendMessage('alice', { type: 'b' });
    delete vars.WS_ENABLE_UNIFIED;
    env.reload();
    m.sendMessage('alice', { type: 'c' });
    expect(seen).toEqual(['unified', 'legacy', 'unified']);
  });

  it('a user-bound object follows WS_ENABLE_FACTORY and WS_ENABLE_UNIFIED from one call to the next', () => {
    const wss = server(new CompositeFlagSource({ bootstrap: new StaticFlagSource({ factory: true, unified: true }) }));
    const seen = watchTargets(wss);
    const created = vi.spyOn(wss.factory, 'createIsolatedManager');
    const user = new IsolatedWebSocketManager('alice', 'c1', { server: wss });
    user.sendMessage({ type: 'a' });
    user.sendAgentEvent('agent_started', { run: 1 });
    user.emitCriticalEvent('agent_completed', { result: 'ok' });
    expect(created).toHaveBeenCalledTimes(3); // each call through the factory's isolated manager for (alice, c1)
    seen.length = 0; // (which sends through wss.manager itself)
    wss.setFlags({ factory: false });
    user.sendMessage({ type: 'b' });
    wss.setFlags({ unified: false });
    user.sendMessage('alice', { type: 'c' });
    wss.setFlags({ unified: true });
    user.sendMessage({ type: 'd' }, { delivery: 'droppable' });
    expect(seen).toEqual(['unified', 'legacy', 'unified']);
    expect(created).toHaveBeenCalledTimes(3);
  });

  it('asks the flag source on every call, with the user the call names, else the bound user (none for an unbound object)', () => {
    const asked: Array<[string, string | undefined]> = [];
    const recording: FlagSource = {
      name: 'recording',
      isEnabled: (flag, context) => (asked.push([flag, context?.userId]), true),
      status: () => ({ source: 'recording', ready: true, stale: false, lastSyncAt: null }),
      onChange: () => () => {},
      close: async () => {},
    };
    const wss = server(new CompositeFlagSource({ primary: recording }));
    const unbound = new WebSocketManager({ server: wss });
    const bound = new WebSocketManager({ server: wss, userContext: { user_id: 7 } });
    const user = new IsolatedWebSocketManager('alice', 'c1', { server: wss });
    for (let i = 0; i < 2; i++) {
      unbound.sendMessage('bob', { type: 'x' });
      bound.sendMessage('7', { type: 'x' });
    }
    user.getConnectionCount(); // no flag involved
    // A call that names a user is asked for that user (a rollout by userId answers for bob, not for "no user").
    expect(asked).toEqual([['unified', 'bob'], ['unified', '7'], ['unified', 'bob'], ['unified', '7']]);
    asked.length = 0;
    bound.sendAgentEvent('carol', 'agent_thinking', {});
    bound.emitCriticalEvent(8, 'agent_started', {});
    bound.emitCriticalEvent('agent_started', {}); // the old user-less form: the bound user
    unbound.isUserConnected('dave');
    unbound.broadcastMessage({ type: 'x' }); // names no user
    bound.broadcastMessage({ type: 'x' }); // names no user: the bound one
    unbound.getConnectionCount();
    expect(asked).toEqual([['unified', 'carol'], ['unified', '8'], ['unified', '7'], ['unified', 'dave'], ['unified', undefined], ['unified', '7'], ['unified', undefined]]);
    asked.length = 0;
    user.sendMessage({ type: 'x' });
    user.sendMessage({ type: 'x' });
    expect(asked).toEqual([['factory', 'alice'], ['factory', 'alice']]);
  });

  it('counts each call on the server bound at the time of the call, and throws once none is bound', () => {
    const a = server(new StaticFlagSource({}));
    const b = server(new StaticFlagSource({}));
    a.legacy.bindGlobal();
    const m = new WebSocketManager(); // counted on a (its construction)
    const user = new IsolatedWebSocketManager('alice', 'c1'); // counted on a
    const before = { a: a.legacy.usage(), b: b.legacy.usage() };
    m.sendMessage('alice', { type: 'x' });
    user.sendMessage({ type: 'x' });
    b.legacy.bindGlobal();
    m.sendMessage('alice', { type: 'x' });
    m.sendMessage('alice', { type: 'x' });
    user.sendMessage({ type: 'x' });
    a.legacy.bindGlobal();
    m.sendMessage('alice', { type: 'x' });
    const calls = (wss: MigrationServer, was: typeof before.a, code: 'WSSOT_DEP001' | 'WSSOT_DEP004'): number => wss.legacy.usage()[code].calls - was[code].calls;
    expect([calls(a, before.a, 'WSSOT_DEP001'), calls(b, before.b, 'WSSOT_DEP001')]).toEqual([2, 2]);
    expect([calls(a, before.a, 'WSSOT_DEP004'), calls(b, before.b, 'WSSOT_DEP004')]).toEqual([1, 1]);
    a.legacy.unbindGlobal();
    expect(() => m.sendMessage('alice', { type: 'x' })).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_LEGACY_NOT_BOUND' }));
    expect(a.legacy.usage().WSSOT_DEP001.calls - before.a.WSSOT_DEP001.calls).toBe(2);
  });
});
