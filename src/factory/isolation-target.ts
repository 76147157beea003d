/** What an isolated manager needs from the canonical manager: user-addressed sends and a connection count. */
import type { UnifiedWebSocketManager } from '../core/unified-manager.js';

export type IsolationTarget = Pick<UnifiedWebSocketManager, 'sendMessage' | 'sendAgentEvent' | 'emitCriticalEvent' | 'getReachableConnectionCount'>;
