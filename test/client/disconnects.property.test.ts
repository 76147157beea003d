/**
 * Property: whatever disconnects happen while events are produced (the server terminating the socket at
 * random points, drains, the client reconnecting in between), the app sees 0 duplicates and 0 silent
 * gaps: every durable seq is delivered once, in order, or lies inside a gap the client reported
 * (`recovered: false`, forced here by a tiny replay log in some runs). And every lost attempt led to one
 * retry: the server saw exactly one upgrade per attempt.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { GapInfo } from '../../src/client/index.js';
import { cleanup, connect, reach, startServer, until } from './helpers.js';

afterEach(cleanup);

type Step = { kind: 'emit'; n: number; transient: boolean } | { kind: 'terminate' } | { kind: 'drain' } | { kind: 'settle' } | { kind: 'yield' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('emit' as const), n: fc.integer({ min: 1, max: 6 }), transient: fc.boolean() }), weight: 4 },
  { arbitrary: fc.constant({ kind: 'terminate' as const }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'drain' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'settle' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'yield' as const }), weight: 2 },
);

describe('random disconnects during production', () => {
  it('0 duplicates and 0 silent gaps at the app', async () => {
    const seen = { runsWithGaps: 0, runsWithDisconnects: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), fc.constantFrom(1_000, 3), async (steps, maxEvents) => {
        const server = await startServer({ recovery: { maxEvents } });
        const user = 'prop';
        const client = connect(server, user, { reconnect: { initialDelayMs: 2, maxDelayMs: 8, factor: 2, random: () => 0.5 } });
        const delivered: Array<{ seq: number; k: number }> = [];
        const gaps: GapInfo[] = [];
        const errors: string[] = [];
        let disconnects = 0;
        client.on('error', (e) => errors.push(e.message));
        client.on('event', (e) => {
          if (e.transient !== true) delivered.push({ seq: e.seq, k: (e.data as { k: number }).k });
        });
        client.onGap((g) => gaps.push(g));
        client.on('disconnect', () => disconnects++);
        await reach(client, 'open');

        const m = server.wss.manager;
        const sent = new Map<number, number>(); // seq → k
        let k = 0;
        for (const s of steps) {
          if (s.kind === 'emit') {
            for (let i = 0; i < s.n; i++) {
              const e = m.sendAgentEvent(user, 'step', { k: ++k });
              sent.set(e.seq, k);
              if (s.transient) m.sendAgentEvent(user, 'progress', { k: -1 }, { delivery: 'droppable' });
            }
          } else if (s.kind === 'terminate') {
            for (const c of m.getUserConnections(user)) c.socket.terminate();
          } else if (s.kind === 'drain') {
            server.wss.drain({ path: 'ssot' });
          } else if (s.kind === 'settle') {
            await reach(client, 'open');
          } else {
            await new Promise((resolve) => setImmediate(resolve));
          }
        }
        await reach(client, 'open');
        const final = m.sendAgentEvent(user, 'step', { k: ++k });
        sent.set(final.seq, k);
        await until(() => client.lastSeq === final.seq && client.state === 'open', `seq ${final.seq} (at ${client.lastSeq})`);

        // In order, each once, and only what was sent.
        for (let i = 1; i < delivered.length; i++) expect(delivered[i]!.seq).toBeGreaterThan(delivered[i - 1]!.seq);
        for (const d of delivered) expect(sent.get(d.seq), `seq ${d.seq}`).toBe(d.k);
        // Every seq sent: delivered, or inside a reported gap (one epoch: the log was never reset).
        const got = new Set(delivered.map((d) => d.seq));
        for (const g of gaps) expect(g.epochChanged).toBe(false);
        for (const seq of sent.keys()) {
          if (!got.has(seq)) expect(gaps.some((g) => seq >= g.fromSeq && seq <= g.toSeq), `seq ${seq} silently missing`).toBe(true);
        }
        if (maxEvents === 1_000) expect(gaps).toEqual([]); // the log holds everything: always recovered
        expect(server.upgrades).toBe(disconnects + 1); // one attempt per loss, never two
        expect(errors).toEqual([]); // a correct server never makes the client resync
        if (gaps.length > 0) seen.runsWithGaps++;
        if (disconnects > 0) seen.runsWithDisconnects++;
        await client.close();
        await server.kill();
      }),
      { numRuns: 40 },
    );
    // The runs did exercise both paths (fast-check's generation is seeded per run of the suite).
    expect(seen.runsWithDisconnects).toBeGreaterThan(10);
    expect(seen.runsWithGaps).toBeGreaterThan(0);
  });
});
