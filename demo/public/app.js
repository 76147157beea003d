// The demo page, on ws-ssot/client (the package's dist/client.js, served as /client.js; no bundler).
// The client does the protocol: resume with sessionId/epoch/lastSeq, one attempt at a time with backoff,
// the close-code table, each seq once and in order, and a gap callback on `recovered: false`.
// This file only draws what it is told.
import { createClient } from '/client.js';

const $ = (id) => document.getElementById(id);

/** How each of the five critical events shows in a run's timeline. */
const STEPS = {
  agent_started: { label: 'started', cls: 'is-started', detail: (d) => d.agent ?? '' },
  agent_thinking: { label: 'thinking', cls: 'is-thinking', detail: (d) => d.thought ?? '' },
  tool_executing: { label: 'tool', cls: 'is-tool', detail: (d) => `${d.tool}(${JSON.stringify(d.input ?? '')})` },
  tool_completed: { label: 'tool done', cls: 'is-tool', detail: (d) => `${d.tool} → ${JSON.stringify(d.result ?? null)}` },
  agent_completed: { label: 'completed', cls: 'is-completed', detail: () => '' },
};

const CLOSE_EXPLANATIONS = {
  4010: 'A newer connection of yours replaced this one (4010): the legacy path keeps one connection per user, so this tab stops instead of fighting the other one.',
  4009: 'This session was resumed on a newer connection (4009); that one is live.',
  4029: 'Evicted by the per-user connection limit (4029): reconnecting would evict another tab.',
};

let client = null;
let userId = null;
let migration = null;
/** Between a resuming session frame and 'open': the events delivered now are the server's replay. */
let resuming = false;
let replayed = [];
let gapThisResume = null;
let lastDisconnect = null;
let refreshTimer = null;
/** runId → { el, steps, firstTs, done } */
const runs = new Map();

// ---- small helpers ---------------------------------------------------------------------------------

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function duration(ms) {
  return ms < 1000 ? `${Math.max(0, Math.round(ms))} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function seqRange(seqs) {
  if (seqs.length === 0) return '';
  return seqs.length === 1 ? `#${seqs[0]}` : `#${seqs[0]}–#${seqs[seqs.length - 1]}`;
}

function log(text, kind = '') {
  const li = el('li', `log-entry${kind ? ` is-${kind}` : ''}`);
  const time = el('time', '', new Date().toLocaleTimeString([], { hour12: false }));
  li.append(time, el('span', '', text));
  const list = $('log');
  list.prepend(li);
  while (list.children.length > 30) list.lastElementChild.remove();
}

function banner(text, kind, action) {
  const b = $('banner');
  b.replaceChildren(el('span', '', text));
  b.className = `banner is-${kind}`;
  b.dataset.kind = kind;
  if (action) {
    const button = el('button', 'secondary', action.label);
    button.type = 'button';
    button.id = action.id;
    button.addEventListener('click', action.run);
    b.append(button);
  }
  b.hidden = false;
}

async function api(path, form) {
  const res = await fetch(path, form ? { method: 'POST', body: new URLSearchParams(form) } : { cache: 'no-store' });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error ?? `${path}: HTTP ${res.status}`);
  return body;
}

// ---- the timeline ----------------------------------------------------------------------------------

function runCard(runId, question) {
  let run = runs.get(runId);
  if (run !== undefined) return run;
  const article = el('article', 'run');
  article.dataset.runId = runId;
  article.dataset.status = 'running';
  const head = el('div', 'run-head');
  const total = el('span', 'run-total', 'running');
  head.append(el('span', 'run-question', question), total);
  const steps = el('ol', 'steps');
  article.append(head, steps);
  $('empty').hidden = true;
  $('runs').prepend(article);
  run = { el: article, stepsEl: steps, totalEl: total, steps: [], firstTs: null, done: false };
  runs.set(runId, run);
  return run;
}

