import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnifiedWebSocketManager, CloseCode, type WsSsotError } from '../../src/index.js';
import { silentLogger } from '../support/harness.js';
import { socketPairs, type SocketPairs } from '../support/socket-pair.js';

let pairs: SocketPairs;
let manager: UnifiedWebSocketManager;
beforeEach(async () => {
  pairs = await socketPairs();
  manager = new UnifiedWebSocketManager({ logger: silentLogger });
});
afterEach(async () => {
  manager.close();
  await pairs.close();
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as WsSsotError).code;
  }
  return undefined;
}

describe('UnifiedWebSocketManager', () => {
  describe('API misuse throws documented coded errors', () => {
    const badUserIds: unknown[] = ['', undefined, null, 42, {}, [], 'x'.repeat(257), Symbol('s')];

    it.each(badUserIds.map((v) => [String(typeof v === 'symbol' ? 'symbol' : JSON.stringify(v))?.slice(0, 20), v]))('rejects user id %s everywhere', (_label, bad) => {
      const b = bad as string;
      expect(codeOf(() => manager.sendMessage(b, {}))).toBe('WSSOT_ERR_INVALID_USER_ID');
      expect(codeOf(() => manager.sendAgentEvent(b, 'agent_started', {}))).toBe('WSSOT_ERR_INVALID_USER_ID');
      expect(codeOf(() => manager.emitCriticalEvent(b, 'agent_started', {}))).toBe('WSSOT_ERR_INVALID_USER_ID');
      expect(codeOf(() => manager.isUserConnected(b))).toBe('WSSOT_ERR_INVALID_USER_ID');
    });

    it('rejects unknown critical event types and reserved or malformed agent event types', () => {
      expect(codeOf(() => manager.emitCriticalEvent('u', 'agent_exploded' as 'agent_started', {}))).toBe('WSSOT_ERR_UNKNOWN_EVENT_TYPE');
      for (const t of ['', 'session', 'recovery', 'error', '1abc', 'has space', 'x'.repeat(65), 7, null]) {
        expect(codeOf(() => manager.sendAgentEvent('u', t as string, {}))).toBe('WSSOT_ERR_UNKNOWN_EVENT_TYPE');
      }
      expect(codeOf(() => manager.sendAgentEvent('u', 'ok', {}, { runId: '' }))).toBe('WSSOT_ERR_UNKNOWN_EVENT_TYPE');
    });

    it('rejects messages JSON cannot carry, without consuming a seq', () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      expect(codeOf(() => manager.sendMessage('u', undefined))).toBe('WSSOT_ERR_MESSAGE_NOT_SERIALIZABLE');
      expect(codeOf(() => manager.sendMessage('u', () => 1))).toBe('WSSOT_ERR_MESSAGE_NOT_SERIALIZABLE');
      expect(codeOf(() => manager.broadcastMessage({ n: 10n }))).toBe('WSSOT_ERR_MESSAGE_NOT_SERIALIZABLE');
      expect(codeOf(() => manager.sendAgentEvent('u', 'agent_thinking', cyclic))).toBe('WSSOT_ERR_MESSAGE_NOT_SERIALIZABLE');
      expect(manager.sendAgentEvent('u', 'agent_thinking', { ok: true }).seq).toBe(1);
    });

    it('rejects invalid connection ids and sockets', async () => {
      expect(codeOf(() => manager.getConnection(''))).toBe('WSSOT_ERR_INVALID_CONNECTION_ID');
      expect(codeOf(() => manager.getConnectionHealth(5 as unknown as string))).toBe('WSSOT_ERR_INVALID_CONNECTION_ID');
      expect(codeOf(() => manager.removeConnection(null as unknown as string))).toBe('WSSOT_ERR_INVALID_CONNECTION_ID');
      expect(codeOf(() => manager.addConnection('u', {} as never))).toBe('WSSOT_ERR_INVALID_SOCKET');
      expect(codeOf(() => manager.addConnection('u', null as never))).toBe('WSSOT_ERR_INVALID_SOCKET');
      const { server } = await pairs.open();
      manager.addConnection('u', server);
      expect(codeOf(() => manager.addConnection('u', server))).toBe('WSSOT_ERR_INVALID_SOCKET');
    });

    it('validates options and names the field', () => {
      const field = (options: object) => {
        try {
          new UnifiedWebSocketManager(options as never);
        } catch (err) {
          return [(err as WsSsotError).code, (err as { field?: string }).field];
        }
        return null;
      };
      expect(field({ maxConnectionsPerUser: 0 })).toEqual(['WSSOT_ERR_INVALID_OPTION', 'maxConnectionsPerUser']);
      expect(field({ maxConnectionsPerUser: 1.5 })).toEqual(['WSSOT_ERR_INVALID_OPTION', 'maxConnectionsPerUser']);
      expect(field({ connectionLimitPolicy: 'random' })).toEqual(['WSSOT_ERR_INVALID_OPTION', 'connectionLimitPolicy']);
      expect(field({ recovery: { maxAgeMs: -1 } })).toEqual(['WSSOT_ERR_INVALID_OPTION', 'recovery.maxAgeMs']);
      expect(field({ recovery: 'lots' })).toEqual(['WSSOT_ERR_INVALID_OPTION', 'recovery']);
    });
  });

  describe('#addConnection', () => {
    it('registers several connections per user and counts them', async () => {
      const a = await pairs.open();
      const b = await pairs.open();
      const c1 = manager.addConnection('alice', a.server);
      const c2 = manager.addConnection('alice', b.server);
      expect(c1.id).not.toBe(c2.id);
      expect(manager.getConnectionCount()).toBe(2);
      expect(manager.getUserCount()).toBe(1);
      expect(manager.isUserConnected('alice')).toBe(true);
      expect(manager.getConnection(c1.id)).toBe(c1);
      expect(manager.getConnectionHealth(c2.id)).toMatchObject({ connectionId: c2.id, userId: 'alice', state: 'open', alive: true });
      expect(manager.getConnectionHealth('no-such-id')).toBeUndefined();
    });

    it('throws ConnectionLimitError past maxConnectionsPerUser with reject-newest', async () => {
      const m = new UnifiedWebSocketManager({ logger: silentLogger, maxConnectionsPerUser: 1 });
      try {
        m.addConnection('alice', (await pairs.open()).server);
        const second = await pairs.open();
        expect(codeOf(() => m.addConnection('alice', second.server))).toBe('WSSOT_ERR_CONNECTION_LIMIT');
        expect(m.getUserConnectionCount('alice')).toBe(1);
      } finally {
        m.close();
      }
    });
  });

  describe('#removeConnection', () => {
    it('removes one connection by id or all of a user by user id, closing them with the given code', async () => {
      const a = await pairs.open();
      const b = await pairs.open();
      const c = await pairs.open();
      const ca = manager.addConnection('alice', a.server);
      manager.addConnection('alice', b.server);
      manager.addConnection('bob', c.server);
      expect(manager.removeConnection(ca.id, 4000, 'bye')).toBe(1);
      expect(await a.client.closed).toEqual({ code: 4000, reason: 'bye' });
      expect(manager.removeConnection('alice')).toBe(1);
      expect(manager.isUserConnected('alice')).toBe(false);
      expect(manager.removeConnection('nobody')).toBe(0);
      expect(manager.getConnectionCount()).toBe(1);
    });

    it('unregisters when the client closes', async () => {
      const a = await pairs.open();
      const connection = manager.addConnection('alice', a.server);
      const gone = new Promise((resolve) => manager.once('disconnection', resolve));
      a.client.ws.close(1000);
      expect(await gone).toBe(connection);
      expect(manager.getConnectionCount()).toBe(0);
    });
  });

  describe('#sendAgentEvent', () => {
    it('keeps events for a user with no connection (seq continues) within the log bounds', () => {
      manager.emitCriticalEvent('offline', 'agent_started', {});
      manager.emitCriticalEvent('offline', 'agent_completed', {});
      expect(manager.getUserSequence('offline').seq).toBe(2);
    });

    it('marks transient events and does not advance seq for them', async () => {
      const a = await pairs.open();
      manager.addConnection('alice', a.server);
      manager.emitCriticalEvent('alice', 'agent_started', {});
      const t = manager.sendAgentEvent('alice', 'agent_thinking', { thought: '…' }, { delivery: 'coalescible', runId: 'r1' });
      expect(t).toMatchObject({ seq: 1, transient: true, runId: 'r1' });
      const frame = await a.client.nextOfType('agent_thinking');
      expect(frame).toMatchObject({ seq: 1, transient: true, runId: 'r1' });
      expect(manager.emitCriticalEvent('alice', 'agent_completed', {}).seq).toBe(2);
    });
  });

  describe('#close', () => {
    it('closes every connection with 1001 and is safe to call twice', async () => {
      const a = await pairs.open();
      manager.addConnection('alice', a.server);
      manager.close();
      manager.close();
      expect((await a.client.closed).code).toBe(CloseCode.GOING_AWAY);
      expect(manager.getConnectionCount()).toBe(0);
    });
  });
});
