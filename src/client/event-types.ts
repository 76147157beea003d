/**
 * The client's event types. The agent-event envelope and the critical payloads come from the server's
 * own definitions through type-only imports, which the build erases: the browser bundle imports nothing.
 */
import type { AgentEventEnvelope, CriticalEventDataMap } from '../events/agent-events.js';
import type { CloseAction } from './close-policy.js';
import type { WsSsotClientError } from './errors.js';

export type { AgentEventEnvelope, CriticalEventDataMap };

/** Event type → payload. The five critical types always; apps add theirs: `createClient<{ my_type: MyData }>()`. */
export type EventDataMap = object;

/** A sequenced event (durable, or `transient: true`), discriminated on `type` over the map's types. */
export type ClientEvent<M extends EventDataMap = CriticalEventDataMap> = {
  [K in keyof M & string]: AgentEventEnvelope<K, M[K]>;
}[keyof M & string];

export type ClientState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface StateChange {
  state: ClientState;
  previous: ClientState;
}

/** What the client knows to resume; persist it (e.g. sessionStorage) and pass it as `resumeFrom`. */
export interface ResumeState {
  sessionId: string;
  epoch: string;
  lastSeq: number;
  /**
   * The `ts` of the durable event at `lastSeq`: of the one this client processed, or (after a fresh start or
   * a gap) as the server's session frame gave it, when it did. The server checks that its log still holds
   * that event, so a log a Redis failover rewrote is not taken for the one this client read.
   */
  lastTs?: number;
}

/** A `session` frame, as the client took it. */
export interface SessionInfo extends ResumeState {
  /** True when this connection asked to resume (a `recovery` frame follows before 'open'). */
  resuming: boolean;
}

/**
 * The server could not replay what the client missed (`recovered: false`): the app must refetch it from
 * its own API. The client then continues from `toSeq`.
 */
export interface GapInfo {
  /** First seq the app may have missed (the client's lastSeq + 1), in `previousEpoch`. */
  fromSeq: number;
  /** The user's current seq, in `epoch`: events after it will be delivered. */
  toSeq: number;
  epoch: string;
  previousEpoch: string;
  /** The server's log was reset (restart…): seqs restarted, `fromSeq` and `toSeq` are in different epochs. */
  epochChanged: boolean;
}

/** A socket was lost and the client will (or will not) try again. */
export interface DisconnectInfo {
  code: number;
  reason: string;
  /** What the client does: `action` of the close-code table, or 'end' when the retries ran out. */
  action: CloseAction;
  /** Delay before the next attempt, in ms; null when the client ends. */
  delayMs: number | null;
  /** Which retry the next attempt is since the last open connection (1 = the first); null when the client ends. */
  retry: number | null;
}

/** Why the client is closed. */
export interface CloseInfo {
  code: number;
  reason: string;
  /** 'client': `close()`; 'server': a close code whose action is 'end'; 'retries': `reconnect.maxRetries` ran out. */
  by: 'client' | 'server' | 'retries';
}

/** The client's own events. An app event type with one of these names reaches the app through 'event' only. */
export interface LifecycleEvents<M extends EventDataMap> {
  /** Every sequenced event, durable or transient, in order. */
  event: ClientEvent<M>;
  /** A frame without a seq: the app's own messages (`sendMessage`, `broadcastMessage`), parsed. */
  message: unknown;
  state: StateChange;
  session: SessionInfo;
  gap: GapInfo;
  disconnect: DisconnectInfo;
  /** Something went wrong that the client handled (a throwing listener, a bad frame). */
  error: WsSsotClientError;
}

export const LIFECYCLE_EVENT_NAMES: ReadonlySet<string> = new Set(['event', 'message', 'state', 'session', 'gap', 'disconnect', 'error']);
