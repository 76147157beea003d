/**
 * Shadow mode with real sockets: legacy-path sends are compared with what the SSOT path would have
 * delivered; mismatches are logged and counted; the user never receives a second copy.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode, InvalidOptionError, StaticFlagSource } from '../../src/index.js';
import { createSampler } from '../../src/shadow/sampler.js';
import { startHarness, type Harness } from '../support/harness.js';
import { memoryLogger, type LogLine } from '../support/memory-logger.js';
import { waitFor } from '../support/wait-for.js';

const mismatchLines = (lines: LogLine[]): LogLine[] => lines.filter((l) => l.msg.startsWith('shadow mismatch'));

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

async function legacyServer(sampleRate = 1, extra: Parameters<typeof startHarness>[0] = {}): Promise<{ h: Harness; lines: LogLine[] }> {
  const { logger, lines } = memoryLogger('warn');
  h = await startHarness({ flags: new StaticFlagSource({ ssot: false }), shadow: { sampleRate, seed: 42 }, logger, ...extra });
  return { h, lines };
}

describe('shadow mode', () => {
  it('two tabs of one user on the legacy path: legacy delivers to 1, SSOT would to 2 → a count mismatch; one copy reaches the user', async () => {
    const { h, lines } = await legacyServer();
    const first = await h.connectReady('alice');
    const second = await h.connectReady('alice');
    expect((await first.closed).code).toBe(CloseCode.REPLACED_BY_NEWER);

    h.wss.legacy.manager.sendAgentEvent('alice', 'agent_started', { n: 1 });
    await second.nextOfType('agent_started');
    h.wss.legacy.manager.sendMessage('alice', { type: 'note', n: 2 });
    await second.nextOfType('note');

    expect(h.wss.shadow?.counts()).toEqual({ comparisons: 2, mismatches: 2 });
    const logged = mismatchLines(lines);
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({ level: 40, userId: 'alice', legacyCount: 1, ssotCount: 2, unexpectedRecipients: 0, kinds: ['count'] });
    const metrics = await h.wss.metrics.text();
    expect(metrics).toContain('wssot_shadow_comparisons_total 2');
    expect(metrics).toContain('wssot_shadow_mismatches_total{kind="count"} 2');
    expect(metrics).not.toMatch(/wssot_shadow_mismatches_total\{kind="recipients"\} [1-9]/);

    // Exactly one copy of each: the shadow never sends.
    await h.wss.close();
    expect(second.frames.filter((f) => f.type === 'agent_started')).toHaveLength(1);
    expect(second.frames.filter((f) => f.type === 'note')).toHaveLength(1);
    expect(first.frames.filter((f) => f.type === 'agent_started' || f.type === 'note')).toHaveLength(0);
  });

  it('sends through the canonical manager that reach legacy-path connections are compared too, still one copy', async () => {
    const { h } = await legacyServer();
    const first = await h.connectReady('dave');
    const second = await h.connectReady('dave');
    expect((await first.closed).code).toBe(CloseCode.REPLACED_BY_NEWER);
    h.wss.manager.emitCriticalEvent('dave', 'agent_started', {});
    await second.nextOfType('agent_started');
    expect(h.wss.manager.broadcastMessage({ type: 'hello' })).toBe(1);
    await second.nextOfType('hello');
    expect(h.wss.shadow?.counts()).toEqual({ comparisons: 2, mismatches: 2 });
    await h.wss.close();
    expect(second.frames.filter((f) => f.type === 'agent_started' || f.type === 'hello')).toHaveLength(2);
  });

  it('one tab: the paths agree, no mismatch', async () => {
    const { h, lines } = await legacyServer();
    const only = await h.connectReady('bob');
    h.wss.legacy.manager.emitCriticalEvent('bob', 'agent_started', {});
    await only.nextOfType('agent_started');
    expect(h.wss.legacy.manager.broadcastMessage({ type: 'hello' })).toBe(1);
    await only.nextOfType('hello');
    expect(h.wss.shadow?.counts()).toEqual({ comparisons: 2, mismatches: 0 });
    expect(mismatchLines(lines)).toEqual([]);
    expect(only.frames.filter((f) => f.type === 'agent_started')).toHaveLength(1);
  });

  it('a user who left and came back is compared on the new tab only', async () => {
    const { h, lines } = await legacyServer();
    const before = await h.connectReady('carol');
    await before.close();
    await waitFor('carol’s first tab to leave the legacy path', () => h.wss.legacy.manager.getConnectionCount() === 0);
    const after = await h.connectReady('carol');
    h.wss.legacy.manager.sendMessage('carol', { type: 'note' });
    await after.nextOfType('note');
    expect(h.wss.shadow?.counts()).toEqual({ comparisons: 1, mismatches: 0 });
    expect(mismatchLines(lines)).toEqual([]);
  });

  it('over the SSOT per-user limit (reject-newest): the legacy recipient is one SSOT would have refused → a recipients mismatch', async () => {
    const { h, lines } = await legacyServer(1, { maxConnectionsPerUser: 1 });
    await h.connectReady('dave');
    const newest = await h.connectReady('dave');
    h.wss.legacy.manager.sendMessage('dave', { type: 'note' });
    await newest.nextOfType('note');
    expect(mismatchLines(lines)[0]).toMatchObject({ userId: 'dave', legacyCount: 1, ssotCount: 1, unexpectedRecipients: 1, kinds: ['recipients'] });
    expect(await h.wss.metrics.text()).toContain('wssot_shadow_mismatches_total{kind="recipients"} 1');
  });

  it('samples deterministically with a seed, and compares nothing when off', async () => {
    const a = createSampler(0.3, 7);
    const b = createSampler(0.3, 7);
    const drawsA = Array.from({ length: 1000 }, () => a.sample());
    expect(Array.from({ length: 1000 }, () => b.sample())).toEqual(drawsA);
    const hits = drawsA.filter(Boolean).length;
    expect(hits).toBeGreaterThan(200);
    expect(hits).toBeLessThan(400);

    h = await startHarness({ flags: new StaticFlagSource({ ssot: false }) });
    expect(h.wss.shadow).toBeNull();
  });

  it('validates the shadow option (sampleRate, seed) with InvalidOptionError', async () => {
    for (const [options, field] of [
      [{ shadow: { sampleRate: 2 } }, 'shadow.sampleRate'],
      [{ shadow: { sampleRate: 0.5, seed: -1 } }, 'shadow.seed'],
      [{ shadow: 'yes' }, 'shadow'],
    ] as const) {
      const error = await startHarness(options as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).field).toBe(field);
    }
  });
});
