// Runs one unleash-server in its own process, for test/support/unleash-server.ts.
// Input (environment): WSSOT_UNLEASH_DB_URL (the throwaway database), WSSOT_UNLEASH_ADMIN_TOKEN,
// WSSOT_UNLEASH_PORT (0 for any free port). Output (IPC): { type: 'listening', port } or { type: 'error', message }.
// Stops when the parent sends { type: 'stop' } or disconnects.
import { start } from 'unleash-server';

const dbUrl = process.env.WSSOT_UNLEASH_DB_URL;
const adminToken = process.env.WSSOT_UNLEASH_ADMIN_TOKEN;
const port = Number(process.env.WSSOT_UNLEASH_PORT ?? '0');

function send(message) {
  if (process.send) process.send(message);
}

async function main() {
  if (!dbUrl || !adminToken) throw new Error('WSSOT_UNLEASH_DB_URL and WSSOT_UNLEASH_ADMIN_TOKEN are required');
  const url = new URL(dbUrl);
  const instance = await start({
    db: {
      host: url.hostname,
      port: Number(url.port || 5432),
      user: decodeURIComponent(url.username || 'postgres'),
      password: decodeURIComponent(url.password),
      database: url.pathname.slice(1),
      ssl: false,
      pool: { min: 0, max: 4 },
    },
    server: { host: '127.0.0.1', port, gracefulShutdownEnable: false, gracefulShutdownTimeout: 0 },
    versionCheck: { enable: false },
    authentication: {
      initApiTokens: [
        { secret: adminToken, type: 'admin', environment: '*', projects: ['*'], tokenName: 'wssot-admin' },
      ],
    },
    logLevel: process.env.WSSOT_UNLEASH_LOG_LEVEL ?? 'error',
  });
  const address = instance.server.address();
  send({ type: 'listening', port: typeof address === 'object' && address ? address.port : port });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await instance.stop();
    } finally {
      process.exit(0);
    }
  };
  process.on('message', (message) => {
    if (message && message.type === 'stop') void stop();
  });
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error) => {
  send({ type: 'error', message: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) });
  process.exit(1);
});
