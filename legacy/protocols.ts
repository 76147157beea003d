/**
 * Old module `protocols` (the protocol type, the connection type, and an adapter class).
 * @deprecated Import the types from `ws-ssot`; see MIGRATION.md.
 */
import type { WebSocketManagerProtocol as CanonicalProtocol } from '../src/protocol.js';
import type { WebSocketConnection as CanonicalConnection } from '../src/core/connection.js';

/** @deprecated Import {@link CanonicalProtocol | WebSocketManagerProtocol} from `ws-ssot`. */
export type WebSocketManagerProtocol = CanonicalProtocol;
/** @deprecated Import {@link CanonicalConnection | WebSocketConnection} from `ws-ssot`. */
export type WebSocketConnection = CanonicalConnection;
export { WebSocketManagerAdapter } from './migration-adapter.js';
