import { afterEach, describe, expect, it } from 'vitest';
import { LegacySharedManager, type LegacyManagerDeps, type LegacyPathManager } from '../../legacy/index.js';
import { CloseCode, StaticFlagSource } from '../../src/index.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const onLegacy = (extra: Parameters<typeof startHarness>[0] = {}) => startHarness({ flags: new StaticFlagSource({ ssot: false }), ...extra });

describe('LegacySharedManager', () => {
  describe('lenient signatures', () => {
    it('accepts numeric and { value } ids', async () => {
      h = await onLegacy();
      const c = await h.connectReady('42');
      const m = h.wss.legacy.manager as LegacySharedManager;
      expect(m.isUserConnected(42)).toBe(true);
      expect(m.sendMessage(42, { type: 'n' })).toBe(true);
      expect(m.sendAgentEvent({ value: '42' } as never, 'custom_progress', { pct: 1 })).toMatchObject({ seq: 1 });
      expect(m.emitCriticalEvent(42, 'agent_started', {})).toMatchObject({ seq: 2 });
      await c.nextOfType('n');
      expect(await c.nextOfType('agent_started')).toMatchObject({ seq: 2 });
      expect(m.getUserConnection(42)?.path).toBe('legacy');
    });

    it('still refuses malformed ids and sockets with coded errors', async () => {
      h = await onLegacy();
      const m = h.wss.legacy.manager;
      expect(() => m.sendMessage(undefined as never, {})).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_INVALID_USER_ID' }));
      expect(() => m.getConnection(null as never)).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_INVALID_CONNECTION_ID' }));
      expect(() => m.addConnection('u', {} as never)).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_INVALID_SOCKET' }));
      expect(() => m.emitCriticalEvent('u', 'not_critical' as never, {} as never)).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_UNKNOWN_EVENT_TYPE' }));
    });
  });

  describe('one connection per user', () => {
    it('replaces the previous connection with 4010 and resumes the same stream', async () => {
      h = await onLegacy();
      const first = await h.connect('alice');
      const session = await first.nextOfType('session');
      h.wss.legacy.manager.emitCriticalEvent('alice', 'agent_started', {});
      await first.nextOfType('agent_started');
      const second = await h.connect('alice', `lastSeq=0&epoch=${String(session.epoch)}`);
      expect((await first.closed).code).toBe(CloseCode.REPLACED_BY_NEWER);
      expect(await second.nextOfType('agent_started')).toMatchObject({ seq: 1 });
      expect(await second.nextOfType('recovery')).toMatchObject({ recovered: true });
      expect(h.wss.legacy.manager.removeConnection('alice')).toBe(1);
      expect((await second.closed).code).toBe(1000);
      expect(h.wss.legacy.manager.getConnectionCount()).toBe(0);
    });
  });

  describe('events', () => {
    it("sends the session frame before 'connection' listeners run, and survives a throwing listener", async () => {
      h = await onLegacy();
      const m = h.wss.legacy.manager as LegacySharedManager;
      m.on('connection', (connection) => {
        connection.socket.send(JSON.stringify({ type: 'hello-from-listener' }));
      });
      m.on('connection', () => {
        throw new Error('app listener bug');
      });
      const c = await h.connect('alice');
      expect((await c.next()).type).toBe('session');
      expect((await c.next()).type).toBe('hello-from-listener');
      expect(m.getConnectionCount()).toBe(1);
    });

    it("ignores another manager's connection in handleDisconnection", async () => {
      h = await startHarness();
      await h.connectReady('alice');
      const ssotConnection = h.wss.manager.getUserConnections('alice')[0]!;
      h.wss.legacy.manager.handleDisconnection(ssotConnection);
      expect(ssotConnection.closed).toBe(false);
      expect(h.wss.manager.getConnectionCount()).toBe(1);
    });
  });

  describe('heartbeat', () => {
    it('terminates a legacy peer that stops answering pings', async () => {
      h = await onLegacy({ heartbeatIntervalMs: 30 });
      const silent = await h.connect('alice', '', { autoPong: false });
      expect((await silent.closed).code).toBe(1006);
      expect(h.wss.legacy.manager.getConnectionCount()).toBe(0);
    });
  });

  describe('standalone', () => {
    it('works without a server, on a store of its own, and closes idempotently', () => {
      const m = new LegacySharedManager();
      expect(m.getConnectionCount()).toBe(0);
      expect(m.sendAgentEvent(1, 'custom', {})).toMatchObject({ seq: 1 });
      expect(m.broadcastMessage({ type: 'x' })).toBe(0);
      expect(m.close()).toEqual([]);
      expect(m.close()).toEqual([]);
    });
  });
});

describe('createLegacyManager', () => {
  it('plugs a team’s own old manager in as the legacy path', async () => {
    const built: LegacyManagerDeps[] = [];
    h = await onLegacy({
      createLegacyManager: (deps): LegacyPathManager => {
        built.push(deps);
        return new LegacySharedManager(deps);
      },
    });
    await h.connectReady('alice');
    expect(built).toHaveLength(1);
    // The one registry and send path of the server: seq, log and fan-out are shared with the SSOT path.
    expect(built[0]!.manager).toBe(h.wss.manager);
    expect(built[0]!.manager.store).toBe(h.wss.store);
    expect(h.wss.connectionsByPath().legacy).toBe(1);
  });

  it('is validated', async () => {
    await expect(onLegacy({ createLegacyManager: 42 as never })).rejects.toMatchObject({ code: 'WSSOT_ERR_INVALID_OPTION', field: 'createLegacyManager' });
  });
});
