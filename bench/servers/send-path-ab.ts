/**
 * Diagnostic reference, opt-in (`npm run bench -- --scenario targeted --impl ws-ssot,send-path-ab`): what
 * ws-ssot's send path costs over raw socket writes, measured inside one server process on the same sockets.
 * Between processes this machine varies by 10–20 % per run, more than the difference sought; within one process,
 * on the same sockets, both sides share that variation.
 *
 * It is ws-ssot's benchmark server. Each `sendToUser` goes, by a fixed pseudo-random sequence, either through
 * `manager.sendMessage` (validation, serialisation, the frame encoded once, per-connection liveness and
 * backpressure checks, metrics) or through the write floor's loop over the same user's sockets (one
 * `JSON.stringify`, one frame, one `net.Socket#write` per connection, nothing else). Each call's wall time per
 * delivery is recorded on its side: all of a send's work is synchronous, the write system calls included. When
 * the clients have everything it reports the two medians (µs per delivery) and `sendPathRatio`, ws-ssot's median
 * over the raw loop's (1.00 = no cost over the writes themselves). Medians, because a few calls a phase take
 * milliseconds (the server's CPU taken away mid-call), land on either side at random and would decide a ratio of
 * sums. Only per-user sends are split; broadcasts and agent events take ws-ssot's path alone.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { CreateBenchServer } from './types.js';
import { median } from '../lib/stats.js';
import { encode } from './write-floor.js';
import { WsSsotBenchServer } from './ws-ssot.js';

class SendPathAbServer extends WsSsotBenchServer {
  /** Each user's raw sockets, taken from the manager at the first send of a phase (none open or close during one). */
  readonly #sockets = new Map<string, Socket[]>();
  /** Per call, µs per delivery, on each side. */
  #ssotUs: number[] = [];
  #rawUs: number[] = [];
  /** xorshift32 state: the side of each call, uncorrelated with the scenario's round-robin over users. */
  #seed = 0x2545f491;

  override sendToUser(userId: string, msg: object): boolean {
    const sockets = this.#socketsOf(userId);
    if (sockets.length === 0) return this.m.sendMessage(userId, msg);
    if (this.#nextSide() === 0) {
      const t0 = performance.now();
      this.m.sendMessage(userId, msg);
      this.#ssotUs.push(((performance.now() - t0) * 1000) / sockets.length);
    } else {
      const t0 = performance.now();
      const wire = encode(msg);
      for (const socket of sockets) socket.write(wire);
      this.#rawUs.push(((performance.now() - t0) * 1000) / sockets.length);
    }
    return true;
  }

  resetPhaseFigures(): void {
    this.#sockets.clear();
    this.#ssotUs = [];
    this.#rawUs = [];
  }

  phaseFigures(): Record<string, number> {
    const ssotUs = median(this.#ssotUs);
    const rawUs = median(this.#rawUs);
    if (ssotUs === null || rawUs === null || rawUs === 0) return {};
    return { sendPathRatio: ssotUs / rawUs, ssotUsPerDelivery: ssotUs, rawUsPerDelivery: rawUs };
  }

  #socketsOf(userId: string): Socket[] {
    let sockets = this.#sockets.get(userId);
    if (sockets === undefined) {
      sockets = this.m.getUserConnections(userId).map((c) => (c.socket as unknown as { _socket: Socket })._socket);
      this.#sockets.set(userId, sockets);
    }
    return sockets;
  }

  #nextSide(): number {
    let x = this.#seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#seed = x >>> 0;
    return this.#seed & 1;
  }
}

export const createServer: CreateBenchServer = (options) => new SendPathAbServer(options);
