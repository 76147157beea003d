/**
 * Operations that must cover a user on both code paths during a migration: removing a user, resuming a
 * session after a flag flip, and routing that only the authenticated user decides.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode, StaticFlagSource, type FlagContext, type FlagName, type FlagSource, type FlagSourceStatus } from '../../src/index.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

/** A source that would put a connection on SSOT if it saw a session id in the context. */
class SessionKeyedSource implements FlagSource {
  readonly name = 'session-keyed';
  readonly contexts: FlagContext[] = [];
  isEnabled(flag: FlagName, context?: FlagContext): boolean {
    if (flag === 'ssot') this.contexts.push({ ...context });
    return flag === 'ssot' && typeof context?.sessionId === 'string';
  }
  status(): FlagSourceStatus {
    return { source: this.name, ready: true, stale: false, lastSyncAt: null };
  }
  onChange(): () => void {
    return () => undefined;
  }
  async close(): Promise<void> {}
}

describe('operations across code paths', () => {
  it('wss.manager.removeConnection(userId) closes the user on the legacy path too; isUserConnected sees it', async () => {
    const flags = new StaticFlagSource({ ssot: false });
    h = await startHarness({ flags });
    const legacyTab = await h.connectReady('alice');
    flags.set({ ssot: true });
    const ssotTab = await h.connectReady('alice');
    expect(h.wss.connectionsByPath()).toEqual({ ssot: 1, legacy: 1 });
    expect(h.wss.manager.isUserConnected('alice')).toBe(true);
    expect(h.wss.manager.removeConnection('alice', 4000, 'logged out')).toBe(2);
    expect(await legacyTab.closed).toEqual({ code: 4000, reason: 'logged out' });
    expect(await ssotTab.closed).toEqual({ code: 4000, reason: 'logged out' });
    expect(h.wss.manager.isUserConnected('alice')).toBe(false);
    expect(h.wss.legacy.manager.isUserConnected('alice')).toBe(false);
  });

  it('resuming a session after a flip closes its ghost on the other path with 4009 (SSOT → legacy and back)', async () => {
    const flags = new StaticFlagSource({ ssot: true });
    h = await startHarness({ flags });
    const old = await h.connect('alice');
    const session = await old.nextOfType('session');
    flags.set({ ssot: false });
    const resumed = await h.connect('alice', `sessionId=${String(session.sessionId)}&epoch=${String(session.epoch)}&lastSeq=0`);
    await resumed.nextOfType('recovery');
    expect((await old.closed).code).toBe(CloseCode.SESSION_REPLACED);
    expect(h.wss.connectionsByPath()).toEqual({ ssot: 0, legacy: 1 });

    flags.set({ ssot: true });
    const again = await h.connect('alice', `sessionId=${String(session.sessionId)}&epoch=${String(session.epoch)}&lastSeq=0`);
    await again.nextOfType('recovery');
    expect((await resumed.closed).code).toBe(CloseCode.SESSION_REPLACED);
    h.wss.manager.emitCriticalEvent('alice', 'agent_started', {});
    await again.nextOfType('agent_started');
    expect(h.wss.connectionsByPath()).toEqual({ ssot: 1, legacy: 0 });
  });

  it('routes on the authenticated user only: a client-supplied session id never reaches the flag source', async () => {
    const flags = new SessionKeyedSource();
    h = await startHarness({ flags });
    await h.connectReady('mallory', 'sessionId=chosen-by-client-123');
    await h.connectReady('mallory', `sessionId=${'x'.repeat(5_000)}`);
    expect(h.wss.connectionsByPath()).toEqual({ ssot: 0, legacy: 1 });
    expect(flags.contexts.every((c) => c.sessionId === undefined && c.userId === 'mallory')).toBe(true);
    expect(h.wss.drain()).toBe(0); // drain agrees with routing
  });

  it('the legacy path validates string user ids like the canonical manager', async () => {
    h = await startHarness({ flags: new StaticFlagSource({ ssot: false }) });
    for (const bad of ['', 'x'.repeat(257)]) {
      expect(() => h!.wss.legacy.manager.sendAgentEvent(bad, 'agent_started', {})).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_INVALID_USER_ID' }));
      expect(() => h!.wss.manager.sendAgentEvent(bad, 'agent_started', {})).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_INVALID_USER_ID' }));
    }
  });
});

