/**
 * The agent's tool runner, not migrated yet: like most code in a team halfway through the migration, it
 * still reports progress through the old `WebSocketManager` (ws-ssot/legacy/websocket-manager). That works
 * unchanged, warns once with its code (WSSOT_DEP001 on stderr) and is counted per call: the demo's
 * migration panel shows those counts (`wss.legacy.usage()`, also in /health/websocket under
 * `deprecations`). Migrating this file means using `wss.manager` instead; once every count stays at 0, the
 * legacy layer can go.
 */
import type { MigrationServer } from '../legacy/index.js';
import { WebSocketManager } from '../legacy/websocket-manager.js';

export class LegacyToolReporter {
  readonly #manager: WebSocketManager;

  constructor(server: MigrationServer) {
    // Bound to this server explicitly (not through wss.legacy.bindGlobal()): the tests run several demos in one process.
    this.#manager = new WebSocketManager({ server });
  }

  started(userId: string, runId: string, tool: string, input: string): void {
    this.#manager.emitCriticalEvent(userId, 'tool_executing', { tool, input }, { runId });
  }

  completed(userId: string, runId: string, tool: string, result: unknown): void {
    this.#manager.emitCriticalEvent(userId, 'tool_completed', { tool, result }, { runId });
  }
}