function showEvent(event, wasReplayed) {
  const kind = STEPS[event.type];
  const runId = event.runId ?? 'no-run';
  const run = runCard(runId, event.type === 'agent_started' ? event.data.question ?? 'agent run' : runId === 'no-run' ? 'events without a run' : '(started before this tab connected)');
  const li = el('li', `step ${kind?.cls ?? ''}`);
  li.dataset.type = event.type;
  li.dataset.seq = String(event.seq);
  const label = el('span', 'label', kind?.label ?? event.type);
  const meta = el('span', 'meta', `#${event.seq}`);
  li.append(el('span', 'dot'), label, el('span', 'detail', kind ? kind.detail(event.data ?? {}) : JSON.stringify(event.data)), meta);
  if (wasReplayed) {
    li.classList.add('is-replayed');
    label.append(el('span', 'tag', 'replayed'));
  }
  // The previous step is over: it took until this event (server timestamps, so a replay keeps them).
  const previous = run.steps[run.steps.length - 1];
  if (previous !== undefined) {
    previous.li.classList.remove('is-current');
    previous.meta.textContent = `#${previous.seq} · ${duration(event.ts - previous.ts)}`;
  }
  if (run.firstTs === null) run.firstTs = event.ts;
  if (event.type !== 'agent_completed') li.classList.add('is-current');
  run.steps.push({ li, meta, ts: event.ts, seq: event.seq });
  run.stepsEl.append(li);
  if (event.type === 'agent_completed') finishRun(run, typeof event.data.result === 'string' ? event.data.result : JSON.stringify(event.data.result), event.ts);
}

function finishRun(run, answer, ts) {
  run.done = true;
  run.steps[run.steps.length - 1]?.li.classList.remove('is-current');
  run.el.dataset.status = 'done';
  run.totalEl.textContent = run.firstTs === null ? 'done' : `done in ${duration(ts - run.firstTs)}`;
  run.el.append(el('p', 'answer', answer));
}

/**
 * After `recovered: false`: what a real app does, refetch from its own API (here, the user's finished
 * runs), shown as one card in the timeline. Runs this tab had seen partly are completed in place.
 */
async function refetchRuns(gap) {
  const { runs: finished } = await api('/api/runs');
  const card = el('article', 'gap-card');
  card.dataset.fromSeq = String(gap.fromSeq);
  card.dataset.toSeq = String(gap.toSeq);
  const head = el('div', 'run-head');
  head.append(el('span', 'run-question', gap.epochChanged ? 'Gap: the server lost its log' : `Gap: events #${gap.fromSeq}–#${gap.toSeq} not replayable`), el('span', 'run-total', 'refetched'));
  const list = el('ol', 'gap-runs');
  card.append(head, list);
  let added = 0;
  for (const r of finished) {
    const known = runs.get(r.runId);
    if (known?.done) continue;
    if (known) {
      finishRun(known, r.answer, r.completedAt);
      continue;
    }
    added++;
    runs.set(r.runId, { el: card, done: true, steps: [] });
    const li = el('li', 'gap-run');
    li.dataset.runId = r.runId;
    li.append(el('span', 'q', r.question), el('span', 'seqs', `#${r.firstSeq}–#${r.lastSeq}`), el('div', 'a', r.answer));
    list.append(li);
  }
  if (added === 0) list.append(el('li', 'gap-run muted', 'nothing finished in the gap'));
  $('runs').prepend(card);
  log(`refetched ${added} finished run(s) from /api/runs`, 'gap');
  return added;
}

// ---- the client ------------------------------------------------------------------------------------

function setStatus(state, text) {
  const pill = $('status');
  pill.dataset.state = state;
  pill.textContent = text;
}

