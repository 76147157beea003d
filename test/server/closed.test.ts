/**
 * Closed means closed: from the moment `close()` is called, every send, every admission, `setFlags` and
 * `drain` throw `ClosedError` (`WSSOT_ERR_CLOSED`) — on the server's manager, on the legacy path's manager,
 * on a standalone manager after its own close(), and through the factory — and nothing is sent, sequenced
 * or logged. Lookups keep answering, as for an empty server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LegacySharedManager } from '../../legacy/index.js';
import { ClosedError, CloseCode, UnifiedWebSocketManager, WebSocketManagerFactory } from '../../src/index.js';
import { silentLogger, startHarness, type Harness } from '../support/harness.js';
import { socketPairs, type SocketPairs } from '../support/socket-pair.js';

let h: Harness | null = null;
let pairs: SocketPairs | null = null;
const standalone: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const m of standalone.splice(0)) m.close();
  await pairs?.close();
  pairs = null;
  await h?.close();
  h = null;
});

const CLOSED = expect.objectContaining({ code: 'WSSOT_ERR_CLOSED', name: 'ClosedError' });

/** The sends of the protocol, each as a thunk on `m`. */
function sendsOf(m: Pick<UnifiedWebSocketManager, 'sendMessage' | 'broadcastMessage' | 'sendAgentEvent' | 'emitCriticalEvent'>): Record<string, () => unknown> {
  return {
    sendMessage: () => m.sendMessage('alice', { type: 'note' }),
    broadcastMessage: () => m.broadcastMessage({ type: 'note' }),
    sendAgentEvent: () => m.sendAgentEvent('alice', 'custom_progress', { pct: 1 }),
    sendAgentEventTransient: () => m.sendAgentEvent('alice', 'agent_thinking', {}, { delivery: 'droppable' }),
    emitCriticalEvent: () => m.emitCriticalEvent('alice', 'agent_started', {}),
  };
}

function expectAllClosed(thunks: Record<string, () => unknown>): void {
  for (const [name, thunk] of Object.entries(thunks)) {
    let thrown: unknown;
    try {
      thunk();
    } catch (err) {
      thrown = err;
    }
    expect(thrown, name).toEqual(CLOSED);
    expect(thrown instanceof ClosedError, name).toBe(true);
  }
}

describe('a closed server', () => {
  it('throws WSSOT_ERR_CLOSED from every send, admission, setFlags and drain from the moment close() is called', async () => {
    h = await startHarness();
    pairs = await socketPairs();
    const alice = await h.connectReady('alice');
    h.wss.manager.emitCriticalEvent('alice', 'agent_started', {});
    const early = h.wss.factory.createIsolatedManager('alice', 'c1');
    const { server: socket } = await pairs.open();
    const { server: socket2 } = await pairs.open();

    const closing = h.wss.close(); // not awaited: closed already
    expect(h.wss.state).toBe('closing');
    const thunks = {
      ...sendsOf(h.wss.manager),
      addConnection: () => h!.wss.manager.addConnection('bob', socket),
      handleConnection: () => h!.wss.manager.handleConnection(socket2, { userId: 'bob' }),
      setFlags: () => h!.wss.setFlags({ ssot: false }),
      drain: () => h!.wss.drain(),
      drainPath: () => h!.wss.drain({ path: 'ssot' }),
      createIsolatedManager: () => h!.wss.factory.createIsolatedManager('alice', 'c2'),
      ...Object.fromEntries(Object.entries(sendsOf(h.wss.legacy.manager as LegacySharedManager)).map(([k, v]) => [`legacy.${k}`, v])),
      'legacy.addConnection': () => h!.wss.legacy.manager.addConnection('bob', socket),
      'legacy.handleConnection': () => h!.wss.legacy.manager.handleConnection(socket2, { userId: 'bob' }),
    };
    expectAllClosed(thunks);
    // An isolated manager of the closed factory says so with its own code.
    expect(() => early.sendMessage({ type: 'x' })).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_MANAGER_EXPIRED' }));
    expect(() => early.emitCriticalEvent('agent_started', {})).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_MANAGER_EXPIRED' }));

    await expect(h.wss.manager.publishAgentEvent('alice', 'custom_progress', {})).rejects.toEqual(CLOSED);

    await closing;
    expectAllClosed(thunks);
    // The client saw its event, then 1001, and nothing sent after close() was called.
    expect(await alice.closed).toMatchObject({ code: CloseCode.GOING_AWAY });
    expect(alice.frames.map((f) => f.type)).toEqual(['session', 'agent_started']);
    // Nothing was admitted or sequenced: no new log (no seq 1 in a new epoch), nothing kept.
    expect(h.wss.manager.getUserSequence('alice')).toEqual({ seq: 0, epoch: null });
    expect(h.wss.manager.isUserConnected('bob')).toBe(false);
    expect(socket.readyState).toBe(1); // refused sockets are untouched: still the caller's
    // Lookups answer as for an empty server; removing nothing is not an error.
    expect(h.wss.getConnectionCount()).toBe(0);
    expect(h.wss.manager.isUserConnected('alice')).toBe(false);
    expect(h.wss.manager.removeConnection('alice')).toBe(0);
    expect(h.wss.manager.canAccept('alice')).toBe(false);
    expect(h.wss.manager.closed).toBe(true);
    expect(h.wss.health()).toMatchObject({ status: 'closed', connections: 0, users: 0 });
    expect(['ssot', 'legacy']).toContain(h.wss.pathFor('alice'));
    expect(Object.keys(h.wss.flagValues())).toEqual(['ssot', 'unified', 'factory']);
    expect(h.wss.connectionsByPath()).toEqual({ ssot: 0, legacy: 0 });
    expect(typeof (await h.wss.metrics.text())).toBe('string');
    expect(h.wss.factory.getManagerCount()).toBe(0);
  });
});

