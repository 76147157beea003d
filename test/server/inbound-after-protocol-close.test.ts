/**
 * Nothing a client sends after the frame that got it closed (invalid JSON → 1007, binary → 1003) reaches
 * `onMessage`, even frames `ws` read in the same TCP chunk: a raw client writes several frames in one write.
 */
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../src/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import { connectNeverReading } from '../support/raw-client.js';
import { waitFor } from '../support/wait-for.js';

let h: Harness | null = null;
let raw: net.Socket | null = null;
afterEach(async () => {
  raw?.destroy();
  raw = null;
  await h?.close();
  h = null;
});

/** One masked client frame (FIN set): opcode 1 text, 2 binary. */
function clientFrame(opcode: 1 | 2, payload: Buffer | string): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  if (data.length >= 126) throw new Error('keep test frames short');
  const mask = randomBytes(4);
  const masked = Buffer.from(data.map((byte, i) => byte ^ (mask[i % 4] as number)));
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | data.length]), mask, masked]);
}
const text = (s: string) => clientFrame(1, s);

/** Reads server frames from the raw socket until the close frame; resolves with its code. */
function closeCodeFrom(socket: net.Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => reject(new Error('no close frame within 5 s')), 5_000);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        if (buffered.length < 2) return;
        const opcode = (buffered[0] as number) & 0x0f;
        let length = (buffered[1] as number) & 0x7f;
        let offset = 2;
        if (length === 126) {
          if (buffered.length < 4) return;
          length = buffered.readUInt16BE(2);
          offset = 4;
        } else if (length === 127) {
          if (buffered.length < 10) return;
          length = Number(buffered.readBigUInt64BE(2));
          offset = 10;
        }
        if (buffered.length < offset + length) return;
        const payload = buffered.subarray(offset, offset + length);
        buffered = buffered.subarray(offset + length);
        if (opcode === 8) {
          clearTimeout(timer);
          resolve(payload.readUInt16BE(0));
          return;
        }
      }
    });
    socket.resume();
  });
}

async function serveRecording(extra: Parameters<typeof startHarness>[0] = {}): Promise<unknown[]> {
  const received: unknown[] = [];
  h = await startHarness({ onMessage: (_connection, message) => void received.push(message), ...extra });
  raw = await connectNeverReading(h.port, h.wss.options.path, 'alice');
  return received;
}

describe('frames behind a protocol close', () => {
  it('after invalid JSON (1007), the frames read in the same chunk never reach onMessage', async () => {
    const received = await serveRecording();
    const closed = closeCodeFrom(raw!);
    raw!.write(Buffer.concat([text('{"n":0}'), text('not json {'), text('{"n":1}'), text('{"n":2}')]));
    expect(await closed).toBe(CloseCode.INVALID_PAYLOAD);
    expect(received).toEqual([{ n: 0 }]);
    expect(h!.wss.manager.isUserConnected('alice')).toBe(false);
    const metrics = await h!.wss.metrics.text();
    expect(metrics).toMatch(/wssot_inbound_messages_total\{result="ok"\} 1\n/);
    expect(metrics).toMatch(/wssot_inbound_messages_total\{result="invalid_json"\} 1\n/);
  });

  it('after a binary frame (1003), the frames read in the same chunk never reach onMessage', async () => {
    const received = await serveRecording();
    const closed = closeCodeFrom(raw!);
    raw!.write(Buffer.concat([clientFrame(2, Buffer.from([1, 2, 3])), text('{"n":1}'), text('not json either'), text('{"n":2}')]));
    expect(await closed).toBe(CloseCode.UNSUPPORTED_DATA);
    expect(received).toEqual([]);
    expect(h!.wss.manager.isUserConnected('alice')).toBe(false);
    const metrics = await h!.wss.metrics.text();
    expect(metrics).toMatch(/wssot_inbound_messages_total\{result="binary"\} 1\n/);
    expect(metrics).not.toMatch(/result="ok"\} [1-9]/);
    expect(metrics).not.toMatch(/result="invalid_json"\} [1-9]/);
  });

  it("nor do frames written after the close decision, in later chunks: the connection is unregistered at once ('disconnection' with 1007)", async () => {
    const received = await serveRecording();
    let disconnected: number | null = null;
    h!.wss.manager.once('disconnection', (_c, code) => (disconnected = code));
    const closed = closeCodeFrom(raw!);
    raw!.write(text('{'));
    await waitFor("'disconnection' at the close decision", () => disconnected !== null);
    expect(disconnected).toBe(CloseCode.INVALID_PAYLOAD);
    raw!.write(text('{"late":true}'));
    expect(await closed).toBe(CloseCode.INVALID_PAYLOAD);
    // The late frame was written before bob's handshake even started: by the time bob's frame is at
    // onMessage, alice's late one has been read (and dropped).
    const other = await h!.connectReady('bob');
    other.send({ ping: 1 });
    await waitFor("bob's message at onMessage", () => received.length > 0);
    expect(received).toEqual([{ ping: 1 }]);
  });
});

describe('frames ws itself refuses (1009 too big, 1007 invalid UTF-8)', () => {
  for (const [what, frame, code] of [
    ['a frame over maxPayload (1009)', text(`{"blob":"${'x'.repeat(90)}"}`), CloseCode.MESSAGE_TOO_BIG],
    ['invalid UTF-8 (1007)', clientFrame(1, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), CloseCode.INVALID_PAYLOAD],
  ] as const) {
    it(`after ${what}: unregistered at once with that code, nothing behind it reaches onMessage, a peer that never reads is terminated after slowCloseTimeoutMs`, async () => {
      const received = await serveRecording({ maxPayload: 64, slowCloseTimeoutMs: 200 });
      const socket = h!.wss.manager.getUserConnections('alice')[0]!.socket;
      let disconnected: number | null = null;
      h!.wss.manager.once('disconnection', (_c, c) => (disconnected = c));
      // The raw peer stays paused: it never reads the close frame nor the end of the stream (ws's own
      // close would wait 30 s for it).
      raw!.write(Buffer.concat([text('{"n":0}'), frame, text('{"n":1}')]));
      await waitFor("'disconnection' at once", () => disconnected !== null, 2_000);
      expect(disconnected).toBe(code);
      expect(h!.wss.manager.isUserConnected('alice')).toBe(false);
      await waitFor('the peer terminated after slowCloseTimeoutMs', () => socket.readyState === 3, 5_000);
      expect(received).toEqual([{ n: 0 }]);
    });
  }
});
