/**
 * The demo page in headless Chromium (Debian's, never a downloaded one), on ws-ssot/client as served from
 * dist/client.js: sign in, ask, the five events and the answer; drop and recover, and a gap; flip and
 * drain; two tabs on the legacy path; styles that apply; a phone viewport. Screenshots go to
 * .tmp/demo-screenshots/ (gitignored); UPDATE_DEMO_PNG=1 also writes the README's docs/demo.png.
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { pino } from 'pino';
import { startDemo, type Demo } from '../../demo/app.js';
import type { DemoConfig } from '../../demo/config.js';
import { buildClientIfStale } from '../../demo/client-bundle.js';
import { packageRoot } from '../support/build.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumAvailable } from '../support/chromium.js';
import { waitFor } from '../support/wait-for.js';

const CRITICAL = ['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed'];
const SCREENSHOTS = path.join(packageRoot, '.tmp', 'demo-screenshots');
const DEMO_PNG = path.join(packageRoot, 'docs', 'demo.png');

describe.skipIf(!chromiumAvailable())('demo page in Chromium', () => {
  let demo: Demo | null = null;
  let browser: Browser | null = null;
  /** Problems any page had: an alert/confirm, a script error, a request to another origin. */
  let problems: string[] = [];

  beforeAll(async () => {
    buildClientIfStale(); // the page loads dist/client.js
    await mkdir(SCREENSHOTS, { recursive: true });
  }, 120_000);

  afterEach(async () => {
    await browser?.close();
    browser = null;
    await demo?.close();
    demo = null;
  });

  async function start(config: Partial<DemoConfig> = {}): Promise<Demo> {
    demo = await startDemo({ host: '127.0.0.1', port: 0, stepMs: 20, recoveryMaxEvents: 20, ...config }, pino({ level: 'silent' }));
    // A fresh profile per test: launch() passes Chromium a new empty --user-data-dir of its own and deletes it
    // on close (it refuses one in `args`; the API that takes one allows a single context, and these tests
    // need one per user).
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    problems = [];
    return demo;
  }

  async function openPage(context?: BrowserContext, viewport = { width: 900, height: 640 }): Promise<Page> {
    const page = await (context ?? (await browser!.newContext({ viewport }))).newPage();
    const origin = demo!.url;
    page.on('dialog', (d) => {
      problems.push(`a ${d.type()} dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('request', (req) => {
      const url = req.url();
      if (!url.startsWith(origin) && !url.startsWith(origin.replace('http', 'ws')) && !url.startsWith('data:')) problems.push(`request to another origin: ${url}`);
    });
    await page.goto(origin);
    return page;
  }

  async function signIn(name: string, context?: BrowserContext, viewport?: { width: number; height: number }): Promise<Page> {
    const page = await openPage(context, viewport);
    await page.fill('#name', name);
    await page.click('#signin');
    await page.locator('#status[data-state="open"]').waitFor();
    return page;
  }

  async function ask(page: Page, question: string): Promise<void> {
    await page.fill('#question', question);
    await page.click('#send');
  }

  /** [type, seq] of every step row, top run first. */
  const steps = (page: Page, scope = '') => page.$$eval(`${scope} .step`, (items) => items.map((li) => [li.getAttribute('data-type'), li.getAttribute('data-seq')]));
  /** Every seq on the page, in ascending order (runs are newest first). */
  const allSeqs = async (page: Page) => (await page.$$eval('.step', (items) => items.map((li) => Number(li.getAttribute('data-seq'))))).sort((a, b) => a - b);
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const run = (page: Page, question: string) => page.locator('.run', { has: page.locator('.run-question', { hasText: question }) });

  it('sign in, ask: the five events in a timeline with durations, then the answer; only to the asking user', async () => {
    const d = await start();
    const alice = await signIn('alice');
    const bob = await signIn('bob');
    await ask(alice, 'What is ws-ssot?');
    const card = run(alice, 'What is ws-ssot?');
    await card.locator('.answer').waitFor();
    expect(await card.getAttribute('data-status')).toBe('done');
    expect(await steps(alice)).toEqual(CRITICAL.map((t, i) => [t, String(i + 1)]));
    expect(await card.locator('.answer').textContent()).toContain('What is ws-ssot?');
    // Every step but the last says how long it took; the run its total.
    const metas = await card.locator('.step .meta').allTextContents();
    expect(metas.slice(0, 4).every((m) => /^#\d+ · \d+(\.\d)? (ms|s)$/.test(m))).toBe(true);
    expect(await card.locator('.run-total').textContent()).toMatch(/^done in \d+(\.\d)? (ms|s)$/);
    await alice.screenshot({ path: path.join(SCREENSHOTS, 'run.png') });

    // bob has his own seq (from 1) and never sees alice's run
    await ask(bob, 'And for me?');
    await run(bob, 'And for me?').locator('.answer').waitFor();
    expect(await steps(bob)).toEqual(CRITICAL.map((t, i) => [t, String(i + 1)]));
    expect(await bob.textContent('#runs')).not.toContain('What is ws-ssot?');

    // The migration panel: this tab's path (asked of the server by session id), flags, counts, deprecations.
    await alice.locator('#my-path[data-path="ssot"]').waitFor();
    expect(await alice.textContent('#next-path')).toBe('ssot');
    expect(await alice.getAttribute('#flags .flag[data-flag="ssot"]', 'data-on')).toBe('true');
    await alice.locator('#count-ssot', { hasText: '2' }).waitFor();
    // The tool runner still uses the old WebSocketManager: its calls are counted (WSSOT_DEP001).
    await alice.locator('.deprecation.is-used[data-code="WSSOT_DEP001"]').waitFor();
    expect(d.wss.health().deprecations.WSSOT_DEP001).toBeGreaterThanOrEqual(4);
    expect(problems).toEqual([]);
  });

  it('serves the built client as is, the page has a favicon and a viewport, and loads nothing from elsewhere', async () => {
    const d = await start();
    const page = await openPage();
    const served = await (await fetch(`${d.url}/client.js`)).text();
    expect(served).toBe(readFileSync(path.join(packageRoot, 'dist', 'client.js'), 'utf8'));
    expect(served).not.toMatch(/^\s*import\s/m); // one ES module with no import: nothing to bundle
    const icon = await page.getAttribute('link[rel="icon"]', 'href');
    expect((await fetch(new URL(icon as string, d.url))).headers.get('content-type')).toBe('image/svg+xml');
    expect(await page.getAttribute('meta[name="viewport"]', 'content')).toContain('width=device-width');
    expect((await fetch(d.url)).headers.get('content-security-policy')).toContain("default-src 'self'");
    // A bad name is explained on the page (no alert()).
    await page.fill('#name', '<script>');
    await page.click('#signin');
    await page.locator('#login-error:not([hidden])').waitFor();
    expect(await page.textContent('#login-error')).toMatch(/letters, digits/);
    expect(problems).toEqual([]);
  });

  it('styles apply: completed and replayed rows, banners and path badges get their own colours', async () => {
    await start();
    const page = await signIn('carol');
    await ask(page, 'colours');
    await run(page, 'colours').locator('.answer').waitFor();
    await page.click('#drop');
    await page.locator('.banner.is-recovered').waitFor();
    const bg = (selector: string) => page.$eval(selector, (e) => e.ownerDocument.defaultView!.getComputedStyle(e).backgroundColor);
    const plain = await bg('.step[data-type="agent_thinking"]:not(.is-replayed)');
    expect(await bg('.step[data-type="agent_completed"]:not(.is-replayed)')).toBe('rgb(227, 245, 234)');
    expect(await bg('.step.is-replayed')).toBe('rgb(255, 244, 214)');
    expect(plain).toBe('rgb(243, 245, 249)');
    expect(await bg('.banner')).toBe('rgb(227, 245, 234)');
    expect(await bg('#status')).toBe('rgb(227, 245, 234)');
    expect(await bg('#my-path')).toBe('rgb(228, 236, 253)');
  });

  it('drop: the server cuts the socket, the client resumes, the events sent meanwhile are replayed once', async () => {
    const d = await start();
    const alice = await signIn('alice');
    await ask(alice, 'first');
    await run(alice, 'first').locator('.answer').waitFor();
    await alice.click('#drop'); // the server terminates this tab's socket, then a run starts while it is away
    await alice.locator('.log-entry.is-lost', { hasText: '1006' }).waitFor();
    await alice.locator('.banner.is-recovered').waitFor();
    const offline = run(alice, 'What happened while I was offline?');
    await offline.locator('.answer').waitFor();
    // Its first event was sent while the tab had no connection: replayed, and marked so.
    expect(await offline.locator('.step[data-type="agent_started"]').getAttribute('class')).toContain('is-replayed');
    expect(await alice.textContent('.banner')).toMatch(/Reconnected after 1006, back in \d+(\.\d)? (ms|s): \d+ missed events? replayed \(#6(–#\d+)?\), none twice\./);
    expect(await steps(alice, '.run:first-child')).toEqual(CRITICAL.map((t, i) => [t, String(i + 6)]));
    expect(await allSeqs(alice)).toEqual(range(1, 10)); // each seq once, no gap
    expect(d.wss.connectionsByPath()).toEqual({ ssot: 1, legacy: 0 });
    await alice.screenshot({ path: path.join(SCREENSHOTS, 'recovered.png') });
    expect(problems).toEqual([]);
  });

  it('drop and miss too much: recovered: false is shown plainly, the page refetches, and live events go on', async () => {
    await start({ recoveryMaxEvents: 20 });
    const alice = await signIn('alice');
    await ask(alice, 'before');
    await run(alice, 'before').locator('.answer').waitFor();
    await alice.click('#drop-gap'); // 25 events while away, the log keeps 20
    const gap = alice.locator('.gap-card');
    await gap.waitFor();
    await alice.locator('.banner.is-gap', { hasText: 'Refetched' }).waitFor();
    expect(await alice.textContent('.banner')).toBe('Missed events #6–#30 could not be replayed (recovered: false): the server keeps the last 20 events per user. Refetched 5 finished run(s) from /api/runs instead.');
    expect(await gap.getAttribute('data-from-seq')).toBe('6');
    expect(await gap.locator('.gap-run').count()).toBe(5);
    expect(await gap.locator('.gap-run').first().textContent()).toContain('Background task 1 of 5');
    await alice.locator('.log-entry.is-gap', { hasText: 'not replayable' }).waitFor();
    // Not a single event of the gap reached the timeline (nothing partial), and the client went on.
    expect(await allSeqs(alice)).toEqual(range(1, 5));
    await ask(alice, 'after');
    await run(alice, 'after').locator('.answer').waitFor();
    expect(await steps(alice, '.run:first-child')).toEqual(CRITICAL.map((t, i) => [t, String(i + 31)]));
    await alice.screenshot({ path: path.join(SCREENSHOTS, 'gap.png') });
    expect(problems).toEqual([]);
  });

  it('flip WS_ENABLE_SSOT: the connection is drained (1012) onto the legacy path and back, losing no event', async () => {
    const d = await start();
    const alice = await signIn('alice');
    await alice.locator('#my-path[data-path="ssot"]').waitFor();
    await ask(alice, 'before');
    await run(alice, 'before').locator('.answer').waitFor();

    await alice.click('#flip');
    await alice.locator('#my-path[data-path="legacy"]').waitFor();
    expect(d.wss.connectionsByPath()).toEqual({ ssot: 0, legacy: 1 });
    expect(await alice.textContent('#next-path')).toBe('legacy');
    expect(await alice.getAttribute('#flags .flag[data-flag="ssot"]', 'data-on')).toBe('false');
    await alice.locator('.log-entry.is-lost', { hasText: '1012' }).waitFor();
    await alice.locator('.log-entry', { hasText: 'drained 1 connection(s) onto the legacy path' }).waitFor();
    await alice.locator('.banner.is-recovered', { hasText: 'Reconnected after 1012' }).waitFor();
    await alice.locator('#count-legacy', { hasText: '1' }).waitFor();

    await ask(alice, 'on legacy');
    await run(alice, 'on legacy').locator('.answer').waitFor();
    await alice.screenshot({ path: path.join(SCREENSHOTS, 'legacy.png') });

    await alice.click('#flip');
    await alice.locator('#my-path[data-path="ssot"]').waitFor();
    expect(d.wss.connectionsByPath()).toEqual({ ssot: 1, legacy: 0 });
    expect(await allSeqs(alice)).toEqual(range(1, 10));
    expect(problems).toEqual([]);
  });

  it('two tabs of one user on the legacy path: the older ends on 4010 and says why; taking over flips it', async () => {
    const d = await start();
    d.wss.setFlags({ ssot: false });
    const context = await browser!.newContext({ viewport: { width: 900, height: 640 } });
    const first = await signIn('dave', context);
    await first.locator('#my-path[data-path="legacy"]').waitFor();
    const second = await openPage(context); // same cookie: already signed in
    await second.locator('#status[data-state="open"]').waitFor();
    await first.locator('#status[data-state="closed"]').waitFor();
    expect(await first.textContent('#status')).toBe('ended (4010)');
    expect(await first.textContent('.banner.is-ended')).toContain('legacy path keeps one connection per user');
    await second.locator('#my-path[data-path="legacy"]').waitFor();
    expect(d.wss.connectionsByPath()).toEqual({ ssot: 0, legacy: 1 });

    await first.click('#take-over');
    await first.locator('#status[data-state="open"]').waitFor();
    await second.locator('#status[data-state="closed"]').waitFor();
    await waitFor('one legacy connection after the take-over', () => d.wss.getConnectionCount() === 1);
    expect(d.wss.connectionsByPath()).toEqual({ ssot: 0, legacy: 1 });
    expect(problems).toEqual([]);
  });

  it('is readable on a phone: one column, nothing wider than the screen', async () => {
    await start();
    const page = await signIn('erin', undefined, { width: 390, height: 844 });
    await ask(page, 'on a phone');
    await run(page, 'on a phone').locator('.answer').waitFor();
    const { scrollWidth, innerWidth } = await page.$eval('html', (html) => ({ scrollWidth: html.scrollWidth, innerWidth: html.ownerDocument.defaultView!.innerWidth }));
    expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
    const chat = await page.locator('.chat').boundingBox();
    const side = await page.locator('.side').boundingBox();
    expect(side!.y).toBeGreaterThanOrEqual(chat!.y + chat!.height); // stacked, not side by side
    expect(await page.$eval('body', (b) => parseFloat(b.ownerDocument.defaultView!.getComputedStyle(b).fontSize))).toBeGreaterThanOrEqual(15);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'phone.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('the README picture: a finished run and one recovered after a drop, with the migration panel', async () => {
    // Slower steps than the other tests, so the durations look like an agent's.
    await start({ stepMs: 150 });
    const page = await signIn('alice', undefined, { width: 880, height: 600 });
    await ask(page, 'What is ws-ssot?');
    await run(page, 'What is ws-ssot?').locator('.answer').waitFor();
    await page.click('#drop');
    await run(page, 'What happened while I was offline?').locator('.answer').waitFor();
    await page.locator('.banner.is-recovered').waitFor();
    await page.locator('.deprecation.is-used').waitFor();
    await page.$eval('html', (html) => html.ownerDocument.defaultView!.scrollTo(0, 0));
    await page.locator('#question').blur();
    await page.mouse.move(0, 0); // no hover state on the button just clicked
    const shot = path.join(SCREENSHOTS, 'demo.png');
    await page.screenshot({ path: shot });
    if (process.env.UPDATE_DEMO_PNG === '1') await page.screenshot({ path: DEMO_PNG });
    expect(readFileSync(shot).length).toBeLessThan(150 * 1024);
    expect(problems).toEqual([]);
  });
});
