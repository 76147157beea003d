/**
 * A stand-in for an AI agent: streams the five critical events of one run to the asking user, and keeps
 * the user's latest answers (what a real app would store, and serve to a client that reports a gap).
 */
import { randomUUID } from 'node:crypto';
import type { UnifiedWebSocketManager } from '../src/index.js';
import type { LegacyToolReporter } from './legacy-tools.js';

/** A finished run, as GET /api/runs serves it. */
export interface RunRecord {
  runId: string;
  question: string;
  answer: string;
  /** Seq of its agent_started and agent_completed events. */
  firstSeq: number;
  lastSeq: number;
  startedAt: number;
  completedAt: number;
}

/** When each of the five events comes, in steps after the start: thinking and the tool take longest. */
const SCHEDULE = [0, 1, 3, 4.5, 5.5] as const;
const TOOL = 'knowledge_search';
const HISTORY_PER_USER = 20;
const MAX_USERS = 1_000;

export class SimulatedAgent {
  readonly #manager: UnifiedWebSocketManager;
  readonly #tools: LegacyToolReporter;
  readonly #stepMs: number;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #history = new Map<string, RunRecord[]>();

  constructor(manager: UnifiedWebSocketManager, tools: LegacyToolReporter, stepMs: number) {
    this.#manager = manager;
    this.#tools = tools;
    this.#stepMs = stepMs;
  }

  /**
   * Starts a run answering `question` for `userId`: agent_started is sent before this returns, the rest
   * follows on the schedule (or at once with `immediate`). Returns the run id.
   */
  run(userId: string, question: string, options: { immediate?: boolean } = {}): string {
    const runId = randomUUID();
    const m = this.#manager;
    const answer = `Here is what I found about "${question}": 3 sources agree.`;
    let firstSeq = 0;
    let startedAt = 0;
    const steps: Array<() => void> = [
      () => {
        const e = m.emitCriticalEvent(userId, 'agent_started', { agent: 'demo-assistant', question }, { runId });
        firstSeq = e.seq;
        startedAt = e.ts;
      },
      () => m.emitCriticalEvent(userId, 'agent_thinking', { thought: `Looking into "${question}"` }, { runId }),
      () => this.#tools.started(userId, runId, TOOL, question),
      () => this.#tools.completed(userId, runId, TOOL, { hits: 3 }),
      () => {
        const e = m.emitCriticalEvent(userId, 'agent_completed', { result: answer }, { runId });
        this.#remember(userId, { runId, question, answer, firstSeq, lastSeq: e.seq, startedAt, completedAt: e.ts });
      },
    ];
    steps.forEach((step, i) => {
      if (i === 0 || options.immediate === true) {
        step();
        return;
      }
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        step();
      }, SCHEDULE[i]! * this.#stepMs);
      this.#timers.add(timer);
    });
    return runId;
  }

  /** The user's finished runs, oldest first (the latest 20). */
  history(userId: string): readonly RunRecord[] {
    return this.#history.get(userId) ?? [];
  }

  stop(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  #remember(userId: string, record: RunRecord): void {
    let runs = this.#history.get(userId);
    if (runs === undefined) {
      if (this.#history.size >= MAX_USERS) this.#history.delete(this.#history.keys().next().value as string);
      runs = [];
      this.#history.set(userId, runs);
    }
    runs.push(record);
    if (runs.length > HISTORY_PER_USER) runs.shift();
  }
}