function startClient() {
  client?.close();
  resuming = false;
  const c = createClient({ url: '/ws' });
  client = c;
  setStatus('connecting', 'connecting…');

  c.on('session', (s) => {
    resuming = s.resuming;
    replayed = [];
    gapThisResume = null;
  });
  c.on('event', (event) => {
    if (c !== client) return;
    if (resuming) replayed.push(event.seq);
    showEvent(event, resuming);
    if (event.type === 'agent_completed') void refreshMigration();
  });
  c.onGap((gap) => {
    gapThisResume = gap;
    const missed = gap.epochChanged ? 'everything after the last event this tab saw' : `events #${gap.fromSeq}–#${gap.toSeq}`;
    banner(`Missed ${missed} could not be replayed (recovered: false): the server keeps the last ${migration?.recoveryMaxEvents ?? '?'} events per user. Refetching your finished runs from /api/runs…`, 'gap');
    log(`resumed with a gap: ${missed} not replayable`, 'gap');
    refetchRuns(gap).then(
      (added) => banner(`Missed ${missed} could not be replayed (recovered: false): the server keeps the last ${migration?.recoveryMaxEvents ?? '?'} events per user. Refetched ${added} finished run(s) from /api/runs instead.`, 'gap'),
      (err) => banner(`Missed ${missed} could not be replayed, and refetching failed: ${err.message}`, 'gap'),
    );
  });
  c.on('disconnect', (d) => {
    lastDisconnect = { ...d, at: performance.now() };
    if (d.action === 'end') return;
    const when = d.delayMs === 0 ? 'reconnecting now' : `retry ${d.retry} in ${duration(d.delayMs)}`;
    log(`lost (${d.code}${d.reason ? ` ${d.reason}` : ''}): ${when}`, 'lost');
  });
  c.on('state', ({ state }) => {
    if (c !== client) return;
    if (state === 'open') onOpen();
    else if (state === 'reconnecting') {
      const d = lastDisconnect;
      setStatus('reconnecting', d && d.delayMs > 0 ? `reconnecting (${d.code}), retry in ${duration(d.delayMs)}…` : `reconnecting (${d?.code ?? '?'})…`);
      renderMyPath(null);
    } else if (state === 'connecting') setStatus('connecting', 'connecting…');
    else if (state === 'closed') onClosed(c.closeInfo);
  });
  c.on('message', (m) => {
    if (m && m.type === 'error') banner(`The server refused a message: ${m.message}`, 'ended');
  });
  c.on('error', (err) => console.warn('ws-ssot client:', err.code, err.message));
}

function onOpen() {
  const wasResume = resuming;
  resuming = false;
  setStatus('open', 'live');
  if (wasResume && gapThisResume === null) {
    const after = lastDisconnect ? ` after ${lastDisconnect.code}, back in ${duration(performance.now() - lastDisconnect.at)}` : '';
    const text = replayed.length === 0 ? `Reconnected${after}: nothing was missed.` : `Reconnected${after}: ${replayed.length} missed event${replayed.length === 1 ? '' : 's'} replayed (${seqRange(replayed)}), none twice.`;
    banner(text, 'recovered');
    log(replayed.length === 0 ? 'resumed: nothing missed' : `resumed: replayed ${seqRange(replayed)}`, 'recovered');
  } else if (!wasResume) {
    log(`connected, session ${client.sessionId.slice(0, 8)}…`);
  }
  void refreshMigration();
}

function onClosed(info) {
  renderMyPath(null);
  if (info === null || info.by === 'client') {
    setStatus('closed', 'closed');
    return;
  }
  const why = info.by === 'retries' ? `Gave up after too many failed attempts (last close ${info.code}).` : CLOSE_EXPLANATIONS[info.code] ?? `The server ended this connection (${info.code}${info.reason ? `: ${info.reason}` : ''}).`;
  setStatus('closed', `ended (${info.code})`);
  log(`ended: ${info.code} ${info.reason}`, 'ended');
  banner(why, 'ended', { id: 'take-over', label: 'Connect again', run: () => startClient() });
}

// ---- the migration panel ---------------------------------------------------------------------------

function renderMyPath(path) {
  const badge = $('my-path');
  badge.dataset.path = path ?? '';
  badge.textContent = path ?? '—';
}

function renderMigration(m) {
  migration = m;
  $('log-size').textContent = String(m.recoveryMaxEvents);
  const next = $('next-path');
  next.dataset.path = m.nextPath;
  next.textContent = m.nextPath;
  $('flags').replaceChildren(...Object.entries(m.flags).map(([name, on]) => {
    const flag = el('span', `flag${on ? ' is-on' : ''}`, `${name.toUpperCase()} ${on ? 'on' : 'off'}`);
    flag.title = `WS_ENABLE_${name.toUpperCase()}`;
    flag.dataset.flag = name;
    flag.dataset.on = String(on);
    return flag;
  }));
  $('count-ssot').textContent = String(m.paths.ssot);
  $('count-legacy').textContent = String(m.paths.legacy);
  const flip = $('flip');
  flip.textContent = m.flags.ssot ? 'Roll back to the legacy path' : 'Roll forward to the SSOT path';
  flip.dataset.target = m.flags.ssot ? 'legacy' : 'ssot';
  const used = m.deprecations.filter((d) => d.calls > 0);
  const unused = m.deprecations.filter((d) => d.calls === 0);
  $('deprecations').replaceChildren(...(used.length === 0 ? [el('li', 'muted', 'none yet: ask something (the tool runner still uses the old API)')] : used.map((d) => {
    const li = el('li', 'deprecation is-used');
    li.dataset.code = d.code;
    li.title = `${d.replace}. Use ${d.with} instead.`;
    const what = el('span', 'what');
    what.append(el('code', '', shortName(d.replace)), ' → ', el('code', '', shortName(d.with)));
    li.append(el('code', '', d.code), el('span', 'calls', `${d.calls} call${d.calls === 1 ? '' : 's'}`), what);
    return li;
  })));
  const more = $('unused-deprecations');
  more.querySelector('summary').textContent = `${unused.length} other code${unused.length === 1 ? '' : 's'} at 0 calls`;
  more.querySelector('ul').replaceChildren(...unused.map((d) => el('li', 'deprecation', `${d.code}: ${d.replace}`)));
}

