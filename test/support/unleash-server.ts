/**
 * A real Unleash server for tests: `unleash-server` (~7.5) in a child process, on a free port, against a
 * throwaway PostgreSQL database that is created here and dropped by `close()`.
 *
 *   const pg = await postgresAvailability();          // skip (or fail under CI=true) without PostgreSQL
 *   const server = await startUnleashServer();         // 2–40 s: runs Unleash's migrations
 *   await server.createToggles(['WS_ENABLE_SSOT']);
 *   await server.setEnabled('WS_ENABLE_SSOT', true);
 *   const token = await server.createClientToken();    // for the SDK: { url: server.url, apiToken: token }
 *   await server.stop(); await server.restart();       // an outage, same database and port
 *   await server.close();                              // stops it and drops the database
 *
 * PostgreSQL comes from DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), used only as the
 * admin connection that creates and drops `wssot_unleash_<pid>_<random>`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe } from 'vitest';

const CHILD_SCRIPT = fileURLToPath(new URL('./unleash-server-child.mjs', import.meta.url));
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const START_PG_HINT = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

/** The admin connection string (any database the user can connect to; `postgres` by default). */
export function adminDatabaseUrl(): string {
  return process.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export type PostgresAvailability = { ok: true } | { ok: false; error: string };

/** Tries the admin connection once, with a short timeout. */
export async function postgresAvailability(): Promise<PostgresAvailability> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl(), connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * `describe` when PostgreSQL answers; otherwise `describe.skip` with a loud warning, or an error under
 * `CI=true` (a CI run must not go green by skipping the real-server tests).
 */
export async function describeWithPostgres(): Promise<typeof describe | typeof describe.skip> {
  const availability = await postgresAvailability();
  if (availability.ok) return describe;
  const message =
    `PostgreSQL is not reachable at ${redact(adminDatabaseUrl())} (${availability.error}). ` +
    `The real-Unleash tests need it. Start it with: ${START_PG_HINT} (or set DATABASE_URL).`;
  if (process.env['CI'] === 'true') throw new Error(message);
  // Loud on purpose: a skipped suite must not look like a passing one.
  console.warn(`\n${'!'.repeat(100)}\nSKIPPING real-Unleash tests: ${message}\n${'!'.repeat(100)}\n`);
  return describe.skip;
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

export interface StartUnleashServerOptions {
  /** How long to wait for the server to listen (migrations run on first start). @default 90000 */
  startTimeoutMs?: number;
  /** unleash-server log level in the child (its output is kept and shown only on failure). @default 'error' */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** One running (or stopped) Unleash server with its own database. */
export interface UnleashTestServer {
  /** The SDK's `url`: `http://127.0.0.1:<port>/api/`. */
  readonly url: string;
  readonly port: number;
  readonly databaseName: string;
  /** An admin API token, created at startup through `initApiTokens`. */
  readonly adminToken: string;
  /** The environment the helpers act on (Unleash OSS has `development` and `production`). */
  readonly environment: string;
  /** Calls the admin API; throws with the response body on a non-2xx status. */
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Creates release toggles in the `default` project (existing ones are left as they are). */
  createToggles(names: readonly string[]): Promise<void>;
  /** Turns a toggle on/off in an environment; turning on adds a 100% rollout if it has no strategy. */
  setEnabled(toggle: string, enabled: boolean, environment?: string): Promise<void>;
  /** Replaces the toggle's strategies with one `flexibleRollout` at `percent`% by `userId`, and turns it on. */
  setFlexibleRollout(toggle: string, percent: number, environment?: string): Promise<void>;
  /** Creates a client (backend) API token for the SDK, scoped to all projects of one environment. */
  createClientToken(environment?: string): Promise<string>;
  /** Stops the server process (an outage); the database stays. */
  stop(): Promise<void>;
  /** Starts the server process again on the same port and database. */
  restart(): Promise<void>;
  readonly running: boolean;
  /** Stops the server and drops its database. Idempotent. */
  close(): Promise<void>;
}

interface Child {
  process: ChildProcess;
  port: number;
  output: string[];
}

async function spawnChild(databaseUrl: string, adminToken: string, port: number, options: Required<StartUnleashServerOptions>): Promise<Child> {
  const child = fork(CHILD_SCRIPT, [], {
    // Not vitest's loaders: the child is plain Node ESM.
    execArgv: [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: {
      ...process.env,
      // unleash-server reads DATABASE_URL itself; it must use the throwaway database only.
      DATABASE_URL: databaseUrl,
      WSSOT_UNLEASH_DB_URL: databaseUrl,
      WSSOT_UNLEASH_ADMIN_TOKEN: adminToken,
      WSSOT_UNLEASH_PORT: String(port),
      WSSOT_UNLEASH_LOG_LEVEL: options.logLevel,
      NODE_ENV: 'production',
      CHECK_VERSION: 'false',
      SEND_TELEMETRY: 'false',
    },
  });
  const output: string[] = [];
  const keep = (chunk: Buffer): void => {
    output.push(chunk.toString('utf8'));
    if (output.length > 200) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const listening = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`unleash-server did not listen within ${options.startTimeoutMs} ms:\n${output.join('')}`));
    }, options.startTimeoutMs);
    child.on('message', (message: { type?: string; port?: number; message?: string }) => {
      if (message.type === 'listening' && typeof message.port === 'number') {
        clearTimeout(timer);
        resolve(message.port);
      } else if (message.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`unleash-server failed to start: ${message.message}\n${output.join('')}`));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`unleash-server exited before listening (code ${code}, signal ${signal}):\n${output.join('')}`));
    });
  });
  return { process: child, port: listening, output };
}

