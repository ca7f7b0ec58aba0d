// Bulk upload: N events (default 3,000) in a local vdir folder pushed to an empty Radicale calendar, by the real CLI
// (`dovetail sync`, push-a-to-b) with writeConcurrency 1 (one write after another, as before) and with the default,
// beside vdirsyncer (filesystem → caldav) on the same server, each into its own new calendar, all through one counting
// proxy (PUTs, most PUTs in flight at once). Asserted: every tool leaves N items on the server, each PUT of Dovetail's
// is conditional (If-None-Match: *), and a second Dovetail run writes nothing. The target (≤ 0.5× vdirsyncer) is
// reported, not asserted.
//
//   npm run build && node bench/bulk-upload.mjs [--items 3000]
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { eventText, nameOf } from './lib/events.mjs';
import { runChild, which } from './lib/processes.mjs';
import { startRadicale } from './lib/radicale.mjs';
import { reportTargets } from './lib/targets.mjs';
import { exitOnFailures, inWorkDir, syncReport, table } from './lib/report.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'core', 'bin', 'dovetail.js');
const itemsArg = process.argv.indexOf('--items');
const N = itemsArg > 0 ? Number(process.argv[itemsArg + 1]) : 3000;
const USER = 'user';
const AUTH = `Basic ${Buffer.from(`${USER}:pw`).toString('base64')}`;
const DEFAULT_CONCURRENCY = 4; // packages/dav DEFAULT_WRITE_CONCURRENCY

/** A reverse proxy to `target` counting PUTs (and their If-None-Match) and the most requests in flight at once. */
async function countingProxy(target) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let c;
  const begin = () => { c = { puts: 0, unconditional: 0, inFlight: 0, peak: 0, requests: 0 }; return c; };
  begin();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      const k = c;
      k.requests++;
      if (req.method === 'PUT') { k.puts++; if (req.headers['if-none-match'] !== '*' && !req.headers['if-match']) k.unconditional++; }
      k.inFlight++;
      k.peak = Math.max(k.peak, k.inFlight);
      const up = http.request({ host: '127.0.0.1', port: new URL(target).port, method: req.method, path: req.url, headers: { ...req.headers, host: new URL(target).host }, agent }, (ur) => {
        res.writeHead(ur.statusCode, ur.headers);
        ur.pipe(res);
        ur.on('end', () => { k.inFlight--; });
      });
      up.on('error', (e) => { k.inFlight--; res.writeHead(502).end(String(e)); });
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, begin, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); agent.destroy(); }) };
}

async function mkcalendar(base, href) {
  const res = await fetch(`${base}${href}`, { method: 'MKCALENDAR', headers: { Authorization: AUTH } });
  if (res.status !== 201) throw new Error(`MKCALENDAR ${href}: ${res.status} ${await res.text()}`);
}

/** Members of a calendar on the server (PROPFIND Depth 1, straight to the server). */
async function countMembers(base, href) {
  const res = await fetch(`${base}${href}`, { method: 'PROPFIND', headers: { Authorization: AUTH, Depth: '1', 'Content-Type': 'application/xml; charset=utf-8' },
    body: '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>' });
  const text = await res.text();
  return [...text.matchAll(/<(?:[\w-]+:)?href>([^<]*)</g)].filter((m) => m[1].endsWith('.ics')).length;
}

const work = path.join(root, 'bench', '.work', `bulk-upload-${process.pid}`);
const radicaleBin = which('radicale');
const vdirsyncer = which('vdirsyncer');
if (!radicaleBin || !vdirsyncer) {
  console.error(`bulk-upload needs radicale and vdirsyncer on PATH (missing: ${[!radicaleBin && 'radicale', !vdirsyncer && 'vdirsyncer'].filter(Boolean).join(', ')})`);
  process.exit(2);
}

