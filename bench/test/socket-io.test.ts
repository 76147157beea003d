/**
 * bench's own install: Socket.IO comes from bench/node_modules, and the Node load client loads socket.io-client
 * only for a Socket.IO server, so a quick broadcast must still reach every Socket.IO client exactly once. The raw
 * ws baseline must run the ws that ws-ssot runs: bench/package.json pins ws (Socket.IO's engine wants an older
 * one, which npm would otherwise put at bench/node_modules/ws), and the pin must match the library's.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { ScenarioContext } from '../lib/types.js';
import { broadcast, sizes } from '../scenarios/broadcast.js';

const wsVersion = (from: string): string => (createRequire(new URL(from, import.meta.url))('ws/package.json') as { version: string }).version;

describe('bench package', () => {
  it('resolves, for the raw ws baseline and the load client, the ws version the library resolves', () => {
    expect(wsVersion('../servers/raw-ws.ts')).toBe(wsVersion('../../src/index.ts'));
    expect(wsVersion('../clients/client.ts')).toBe(wsVersion('../../src/index.ts'));
  });

  it('the Node client receives every broadcast exactly once from Socket.IO and raw ws', async () => {
    const ctx: ScenarioContext = { quick: true, runs: 1, impls: ['raw-ws', 'socket-io'], maxOtherLoadPct: 100, client: 'node', pin: null, log: () => {} };
    const { connections, events } = sizes(true);
    const result = await broadcast.run(ctx);
    expect(result.rows.map((r) => r.name)).toEqual(['raw ws', 'Socket.IO']);
    for (const row of result.rows) {
      expect(row.notes, row.name).toEqual([]);
      expect(row.metrics['delivered'], row.name).toBe(connections * events);
      expect(row.metrics['complete'], row.name).toBe(1);
    }
  }, 20_000);
});
