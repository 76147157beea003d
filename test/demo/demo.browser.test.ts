/** The demo page in headless Chromium: sign in, ask, watch the five events; survive a drop with recovery. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { pino } from 'pino';
import { startDemo, type Demo } from '../../demo/app.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumAvailable } from '../support/chromium.js';

const CRITICAL = ['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed'];

describe.skipIf(!chromiumAvailable())('demo page in Chromium', () => {
  let demo: Demo;
  let browser: Browser;

  beforeEach(async () => {
    demo = await startDemo({ host: '127.0.0.1', port: 0, stepMs: 20 }, pino({ level: 'silent' }));
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  }, 60_000);
  afterEach(async () => {
    await browser?.close();
    await demo?.close();
  });

  async function signIn(name: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await page.goto(demo.url);
    await page.fill('#name', name);
    await page.click('#signin');
    await page.waitForSelector('#status.ok');
    return page;
  }

  const eventTypes = (page: Page) => page.$$eval('#events li', (items) => items.map((li) => [li.getAttribute('data-type'), li.getAttribute('data-seq')]));

  it('streams the five critical events of a run, in order, to the asking user only', async () => {
    const alice = await signIn('alice');
    const bob = await signIn('bob');
    await alice.fill('#question', 'What is ws-ssot?');
    await alice.click('#send');
    await alice.waitForSelector('#events li.agent_completed');
    expect(await eventTypes(alice)).toEqual(CRITICAL.map((t, i) => [t, String(i + 1)]));
    await alice.screenshot({ path: '.tmp/demo-alice.png' }).catch(() => undefined);
    // bob asks too, gets his own run (seq restarts for him), and never saw alice's
    await bob.fill('#question', 'And for me?');
    await bob.click('#send');
    await bob.waitForSelector('#events li.agent_completed');
    expect(await eventTypes(bob)).toEqual(CRITICAL.map((t, i) => [t, String(i + 1)]));
    expect(await bob.textContent('#events')).not.toContain('What is ws-ssot?');
  });

  it('flipping WS_ENABLE_SSOT moves the live connection to the legacy path and back, losing no event', async () => {
    const alice = await signIn('alice');
    await alice.waitForSelector('#path[data-path="ssot"]');
    await alice.fill('#question', 'before');
    await alice.click('#send');
    await alice.waitForSelector('#events li[data-seq="5"]');
    await alice.click('#flip');
    await alice.waitForSelector('#path[data-path="legacy"]');
    expect(demo.wss.connectionsByPath()).toEqual({ ssot: 0, legacy: 1 });
    await alice.fill('#question', 'on legacy');
    await alice.click('#send');
    await alice.waitForSelector('#events li[data-seq="10"]');
    await alice.click('#flip');
    await alice.waitForSelector('#path[data-path="ssot"]');
    expect(demo.wss.connectionsByPath()).toEqual({ ssot: 1, legacy: 0 });
    const seqs = (await eventTypes(alice)).map(([, seq]) => seq).filter((seq) => seq !== null);
    expect(seqs).toEqual(Array.from({ length: 10 }, (_, i) => String(i + 1)));
  });

  it('resumes after the server drops the socket: missed events are replayed once', async () => {
    const alice = await signIn('alice');
    await alice.fill('#question', 'first');
    await alice.click('#send');
    await alice.waitForSelector('#events li.agent_completed');
    // Drop the connection, send while the page is away, and let the page reconnect with lastSeq.
    const reconnected = new Promise((resolve) => demo.wss.manager.once('connection', resolve));
    demo.wss.manager.removeConnection('alice', 1012, 'drain');
    demo.wss.manager.emitCriticalEvent('alice', 'agent_started', { question: 'while away' });
    await reconnected;
    await alice.waitForSelector('#events li.recovery');
    await alice.waitForSelector('#events li[data-seq="6"]');
    const types = await eventTypes(alice);
    expect(types.filter(([, seq]) => seq === '6')).toHaveLength(1);
    expect(await alice.textContent('#events li.recovery')).toContain('resumed #6..#6');
  });
});
