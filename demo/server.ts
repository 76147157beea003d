/** `npm start`: the demo on embedded defaults (no Redis, no Unleash). Builds dist/ first if the client is not built. */
import { pino } from 'pino';
import { buildClientIfStale } from './client-bundle.js';
import { readDemoConfig } from './config.js';
import { startDemo } from './app.js';

const logger = pino({ name: 'ws-ssot-demo' });
buildClientIfStale((message) => logger.info(message));
const demo = await startDemo(readDemoConfig(), logger);
logger.info(`ws-ssot demo listening on ${demo.url} (health: ${demo.url}/health/websocket, metrics: ${demo.url}/metrics)`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'shutting down');
    void demo.close().then(() => process.exit(0));
  });
}
