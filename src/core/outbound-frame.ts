/**
 * One serialised message on its way to one or more sockets, encoded at most once: the UTF-8 payload, and
 * the complete WebSocket text frame (header + payload in one buffer, built with ws's own `Sender.frame`).
 * A fan-out to N connections then costs one socket write each and no per-connection allocation.
 */
import * as ws from 'ws';
import type { WebSocket } from 'ws';

/** The parts of ws's internal Sender that pre-framed writes use (ws 8; checked at run time). */
interface RawSender {
  _state: number;
  sendFrame(list: readonly Buffer[], cb?: () => void): void;
}
type FrameFn = (data: Buffer, options: object) => Buffer[];

// `Sender` is a named export of ws in both module systems (the ESM default export lacks it); untyped in @types/ws.
const frameWithWs = (ws as unknown as { Sender: { frame: FrameFn } }).Sender.frame;
/** Unmasked (server to client), final, text opcode, uncompressed. */
const TEXT_FRAME_OPTIONS = Object.freeze({ fin: true, rsv1: false, opcode: 0x01, mask: false, readOnly: false });
/** Shared send options for the fallback path: text frame, no per-message allocation. */
const SEND_TEXT = Object.freeze({ binary: false });
/** ws's Sender state when nothing is queued ahead (no deflate or blob in progress). */
const SENDER_IDLE = 0;

export class OutboundFrame {
  /** The serialised message: text, or its UTF-8 bytes as received (a frame from the broker is never decoded). */
  readonly content: string | Buffer;
  #payload: Buffer | null;
  #wire: readonly Buffer[] | null;

  constructor(content: string | Buffer) {
    this.content = content;
    this.#payload = typeof content === 'string' ? null : content;
    this.#wire = null;
  }

  get payload(): Buffer {
    if (this.#payload === null) this.#payload = Buffer.from(this.content as string);
    return this.#payload;
  }

  /** The whole frame as a one-element list, as `Sender#sendFrame` takes it. */
  get wire(): readonly Buffer[] {
    if (this.#wire === null) {
      const parts = frameWithWs(this.payload, TEXT_FRAME_OPTIONS);
      this.#wire = [parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts)];
    }
    return this.#wire;
  }

  /**
   * Writes the frame to an open socket: pre-framed straight to its sender when the sender is idle (so
   * ordering is kept), else through `ws.send`, which queues behind whatever is in progress.
   */
  writeTo(socket: WebSocket): void {
    const sender = (socket as unknown as { _sender?: RawSender })._sender;
    if (sender !== undefined && sender._state === SENDER_IDLE && typeof sender.sendFrame === 'function') sender.sendFrame(this.wire);
    else socket.send(this.payload, SEND_TEXT);
  }
}
