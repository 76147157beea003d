/** The migration server's own construction: a legacy path that fails to build leaves nothing behind. */
import http from 'node:http';
import { afterEach, expect, it } from 'vitest';
import { createMigrationServer, type MigrationServer } from '../../legacy/index.js';
import { silentLogger } from '../support/harness.js';

const servers: MigrationServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

it('a createLegacyManager that throws releases the path, so the app can try again on the same http.Server', () => {
  const server = http.createServer();
  const options = { server, authenticate: () => null, logger: silentLogger, heartbeatIntervalMs: 0 };
  expect(() => createMigrationServer({ ...options, createLegacyManager: () => { throw new Error('old manager failed'); } })).toThrow('old manager failed');
  const retry = createMigrationServer(options);
  servers.push(retry);
  expect(retry.state).toBe('open');
  expect(server.listenerCount('upgrade')).toBe(1);
});
