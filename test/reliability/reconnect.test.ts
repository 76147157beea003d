/**
 * Recovery over real sockets: reconnect mid agent run at random points (seeded, reproducible), ghost
 * sessions, epochs, and the log's count and age bounds. See docs/protocol.md for the algorithm tested.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CloseCode, type AgentEventEnvelope } from '../../src/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ResumingClient, type DropMode } from '../support/resuming-client.js';

let h: Harness | null = null;
afterEach(async () => {
  vi.useRealTimers();
  await h?.close();
  h = null;
});

/** Waits (event-driven, bounded) until the server has unregistered every connection of `userId`. */
async function untilOffline(harness: Harness, userId: string, timeoutMs = 5_000): Promise<void> {
  if (!harness.wss.manager.isUserConnected(userId)) return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      harness.wss.manager.off('disconnection', onDisconnection);
      reject(new Error(`${userId} still connected after ${timeoutMs} ms`));
    }, timeoutMs);
    const onDisconnection = (): void => {
      if (harness.wss.manager.isUserConnected(userId)) return;
      clearTimeout(timer);
      harness.wss.manager.off('disconnection', onDisconnection);
      resolve();
    };
    harness.wss.manager.on('disconnection', onDisconnection);
  });
}

const RECONNECT_SEED = 4_2024;
const MAX_EVENTS = 16;

/** One step of an agent run: a critical (durable) event, a transient progress event, or a custom durable one. */
type Step = { kind: 'critical'; type: 'agent_started' | 'agent_thinking' | 'tool_executing' | 'tool_completed' | 'agent_completed' } | { kind: 'transient' } | { kind: 'custom' };

function agentRun(thinking: number, tools: number): Step[] {
  const steps: Step[] = [{ kind: 'critical', type: 'agent_started' }];
  for (let t = 0; t < tools; t++) {
    for (let i = 0; i < thinking; i++) steps.push({ kind: 'transient' });
    steps.push({ kind: 'critical', type: 'agent_thinking' }, { kind: 'critical', type: 'tool_executing' }, { kind: 'custom' }, { kind: 'critical', type: 'tool_completed' });
  }
  steps.push({ kind: 'critical', type: 'agent_completed' });
  return steps;
}

