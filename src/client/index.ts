/**
 * ws-ssot/client: a browser and Node client for the ws-ssot protocol (docs/protocol.md). No dependency,
 * no Node import: it runs as an ES module served straight from dist/.
 */
export { createClient, WsSsotClient, type ClientOptions } from './client.js';
export { CLOSE_POLICY, closeActionFor, type CloseAction, type ClosePolicyEntry } from './close-policy.js';
export { BACKOFF_DEFAULTS, backoffDelay, type BackoffOptions } from './backoff.js';
export { WsSsotClientError, isWsSsotClientError, type ClientErrorCode } from './errors.js';
export type { WebSocketConstructor, WebSocketLike } from './websocket.js';
export type {
  AgentEventEnvelope,
  ClientEvent,
  ClientState,
  CloseInfo,
  CriticalEventDataMap,
  DisconnectInfo,
  EventDataMap,
  GapInfo,
  LifecycleEvents,
  ResumeState,
  SessionInfo,
  StateChange,
} from './event-types.js';
