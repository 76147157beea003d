/**
 * Baseline: Socket.IO 4.8, WebSocket transport only, one room per user (joined on connect from the
 * `?user=` handshake query, benchmark-only auth). `io.emit` / `io.to(room).emit` encode a packet once.
 */
import http from 'node:http';
import { Server, type ServerOptions } from 'socket.io';
import { nowMs } from '../lib/clock.js';
import type { BenchServer, CreateBenchServer } from './types.js';
import { listenOnLoopback } from '../lib/listen.js';

export class SocketIoServer implements BenchServer {
  private readonly http = http.createServer();
  protected readonly io: Server;
  private readonly seqs = new Map<string, number>();

  /** `extra`: more server options (the cluster variants' `adapter`, servers/socket-io-redis.ts). */
  constructor(extra: Partial<ServerOptions> = {}) {
    this.io = new Server(this.http, { transports: ['websocket'], serveClient: false, ...extra });
    this.io.on('connection', (socket) => {
      const q = socket.handshake.query['user'];
      const userId = typeof q === 'string' ? q : 'anonymous';
      void socket.join(userId);
    });
  }

  start(): Promise<number> {
    return listenOnLoopback(this.http);
  }

  broadcast(msg: object): void {
    this.io.emit('m', msg);
  }

  sendToUser(userId: string, msg: object): void {
    this.io.to(userId).emit('m', msg);
  }

  sendAgentEvent(userId: string, type: string, data: object, runId: string): void {
    const seq = (this.seqs.get(userId) ?? 0) + 1;
    this.seqs.set(userId, seq);
    this.io.to(userId).emit('m', { v: 1, type, seq, ts: nowMs(), runId, data });
  }

  connectionCount(): number {
    return this.io.engine.clientsCount;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.io.disconnectSockets(true);
      void this.io.close(() => resolve());
    });
  }
}

export const createServer: CreateBenchServer = () => new SocketIoServer();
