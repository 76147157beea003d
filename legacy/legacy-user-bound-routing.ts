/**
 * Where a user-bound manager's call goes when its in-process decision (the manager's `#manager()`, kept
 * there for the send's inlining budget) cannot settle it: the flags asked for its user, through the one
 * guarded read, and with `WS_ENABLE_FACTORY` the factory's isolated manager for (userId, connectionId),
 * falling back to where the call would go without the factory. All out of line from the common send.
 */
import { isWsSsotError } from '../src/errors.js';
import type { AgentEventEnvelope, AgentEventOptions, CriticalEventDataMap, CriticalEventType } from '../src/events/agent-events.js';
import type { IsolatedManager } from '../src/factory/isolated-manager.js';
import type { FlagContext } from '../src/flags/flag-source.js';
import { readFlag } from '../src/flags/read-flag.js';
import type { SendOptions } from '../src/protocol.js';
import type { ConnectionId, UserId } from '../src/types.js';
import type { MigrationServer } from './migration-server.js';

/** The manager a call goes to without the factory: `wss.manager` or the legacy path manager. */
export type RoutedManager = MigrationServer['manager'] | MigrationServer['legacy']['manager'];

/** `#manager()` when the decisions depend on the user or the time: asks the source, factory first. */
export function askedManager(server: MigrationServer, flagContext: Readonly<FlagContext>): RoutedManager | null {
  return userFlag(server, 'factory', flagContext) ? null : unifiedOrLegacy(server, flagContext);
}

/** Where a call goes without the factory, or when the factory has no manager for it (the user's cap reached). */
export function unifiedOrLegacy(server: MigrationServer, flagContext: Readonly<FlagContext>): RoutedManager {
  return userFlag(server, 'unified', flagContext) ? server.manager : server.legacy.manager;
}

/** A flag for the user, through the one guarded read: false (the legacy path) if the source throws. */
function userFlag(server: MigrationServer, flag: 'unified' | 'factory', flagContext: Readonly<FlagContext>): boolean {
  return readFlag(server.flags, flag, flagContext, server.logger);
}

/**
 * With WS_ENABLE_FACTORY: the factory's manager for (userId, connectionId), a Map lookup once created.
 * Old code creates one adapter per socket and never cleans up; once the user's cap of isolated managers is
 * reached, the call goes where it would without the factory (`WS_ENABLE_UNIFIED` decides) for the same user,
 * so turning the flag on never makes a call throw that did not before.
 */
function isolatedManager(server: MigrationServer, userId: UserId, connectionId: ConnectionId): IsolatedManager | null {
  try {
    return server.factory.createIsolatedManager(userId, connectionId);
  } catch (err) {
    if (isWsSsotError(err) && err.code === 'WSSOT_ERR_MANAGER_LIMIT') return null;
    throw err;
  }
}

export function sendMessageViaFactory(server: MigrationServer, userId: UserId, connectionId: ConnectionId, flagContext: Readonly<FlagContext>, message: unknown, options: SendOptions | undefined): boolean {
  const isolated = isolatedManager(server, userId, connectionId);
  if (isolated !== null) return isolated.sendMessage(message, options);
  return unifiedOrLegacy(server, flagContext).sendMessage(userId, message, options);
}

export function emitCriticalEventViaFactory(server: MigrationServer, userId: UserId, connectionId: ConnectionId, flagContext: Readonly<FlagContext>, type: CriticalEventType, payload: CriticalEventDataMap[CriticalEventType], options: { runId?: string } | undefined): AgentEventEnvelope {
  const isolated = isolatedManager(server, userId, connectionId);
  if (isolated !== null) return isolated.emitCriticalEvent(type, payload, options);
  return unifiedOrLegacy(server, flagContext).emitCriticalEvent(userId, type, payload, options);
}

export function sendAgentEventViaFactory(server: MigrationServer, userId: UserId, connectionId: ConnectionId, flagContext: Readonly<FlagContext>, type: string, data: unknown, options: AgentEventOptions | undefined): AgentEventEnvelope {
  const isolated = isolatedManager(server, userId, connectionId);
  if (isolated !== null) return isolated.sendAgentEvent(type, data, options);
  return unifiedOrLegacy(server, flagContext).sendAgentEvent(userId, type, data, options);
}
