/**
 * Scenario 3 — agent runs: 1,000 users (one connection each) each receive a 5-event agent run
 * (agent_started → agent_thinking → tool_executing → tool_completed → agent_completed), all runs at once.
 * Events go out in 5 rounds (event k to every user), yielding every 100 sends; ws-ssot uses
 * `sendAgentEvent` (sequenced envelope), the baselines send the same envelope built by hand.
 * Latency is the figure that matters. Quick: 50 users.
 */
import { setImmediate as tick } from 'node:timers/promises';
import { DELIVERY_COLUMNS, runDeliveryScenario } from '../lib/deliveries.js';
import { makePayload } from '../lib/payload.js';
import { LABEL, ratioTarget } from '../lib/targets.js';
import type { BenchServer } from '../servers/types.js';
import type { Scenario, ScenarioContext, ScenarioResult } from '../lib/types.js';

const RUN = ['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed'] as const;

interface AgentParams {
  users: number;
  size: number;
  yieldEvery: number;
  /** Distinguishes warm-up and measured runIds. */
  tag: string;
}

export async function serverPhase(server: BenchServer, params: Record<string, unknown>): Promise<{ sent: number }> {
  const { users, size, yieldEvery, tag } = params as unknown as AgentParams;
  let sent = 0;
  for (let k = 0; k < RUN.length; k++) {
    for (let u = 0; u < users; u++) {
      server.sendAgentEvent(`u${u}`, RUN[k]!, makePayload(k, size), `${tag}-u${u}`);
      if (++sent % yieldEvery === 0) await tick();
    }
  }
  return { sent };
}

export const agentRuns: Scenario = {
  name: 'agent-runs',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const users = ctx.quick ? 50 : 1_000;
    const size = 200;
    const ids = Array.from({ length: users }, (_, i) => `u${i}`);
    const rows = await runDeliveryScenario(
      {
        scenarioUrl: import.meta.url,
        users: ids,
        warmup: { params: { users, size, yieldEvery: 100, tag: 'warm' }, expected: RUN.length },
        measure: { params: { users, size, yieldEvery: 100, tag: 'run' }, expected: RUN.length },
        timeoutMs: ctx.quick ? 5_000 : 60_000,
      },
      ctx,
    );
    return {
      name: 'agent-runs',
      title: 'Agent runs (latency)',
      setup: `${users} users × 1 connection, one ${RUN.length}-event run each, concurrently (${users * RUN.length} deliveries; data ${size} B), ${ctx.runs} run(s), medians`,
      columns: DELIVERY_COLUMNS,
      rows,
      ratioRefs: { ws: LABEL.ws, sio: LABEL.sio },
      targets: [ratioTarget(rows, 'p99', LABEL.ws, '<=', 1.1, 'agent-run p99 ≤ 1.1× raw ws')],
    };
  },
};
