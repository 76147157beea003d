/** The `cluster` option's validation and the channel frames' parsing (no Redis needed). */
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { controlFrame, messageFrame, parseChannelMessage } from '../../src/cluster/channel-message.js';
import { resolveClusterOptions } from '../../src/cluster/cluster-options.js';
import { createWebSocketServer } from '../../src/index.js';

describe('cluster option', () => {
  it('is absent by default: in-process, no Redis', () => {
    expect(resolveClusterOptions(undefined)).toBeNull();
  });

  it.each([
    [{ redis: 42 }, 'cluster.redis'],
    [{ redis: 'http://127.0.0.1:6379' }, 'cluster.redis'],
    [{ redis: {} }, 'cluster.redis'],
    [{ redis: 'redis://127.0.0.1', keyPrefix: 'a{b}' }, 'cluster.keyPrefix'],
    [{ redis: 'redis://127.0.0.1', keyPrefix: '' }, 'cluster.keyPrefix'],
    [{ redis: 'redis://127.0.0.1', nodeId: 'a|b' }, 'cluster.nodeId'],
    [{ redis: 'redis://127.0.0.1', presenceTtlMs: 10 }, 'cluster.presenceTtlMs'],
    [{ redis: 'redis://127.0.0.1', presenceTtlMs: 3_000, heartbeatIntervalMs: 3_000 }, 'cluster.heartbeatIntervalMs'],
    [{ redis: 'redis://127.0.0.1', pubsub: 'fast' }, 'cluster.pubsub'],
    [{ redis: 'redis://127.0.0.1', sendRetryMs: -1 }, 'cluster.sendRetryMs'],
    [{ redis: 'redis://127.0.0.1', sendRetryMs: 1.5 }, 'cluster.sendRetryMs'],
    ['redis://127.0.0.1', 'cluster'],
  ])('refuses %j with a coded error naming %s, before anything connects', (cluster, field) => {
    expect(() => createWebSocketServer({ server: http.createServer(), authenticate: () => null, cluster: cluster as never })).toThrow(expect.objectContaining({ code: 'WSSOT_ERR_INVALID_OPTION', field }));
  });

  it('resolves defaults: prefix wssot, a 15 s presence TTL refreshed every 5 s, pub/sub by server version, sends retried for 10 s', () => {
    expect(resolveClusterOptions({ redis: 'redis://127.0.0.1:6379' })).toEqual({ redis: 'redis://127.0.0.1:6379', keyPrefix: 'wssot', nodeId: null, presenceTtlMs: 15_000, heartbeatIntervalMs: 5_000, pubsub: 'auto', sendRetryMs: 10_000 });
  });
});

describe('channel frames', () => {
  it('an event frame: header parsed, the frame itself untouched (any runId, any data)', () => {
    const frame = '{"v":1,"type":"agent_thinking","seq":7,"ts":1,"runId":"r|ü\\u0000","data":{"a":"|x|"}}';
    const key = 'agent_thinking\u0000r|ü';
    const raw = Buffer.from(`e|c|7|1764700000123|epoch-1|${Buffer.byteLength(key)}|${key}${frame}`);
    expect(parseChannelMessage(raw)).toEqual({ kind: 'e', delivery: 'coalescible', seq: 7, ms: 1764700000123, epoch: 'epoch-1', coalesceKey: key, frame: Buffer.from(frame) });
  });

  it('a message frame and control frames round-trip', () => {
    const bytes = (text: string): Buffer => Buffer.from(text);
    expect(parseChannelMessage(bytes(messageFrame('droppable', '{"type":"note"}')))).toEqual({ kind: 'm', delivery: 'droppable', seq: 0, ms: 0, epoch: '', coalesceKey: null, frame: bytes('{"type":"note"}') });
    expect(parseChannelMessage(bytes(controlFrame('x', 'conn-1')))).toEqual({ kind: 'x', target: 'conn-1' });
    expect(parseChannelMessage(bytes(controlFrame('g', 's|c')))).toEqual({ kind: 'g', target: 's|c' });
  });

  it.each(['', 'e', 'q|x', 'e|z|1|5|e|0|{}', 'e|d|x|5|e|0|{}', 'e|d|1|5|e|99|{}', 'e|d|1', 'e|d|1x|5|e|0|{}', 'e|dd|1|5|e|0|{}', 'e|d|1|e|0|{}', 'e|d|1|5x|e|0|{}'])('ignores malformed %j (null, never a throw)', (raw) => {
    expect(parseChannelMessage(Buffer.from(raw))).toBeNull();
  });
});
