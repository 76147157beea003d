/**
 * Baseline: the straightforward manager a team would write by hand on `ws`.
 * A map user → sockets, the user id from `?user=` (benchmark-only auth), `JSON.stringify` once per event,
 * then `ws.send(string)` to each open socket. No limits, heartbeat, backpressure or recovery.
 */
import http from 'node:http';
import { WebSocketServer, WebSocket } from 'ws';
import { nowMs } from '../lib/clock.js';
import type { BenchServer, CreateBenchServer } from './types.js';
import { listenOnLoopback } from '../lib/listen.js';

class RawWsServer implements BenchServer {
  private readonly http = http.createServer();
  private readonly wss = new WebSocketServer({ server: this.http, path: '/ws' });
  private readonly users = new Map<string, Set<WebSocket>>();
  private readonly seqs = new Map<string, number>();
  private count = 0;

  constructor() {
    this.wss.on('connection', (ws, req) => {
      const userId = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('user') ?? 'anonymous';
      let set = this.users.get(userId);
      if (set === undefined) {
        set = new Set();
        this.users.set(userId, set);
      }
      set.add(ws);
      this.count++;
      ws.on('close', () => {
        this.count--;
        const s = this.users.get(userId);
        if (s !== undefined) {
          s.delete(ws);
          if (s.size === 0) this.users.delete(userId);
        }
      });
      ws.on('error', () => {});
    });
  }

  start(): Promise<number> {
    return listenOnLoopback(this.http);
  }

  broadcast(msg: object): number {
    const data = JSON.stringify(msg);
    let n = 0;
    for (const set of this.users.values()) {
      for (const ws of set) {
        if (ws.readyState === WebSocket.OPEN) {
          ws.send(data);
          n++;
        }
      }
    }
    return n;
  }

  sendToUser(userId: string, msg: object): number {
    const set = this.users.get(userId);
    if (set === undefined) return 0;
    const data = JSON.stringify(msg);
    let n = 0;
    for (const ws of set) {
      if (ws.readyState === WebSocket.OPEN) {
        ws.send(data);
        n++;
      }
    }
    return n;
  }

  sendAgentEvent(userId: string, type: string, data: object, runId: string): void {
    const seq = (this.seqs.get(userId) ?? 0) + 1;
    this.seqs.set(userId, seq);
    this.sendToUser(userId, { v: 1, type, seq, ts: nowMs(), runId, data });
  }

  connectionCount(): number {
    return this.count;
  }

  close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    return new Promise((resolve) => {
      this.wss.close(() => this.http.close(() => resolve()));
    });
  }
}

export const createServer: CreateBenchServer = () => new RawWsServer();