async function stopChild(child: Child): Promise<void> {
  const proc = child.process;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = once(proc, 'exit');
  if (proc.connected) proc.send({ type: 'stop' });
  else proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Creates a throwaway database and starts unleash-server on it, on a free port. */
export async function startUnleashServer(options: StartUnleashServerOptions = {}): Promise<UnleashTestServer> {
  const resolved: Required<StartUnleashServerOptions> = {
    startTimeoutMs: options.startTimeoutMs ?? 90_000,
    logLevel: options.logLevel ?? 'error',
  };
  const adminUrl = adminDatabaseUrl();
  const databaseName = `wssot_unleash_${process.pid}_${randomBytes(4).toString('hex')}`;
  const databaseUrl = withDatabase(adminUrl, databaseName);
  const adminToken = `*:*.${randomBytes(24).toString('hex')}`;
  const environment = 'development';

  const adminDb = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  await adminDb.connect();
  try {
    await adminDb.query(`CREATE DATABASE "${databaseName}"`);
  } finally {
    await adminDb.end();
  }
  const dropDatabase = async (): Promise<void> => {
    const db = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
    await db.connect();
    try {
      await db.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    } finally {
      await db.end();
    }
  };

  let child: Child | undefined;
  try {
    child = await spawnChild(databaseUrl, adminToken, 0, resolved);
  } catch (error) {
    await dropDatabase().catch(() => undefined);
    throw error;
  }
  const port = child.port;
  const base = `http://127.0.0.1:${port}`;
  let closed: Promise<void> | undefined;

  const admin = async <T = unknown>(method: string, path: string, body?: unknown): Promise<T> => {
    const init: RequestInit = {
      method,
      headers: { authorization: adminToken, 'content-type': 'application/json', accept: 'application/json' },
    };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await fetch(`${base}${path}`, init);
    const text = await response.text();
    if (!response.ok) throw new Error(`Unleash admin ${method} ${path} -> ${response.status}: ${text.slice(0, 500)}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  };
  const featurePath = (toggle: string, env: string): string =>
    `/api/admin/projects/default/features/${encodeURIComponent(toggle)}/environments/${encodeURIComponent(env)}`;
  type StrategyRow = { id: string; name: string };

  const server: UnleashTestServer = {
    url: `${base}/api/`,
    port,
    databaseName,
    adminToken,
    environment,
    admin,
    get running() {
      return child !== undefined && child.process.exitCode === null && child.process.signalCode === null;
    },
    async createToggles(names) {
      const existing = await admin<{ features: Array<{ name: string }> }>('GET', '/api/admin/projects/default/features');
      const have = new Set(existing.features.map((f) => f.name));
      for (const name of names) {
        if (!have.has(name)) await admin('POST', '/api/admin/projects/default/features', { name, type: 'release' });
      }
    },
    async setEnabled(toggle, enabled, env = environment) {
      if (enabled) {
        const strategies = await admin<StrategyRow[]>('GET', `${featurePath(toggle, env)}/strategies`);
        if (strategies.length === 0) {
          await admin('POST', `${featurePath(toggle, env)}/strategies`, {
            name: 'flexibleRollout',
            parameters: { rollout: '100', stickiness: 'default', groupId: toggle },
            constraints: [],
          });
        }
      }
      await admin('POST', `${featurePath(toggle, env)}/${enabled ? 'on' : 'off'}`);
    },
    async setFlexibleRollout(toggle, percent, env = environment) {
      if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new Error(`percent must be 0..100, got ${percent}`);
      const strategies = await admin<StrategyRow[]>('GET', `${featurePath(toggle, env)}/strategies`);
      for (const s of strategies) await admin('DELETE', `${featurePath(toggle, env)}/strategies/${s.id}`);
      await admin('POST', `${featurePath(toggle, env)}/strategies`, {
        name: 'flexibleRollout',
        parameters: { rollout: String(percent), stickiness: 'userId', groupId: toggle },
        constraints: [],
      });
      await admin('POST', `${featurePath(toggle, env)}/on`);
    },
    async createClientToken(env = environment) {
      const token = await admin<{ secret: string }>('POST', '/api/admin/api-tokens', {
        tokenName: `wssot-sdk-${randomBytes(3).toString('hex')}`,
        type: 'backend',
        environment: env,
        projects: ['*'],
      });
      return token.secret;
    },
    async stop() {
      if (child !== undefined) await stopChild(child);
    },
    async restart() {
      if (closed !== undefined) throw new Error('the Unleash test server is closed');
      if (child !== undefined) await stopChild(child);
      child = await spawnChild(databaseUrl, adminToken, port, resolved);
    },
    close() {
      closed ??= (async () => {
        try {
          if (child !== undefined) await stopChild(child);
        } finally {
          await dropDatabase();
        }
      })();
      return closed;
    },
  };
  return server;
}

/** A port on 127.0.0.1 that nothing listens on (bound to 0, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A tiny HTTP server on port 0 for faults a real Unleash cannot be made to produce (5xx, garbage JSON).
 * `respond` decides each reply; requests are counted by path.
 */
export interface FaultServer {
  readonly url: string;
  readonly requests: Map<string, number>;
  respond: (req: IncomingMessage, res: ServerResponse) => void;
  close(): Promise<void>;
}

export async function startFaultServer(respond: FaultServer['respond']): Promise<FaultServer> {
  const requests = new Map<string, number>();
  const fault: FaultServer = {
    url: '',
    requests,
    respond,
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    requests.set(path, (requests.get(path) ?? 0) + 1);
    fault.respond(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  Object.assign(fault, {
    url: `http://127.0.0.1:${port}/api/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return fault;
}
