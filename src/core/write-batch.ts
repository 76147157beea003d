/**
 * Frames written to one socket during one turn of the event loop go to the kernel together: the first write
 * of a turn corks the socket's transport and the end of the turn uncorks it, so N frames to one socket (a
 * burst of broadcasts read from Redis in one chunk, a loop of sends to a user) cost one `writev` instead of N
 * `write`s. Order is unchanged (one socket's bytes stay in one queue). A socket holds at most `limitBytes`
 * corked: past that it is flushed at once, so corking never makes a reading peer look slow to the
 * backpressure check (the limit is a fraction of the high-water mark).
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/** The cork limit's ceiling: enough to merge a chunk of frames, small against socket buffers. */
const MAX_HELD_BYTES = 64 * 1024;

/** The transport under a ws socket (ws keeps it in `_socket`; absent before the upgrade completes). */
function transportOf(socket: WebSocket): Socket | undefined {
  return (socket as unknown as { _socket?: Socket })._socket;
}

export class WriteBatch {
  readonly #limitBytes: number;
  /** Transports corked this turn. */
  readonly #held = new Set<Socket>();
  #scheduled = false;
  /** One bound function for every turn: no closure per write. */
  readonly #releaseAll = (): void => this.release();

  /** @param highWaterMark the registry's per-connection high-water mark; a socket holds at most a quarter of it. */
  constructor(highWaterMark: number) {
    this.#limitBytes = Math.min(MAX_HELD_BYTES, Math.floor(highWaterMark / 4));
  }

  /** Called before a frame is written to `socket`: corks its transport for the rest of this turn. */
  hold(socket: WebSocket): void {
    if (this.#limitBytes === 0) return;
    const transport = transportOf(socket);
    if (transport === undefined || transport.destroyed) return;
    if (this.#held.has(transport)) {
      // Past the limit: hand what is held to the kernel now, and keep holding what follows.
      if (transport.writableLength >= this.#limitBytes) {
        transport.uncork();
        transport.cork();
      }
      return;
    }
    transport.cork();
    this.#held.add(transport);
    if (!this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(this.#releaseAll);
    }
  }

  /** Uncorks every transport held this turn (also on close, so nothing stays corked). */
  release(): void {
    this.#scheduled = false;
    for (const transport of this.#held) transport.uncork();
    this.#held.clear();
  }
}
