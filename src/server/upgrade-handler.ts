/**
 * Upgrade admission: for upgrades on the server's path only, checks Origin, authenticates (the only source
 * of user ids), routes the user to a code path, asks that path whether it would admit them (HTTP 429 if
 * not), and only then completes the WebSocket handshake and hands the socket to the path. Every refusal is
 * a real HTTP status, counted. Bounded: at most `maxPendingUpgrades` in flight (503 beyond), each waits at
 * most `authTimeoutMs` for `authenticate` (503 past it), and close() answers those in flight with 503 at once.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { WebSocket, WebSocketServer } from 'ws';
import type { AuthenticateHook, ResolvedServerOptions } from '../config/server-options.js';
import type { CodePathHandler } from '../core/code-path.js';
import type { WebSocketConnection } from '../core/connection.js';
import { assertUserId } from '../core/validate.js';
import { isWsSsotError } from '../errors.js';
import type { WsSsotMetrics } from '../observability/metrics.js';
import type { AuthResult, UserId } from '../types.js';
import type { InboundFrames } from './inbound-frames.js';
import { refuseUpgrade } from './refuse-upgrade.js';
import { parseResume, type ResumeParams } from './resume-params.js';

/** What the upgrade handler needs from its server. */
export interface UpgradeContext {
  readonly options: ResolvedServerOptions;
  readonly authenticate: AuthenticateHook;
  readonly logger: Logger;
  readonly metrics: WsSsotMetrics;
  readonly wss: WebSocketServer;
  readonly inbound: InboundFrames;
  /** False from the moment close() is called: upgrades on our path then get 503. */
  isOpen(): boolean;
  /** The code path a new connection of the user takes now (counted). */
  route(userId: UserId): CodePathHandler;
}

/** What an `authenticate` that did not settle within `authTimeoutMs` yields. */
const TIMED_OUT: unique symbol = Symbol('ws-ssot.authTimedOut');

type AuthOutcome = AuthResult | null | undefined | false;

function ignoreSocketError(): void {
  // Errors on a socket still in the upgrade phase (client went away during authentication): nothing to do.
}

/** HTTP status an `authenticate` hook asked for by throwing `{ status }` / `{ statusCode }`; 500 otherwise. */
function statusOf(err: unknown): number {
  const e = err as { status?: unknown; statusCode?: unknown } | null;
  const status = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : 500;
  return Number.isInteger(status) && status >= 400 && status <= 599 ? status : 500;
}

export class UpgradeHandler {
  readonly #ctx: UpgradeContext;
  /** Sockets of the upgrades in flight (from the request to the handshake or refusal). */
  readonly #pending = new Set<Duplex>();

  constructor(ctx: UpgradeContext) {
    this.#ctx = ctx;
  }

  /** The http.Server 'upgrade' listener's body: returns false if the upgrade is not on our path. */
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    if (pathname !== this.#ctx.options.path) return false; // not ours: other 'upgrade' listeners handle it
    void this.#upgrade(req, socket, head, q === -1 ? '' : url.slice(q + 1));
    return true;
  }