await inWorkDir(work, async () => {
  const failures = [];
  const server = await startRadicale(radicaleBin, path.join(work, 'storage'), AUTH);
  const proxy = await countingProxy(server.url);
  try {
    const folder = path.join(work, 'local', 'cal');
    await mkdir(folder, { recursive: true });
    for (let i = 0; i < N; i++) await writeFile(path.join(folder, `${nameOf(i)}.ics`), eventText(i, 0));
    console.log(`${N} events in a local folder → an empty Radicale calendar (${spawnSync(radicaleBin, ['--version'], { encoding: 'utf8' }).stdout.trim()}), each tool into its own new calendar, through one counting proxy`);
    console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} at start; Node ${process.version}; peer: ${spawnSync(vdirsyncer, ['--version'], { encoding: 'utf8' }).stdout.trim()}\n`);

    /** One Dovetail push with `writeConcurrency` (undefined: the default), into calendar `href`. */
    async function dovetail(label, href, writeConcurrency) {
      await mkcalendar(server.url, href);
      const dir = path.join(work, `dovetail-${href.split('/')[2]}`);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'dovetail.json'), JSON.stringify({
        endpoints: {
          local: { connector: 'filesystem', settings: { path: path.join(work, 'local') } },
          dav: { connector: 'caldav', settings: { url: `${proxy.url}/${USER}/`, username: USER, password: 'pw', ...(writeConcurrency ? { writeConcurrency } : {}) } },
        },
        pairings: { p: { entity: 'event', a: { endpoint: 'local', collection: 'cal' }, b: { endpoint: 'dav', collection: href }, mode: 'push-a-to-b' } },
      }));
      const counter = proxy.begin();
      const r = await runChild(dir, process.execPath, [cli, 'sync', '--json'], { cwd: dir });
      const report = syncReport(r, label);
      if (report.b?.created !== N) failures.push(`${label}: created ${report.b?.created}, not ${N}`);
      if (counter.unconditional) failures.push(`${label}: ${counter.unconditional} PUTs without If-None-Match/If-Match`);
      const stored = await countMembers(server.url, href);
      if (stored !== N) failures.push(`${label}: the server holds ${stored} items, not ${N}`);
      return { label, ms: r.ms, rssKiB: r.rssKiB, puts: counter.puts, peak: counter.peak, stored, dir };
    }

    async function vdir(href) {
      await mkcalendar(server.url, href);
      const dir = path.join(work, 'vdirsyncer');
      await mkdir(dir, { recursive: true });
      const config = path.join(dir, 'config');
      await writeFile(config, [
        '[general]', `status_path = "${path.join(dir, 'status')}/"`, '',
        '[pair up]', 'a = "up_local"', 'b = "up_dav"', 'collections = null', 'conflict_resolution = "a wins"', '',
        '[storage up_local]', 'type = "filesystem"', `path = "${folder}/"`, 'fileext = ".ics"', '',
        '[storage up_dav]', 'type = "caldav"', `url = "${proxy.url}${href}"`, `username = "${USER}"`, 'password = "pw"', '',
      ].join('\n'));
      const vd = (args) => runChild(dir, vdirsyncer, ['-c', config, ...args], { cwd: dir, input: 'y\n'.repeat(10) });
      const d = await vd(['discover']);
      if (d.code !== 0) throw new Error(`vdirsyncer discover failed: ${(d.stderr + d.stdout).slice(0, 2000)}`);
      const counter = proxy.begin();
      const r = await vd(['sync']);
      if (r.code !== 0) throw new Error(`vdirsyncer sync failed: ${(r.stderr + r.stdout).slice(0, 2000)}`);
      const stored = await countMembers(server.url, href);
      if (stored !== N) failures.push(`vdirsyncer: the server holds ${stored} items, not ${N}`);
      return { label: 'vdirsyncer (filesystem → caldav)', ms: r.ms, rssKiB: r.rssKiB, puts: counter.puts, peak: counter.peak, stored };
    }

    /** The raw protocol cost: the same N PUTs (If-None-Match: *) from this process, `c` at a time, nothing else. */
    async function raw(href, c) {
      await mkcalendar(server.url, href);
      const counter = proxy.begin();
      const t = performance.now();
      let next = 0;
      await Promise.all(Array.from({ length: c }, async () => {
        while (next < N) {
          const i = next++;
          const res = await fetch(`${proxy.url}${href}${nameOf(i)}.ics`, { method: 'PUT', headers: { Authorization: AUTH, 'Content-Type': 'text/calendar; charset=utf-8', 'If-None-Match': '*' }, body: eventText(i, 0) });
          await res.arrayBuffer();
          if (res.status !== 201) throw new Error(`raw PUT ${href}: ${res.status}`);
        }
      }));
      return { label: `raw PUTs, ${c} at a time (no listing, no read-back)`, ms: performance.now() - t, puts: counter.puts, peak: counter.peak, stored: await countMembers(server.url, href) };
    }

    // Order: the raw references, vdirsyncer, Dovetail one at a time, Dovetail with the default (each into an empty calendar).
    const raw1 = await raw(`/${USER}/raw-1/`, 1);
    const raw4 = await raw(`/${USER}/raw-4/`, DEFAULT_CONCURRENCY);
    const v = await vdir(`/${USER}/vdirsyncer/`);
    const serial = await dovetail('dovetail, writeConcurrency 1', `/${USER}/serial/`, 1);
    const parallel = await dovetail(`dovetail, writeConcurrency ${DEFAULT_CONCURRENCY} (default)`, `/${USER}/parallel/`, undefined);
    const again = proxy.begin();
    const quiet = syncReport(await runChild(parallel.dir, process.execPath, [cli, 'sync', '--json'], { cwd: parallel.dir }), 'quiet run');
    if (quiet.b?.created || quiet.b?.updated || again.puts) failures.push(`the run after the upload wrote (${again.puts} PUTs)`);

    reportTargets('bulk-upload', [
      { target: 'bulk writes folder → Radicale ≤ 0.5× vdirsyncer', scale: `${N.toLocaleString('en')} events`, ratio: parallel.ms / v.ms, limit: 0.5, floor: raw4.ms / v.ms,
        measured: `${(parallel.ms / 1000).toFixed(1)} s vs ${(v.ms / 1000).toFixed(1)} s; floor: raw PUTs, ${DEFAULT_CONCURRENCY} at a time, ${(raw4.ms / 1000).toFixed(1)} s` },
      { target: `PUTs in flight never above writeConcurrency (${DEFAULT_CONCURRENCY}); the limiter only lowers it`, scale: `${N.toLocaleString('en')} events`,
        holds: parallel.peak <= DEFAULT_CONCURRENCY, measured: `most PUTs in flight at once: ${parallel.peak}` },
    ]);
    const s = (ms) => (ms / 1000).toFixed(1);
    table(['tool', 'wall s', 'PUTs', 'most in flight', 'items on server', 'peak RSS MiB', '÷ vdirsyncer'], [raw1, raw4, v, serial, parallel].map((r) => [
      r.label, s(r.ms), r.puts, r.peak, r.stored, r.rssKiB ? (r.rssKiB / 1024).toFixed(0) : 'n/a', (r.ms / v.ms).toFixed(2),
    ]));
    console.log(`\ntarget: ${N} events folder → Radicale ≤ 0.5× vdirsyncer: measured ${(parallel.ms / v.ms).toFixed(2)}× (${parallel.ms / v.ms <= 0.5 ? 'holds' : 'does not hold'}); `
      + `writeConcurrency ${DEFAULT_CONCURRENCY} vs 1: ${(parallel.ms / serial.ms).toFixed(2)}×; the server's floor (raw PUTs, ${DEFAULT_CONCURRENCY} at a time) is ${(raw4.ms / v.ms).toFixed(2)}× vdirsyncer `
      + `and ${DEFAULT_CONCURRENCY} at a time is ${(raw4.ms / raw1.ms).toFixed(2)}× one at a time (Radicale takes one write lock per PUT); load average at the end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  } finally {
    await proxy.close();
    await server.stop();
  }
  exitOnFailures(failures);
});
