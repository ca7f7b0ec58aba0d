// Multiget batch size vs server time: one pass over a collection of N events (default 5,000) in multigets of
// each batch size, one request at a time, on Radicale (storage seeded directly) and Xandikos (events committed to its git repository).
// Reports per batch size: requests, wall time of the pass, mean time per request, the part of a request that
// does not grow with the batch (fit), response bytes. Straight to the server (no proxy), gzip accepted.
//
// Run: node bench/multiget-size.mjs [--items 5000] [--sizes 50,100,200,500,1000,5000] [--servers radicale,xandikos] [--passes 3]
// Xandikos answers a multiget in ~25-60 ms per item on this machine: use --items 1000 for it (5,000 takes over 15 min).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { eventText, nameOf } from './lib/events.mjs';
import { freePort, startRadicale } from './lib/radicale.mjs';
import { median, which } from './lib/processes.mjs';
import { table } from './lib/report.mjs';

const argValue = (name) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
const ITEMS = Number(argValue('--items') ?? 5000);
const SIZES = (argValue('--sizes') ?? '50,100,200,500,1000,5000').split(',').map(Number).filter((s) => s <= ITEMS);
const SERVERS = (argValue('--servers') ?? 'radicale,xandikos').split(',');
const PASSES = Number(argValue('--passes') ?? 3);
const AUTH = `Basic ${Buffer.from('user:pw').toString('base64')}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const multigetBody = (hrefs) =>
  '<?xml version="1.0" encoding="utf-8"?>\n<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">' +
  '<d:prop><d:getetag/><c:calendar-data/></d:prop>' + hrefs.map((h) => `<d:href>${h}</d:href>`).join('') + '</c:calendar-multiget>';

async function report(url, body) {
  const t = performance.now();
  const res = await fetch(url, { method: 'REPORT', headers: { Authorization: AUTH, Depth: '1', 'Content-Type': 'application/xml; charset=utf-8' }, body });
  const buf = Buffer.from(await res.arrayBuffer());
  if (res.status !== 207) throw new Error(`REPORT ${url}: ${res.status} ${buf.toString('utf8', 0, 300)}`);
  return { ms: performance.now() - t, bytes: buf.length, text: buf.toString('utf8') };
}

async function startXandikos(dir) {
  const port = await freePort();
  const fd = openSync(path.join(dir, 'xandikos.log'), 'a');
  const child = spawn(which('xandikos'), ['-d', path.join(dir, 'storage'), '--defaults', '--current-user-principal', '/user/', '-l', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const url = `http://127.0.0.1:${port}`;
  for (let k = 0; ; k += 1) {
    try { const r = await fetch(`${url}/`, { method: 'OPTIONS' }); await r.arrayBuffer(); break; } catch { if (k > 200) throw new Error('xandikos did not start'); await sleep(100); }
  }
  return { url, stop: async () => { child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r)); } };
}

async function setup(kind, dir) {
  if (kind === 'radicale') {
    const coll = path.join(dir, 'storage', 'collection-root', 'user', 'coll');
    await mkdir(coll, { recursive: true });
    await writeFile(path.join(coll, '.Radicale.props'), JSON.stringify({ tag: 'VCALENDAR' }));
    for (let i = 0; i < ITEMS; i += 1) await writeFile(path.join(coll, `${nameOf(i)}.ics`), eventText(i, 0));
    const server = await startRadicale(which('radicale'), path.join(dir, 'storage'), AUTH);
    return { ...server, collection: '/user/coll/' };
  }
  // Xandikos keeps a collection in a git repository: created by a first start (--defaults), then the events are
  // committed straight into it (a PUT each is a commit each: minutes for thousands).
  await (await startXandikos(dir)).stop();
  const repo = path.join(dir, 'storage', 'user', 'calendars', 'calendar');
  for (let i = 0; i < ITEMS; i += 1) await writeFile(path.join(repo, `${nameOf(i)}.ics`), eventText(i, 0));
  const git = (...args) => { const r = spawnSync('git', ['-C', repo, '-c', 'user.name=bench', '-c', 'user.email=bench@dovetail.test', ...args], { encoding: 'utf8' }); if (r.status !== 0) throw new Error(`git ${args[0]}: ${r.stderr}`); };
  git('add', '-A');
  git('commit', '-q', '-m', 'seed');
  const server = await startXandikos(dir);
  const collection = '/user/calendars/calendar/';
  return { ...server, collection };
}

const missing = SERVERS.filter((k) => !['radicale', 'xandikos'].includes(k) || !which(k));
if (missing.length || !Number.isInteger(ITEMS) || ITEMS < 1 || !SIZES.length) {
  console.error(`usage: node bench/multiget-size.mjs [--items N] [--sizes 50,100,...] [--servers radicale,xandikos] [--passes 3]` +
    (missing.length ? `\nnot installed or unknown: ${missing.join(', ')} (apt-get install radicale xandikos)` : ''));
  process.exit(2);
}

for (const kind of SERVERS) {
  const dir = await mkdtemp(path.join(os.tmpdir(), `mg-size-${kind}-`));
  const server = await setup(kind, dir);
  try {
    const hrefs = Array.from({ length: ITEMS }, (_, i) => `${server.collection}${nameOf(i)}.ics`);
    const url = `${server.url}${server.collection}`;
    await report(url, multigetBody(hrefs)); // warm (Radicale's item cache)
    const rows = [];
    const perReq = [];
    for (const size of SIZES) {
      const passes = [];
      let bytes = 0;
      let maxReq = 0;
      for (let p = 0; p < PASSES; p += 1) {
        const t = performance.now();
        bytes = 0;
        for (let k = 0; k < ITEMS; k += size) {
          const r = await report(url, multigetBody(hrefs.slice(k, k + size)));
          bytes += r.bytes;
          maxReq = Math.max(maxReq, r.bytes);
        }
        passes.push(performance.now() - t);
      }
      const ms = median(passes);
      const n = Math.ceil(ITEMS / size);
      rows.push([size, n, (ms / 1000).toFixed(2), (ms / n).toFixed(1), (ms / ITEMS * 1000).toFixed(0), `${(maxReq / 1024).toFixed(0)} KiB`]);
      perReq.push({ size, n, ms });
    }
    // Least squares over passes: pass ms = n × fixed + ITEMS × perItem.
    const a = perReq.map((r) => [r.n, ITEMS]);
    let s11 = 0, s12 = 0, s22 = 0, b1 = 0, b2 = 0;
    for (let k = 0; k < a.length; k += 1) { const [x, y] = a[k]; s11 += x * x; s12 += x * y; s22 += y * y; b1 += x * perReq[k].ms; b2 += y * perReq[k].ms; }
    const det = s11 * s22 - s12 * s12;
    const fixed = (b1 * s22 - b2 * s12) / det;
    const perItem = (s11 * b2 - s12 * b1) / det;
    console.log(`\n${kind}, ${ITEMS} events, one pass in multigets of each size (median of ${PASSES} passes), one request at a time:`);
    table(['batch', 'requests', 'pass s', 'ms/request', 'µs/item', 'largest answer (decoded)'], rows);
    console.log(`fit: ${fixed.toFixed(1)} ms per request + ${(perItem * 1000).toFixed(0)} µs per item`);
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
console.log(`\nload average at end: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
