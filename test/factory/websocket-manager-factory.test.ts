import { afterEach, describe, expect, it } from 'vitest';
import { IsolatedManager, isWsSsotError, WebSocketManagerFactory, type IsolationTarget } from '../../src/index.js';
import { startHarness, type Harness } from '../support/harness.js';

/** A canonical-manager stand-in recording which user each call addressed. */
function recordingTarget(): IsolationTarget & { calls: Array<[string, string]> } {
  const calls: Array<[string, string]> = [];
  return {
    calls,
    sendMessage: (userId) => (calls.push(['sendMessage', userId]), true),
    sendAgentEvent: (userId, type) => (calls.push(['sendAgentEvent', userId]), { v: 1, type, seq: 1, ts: 0, data: {} }),
    emitCriticalEvent: ((userId: string, type: string) => (calls.push(['emitCriticalEvent', userId]), { v: 1, type, seq: 1, ts: 0, data: {} })) as IsolationTarget['emitCriticalEvent'],
    getReachableConnectionCount: (userId) => (userId === 'alice' ? 2 : userId === 'bob' ? 1 : 0),
  };
}

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

const factories: WebSocketManagerFactory[] = [];
function makeFactory(target: IsolationTarget, options: ConstructorParameters<typeof WebSocketManagerFactory>[1] = {}) {
  const f = new WebSocketManagerFactory(target, options);
  factories.push(f);
  return f;
}

let h: Harness | null = null;
afterEach(async () => {
  await Promise.all(factories.splice(0).map((f) => f.close()));
  await h?.close();
  h = null;
});

