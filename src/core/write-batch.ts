/**
 * While a batch is open, frames written to one socket go to the kernel together at the end of the current
 * event-loop turn: the first write to a socket corks its transport and the end of the turn uncorks it, so N
 * frames to one socket cost one `writev` instead of N `write`s. The Redis engine opens a batch for each message
 * it receives: a node reads Redis in chunks of many messages, all handled in one short turn (a burst of
 * broadcasts then leaves as one write per socket). App sends are not batched: an app's turn may go on long
 * after its send, and the frame must not wait for it. Order is unchanged (one socket's bytes stay in one
 * queue). A socket holds at most `limitBytes` corked: past that it is flushed at once, so corking never makes a
 * reading peer look slow to the backpressure check (the limit is a fraction of the high-water mark).
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
  /** True from {@link open} to the end of that turn. */
  #open = false;
  /** One bound function for every turn: no closure per write. */
  readonly #releaseAll = (): void => this.release();

  /** @param highWaterMark the registry's per-connection high-water mark; a socket holds at most a quarter of it. */
  constructor(highWaterMark: number) {
    this.#limitBytes = Math.min(MAX_HELD_BYTES, Math.floor(highWaterMark / 4));
  }

  /** Batches the writes of the rest of this turn (the engine calls it for each message it receives). */
  open(): void {
    if (this.#open || this.#limitBytes === 0) return;
    this.#open = true;
    process.nextTick(this.#releaseAll);
  }

  /** Called before a frame is written to `socket`: while a batch is open, corks its transport for the rest of this turn. */
  hold(socket: WebSocket): void {
    if (!this.#open) return;
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
  }

  /** Ends the batch: uncorks every transport held this turn. */
  release(): void {
    this.#open = false;
    for (const transport of this.#held) transport.uncork();
    this.#held.clear();
  }
}