  /** Upgrades in flight now. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** close(): every upgrade in flight gets 503 now; what their `authenticate` settles with later is ignored. */
  abortPending(): void {
    const sockets = Array.from(this.#pending);
    this.#pending.clear();
    for (const socket of sockets) this.#refuse(socket, 503, 'closing', 'server is shutting down');
  }

  async #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, query: string): Promise<void> {
    const ctx = this.#ctx;
    socket.on('error', ignoreSocketError);
    try {
      if (!ctx.isOpen()) return this.#refuse(socket, 503, 'closing', 'server is shutting down');
      if (this.#pending.size >= ctx.options.maxPendingUpgrades) {
        return this.#refuse(socket, 503, 'too_many_upgrades', 'too many upgrades in progress; retry later');
      }
      const allowed = ctx.options.allowedOrigins;
      const origin = req.headers.origin;
      if (allowed !== null && (origin === undefined ? !ctx.options.allowMissingOrigin : !allowed.has(origin))) return this.#refuse(socket, 403, 'forbidden_origin', 'origin not allowed');

      this.#pending.add(socket);
      let auth: AuthOutcome | typeof TIMED_OUT;
      try {
        auth = await this.#authenticate(req);
      } catch (err) {
        if (!this.#pending.delete(socket)) return; // answered by close() meanwhile
        const status = statusOf(err);
        if (status >= 500) ctx.logger.error({ err }, 'authenticate hook threw');
        return this.#refuse(socket, status, status === 401 ? 'unauthorized' : 'auth_error', status === 401 ? 'unauthorized' : undefined);
      }
      if (!this.#pending.delete(socket)) return; // answered by close() meanwhile
      if (auth === TIMED_OUT) {
        ctx.logger.warn({ authTimeoutMs: ctx.options.authTimeoutMs }, 'authenticate did not settle in time: refusing the upgrade with 503');
        return this.#refuse(socket, 503, 'auth_timeout', 'authentication timed out');
      }
      if (!auth) return this.#refuse(socket, 401, 'unauthorized', 'unauthorized');
      try {
        assertUserId(auth.userId);
      } catch (err) {
        ctx.logger.error({ err }, 'authenticate hook returned an invalid userId');
        return this.#refuse(socket, 500, 'auth_error');
      }
      if (!ctx.isOpen()) return this.#refuse(socket, 503, 'closing', 'server is shutting down');
      if (socket.destroyed) return;

      const resume = parseResume(query);
      const userId = auth.userId;
      // After authentication (the flags see the user) and before the limit (the legacy path has none).
      // Routed on the authenticated user only: nothing the client chooses may pick its code path.
      const path = ctx.route(userId);
      if (!path.canAccept(userId, resume.sessionId)) {
        ctx.logger.info({ userId, limit: ctx.options.maxConnectionsPerUser }, 'connection limit reached: refusing upgrade');
        return this.#refuse(socket, 429, 'connection_limit', 'too many connections for this user');
      }
      socket.removeListener('error', ignoreSocketError);
      const accepted = auth;
      ctx.wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, accepted, resume, path));
    } catch (err) {
      this.#pending.delete(socket);
      ctx.logger.error({ err }, 'upgrade failed');
      this.#refuse(socket, 500, 'bad_request');
    }
  }

  /** The hook's outcome, or TIMED_OUT if it has not settled within `authTimeoutMs` (a synchronous result: no timer). */
  #authenticate(req: IncomingMessage): AuthOutcome | Promise<AuthOutcome | typeof TIMED_OUT> {
    const result = this.#ctx.authenticate(req);
    if (result === null || typeof result !== 'object' || typeof (result as Promise<AuthOutcome>).then !== 'function') return result as AuthOutcome;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve(TIMED_OUT), this.#ctx.options.authTimeoutMs);
      timer.unref();
      (result as Promise<AuthOutcome>).then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  #refuse(socket: Duplex, status: number, reason: Parameters<WsSsotMetrics['refused']>[0], message?: string): void {
    this.#ctx.metrics.refused(reason);
    refuseUpgrade(socket, status, message);
  }

  #accept(ws: WebSocket, auth: AuthResult, resume: ResumeParams, path: CodePathHandler): void {
    let connection: WebSocketConnection;
    try {
      connection = path.handleConnection(ws, { userId: auth.userId, auth, sessionId: resume.sessionId, lastSeq: resume.lastSeq, epoch: resume.epoch, lastTs: resume.lastTs });
    } catch (err) {
      this.#ctx.logger.warn({ err, userId: auth.userId }, 'connection refused after the handshake');
      ws.close(isWsSsotError(err) && err.code === 'WSSOT_ERR_CONNECTION_LIMIT' ? 1013 : 1011, 'connection refused');
      return;
    }
    this.#ctx.inbound.listen(ws);
    connection.log.debug('connection accepted');
  }
}