describe('WebSocketManagerFactory', () => {
  describe('#createIsolatedManager', () => {
    it('returns the same object for the same user and connection, and a new one per connection', () => {
      const f = makeFactory(recordingTarget());
      const a = f.createIsolatedManager('alice', 'c1');
      expect(a).toBeInstanceOf(IsolatedManager);
      expect(f.createIsolatedManager('alice', 'c1')).toBe(a);
      const b = f.createIsolatedManager('alice', 'c2');
      expect(b).not.toBe(a);
      expect(f.getManagerCount()).toBe(2);
      expect(f.getUserCount()).toBe(1);
    });

    it('binds every method to its user: no method takes a user id', () => {
      const target = recordingTarget();
      const f = makeFactory(target);
      const m = f.createIsolatedManager('alice', 'c1');
      m.sendMessage({ type: 'x' });
      m.sendAgentEvent('progress', {});
      m.emitCriticalEvent('agent_started', {});
      expect(target.calls.map(([, user]) => user)).toEqual(['alice', 'alice', 'alice']);
      expect(m.getConnectionCount()).toBe(2);
      expect(m.isConnected()).toBe(true);
      expect(Object.getOwnPropertyNames(IsolatedManager.prototype).filter((n) => n !== 'constructor').sort()).toEqual(
        ['emitCriticalEvent', 'getConnectionCount', 'isActive', 'isConnected', 'lastUsedAt', 'sendAgentEvent', 'sendMessage'],
      );
    });

    it('throws coded errors for invalid arguments, never undefined-property errors', () => {
      const f = makeFactory(recordingTarget());
      const cases: Array<[unknown, unknown, string]> = [
        [undefined, 'c1', 'WSSOT_ERR_INVALID_USER_ID'],
        ['', 'c1', 'WSSOT_ERR_INVALID_USER_ID'],
        [42, 'c1', 'WSSOT_ERR_INVALID_USER_ID'],
        [{}, 'c1', 'WSSOT_ERR_INVALID_USER_ID'],
        ['alice', null, 'WSSOT_ERR_INVALID_CONNECTION_ID'],
        ['alice', '', 'WSSOT_ERR_INVALID_CONNECTION_ID'],
      ];
      for (const [user, connection, code] of cases) {
        let caught: unknown;
        try {
          f.createIsolatedManager(user as string, connection as string);
        } catch (err) {
          caught = err;
        }
        expect(isWsSsotError(caught), `${String(user)}/${String(connection)}`).toBe(true);
        expect(caught).toMatchObject({ code, name: expect.stringMatching(/Error$/) });
      }
      expect(() => f.getManagerByUser(undefined as never)).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_INVALID_USER_ID' }));
      expect(() => f.cleanupManager(null as never)).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_INVALID_USER_ID' }));
    });

    it('caps managers per user (default 20) with ManagerLimitError, other users unaffected', () => {
      const f = makeFactory(recordingTarget());
      for (let i = 0; i < 20; i++) f.createIsolatedManager('alice', `c${i}`);
      expect(() => f.createIsolatedManager('alice', 'c20')).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_MANAGER_LIMIT', limit: 20, userId: 'alice' }));
      expect(f.createIsolatedManager('alice', 'c3')).toBeInstanceOf(IsolatedManager);
      expect(f.createIsolatedManager('bob', 'c1')).toBeInstanceOf(IsolatedManager);
      const small = makeFactory(recordingTarget(), { maxManagersPerUser: 2 });
      small.createIsolatedManager('alice', 'a');
      small.createIsolatedManager('alice', 'b');
      expect(() => small.createIsolatedManager('alice', 'c')).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_MANAGER_LIMIT', limit: 2 }));
    });

    it('needs the manager it sends through: a coded error without one, never an undefined property later', () => {
      expect(() => new (WebSocketManagerFactory as unknown as new () => WebSocketManagerFactory)()).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_INVALID_OPTION', field: 'target' }));
      expect(() => new WebSocketManagerFactory({} as never)).toThrow(expect.objectContaining({ field: 'target' }));
    });

    it('validates its options with a coded error naming the field', () => {
      expect(() => new WebSocketManagerFactory(recordingTarget(), { maxManagersPerUser: 0 })).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_INVALID_OPTION', field: 'factory.maxManagersPerUser' }));
      expect(() => new WebSocketManagerFactory(recordingTarget(), { idleTimeoutMs: -1 })).toThrow(expect.objectContaining({ field: 'factory.idleTimeoutMs' }));
    });
  });

  describe('expiry', () => {
    it('expires a manager idle longer than idleTimeoutMs (default 30 min); use restarts the idle clock', () => {
      const c = clock();
      const f = makeFactory(recordingTarget(), { now: c.now });
      expect(f.options.idleTimeoutMs).toBe(30 * 60_000);
      const m = f.createIsolatedManager('alice', 'c1');
      c.t += 29 * 60_000;
      m.sendMessage({});
      c.t += 29 * 60_000;
      expect(f.getManagerByUser('alice')).toBe(m);
      c.t += 30 * 60_000 + 1;
      expect(f.getManagerByUser('alice')).toBeUndefined();
      expect(m.isActive).toBe(false);
      expect(() => m.sendMessage({})).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_MANAGER_EXPIRED' }));
      const fresh = f.createIsolatedManager('alice', 'c1');
      expect(fresh).not.toBe(m);
    });

    it('an expired manager refuses use lazily, even before a sweep', () => {
      const c = clock();
      const f = makeFactory(recordingTarget(), { now: c.now, idleTimeoutMs: 1_000 });
      const m = f.createIsolatedManager('alice', 'c1');
      c.t += 1_001;
      expect(() => m.emitCriticalEvent('agent_started', {})).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_MANAGER_EXPIRED' }));
      expect(f.getManagerCount()).toBe(0);
    });

    it('sweep() expires idle managers across users and frees their slots under the cap', () => {
      const c = clock();
      const f = makeFactory(recordingTarget(), { now: c.now, idleTimeoutMs: 1_000, maxManagersPerUser: 1 });
      f.createIsolatedManager('alice', 'a');
      f.createIsolatedManager('bob', 'b');
      c.t += 500;
      f.getManagerByUser('bob')!.sendMessage({});
      c.t += 600;
      expect(f.sweep()).toBe(1);
      expect(f.getManagerByUser('alice')).toBeUndefined();
      expect(f.getManagerByUser('bob')).toBeDefined();
      c.t += 2_000;
      expect(f.createIsolatedManager('bob', 'b2')).toBeInstanceOf(IsolatedManager); // the idle one no longer counts
    });
  });

  describe('#getManagerByUser', () => {
    it('returns the most recently created or returned manager, as the same object, without allocating', () => {
      const f = makeFactory(recordingTarget());
      const a = f.createIsolatedManager('alice', 'c1');
      const b = f.createIsolatedManager('alice', 'c2');
      expect(f.getManagerByUser('alice')).toBe(b);
      f.createIsolatedManager('alice', 'c1');
      expect(f.getManagerByUser('alice')).toBe(a);
      expect(f.getManagerByUser('nobody')).toBeUndefined();
      for (let i = 0; i < 1_000; i++) f.getManagerByUser('alice');
      expect(f.getManagerByUser('alice')).toBe(a);
    });
  });

  describe('#cleanupManager', () => {
    it('disposes all of a user’s managers, or one', () => {
      const f = makeFactory(recordingTarget());
      const a = f.createIsolatedManager('alice', 'c1');
      const b = f.createIsolatedManager('alice', 'c2');
      expect(f.cleanupManager('alice', 'c2')).toBe(1);
      expect(b.isActive).toBe(false);
      expect(f.getManagerByUser('alice')).toBe(a);
      expect(f.cleanupManager('alice')).toBe(1);
      expect(f.cleanupManager('alice')).toBe(0);
      expect(() => a.sendMessage({})).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_MANAGER_EXPIRED' }));
    });
  });

  describe('#getActiveConnectionsCount', () => {
    it('sums the connections of the users it holds managers for, each user once', () => {
      const f = makeFactory(recordingTarget());
      f.createIsolatedManager('alice', 'c1');
      f.createIsolatedManager('alice', 'c2');
      f.createIsolatedManager('bob', 'c1');
      expect(f.getActiveConnectionsCount()).toBe(3);
    });
  });

  describe('#close', () => {
    it('disposes every manager, refuses new ones, and is idempotent', async () => {
      const f = makeFactory(recordingTarget());
      const m = f.createIsolatedManager('alice', 'c1');
      await f.close();
      await f.close();
      expect(m.isActive).toBe(false);
      expect(() => f.createIsolatedManager('alice', 'c1')).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_CLOSED' }));
    });
  });

  describe('on a server (real sockets)', () => {
    it('an isolated manager of alice delivers to all of alice’s tabs, on both paths, and never to bob', async () => {
      h = await startHarness();
      const aliceSsot = await h.connectReady('alice');
      h.wss.setFlags({ ssot: false });
      const aliceLegacy = await h.connectReady('alice');
      const bob = await h.connectReady('bob');
      const alice = h.wss.factory.createIsolatedManager('alice', 'conn-1');
      expect(alice.getConnectionCount()).toBe(2);
      expect(h.wss.factory.getActiveConnectionsCount()).toBe(2);
      alice.emitCriticalEvent('agent_started', { agent: 'triage' });
      alice.sendMessage({ type: 'note' });
      for (const tab of [aliceSsot, aliceLegacy]) {
        expect(await tab.nextOfType('agent_started')).toMatchObject({ seq: 1 });
        await tab.nextOfType('note');
      }
      h.wss.manager.sendMessage('bob', { type: 'marker' });
      await bob.nextOfType('marker');
      expect(bob.frames.some((f) => f.type === 'agent_started' || f.type === 'note')).toBe(false);
    });

    it('the server factory uses the server’s factory options and closes with the server', async () => {
      h = await startHarness({ factory: { maxManagersPerUser: 1 } });
      const m = h.wss.factory.createIsolatedManager('alice', 'c1');
      expect(() => h!.wss.factory.createIsolatedManager('alice', 'c2')).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_MANAGER_LIMIT' }));
      await h.close();
      h = null;
      expect(m.isActive).toBe(false);
    });
  });
});
