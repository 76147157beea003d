/** `npm start` serves the demo on embedded defaults: the page and its client, the health endpoint and a working socket. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildClientIfStale } from '../../demo/client-bundle.js';
import { TestClient } from '../support/client.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let child: ChildProcess | null = null;
// `npm start` builds dist/ itself when the client is not built; done here first, so the 20 s below are the start's.
beforeAll(() => buildClientIfStale(), 120_000);
afterEach(async () => {
  if (child && child.exitCode === null && child.pid !== undefined) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    // The whole process group: npm does not pass SIGTERM on to the tsx and node processes under it.
    process.kill(-child.pid, 'SIGTERM');
    await exited;
  }
  child = null;
});

describe('npm start', () => {
  it('starts the demo, which serves the page, health, and an authenticated socket', async () => {
    child = spawn('npm', ['start', '--silent'], { cwd: root, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no listening line in 20 s: ${out}`)), 20_000);
      child!.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
      });
      child!.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
    });
    expect((await fetch(url)).headers.get('content-type')).toMatch(/text\/html/);
    // the page's client: the package's own build, served as an ES module
    const client = await fetch(`${url}/client.js`);
    expect(client.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await client.text()).toContain('createClient');
    const health = await fetch(`${url}/health/websocket`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', connections: 0 });
    const login = await fetch(`${url}/login`, { method: 'POST', body: new URLSearchParams({ name: 'carol' }) });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const ws = await TestClient.open(`${url.replace('http', 'ws')}/ws`, { headers: { cookie } });
    ws.send({ type: 'ask', text: 'hello' });
    const events = await ws.waitForCount((f) => typeof f.seq === 'number' && f.type !== 'session', 5, 10_000);
    expect(events.map((e) => e.type)).toEqual(['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed']);
    await ws.close();
    // and without the cookie the upgrade is refused
    await expect(TestClient.open(`${url.replace('http', 'ws')}/ws`)).rejects.toMatchObject({ status: 401 });
  }, 40_000);
});