/** "WebSocketManager from 'ws-ssot/legacy/…' or …" → "WebSocketManager" (the full text is in the title). */
function shortName(text) {
  return text.split(/ from | \(|, or /)[0];
}

let refreshing = null;
async function refreshMigration() {
  if (userId === null) return;
  // One refresh at a time; a request made meanwhile runs once after it.
  if (refreshing) {
    refreshing.again = true;
    return;
  }
  refreshing = { again: false };
  try {
    const [m, me] = await Promise.all([api('/api/migration'), api('/api/me')]);
    renderMigration(m);
    // The session frame does not say which path serves it: the server does, by this tab's session id.
    const mine = client && client.state === 'open' ? me.connections.find((c) => c.sessionId === client.sessionId) : undefined;
    renderMyPath(mine?.path ?? null);
  } catch (err) {
    log(`could not refresh the migration panel: ${err.message}`, 'lost');
  } finally {
    const again = refreshing.again;
    refreshing = null;
    if (again) void refreshMigration();
  }
}

// ---- sign-in and the buttons -----------------------------------------------------------------------

function enter(id) {
  userId = id;
  $('who').textContent = id;
  $('who-box').hidden = false;
  $('login-panel').hidden = true;
  $('app').hidden = false;
  startClient();
  void refreshMigration();
  // Other tabs and users move the counts too: a slow refresh while the page is visible.
  refreshTimer = setInterval(() => {
    if (document.visibilityState === 'visible') void refreshMigration();
  }, 4000);
  $('question').focus();
}

$('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  const error = $('login-error');
  error.hidden = true;
  try {
    const { userId: id } = await api('/login', { name: $('name').value });
    enter(id);
  } catch (err) {
    error.textContent = err.message;
    error.hidden = false;
  }
});

$('signout').addEventListener('click', async () => {
  await client?.close();
  client = null;
  clearInterval(refreshTimer);
  await api('/logout', {}).catch(() => undefined);
  location.reload();
});

$('ask').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('question').value.trim();
  if (!text || !client) return;
  try {
    if (!client.send({ type: 'ask', text })) log('not connected: the question is queued and sent on reconnect');
    $('question').value = '';
  } catch (err) {
    banner(`Could not send: ${err.message}`, 'ended');
  }
});

$('flip').addEventListener('click', async () => {
  const button = $('flip');
  button.disabled = true;
  try {
    const m = await api('/api/flags', { ssot: String(!(migration?.flags.ssot ?? true)) });
    log(`WS_ENABLE_SSOT ${m.flags.ssot ? 'on' : 'off'}: drained ${m.drained} connection(s) onto the ${m.nextPath} path (1012)`);
    renderMigration(m);
  } catch (err) {
    log(`flip failed: ${err.message}`, 'ended');
  } finally {
    button.disabled = false;
  }
});

async function drop(mode) {
  if (!client || client.sessionId === null) return;
  try {
    const r = await api('/api/drop', { mode, sessionId: client.sessionId });
    log(mode === 'gap' ? `server dropped this tab; ${r.missed} events sent while it is away (more than the log keeps)` : 'server dropped this tab; the agent starts a run meanwhile');
  } catch (err) {
    log(`drop failed: ${err.message}`, 'ended');
  }
}
$('drop').addEventListener('click', () => void drop('replay'));
$('drop-gap').addEventListener('click', () => void drop('gap'));

// Already signed in (the cookie is HttpOnly, so ask the server).
api('/api/me').then(
  (me) => (me.userId === null ? $('name').focus() : enter(me.userId)),
  () => $('name').focus(),
);
