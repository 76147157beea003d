/**
 * Reference, not a manager: the least a Node server can do per delivery. `JSON.stringify` and framing once
 * per event (ws's `Sender.frame`, one buffer), then one `net.Socket#write` of that buffer per connection,
 * bypassing ws's sender (no queue, no backpressure, no checks). What is left is the socket write itself,
 * so its deliveries/s show the ceiling any design that writes each delivery when it is sent can reach on
 * this machine. Opt-in: `npm run bench -- --impl raw-ws,socket-io,ws-ssot,write-floor`.
 * With `greeting`, it also writes one session-sized text frame to each connection as it opens, as ws-ssot's
 * protocol does (its `session` frame): `greeting-floor.ts`, which isolates what that one frame costs here.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';
import * as ws from 'ws';
import { nowMs } from '../lib/clock.js';
import { listenOnLoopback } from '../lib/listen.js';
import type { BenchServer, CreateBenchServer } from './types.js';

type FrameFn = (data: Buffer, options: object) => Buffer[];
// `Sender` is a named export of ws (untyped in @types/ws).
const frame = (ws as unknown as { Sender: { frame: FrameFn } }).Sender.frame;
const TEXT = { fin: true, rsv1: false, opcode: 0x01, mask: false, readOnly: false };

/** One `JSON.stringify`, framed once into a single buffer (an unmasked text frame). */
export function encode(msg: object): Buffer {
  return Buffer.concat(frame(Buffer.from(JSON.stringify(msg)), TEXT));
}

/** About the size of ws-ssot's `session` frame (two UUIDs); clients ignore it (no `bench: 1`). */
function greetingFrame(): Buffer {
  return encode({ v: 1, type: 'session', sessionId: randomUUID(), epoch: randomUUID(), lastSeq: 0 });
}

export class WriteFloorServer implements BenchServer {
  private readonly http = http.createServer();
  private readonly wss = new ws.WebSocketServer({ server: this.http, path: '/ws' });
  private readonly users = new Map<string, Socket[]>();
  private readonly all: Socket[] = [];
  private readonly seqs = new Map<string, number>();

  constructor(options: { greeting?: boolean } = {}) {
    const greeting = options.greeting === true;
    this.wss.on('connection', (socket, req) => {
      const userId = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('user') ?? 'anonymous';
      const raw = (socket as unknown as { _socket: Socket })._socket;
      let list = this.users.get(userId);
      if (list === undefined) this.users.set(userId, (list = []));
      list.push(raw);
      this.all.push(raw);
      socket.on('error', () => {});
      if (greeting) raw.write(greetingFrame());
    });
  }

  start(): Promise<number> {
    return listenOnLoopback(this.http);
  }

  broadcast(msg: object): number {
    const wire = encode(msg);
    for (const s of this.all) s.write(wire);
    return this.all.length;
  }

  sendToUser(userId: string, msg: object): number {
    const list = this.users.get(userId);
    if (list === undefined) return 0;
    const wire = encode(msg);
    for (const s of list) s.write(wire);
    return list.length;
  }

  sendAgentEvent(userId: string, type: string, data: object, runId: string): void {
    const seq = (this.seqs.get(userId) ?? 0) + 1;
    this.seqs.set(userId, seq);
    this.sendToUser(userId, { v: 1, type, seq, ts: nowMs(), runId, data });
  }

  connectionCount(): number {
    return this.wss.clients.size;
  }

  close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    return new Promise((resolve) => {
      this.wss.close(() => this.http.close(() => resolve()));
    });
  }
}

export const createServer: CreateBenchServer = () => new WriteFloorServer();