describe('a standalone manager after its close()', () => {
  it('UnifiedWebSocketManager: every send and admission throws WSSOT_ERR_CLOSED; its connections got 1001', async () => {
    pairs = await socketPairs();
    const m = new UnifiedWebSocketManager({ logger: silentLogger });
    standalone.push(m);
    const { server: socket, client } = await pairs.open();
    m.addConnection('alice', socket);
    m.emitCriticalEvent('alice', 'agent_started', {});
    const factory = new WebSocketManagerFactory(m);
    standalone.push(factory);
    const isolated = factory.createIsolatedManager('alice', 'c1');
    expect(m.closed).toBe(false);
    m.close();
    expect(m.closed).toBe(true);
    const { server: other } = await pairs.open();
    expectAllClosed({
      ...sendsOf(m),
      addConnection: () => m.addConnection('bob', other),
      handleConnection: () => m.handleConnection(other, { userId: 'bob' }),
      // An isolated manager over a closed manager (its factory still open) passes the manager's error on.
      'isolated.sendMessage': () => isolated.sendMessage({ type: 'x' }),
      'isolated.sendAgentEvent': () => isolated.sendAgentEvent('custom_progress', {}),
      'isolated.emitCriticalEvent': () => isolated.emitCriticalEvent('agent_started', {}),
    });
    await expect(m.publishAgentEvent('alice', 'custom_progress', {})).rejects.toEqual(CLOSED);
    expect(m.getUserSequence('alice')).toEqual({ seq: 0, epoch: null });
    expect(await client.closed).toMatchObject({ code: CloseCode.GOING_AWAY });
    expect(client.frames.map((f) => f.type)).toEqual(['agent_started']);
    expect(m.close()).toEqual([]); // idempotent
  });

  it('LegacySharedManager with a manager of its own: every send and admission throws WSSOT_ERR_CLOSED', async () => {
    pairs = await socketPairs();
    const m = new LegacySharedManager({ logger: silentLogger });
    standalone.push(m);
    const { server: socket, client } = await pairs.open();
    m.addConnection(42, socket);
    m.close();
    const { server: other } = await pairs.open();
    expectAllClosed({
      ...sendsOf(m),
      addConnection: () => m.addConnection('bob', other),
      handleConnection: () => m.handleConnection(other, { userId: 'bob' }),
    });
    expect(await client.closed).toMatchObject({ code: CloseCode.GOING_AWAY });
    expect(m.getConnectionCount()).toBe(0);
  });
});