describe('recovery', () => {
  it(`reconnects mid agent run at random points 200 times: every durable event exactly once, in order, or an explicit recovered:false (seed ${RECONNECT_SEED})`, async () => {
    const harness = await startHarness({ recovery: { maxEvents: MAX_EVENTS, maxAgeMs: 300_000 } });
    h = harness;
    const m = harness.wss.manager;
    const plan = fc.record({
      thinking: fc.integer({ min: 0, max: 3 }),
      tools: fc.integer({ min: 1, max: 3 }),
      dropAt: fc.nat({ max: 1_000 }),
      offline: fc.integer({ min: 0, max: MAX_EVENTS + 8 }),
      mode: fc.constantFrom<DropMode>('terminate', 'close', 'ghost'),
      catchUpBeforeDrop: fc.boolean(),
      secondTab: fc.boolean(),
      drops: fc.integer({ min: 1, max: 2 }),
    });
    let run = 0;
    let notRecovered = 0;
    let renewed = 0;
    let recovered = 0;
    const started = Date.now();
    console.log(`[reconnect] fast-check seed ${RECONNECT_SEED}, 200 runs`);
    await fc.assert(
      fc.asyncProperty(plan, async (p) => {
        const userId = `user-${run++}`;
        const runId = `run-${run}`;
        const expected: AgentEventEnvelope[] = [];
        const client = new ResumingClient(userId);
        await client.connect(harness);
        const tab = p.secondTab ? new ResumingClient(userId) : null;
        if (tab !== null) await tab.connect(harness);
        const steps = agentRun(p.thinking, p.tools);
        const dropPoints = new Set<number>();
        for (let d = 0; d < p.drops; d++) dropPoints.add((p.dropAt + d * 7) % (steps.length + 1));
        const emit = (step: Step): void => {
          if (step.kind === 'critical') expected.push(m.emitCriticalEvent(userId, step.type, { for: userId, tool: 'search' }, { runId }));
          else if (step.kind === 'custom') expected.push(m.sendAgentEvent(userId, 'custom_progress', { for: userId }, { runId }));
          else m.sendAgentEvent(userId, 'agent_thinking', { for: userId, thought: '…' }, { runId, delivery: 'coalescible' });
        };
        for (let i = 0; i <= steps.length; i++) {
          if (dropPoints.has(i)) {
            if (p.catchUpBeforeDrop) await client.waitForSeq(expected.at(-1)?.seq ?? 0);
            const seenBefore = client.lastSeq;
            const epochBefore = client.epoch;
            const old = client.drop(p.mode);
            if (p.mode !== 'ghost' && p.offline > 0 && tab === null && p.catchUpBeforeDrop) await untilOffline(harness, userId);
            for (let k = 0; k < p.offline; k++) expected.push(m.sendAgentEvent(userId, 'offline_event', { for: userId, k }, { runId }));
            const missed = m.getUserSequence(userId).seq - seenBefore;
            await client.connect(harness);
            const outcome = client.recoveries.at(-1);
            if (outcome === undefined) throw new Error('no recovery frame after a resume');
            if (missed > MAX_EVENTS) expect(outcome.recovered).toBe(false);
            // Within the bounds a replay is refused only when the stream was renewed (it held nothing: new epoch).
            else if (!outcome.recovered) {
              expect(client.epoch).not.toBe(epochBefore);
              renewed++;
            }
            if (outcome.recovered) recovered++;
            else notRecovered++;
            if (p.mode === 'ghost') expect((await old!.closed).code).toBe(CloseCode.SESSION_REPLACED);
          }
          const step = steps[i];
          if (step !== undefined) emit(step);
        }
        await client.waitForSeq(expected.at(-1)?.seq ?? 0);
        expect(client.violations).toEqual([]);
        expect(client.foreign).toEqual([]);
        expect(client.accountFor(expected)).toBeNull();
        if (tab !== null) {
          await tab.waitForSeq(expected.at(-1)?.seq ?? 0);
          expect(tab.violations).toEqual([]);
          expect(tab.accountFor(expected)).toBeNull();
          // The tab never disconnected: it saw everything, no gap.
          expect(tab.gaps).toEqual([]);
          tab.current?.ws.terminate();
        }
        client.current?.ws.terminate();
      }),
      { seed: RECONNECT_SEED, numRuns: 200, endOnFailure: true },
    );
    console.log(`[reconnect] 200 runs in ${Date.now() - started} ms: ${recovered} recovered, ${notRecovered} recovered:false (${renewed} of them on a renewed epoch)`);
    expect(run).toBe(200);
    expect(recovered).toBeGreaterThan(0);
    expect(notRecovered).toBeGreaterThan(0);
  }, 120_000);

  it('keeps events sent while the user has no connection and replays them, then new ones, in order', async () => {
    h = await startHarness();
    const m = h.wss.manager;
    const client = new ResumingClient('alice');
    await client.connect(h);
    const expected: AgentEventEnvelope[] = [m.emitCriticalEvent('alice', 'agent_started', { for: 'alice' })];
    await client.waitForSeq(1);
    client.drop('close');
    await untilOffline(h, 'alice');
    expected.push(m.emitCriticalEvent('alice', 'agent_thinking', { for: 'alice' }), m.emitCriticalEvent('alice', 'tool_executing', { for: 'alice', tool: 't' }));
    await client.connect(h);
    expect(client.recoveries).toEqual([{ recovered: true, fromSeq: 2, toSeq: 3 }]);
    expected.push(m.emitCriticalEvent('alice', 'agent_completed', { for: 'alice' }));
    await client.waitForSeq(4);
    expect(client.durable.map((f) => [f.seq, f.type])).toEqual([[1, 'agent_started'], [2, 'agent_thinking'], [3, 'tool_executing'], [4, 'agent_completed']]);
    expect(client.violations).toEqual([]);
    expect(await h.wss.metrics.text()).toMatch(/wssot_recoveries_total\{outcome="recovered"\} 1/);
  });

  it('a client that left at seq 0 recovers what was sent while it had no connection (its epoch is kept for maxAgeMs)', async () => {
    h = await startHarness();
    const m = h.wss.manager;
    const client = new ResumingClient('alice');
    await client.connect(h);
    const epoch = client.epoch;
    client.drop('close');
    await untilOffline(h, 'alice');
    // Nothing was ever sent to alice: her log is empty, yet it is not forgotten while she may come back.
    expect(m.getUserSequence('alice').epoch).toBe(epoch);
    m.emitCriticalEvent('alice', 'agent_started', { for: 'alice' });
    m.emitCriticalEvent('alice', 'agent_completed', { for: 'alice' });
    await client.connect(h);
    expect(client.epoch).toBe(epoch);
    expect(client.recoveries).toEqual([{ recovered: true, fromSeq: 1, toSeq: 2 }]);
    expect(client.durable.map((f) => f.type)).toEqual(['agent_started', 'agent_completed']);
    // A stream nobody ever held (a transient event to an unknown user) is not kept.
    m.sendAgentEvent('nobody', 'agent_thinking', {}, { delivery: 'droppable' });
    expect(m.getUserSequence('nobody').epoch).toBeNull();
  });

  it('forgets a seq-0 stream once maxAgeMs has passed since its last connection left (then a new epoch)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    h = await startHarness({ recovery: { maxAgeMs: 10_000 } });
    const client = new ResumingClient('alice');
    await client.connect(h);
    const epoch = client.epoch;
    client.drop('close');
    await untilOffline(h, 'alice');
    vi.setSystemTime(Date.now() + 10_001);
    h.wss.store.sweep();
    expect(h.wss.manager.getUserSequence('alice').epoch).toBeNull();
    await client.connect(h);
    expect(client.epoch).not.toBe(epoch);
    expect(client.recoveries).toEqual([{ recovered: false, fromSeq: 1, toSeq: 0 }]);
  });

  it('replays before any new event even when a connection listener sends one at once; the session frame is first', async () => {
    h = await startHarness();
    const m = h.wss.manager;
    const client = new ResumingClient('alice');
    await client.connect(h);
    m.emitCriticalEvent('alice', 'agent_started', { for: 'alice' });
    await client.waitForSeq(1);
    client.drop('terminate');
    await untilOffline(h, 'alice');
    m.emitCriticalEvent('alice', 'agent_thinking', { for: 'alice' });
    m.on('connection', (c) => {
      m.emitCriticalEvent(c.userId, 'tool_executing', { for: c.userId, tool: 'greeting' });
    });
    await client.connect(h);
    await client.waitForSeq(3);
    const frames = client.current!.frames.map((f) => f.type);
    expect(frames.slice(0, 4)).toEqual(['session', 'agent_thinking', 'recovery', 'tool_executing']);
    expect(client.violations).toEqual([]);
  });

  it('kills the ghost of a resumed session: the half-open old socket receives nothing after the resume and gets 4009', async () => {
    // A long close timeout so the paused ghost still gets its close frame when it reads again.
    h = await startHarness({ slowCloseTimeoutMs: 60_000 });
    const m = h.wss.manager;
    const client = new ResumingClient('alice');
    await client.connect(h);
    m.emitCriticalEvent('alice', 'agent_started', { for: 'alice' });
    await client.waitForSeq(1);
    const ghost = client.drop('ghost')!;
    // Half-open: the old socket stops reading (and so never answers the close handshake in time).
    (ghost.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    m.emitCriticalEvent('alice', 'agent_thinking', { for: 'alice' }); // still goes to the ghost: the server cannot know yet
    await client.connect(h);
    expect(client.recoveries).toEqual([{ recovered: true, fromSeq: 2, toSeq: 2 }]);
    expect(m.getUserConnectionCount('alice')).toBe(1);
    m.emitCriticalEvent('alice', 'agent_completed', { for: 'alice' });
    await client.waitForSeq(3);
    (ghost.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    const closed = await ghost.closed;
    expect(closed.code).toBe(CloseCode.SESSION_REPLACED);
    expect(ghost.frames.map((f) => f.type)).toEqual(['session', 'agent_started', 'agent_thinking']);
  });

  it('a session id of another user does not kill that user’s connection', async () => {
    h = await startHarness();
    const alice = new ResumingClient('alice');
    await alice.connect(h);
    const mallory = await h.connect('mallory', `sessionId=${alice.sessionId}&lastSeq=0&epoch=x`);
    await mallory.nextOfType('recovery');
    expect(h.wss.manager.getUserConnectionCount('alice')).toBe(1);
    h.wss.manager.emitCriticalEvent('alice', 'agent_started', { for: 'alice' });
    await alice.waitForSeq(1);
  });

  it('answers recovered:false, with nothing partial, when the events are beyond the count bound', async () => {
    h = await startHarness({ recovery: { maxEvents: 3 } });
    const m = h.wss.manager;
    const client = new ResumingClient('alice');
    await client.connect(h);
    client.drop('close');
    await untilOffline(h, 'alice');
    for (let i = 0; i < 4; i++) m.emitCriticalEvent('alice', 'agent_thinking', { for: 'alice', i });
    await client.connect(h);
    expect(client.recoveries).toEqual([{ recovered: false, fromSeq: 1, toSeq: 4 }]);
    expect(client.current!.frames.map((f) => f.type)).toEqual(['session', 'recovery']);
    expect(client.gaps).toEqual([{ fromSeq: 1, toSeq: 4 }]);
    // Exactly at the bound it recovers.
    client.drop('close');
    await untilOffline(h, 'alice');
    for (let i = 0; i < 3; i++) m.emitCriticalEvent('alice', 'agent_thinking', { for: 'alice', i });
    await client.connect(h);
    expect(client.recoveries.at(-1)).toEqual({ recovered: true, fromSeq: 5, toSeq: 7 });
    expect(client.durable.map((f) => f.seq)).toEqual([5, 6, 7]);
    expect(await h.wss.metrics.text()).toMatch(/wssot_recoveries_total\{outcome="not_recovered"\} 1/);
  });

  it('answers recovered:false when the events are older than the age bound', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    h = await startHarness({ recovery: { maxEvents: 100, maxAgeMs: 60_000 } });
    const m = h.wss.manager;
    const tab = new ResumingClient('alice'); // keeps the stream (and epoch) alive
    await tab.connect(h);
    const client = new ResumingClient('alice');
    await client.connect(h);
    client.drop('close');
    m.emitCriticalEvent('alice', 'agent_started', { for: 'alice' });
    vi.setSystemTime(Date.now() + 30_000);
    m.emitCriticalEvent('alice', 'agent_thinking', { for: 'alice' });
    vi.setSystemTime(Date.now() + 40_000); // the first event is now 70 s old, the second 40 s
    await client.connect(h);
    expect(client.recoveries).toEqual([{ recovered: false, fromSeq: 1, toSeq: 2 }]);
    expect(client.current!.frames.map((f) => f.type)).toEqual(['session', 'recovery']);
    // Asking only for what is still young enough works.
    const late = await h.connect('alice', `lastSeq=1&epoch=${tab.epoch}`);
    expect(await late.nextOfType('recovery')).toMatchObject({ recovered: true, fromSeq: 2, toSeq: 2 });
    expect(late.frames.map((f) => f.type)).toEqual(['session', 'agent_thinking', 'recovery']);
  });

  it('answers recovered:false after a process restart (new epoch) and for a lastSeq the log could not have produced', async () => {
    const first = await startHarness();
    h = first;
    const client = new ResumingClient('alice');
    await client.connect(first);
    first.wss.manager.emitCriticalEvent('alice', 'agent_started', { for: 'alice' });
    await client.waitForSeq(1);
    const oldEpoch = client.epoch;
    await first.close();
    h = await startHarness(); // "restarted": a new process has new epochs and no log
    const again = await h.connect('alice', `sessionId=${client.sessionId}&lastSeq=1&epoch=${oldEpoch}`);
    const session = await again.nextOfType('session');
    expect(session.epoch).not.toBe(oldEpoch);
    expect(await again.nextOfType('recovery')).toEqual({ v: 1, type: 'recovery', recovered: false, fromSeq: 2, toSeq: 0 });
    // Same epoch but a seq from the future, or no epoch at all: refused, never guessed.
    const future = await h.connect('alice', `lastSeq=9&epoch=${String(session.epoch)}`);
    expect(await future.nextOfType('recovery')).toMatchObject({ recovered: false });
    const noEpoch = await h.connect('alice', 'lastSeq=0');
    expect(await noEpoch.nextOfType('recovery')).toMatchObject({ recovered: false });
    const garbage = await h.connect('alice', `lastSeq=-1&epoch=${String(session.epoch)}`);
    await garbage.nextOfType('session');
    h.wss.manager.emitCriticalEvent('alice', 'agent_started', { for: 'alice' });
    // A malformed lastSeq is ignored (no replay asked): the next frame is the live event.
    expect((await garbage.next()).type).toBe('agent_started');
  });
});
