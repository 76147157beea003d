/** `npm start`: the demo on embedded defaults (no Redis, no Unleash). */
import { pino } from 'pino';
import { readDemoConfig } from './config.js';
import { startDemo } from './app.js';

const logger = pino({ name: 'ws-ssot-demo' });
const demo = await startDemo(readDemoConfig(), logger);
logger.info(`ws-ssot demo listening on ${demo.url} (health: ${demo.url}/health/websocket, metrics: ${demo.url}/metrics)`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'shutting down');
    void demo.close().then(() => process.exit(0));
  });
}
