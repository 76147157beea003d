/**
 * The start of every session, on either code path: the `session` frame (sessionId, epoch, lastSeq), then,
 * for a client resuming with its last seq, exactly the missed events from the shared log, or an explicit
 * `recovered: false`. Written synchronously, before anything else can be sent to the connection.
 */
import type { WsSsotMetrics } from '../observability/metrics.js';
import type { WebSocketConnection } from './connection.js';
import type { UserStream } from './event-store.js';
import { serialize } from './validate.js';

export function startSession(connection: WebSocketConnection, stream: UserStream, lastSeq: number | null | undefined, epoch: string | null | undefined, metrics: WsSsotMetrics | null): void {
  connection.write(serialize({ v: 1, type: 'session', sessionId: connection.sessionId, epoch: stream.epoch, lastSeq: stream.seq }));
  if (typeof lastSeq === 'number') replay(connection, stream, lastSeq, typeof epoch === 'string' ? epoch : null, metrics);
}

function replay(connection: WebSocketConnection, stream: UserStream, lastSeq: number, epoch: string | null, metrics: WsSsotMetrics | null): void {
  const result = epoch === stream.epoch
    ? stream.log.replayAfter(lastSeq, stream.seq, Date.now())
    : { recovered: false as const, fromSeq: lastSeq + 1, toSeq: stream.seq, frames: null };
  if (result.recovered) {
    // Replays are bounded by the log size, so they bypass the high-water mark; their size is allowed on top
    // of it until the buffer drains, so the first live event does not close a client that is reading.
    let bytes = 0;
    for (const frame of result.frames) {
      connection.write(frame);
      bytes += Buffer.byteLength(frame);
    }
    connection.replayAllowance = bytes;
    metrics?.delivered('replay', result.frames.length);
  }
  connection.write(serialize({ v: 1, type: 'recovery', recovered: result.recovered, fromSeq: result.fromSeq, toSeq: result.toSeq }));
  metrics?.recovery(result.recovered ? 'recovered' : 'not_recovered');
  connection.log.debug({ recovered: result.recovered, fromSeq: result.fromSeq, toSeq: result.toSeq }, 'recovery');
}
