/** A stand-in for an AI agent: streams the five critical events of one run to the asking user. */
import { randomUUID } from 'node:crypto';
import type { UnifiedWebSocketManager } from '../src/index.js';

export class SimulatedAgent {
  readonly #manager: UnifiedWebSocketManager;
  readonly #stepMs: number;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(manager: UnifiedWebSocketManager, stepMs: number) {
    this.#manager = manager;
    this.#stepMs = stepMs;
  }

  /** Starts a run answering `question` for `userId`; events follow one step apart. */
  run(userId: string, question: string): string {
    const runId = randomUUID();
    const m = this.#manager;
    const steps: Array<() => void> = [
      () => m.emitCriticalEvent(userId, 'agent_started', { agent: 'demo-assistant', question }, { runId }),
      () => m.emitCriticalEvent(userId, 'agent_thinking', { thought: `Looking into "${question}"` }, { runId }),
      () => m.emitCriticalEvent(userId, 'tool_executing', { tool: 'knowledge_search', input: question }, { runId }),
      () => m.emitCriticalEvent(userId, 'tool_completed', { tool: 'knowledge_search', result: { hits: 3 } }, { runId }),
      () => m.emitCriticalEvent(userId, 'agent_completed', { result: `Here is what I found about "${question}".` }, { runId }),
    ];
    steps.forEach((step, i) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        step();
      }, i * this.#stepMs);
      this.#timers.add(timer);
    });
    return runId;
  }

  stop(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
