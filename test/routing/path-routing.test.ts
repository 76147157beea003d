import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode, CompositeFlagSource, EnvFlagSource, StaticFlagSource, type FlagSource } from '../../src/index.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const legacyFlags = () => new StaticFlagSource({ ssot: false });

describe('WsSsotServer routing', () => {
  describe('WS_ENABLE_SSOT off: the legacy path', () => {
    it('serves every connection on the legacy path; the last connection of a user replaces the previous (4010)', async () => {
      h = await startHarness({ flags: legacyFlags() });
      const first = await h.connectReady('alice');
      expect(h.wss.connectionsByPath()).toEqual({ ssot: 0, legacy: 1 });
      const second = await h.connectReady('alice');
      expect((await first.closed).code).toBe(CloseCode.REPLACED_BY_NEWER);
      expect(h.wss.connectionsByPath()).toEqual({ ssot: 0, legacy: 1 });
      h.wss.manager.emitCriticalEvent('alice', 'agent_started', {});
      expect(await second.nextOfType('agent_started')).toMatchObject({ seq: 1 });
    });

    it('has no per-user limit: never refuses with 429', async () => {
      h = await startHarness({ flags: legacyFlags(), maxConnectionsPerUser: 1 });
      const clients = [];
      for (let i = 0; i < 4; i++) clients.push(await h.connectReady('alice'));
      for (const c of clients.slice(0, 3)) expect((await c.closed).code).toBe(CloseCode.REPLACED_BY_NEWER);
      expect(h.wss.legacy.manager.getConnectionCount()).toBe(1);
    });

    it('is the default when no flag is set (every flag off)', async () => {
      h = await startHarness({ flags: new CompositeFlagSource({ env: new EnvFlagSource({ env: {} }) }) });
      await h.connectReady('alice');
      expect(h.wss.connectionsByPath()).toEqual({ ssot: 0, legacy: 1 });
      expect(h.wss.health()).toMatchObject({ flags: { ssot: false, unified: false, factory: false }, legacy: true });
    });

    it('an environment WS_ENABLE_SSOT=false wins over an app’s own flag source', async () => {
      const alwaysOn: FlagSource = { name: 'remote', isEnabled: () => true, status: () => ({ source: 'remote', ready: true, stale: false, lastSyncAt: null }), onChange: () => () => {}, close: async () => {} };
      const saved = process.env.WS_ENABLE_SSOT;
      process.env.WS_ENABLE_SSOT = 'false';
      try {
        h = await startHarness({ flags: alwaysOn });
      } finally {
        if (saved === undefined) delete process.env.WS_ENABLE_SSOT;
        else process.env.WS_ENABLE_SSOT = saved;
      }
      await h.connectReady('alice');
      expect(h.wss.connectionsByPath()).toEqual({ ssot: 0, legacy: 1 });
      expect(h.wss.flagValues()).toEqual({ ssot: false, unified: true, factory: true });
    });

    it('an environment WS_ENABLE_SSOT=false wins over flags set in code', async () => {
      const flags = new CompositeFlagSource({ env: new EnvFlagSource({ env: { WS_ENABLE_SSOT: 'false' } }), bootstrap: new StaticFlagSource({ ssot: true }) });
      h = await startHarness({ flags });
      await h.connectReady('alice');
      expect(h.wss.connectionsByPath()).toEqual({ ssot: 0, legacy: 1 });
    });
  });

  describe('WS_ENABLE_SSOT on: the SSOT path', () => {
    it('keeps every tab (limit 10) and refuses the 11th with 429', async () => {
      h = await startHarness({ flags: new StaticFlagSource({ ssot: true }) });
      const tabs = await Promise.all(Array.from({ length: 10 }, () => h!.connectReady('alice')));
      expect(h.wss.connectionsByPath()).toEqual({ ssot: 10, legacy: 0 });
      await expect(h.connect('alice')).rejects.toMatchObject({ status: 429 });
      h.wss.manager.emitCriticalEvent('alice', 'agent_started', {});
      for (const tab of tabs) expect(await tab.nextOfType('agent_started')).toMatchObject({ seq: 1 });
    });
  });

  describe('#setFlags', () => {
    it('moves new connections only; one event reaches both paths with one seq', async () => {
      h = await startHarness({ flags: legacyFlags() });
      const onLegacy = await h.connectReady('alice');
      expect(h.wss.setFlags({ ssot: true })).toMatchObject({ ssot: true });
      const onSsot = await h.connectReady('alice');
      expect(h.wss.connectionsByPath()).toEqual({ ssot: 1, legacy: 1 });
      expect(onLegacy.ws.readyState).toBe(onLegacy.ws.OPEN);
      h.wss.manager.emitCriticalEvent('alice', 'agent_started', { n: 1 });
      h.wss.legacy.manager.emitCriticalEvent('alice', 'agent_thinking', { n: 2 });
      expect(h.wss.manager.sendMessage('alice', { type: 'note' })).toBe(true);
      for (const client of [onLegacy, onSsot]) {
        expect(await client.nextOfType('agent_started')).toMatchObject({ seq: 1 });
        expect(await client.nextOfType('agent_thinking')).toMatchObject({ seq: 2 });
        await client.nextOfType('note');
      }
      expect(h.wss.manager.broadcastMessage({ type: 'all' })).toBe(2);
      expect(h.wss.health()).toMatchObject({ connections: 2, users: 1, paths: { ssot: 1, legacy: 1 } });
    });

    it('throws a coded error when the flag source cannot be set from code', async () => {
      const readOnly: FlagSource = { name: 'remote', isEnabled: () => true, status: () => ({ source: 'remote', ready: true, stale: false, lastSyncAt: null }), onChange: () => () => {}, close: async () => {} };
      h = await startHarness({ flags: readOnly });
      expect(() => h!.wss.setFlags({ ssot: false })).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_FLAGS_READ_ONLY' }));
    });

    it('follows the source’s own changes (onChange) for new connections', async () => {
      const flags = legacyFlags();
      h = await startHarness({ flags });
      flags.set({ ssot: true });
      await h.connectReady('bob');
      expect(h.wss.connectionsByPath()).toEqual({ ssot: 1, legacy: 0 });
    });
  });

  describe('#drain', () => {
    it('closes the connections of the other path with 1012; they resume on the new path without a gap', async () => {
      h = await startHarness({ flags: legacyFlags() });
      const old = await h.connect('alice');
      const session = await old.nextOfType('session');
      const bob = await h.connectReady('bob');
      h.wss.manager.emitCriticalEvent('alice', 'agent_started', {});
      await old.nextOfType('agent_started');
      h.wss.setFlags({ ssot: true });
      const kept = await h.connectReady('carol');
      expect(h.wss.drain()).toBe(2);
      expect((await old.closed).code).toBe(CloseCode.SERVICE_RESTART);
      expect((await bob.closed).code).toBe(CloseCode.SERVICE_RESTART);
      expect(kept.ws.readyState).toBe(kept.ws.OPEN);
      // sent while alice is away: kept in the shared log
      h.wss.manager.emitCriticalEvent('alice', 'agent_thinking', {});
      const back = await h.connect('alice', `lastSeq=1&epoch=${String(session.epoch)}`);
      expect(await back.nextOfType('agent_thinking')).toMatchObject({ seq: 2 });
      expect(await back.nextOfType('recovery')).toMatchObject({ recovered: true, fromSeq: 2, toSeq: 2 });
      expect(h.wss.connectionsByPath()).toEqual({ ssot: 2, legacy: 0 });
      expect(h.wss.drain()).toBe(0);
      expect(await h.wss.metrics.text()).toMatch(/wssot_drained_connections_total\{trigger="manual",path="legacy"\} 2\b/);
    });

    it('drains a whole path on request, and validates its options', async () => {
      h = await startHarness({ flags: new StaticFlagSource({ ssot: true }) });
      const a = await h.connectReady('alice');
      expect(h.wss.drain({ path: 'ssot', reason: 'maintenance' })).toBe(1);
      expect(await a.closed).toEqual({ code: 1012, reason: 'maintenance' });
      expect(() => h!.wss.drain({ path: 'other' as never })).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_INVALID_OPTION' }));
    });
  });

  describe('#health and metrics', () => {
    it('reports flags, connections per path, legacy, and deprecation counts; /health/websocket serves it', async () => {
      h = await startHarness({ flags: legacyFlags() });
      await h.connectReady('alice');
      const res = await fetch(`http://127.0.0.1:${h.port}/health/websocket`);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ status: 'ok', flags: { ssot: false, unified: false, factory: false }, paths: { ssot: 0, legacy: 1 }, legacy: true });
      expect(body.deprecations).toMatchObject({ WSSOT_DEP001: 0, WSSOT_DEP006: 0 });
      h.wss.setFlags({ ssot: true });
      h.wss.drain();
      await h.clients[0]!.closed;
      expect(h.wss.health()).toMatchObject({ legacy: false, paths: { ssot: 0, legacy: 0 } });
    });

    it('counts every routing decision by path', async () => {
      h = await startHarness({ flags: legacyFlags() });
      await h.connectReady('alice');
      h.wss.setFlags({ ssot: true });
      await h.connectReady('bob');
      await h.connectReady('bob');
      const text = await h.wss.metrics.text();
      expect(text).toContain('wssot_routing_decisions_total{path="legacy"} 1');
      expect(text).toContain('wssot_routing_decisions_total{path="ssot"} 2');
      expect(text).toContain('wssot_connections{path="legacy"} 1');
    });

    it('health().flagSource shows the source status; metrics expose staleness and last sync', async () => {
      h = await startHarness({ flags: new StaticFlagSource({ ssot: true }) });
      expect(h.wss.health().flagSource).toMatchObject({ ready: true, stale: false });
      const metrics = await h.wss.metrics.text();
      expect(metrics).toContain('wssot_flag_source_stale 0');
      expect(metrics).toContain('wssot_flag_source_last_sync_timestamp_seconds');
    });
  });

  describe('#close', () => {
    it('closes the connections of both paths with 1001', async () => {
      h = await startHarness({ flags: legacyFlags() });
      const legacy = await h.connectReady('alice');
      h.wss.setFlags({ ssot: true });
      const ssot = await h.connectReady('bob');
      await h.wss.close();
      expect((await legacy.closed).code).toBe(1001);
      expect((await ssot.closed).code).toBe(1001);
    });
  });
});
