/**
 * The contract every server implementation under test fulfils. A scenario's server phase only talks to a
 * `BenchServer`, so adding an implementation (or a two-node variant) is one more file in this folder plus
 * one entry in `index.ts`.
 */
export interface BenchServer {
  /** Listens on 127.0.0.1, port 0; resolves the port the OS chose. */
  start(): Promise<number>;
  /** Sends `msg` to every connection; serialises once per call. Returns connections reached if known. */
  broadcast(msg: object): number | void;
  /** Sends `msg` to every connection of `userId`. */
  sendToUser(userId: string, msg: object): boolean | number | void;
  /**
   * Sends a sequenced agent event `{ v: 1, type, seq, ts, runId, data }` to every connection of `userId`.
   * The baselines build the same envelope by hand (per-user `seq`), so the comparison is like for like.
   */
  sendAgentEvent(userId: string, type: string, data: object, runId: string): void;
  /** Open connections as the server sees them. */
  connectionCount(): number;
  /**
   * Optional: connections that can receive a send now. A server whose sessions start asynchronously (ws-ssot on
   * the Redis engine: subscribe, admit, snapshot) counts a connection only once its session frame is out, so a
   * cross-node scenario starts sending when every connection can get it. Without it, {@link connectionCount}.
   */
  readyCount?(): number;
  /** Closes every connection and the HTTP server. */
  close(): Promise<void>;
  /**
   * Optional: figures the server measured itself during the phase that just ended, read when the clients have
   * everything. A diagnostic implementation uses it (`send-path-ab.ts`); the phase's start calls
   * `resetPhaseFigures` first.
   */
  phaseFigures?(): Record<string, number>;
  resetPhaseFigures?(): void;
}

/** Options passed from the scenario to the implementation (JSON; e.g. a Redis URL for a cross-node run). */
export type BenchServerOptions = Record<string, unknown>;

/** What each module in this folder exports. */
export type CreateBenchServer = (options: BenchServerOptions) => BenchServer | Promise<BenchServer>;

/** Which client library a connection needs. */
export type ClientKind = 'ws' | 'socket.io';
