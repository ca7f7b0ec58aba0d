// The status page: reads the API with the bearer token and refreshes every few seconds. Plain JavaScript, no build.
'use strict';

const REFRESH_MS = 5000;
const state = { token: '', timer: 0, busy: new Set() };

function readToken() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem('dovetail-token', decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname); // keep the token out of the address bar
  }
  return sessionStorage.getItem('dovetail-token') || '';
}

async function api(path, options = {}) {
  const res = await fetch(path, { ...options, headers: { Authorization: `Bearer ${state.token}`, ...(options.headers || {}) } });
  if (res.status === 401) {
    sessionStorage.removeItem('dovetail-token');
    state.token = '';
    showLogin('The token was refused.');
    throw new Error('unauthorized');
  }
  const body = res.status === 204 ? null : await res.json();
  if (!res.ok) throw new Error((body && body.message) || `${res.status} ${res.statusText}`);
  return body;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('data-') || k === 'role' || k.startsWith('aria-') || k === 'title' || k === 'type') node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) if (c !== undefined && c !== null) node.append(c);
  return node;
}

function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  const secs = Math.round((d.getTime() - Date.now()) / 1000);
  const abs = Math.abs(secs);
  const rel = abs < 60 ? `${abs} s` : abs < 3600 ? `${Math.round(abs / 60)} min` : abs < 86400 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86400)} d`;
  return secs >= 0 ? `in ${rel}` : `${rel} ago`;
}

const counts = (c) => (c ? `${c.created}/${c.updated}/${c.deleted}` : '—');

function resultText(run) {
  if (!run) return 'never run';
  if (run.aborted) return `failed: ${run.failure || 'error'}`;
  if (run.blocked) return 'stopped by a guard';
  const written = ['a', 'b'].reduce((n, s) => n + run[s].created + run[s].updated + run[s].deleted, 0);
  return `${run.ok ? 'done' : 'done with problems'}: ${written} change${written === 1 ? '' : 's'}, ${run.unchanged} unchanged (${(run.durationMs / 1000).toFixed(2)} s)`;
}

function waiting(p) {
  const w = p.pending;
  if (!w) return '—';
  const parts = [];
  if (w.retrying) parts.push(`${w.retrying} retrying${w.nextRetryAt ? ` (${when(w.nextRetryAt)})` : ''}`);
  if (w.conflicts) parts.push(`${w.conflicts} conflicts`);
  if (w.quarantined) parts.push(`${w.quarantined} refused`);
  return parts.join(', ') || '—';
}

function row(p) {
  const name = p.pairing;
  const toggle = el('input', { type: 'checkbox', class: 'switch', role: 'switch', checked: p.enabled, disabled: !p.enabledInConfig || state.busy.has(name), 'aria-label': `${name} enabled`, 'data-action': 'toggle' });
  // Switching on also closes an open circuit (the API's enable does).
  toggle.addEventListener('change', () => act(name, toggle.checked ? 'enable' : 'disable'));
  const syncing = p.running || p.queued || state.busy.has(name);
  const button = el('button', { type: 'button', disabled: syncing || !p.enabled, 'data-action': 'sync' }, syncing ? 'Syncing…' : 'Sync now');
  button.addEventListener('click', () => syncNow(name, p.lastRun && p.lastRun.startedAt));
  const actions = el('td', {}, button);
  if (p.circuit.open) {
    const reset = el('button', { type: 'button', 'data-action': 'reset' }, 'Reset');
    reset.addEventListener('click', () => act(name, 'reset'));
    actions.append(' ', reset);
  }
  const enabledText = !p.enabledInConfig ? 'off in config' : p.circuit.open ? 'stopped (circuit open)' : p.disabledAtRuntime ? 'disabled' : '';
  return el('tr', { 'data-pairing': name, 'data-health': p.health },
    el('th', { scope: 'row' }, name, el('span', { class: 'result' }, p.entity)),
    el('td', {}, el('span', { class: `health health-${p.health}` }, el('span', { class: 'dot', 'aria-hidden': 'true' }), p.health),
      p.reasons.length ? el('p', { class: 'reasons' }, p.reasons.join('; ')) : null),
    el('td', {}, toggle, enabledText ? el('span', { class: 'result' }, enabledText) : null),
    el('td', { 'data-field': 'last-run' }, p.lastRun ? when(p.lastRun.startedAt) : '—', el('span', { class: 'result', 'data-field': 'result' }, resultText(p.lastRun))),
    el('td', {}, p.running ? 'running now' : p.queued ? 'queued' : when(p.nextRunAt)),
    el('td', { class: 'num' }, counts(p.lastRun && p.lastRun.a)),
    el('td', { class: 'num' }, counts(p.lastRun && p.lastRun.b)),
    el('td', {}, waiting(p)),
    el('td', { class: 'last-error', 'data-field': 'last-error' }, p.lastError || ''),
    actions);
}

function drawChart(buckets) {
  const box = document.getElementById('chart');
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  const W = 900, H = 180, pad = 24;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('role', 'img');
  const values = buckets.map((b) => ['a', 'b'].reduce((n, s) => n + b[s].created + b[s].updated + b[s].deleted, 0));
  const total = values.reduce((x, y) => x + y, 0);
  svg.setAttribute('aria-label', `Items synced per day: ${total} in the last ${buckets.length} days`);
  const max = Math.max(1, ...values);
  const bw = (W - pad) / buckets.length;
  buckets.forEach((b, i) => {
    const h = ((H - 2 * pad) * values[i]) / max;
    const r = document.createElementNS(ns, 'rect');
    r.setAttribute('x', String(pad + i * bw + 1));
    r.setAttribute('y', String(H - pad - h));
    r.setAttribute('width', String(Math.max(1, bw - 2)));
    r.setAttribute('height', String(h));
    r.setAttribute('data-day', b.start);
    r.setAttribute('data-items', String(values[i]));
    const t = document.createElementNS(ns, 'title');
    t.textContent = `${b.start}: ${values[i]} items, ${b.runs} runs`;
    r.append(t);
    svg.append(r);
    if (i % 5 === 0 || i === buckets.length - 1) {
      const label = document.createElementNS(ns, 'text');
      label.setAttribute('x', String(pad + i * bw));
      label.setAttribute('y', String(H - 6));
      label.textContent = b.start.slice(5);
      svg.append(label);
    }
  });
  const top = document.createElementNS(ns, 'text');
  top.setAttribute('x', '0');
  top.setAttribute('y', '12');
  top.textContent = String(max);
  svg.append(top);
  box.replaceChildren(svg);
}

async function refresh() {
  clearTimeout(state.timer);
  try {
    const [{ pairings }, stats] = await Promise.all([api('/api/pairings'), api('/api/stats?period=day')]);
    const banner = document.getElementById('banner');
    const bad = pairings.filter((p) => p.health === 'error').length;
    banner.textContent = pairings.length
      ? `Service running: ${pairings.length} pairing${pairings.length === 1 ? '' : 's'}, ${pairings.filter((p) => p.enabled).length} enabled${bad ? `, ${bad} with errors` : ''}`
      : 'Service running: no pairings configured';
    banner.className = `banner ${bad ? 'bad' : 'ok'}`;
    document.querySelector('#pairings tbody').replaceChildren(...pairings.map(row));
    document.getElementById('empty').hidden = pairings.length > 0;
    drawChart(stats.buckets);
  } catch (e) {
    if (e.message !== 'unauthorized') {
      const banner = document.getElementById('banner');
      banner.textContent = `Service not reachable: ${e.message}`;
      banner.className = 'banner bad';
    }
  }
  if (state.token) state.timer = setTimeout(refresh, REFRESH_MS);
}

async function act(name, action) {
  state.busy.add(name);
  try {
    await api(`/api/pairings/${encodeURIComponent(name)}/${action}`, { method: 'POST' });
  } catch (e) {
    alertRow(name, e.message);
  } finally {
    state.busy.delete(name);
    await refresh();
  }
}

/** Starts a run and follows the pairing until a run newer than `before` is recorded. */
async function syncNow(name, before) {
  state.busy.add(name);
  await refresh();
  try {
    await api(`/api/pairings/${encodeURIComponent(name)}/sync`, { method: 'POST' });
    for (let i = 0; i < 600; i += 1) {
      await new Promise((r) => setTimeout(r, 500));
      const p = await api(`/api/pairings/${encodeURIComponent(name)}`);
      if (p.lastRun && p.lastRun.startedAt !== before && !p.running && !p.queued) break;
    }
  } catch (e) {
    alertRow(name, e.message);
  } finally {
    state.busy.delete(name);
    await refresh();
  }
}

function alertRow(name, message) {
  const cell = document.querySelector(`tr[data-pairing="${CSS.escape(name)}"] [data-field="last-error"]`);
  if (cell) cell.textContent = message;
}

function showLogin(message) {
  clearTimeout(state.timer);
  document.getElementById('main').hidden = true;
  document.getElementById('login').hidden = false;
  document.getElementById('login-error').textContent = message || '';
  document.getElementById('banner').textContent = 'Sign in with the API token';
}

function start() {
  document.getElementById('login').hidden = true;
  document.getElementById('main').hidden = false;
  refresh();
}

document.getElementById('login').addEventListener('submit', (ev) => {
  ev.preventDefault();
  state.token = document.getElementById('token').value.trim();
  sessionStorage.setItem('dovetail-token', state.token);
  start();
});

state.token = readToken();
if (state.token) start();
else showLogin();
