/**
 * Tabs of one user on the legacy path (one connection per user: the newest replaces the previous with
 * 4010). Clients following docs/protocol.md's client algorithm settle: the replaced tab stops, the newer
 * one stays, a bounded number of upgrades in all. A resumed session's own ghost is closed with 4009, as on
 * the SSOT path; any other previous tab with 4010.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { closeActionFor } from '../../src/client/index.js';
import { CloseCode, StaticFlagSource } from '../../src/index.js';
import { AutoResumingClient, documentedCloseAction } from '../support/auto-resuming-client.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

let h: Harness | null = null;
const tabs: AutoResumingClient[] = [];
afterEach(async () => {
  await Promise.all(tabs.splice(0).map((t) => t.stop()));
  await h?.close();
  h = null;
});

const onLegacy = () => startHarness({ flags: new StaticFlagSource({ ssot: false }) });

function tab(userId: string): AutoResumingClient {
  const t = new AutoResumingClient({ url: h!.url, userId });
  tabs.push(t);
  return t;
}

describe('the documented client algorithm', () => {
  const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
  const table = new Map([...doc.slice(doc.indexOf('## Close codes')).matchAll(/^\| (\d{4}) \| .* \| ([^|]+) \|$/gm)].map((m) => [Number(m[1]), (m[2] as string).trim()]));

  it("is what the test client does, code by code of the doc's table, and what the shipped client does", () => {
    expect(table.size).toBeGreaterThan(10);
    for (const [code, should] of table) {
      const action = documentedCloseAction(code);
      if (/^do not reconnect/.test(should)) expect(action, `${code}: ${should}`).toBe('stop');
      else if (/^reconnect at once/.test(should)) expect(action, `${code}: ${should}`).toBe('reconnect');
      else expect(action, `${code}: ${should}`).toBe('backoff');
    }
    // The shipped client (src/client/close-policy.ts) decides the same for every code the server sends and more.
    const shipped = { end: 'stop', reconnect: 'reconnect', backoff: 'backoff' } as const;
    for (const code of [...table.keys(), 1005, 1008, 1014, 1015, 3000, 4000, 4999, 1010, 2000]) {
      expect(documentedCloseAction(code), `close code ${code}`).toBe(shipped[closeActionFor(code)]);
    }
  });

  it("agrees with the doc's own pseudo-code: the codes its algorithm stops on, and those it reconnects at once on", () => {
    const algorithm = doc.slice(doc.indexOf('## Client algorithm'), doc.indexOf('## Epochs'));
    const codesOn = (marker: string): number[] => {
      const line = algorithm.split('\n').find((l) => l.includes(marker)) ?? '';
      return Array.from(line.slice(0, line.indexOf('→')).replace(/3000–4999 but \d{4}/, '').matchAll(/\b(\d{4})\b/g), (m) => Number(m[1]));
    };
    const stops = codesOn('stop for good');
    const atOnce = codesOn('connect() at once');
    expect(stops).toContain(CloseCode.REPLACED_BY_NEWER);
    for (const code of stops) expect(documentedCloseAction(code), `${code} in the algorithm's stop line`).toBe('stop');
    for (const code of atOnce) expect(documentedCloseAction(code), `${code} in the algorithm's at-once line`).toBe('reconnect');
    for (const [code] of table) {
      if (documentedCloseAction(code) === 'stop') expect(stops, `${code} stops in the table, not in the algorithm`).toContain(code);
      if (documentedCloseAction(code) === 'reconnect') expect(atOnce, `${code} reconnects at once in the table, not in the algorithm`).toContain(code);
    }
  });
});

describe('two tabs of one user on the legacy path, each following the documented algorithm', () => {
  it('settle: the older is replaced with 4010 and stays closed, the newer stays; two upgrades in all', async () => {
    h = await onLegacy();
    let upgrades = 0;
    h.wss.manager.on('connection', () => upgrades++);
    const older = tab('alice');
    const newer = tab('alice');
    await older.start();
    await newer.start();
    await waitFor('the older tab to stop', () => older.stoppedOn !== null, 5_000);
    expect(await older.ended).toBe(CloseCode.REPLACED_BY_NEWER);
    expect(older.closeCodes).toEqual([CloseCode.REPLACED_BY_NEWER]);
    // The newer tab is live and receives; the older one never came back.
    h.wss.manager.emitCriticalEvent('alice', 'agent_started', {});
    await waitFor('the event at the newer tab', () => newer.seqs.length === 1);
    expect(newer.connected).toBe(true);
    expect(newer.closeCodes).toEqual([]);
    expect(older.connected).toBe(false);
    expect(older.seqs).toEqual([]);
    expect(upgrades).toBe(2);
    expect(older.opens + newer.opens).toBe(2);
    expect(h.wss.connectionsByPath()).toEqual({ ssot: 0, legacy: 1 });
  });

  it('settle when they connect at the same time: exactly one is replaced (4010), the other stays', async () => {
    h = await onLegacy();
    let upgrades = 0;
    h.wss.manager.on('connection', () => upgrades++);
    const pair = [tab('alice'), tab('alice')] as const;
    await Promise.all(pair.map((t) => t.start()));
    await waitFor('one tab to stop', () => pair.some((t) => t.stoppedOn !== null), 5_000);
    const stopped = pair.filter((t) => t.stoppedOn !== null);
    const live = pair.filter((t) => t.stoppedOn === null);
    expect(stopped.map((t) => t.stoppedOn)).toEqual([CloseCode.REPLACED_BY_NEWER]);
    h.wss.manager.emitCriticalEvent('alice', 'agent_started', {});
    await waitFor('the event at the live tab', () => live[0]!.seqs.length === 1);
    expect(live[0]!.connected).toBe(true);
    expect(upgrades).toBe(2);
    expect(pair[0].opens + pair[1].opens).toBe(2);
    expect(h.wss.connectionsByPath()).toEqual({ ssot: 0, legacy: 1 });
  });
});

describe('the legacy path closes a resumed ghost with 4009 and any other previous tab with 4010', () => {
  it('a resume with the same sessionId closes its ghost with 4009; a different tab then replaces it with 4010', async () => {
    h = await onLegacy();
    const first = await h.connect('alice');
    const session = await first.nextOfType('session');
    const resumed = await h.connect('alice', `sessionId=${String(session.sessionId)}&epoch=${String(session.epoch)}&lastSeq=0`);
    expect(await resumed.nextOfType('session')).toMatchObject({ sessionId: session.sessionId });
    await resumed.nextOfType('recovery');
    expect(await first.closed).toMatchObject({ code: CloseCode.SESSION_REPLACED });

    const otherTab = await h.connect('alice');
    expect((await otherTab.nextOfType('session')).sessionId).not.toBe(session.sessionId);
    expect(await resumed.closed).toMatchObject({ code: CloseCode.REPLACED_BY_NEWER });

    // A sessionId the user does not hold is a new tab too.
    const stranger = await h.connect('alice', 'sessionId=not-a-held-session-1');
    await stranger.nextOfType('session');
    expect(await otherTab.closed).toMatchObject({ code: CloseCode.REPLACED_BY_NEWER });
    expect(h.wss.connectionsByPath()).toEqual({ ssot: 0, legacy: 1 });
  });

  it("another user's sessionId is no ghost of this user's: it is a new tab (4010), the other user is untouched", async () => {
    h = await onLegacy();
    const bob = await h.connect('bob');
    const bobSession = await bob.nextOfType('session');
    const alice = await h.connectReady('alice');
    const alice2 = await h.connect('alice', `sessionId=${String(bobSession.sessionId)}`);
    await alice2.nextOfType('session');
    expect(await alice.closed).toMatchObject({ code: CloseCode.REPLACED_BY_NEWER });
    h.wss.manager.sendMessage('bob', { type: 'still-here' });
    await bob.nextOfType('still-here');
    expect(h.wss.connectionsByPath()).toEqual({ ssot: 0, legacy: 2 });
  });
});
