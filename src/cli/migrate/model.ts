/** The rewriter's plan: groups of edits that are applied together or not at all. */
import type TS from 'typescript';
import type { UserOf } from './expressions.js';

/**
 * What a legacy object becomes:
 * - `manager`: a process-wide legacy manager (WSSOT_DEP001/2/3/8) → the server's `wss.manager`;
 * - `accessor`: what the global accessor returns (WSSOT_DEP006) → `wss.manager`;
 * - `user-bound`: `new IsolatedWebSocketManager` / `ConnectionScopedWebSocketManager` (WSSOT_DEP004/5) →
 *   `wss.manager` with the user passed explicitly (a codemod cannot place the `cleanupManager` a factory
 *   manager per call would need);
 * - `factory`: the old factory (WSSOT_DEP007) → `wss.factory`, one manager per user (`createIsolatedManager(u, u)`);
 * - `factory-manager`: a manager of the old factory → the canonical `IsolatedManager` of `wss.factory`.
 */
export type OriginKind = 'manager' | 'accessor' | 'user-bound' | 'factory' | 'factory-manager';

/** An edit whose text may need the server's expression at `serverAt` (`ctx.wss`, `wss`, or an explicit one). */
export interface PlannedEdit {
  readonly source: TS.SourceFile;
  readonly start: number;
  readonly end: number;
  readonly text: string | ((server: string) => string);
  /** Where the server is needed (the scope that must see it), when `text` is a function. */
  readonly serverAt?: TS.Node;
  /** The server's expression given by the old code (`{ server: x }`), when there is one. */
  readonly explicitServer?: string;
}

export interface Origin {
  /** The expression that makes the legacy object. */
  readonly node: TS.Expression;
  readonly kind: OriginKind;
  /** The legacy name it is made with (for the report), or the factory method. */
  readonly name: string;
  readonly codes: readonly string[];
  /** The bound user, when the object has one. */
  readonly user: UserOf | null;
  /** Whether calls naming a user must be proved to name the bound one (objects that refuse other users). */
  readonly checksUser: boolean;
  readonly explicitServer: string | null;
  /** Node starts whose findings the rewrite of this origin answers (the name it is made with). */
  readonly covers: readonly number[];
}

export interface Group {
  readonly origin: Origin | null;
  /** Deprecation codes and rule ids this group answers (what `--only` selects on). */
  readonly selectors: Set<string>;
  readonly edits: PlannedEdit[];
  /** Finding starts (per file) this group answers. */
  readonly covers: Array<{ source: TS.SourceFile; start: number }>;
  /** Identifier nodes whose reference disappears with this group (what frees a legacy import). */
  readonly dropped: Set<TS.Node>;
  /** Why the group cannot be applied, or null. */
  blocked: string | null;
  /** Where the blocking reason is about. */
  blockedAt: TS.Node | null;
  /** Things the reviewer should know about a rewrite that was made. */
  readonly notes: Array<{ at: TS.Node; text: string }>;
}

export function newGroup(origin: Origin | null, selectors: Iterable<string>): Group {
  return { origin, selectors: new Set(selectors), edits: [], covers: [], dropped: new Set(), blocked: null, blockedAt: null, notes: [] };
}

/** Marks a group blocked (the first reason wins). */
export function block(group: Group, reason: string, at: TS.Node): void {
  if (group.blocked !== null) return;
  group.blocked = reason;
  group.blockedAt = at;
}

/** `file:line:column` of a node, for messages. */
export function where(node: TS.Node, relative: (f: string) => string): string {
  const source = node.getSourceFile();
  const at = source.getLineAndCharacterOfPosition(node.getStart(source));
  return `${relative(source.fileName)}:${at.line + 1}:${at.character + 1}`;
}
