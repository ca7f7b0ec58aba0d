// iCal-feed benchmark: the real CLI (`dovetail sync`, one child process per run) mirroring a generated feed of
// N events (default 10,000; written by us, see lib/events.mjs) served by a real node:http server on 127.0.0.1
// (test/support/feed-server.mjs: ETag, Last-Modified, 304s) into a local vdir folder. Runs:
//   initial             the feed downloaded and parsed once, N files written
//   unchanged           must be exactly one conditional request answered 304, nothing parsed, nothing written
//   200, same bytes     a server that ignores conditional requests: one download, nothing parsed or written
//   200, new DTSTAMPs   a feed regenerated on every request (fresh DTSTAMP in every event): parsed, nothing written
//   10 changed          10 events edited upstream: 10 files rewritten
// Requests, statuses and bytes are counted at the server; "parsed" is read from the CLI's debug log
// (the connector logs "feed parsed" each time it parses). Peers measured in the same run: vdirsyncer 0.19's
// read-only `http` storage into a `filesystem` storage (skipped with a note when not on PATH), `curl` fetching
// the feed once (the raw download cost), and `node -e 0` (process start-up).
//
// Run: npm run build && node bench/ical-feed.mjs [--items 10000]
// Exits non-zero when a run does not behave as listed above.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFeedServer } from '../test/support/feed-server.mjs';
import { eventText } from './lib/events.mjs';
import { gnuTime, median, runChild as runInScratch, which } from './lib/processes.mjs';
import { exitOnFailures, inWorkDir, syncReport, table } from './lib/report.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');
const cli = path.join(repoRoot, 'core', 'bin', 'dovetail.js');
const work = path.join(here, '.work', `ical-feed-${process.pid}`);

const itemsArg = process.argv.indexOf('--items');
const ITEMS = itemsArg > 0 ? Number(process.argv[itemsArg + 1]) : 10_000;
if (!Number.isInteger(ITEMS) || ITEMS < 100) {
  console.error('usage: node bench/ical-feed.mjs [--items N]   (N ≥ 100, default 10000)');
  process.exit(2);
}
const CHANGED = 10;
const REPEATS = 3; // short runs are noisy: median of 3
if (!existsSync(path.join(repoRoot, 'core', 'dist', 'cli')) || !existsSync(path.join(repoRoot, 'connectors', 'ical-feed', 'dist'))) {
  console.error('dist is missing: run `npm run build` first');
  process.exit(2);
}
const vdirsyncer = which('vdirsyncer');
const curl = which('curl');
const runChild = (cmd, args, options) => runInScratch(work, cmd, args, options);

// ---------------------------------------------------------------------------------------------
// The feed: one VCALENDAR, the Berlin VTIMEZONE once, N VEVENTs (rev 1 for the first `changed` events).

function feedText(changed = 0) {
  const prodid = '-//Dovetail//ical-feed bench//EN';
  const block = (text, name) => text.slice(text.indexOf(`BEGIN:${name}`), text.indexOf(`END:${name}`) + `END:${name}`.length);
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${prodid}`, 'X-WR-CALNAME:Bench feed', block(eventText(1, 0, prodid), 'VTIMEZONE')];
  for (let i = 0; i < ITEMS; i += 1) lines.push(block(eventText(i, i < changed ? 1 : 0, prodid), 'VEVENT'));
  lines.push('END:VCALENDAR', '');
  return lines.join('\r\n');
}

/** The same feed with every DTSTAMP set to now, as feeds generated per request write it. */
function restamped(text) {
  const now = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return text.replace(/^DTSTAMP:.*$/gm, `DTSTAMP:${now}`);
}

async function countFiles(dir) {
  return (await readdir(dir).catch(() => [])).filter((n) => n.endsWith('.ics')).length;
}

// ---------------------------------------------------------------------------------------------
// Dovetail: feed endpoint → folder, mirror-a-to-b, debug log to count parses.

async function dovetailSetup(root, url) {
  await mkdir(root, { recursive: true });
  await writeFile(path.join(root, 'dovetail.json'), JSON.stringify({
    log: { level: 'debug' },
    endpoints: {
      feed: { connector: 'ical-feed', settings: { url } },
      local: { connector: 'filesystem', settings: { path: './local', createRoot: true } },
    },
    pairings: { feed: { entity: 'event', a: { endpoint: 'feed' }, b: { endpoint: 'local', collection: 'feed', create: true }, mode: 'mirror-a-to-b' } },
  }, null, 2));
}

async function dovetailSync(root, server, label) {
  server.reset();
  const r = await runChild(process.execPath, [cli, 'sync', '--json'], { cwd: root });
  const report = syncReport(r, label);
  const parses = r.stderr.split('\n').filter((l) => l.includes('"msg":"feed parsed"')).length;
  return {
    label, ms: r.ms, rssKiB: r.rssKiB, engineMs: report.durationMs, report, parses,
    writes: report.b.created + report.b.updated + report.b.deleted + report.a.created + report.a.updated + report.a.deleted,
    requests: server.log.length, statuses: server.log.map((x) => x.status), conditional: server.log.map((x) => Boolean(x.ifNoneMatch || x.ifModifiedSince)),
    bytes: server.bytesSent(), files: await countFiles(path.join(root, 'local', 'feed')),
  };
}

// ---------------------------------------------------------------------------------------------
// vdirsyncer: its read-only `http` storage → a `filesystem` storage (no conditional requests: it downloads
// and parses the feed on every sync).

async function vdirsyncerSetup(root, url) {
  await mkdir(path.join(root, 'local'), { recursive: true });
  await writeFile(path.join(root, 'config'), [
    '[general]', `status_path = "${path.join(root, 'status')}/"`, '',
    '[pair feed]', 'a = "feed_remote"', 'b = "feed_local"', 'collections = null', 'conflict_resolution = "a wins"', '',
    '[storage feed_remote]', 'type = "http"', `url = "${url}"`, '',
    '[storage feed_local]', 'type = "filesystem"', `path = "${path.join(root, 'local')}/"`, 'fileext = ".ics"', '',
  ].join('\n'));
  const r = await runChild(vdirsyncer, ['-c', path.join(root, 'config'), 'discover'], { cwd: root, input: 'y\n'.repeat(5) });
  if (r.code !== 0) throw new Error(`vdirsyncer discover failed, exit ${r.code}:\n${(r.stderr + r.stdout).slice(0, 2000)}`);
}

async function vdirsyncerSync(root, server, label) {
  server.reset();
  const r = await runChild(vdirsyncer, ['-c', path.join(root, 'config'), 'sync'], { cwd: root });
  if (r.code !== 0) throw new Error(`vdirsyncer sync (${label}) failed, exit ${r.code}:\n${(r.stderr + r.stdout).slice(0, 2000)}`);
  return { label, ms: r.ms, rssKiB: r.rssKiB, requests: server.log.length, statuses: server.log.map((x) => x.status), bytes: server.bytesSent(), files: await countFiles(path.join(root, 'local')) };
}

// ---------------------------------------------------------------------------------------------

const fmtS = (ms) => (ms / 1000).toFixed(2);
const fmtMiB = (kib) => (kib ? `${Math.round(kib / 1024)} MiB` : 'n/a');
const fmtKiB = (bytes) => `${Math.round(bytes / 1024)} KiB`;
const pick = (runs) => {
  const m = median(runs.map((r) => r.ms));
  return { ...runs.find((r) => r.ms === m), runs };
};

await inWorkDir(work, async () => {
  const failures = [];
  const check = (ok, message) => { if (!ok) failures.push(message); };
  const base = feedText();
  const server = await startFeedServer();
  try {
    server.set('/feed.ics', { body: base });
    const url = server.url('/feed.ics');
    console.log(`ical-feed bench: ${ITEMS} events in one feed (${fmtKiB(Buffer.byteLength(base))}), node:http on 127.0.0.1 → local folder`);
    console.log(`peers: ${vdirsyncer ? `${vdirsyncer} (${spawnSync(vdirsyncer, ['--version'], { encoding: 'utf8' }).stdout.trim()}, http storage)` : 'vdirsyncer not on PATH: skipped'}; ${curl ? 'curl' : 'curl not on PATH'}; peak RSS ${gnuTime ? 'from GNU time' : 'not measured (no GNU time)'}\n`);

    const dRoot = path.join(work, 'dovetail');
    await dovetailSetup(dRoot, url);
    const initial = await dovetailSync(dRoot, server, 'initial');
    check(initial.report.b.created === ITEMS && initial.files === ITEMS, `initial: ${initial.report.b.created} created, ${initial.files} files, expected ${ITEMS}`);
    check(initial.requests === 1 && initial.parses === 1, `initial: ${initial.requests} requests and ${initial.parses} parses, expected 1 and 1`);

    const unchangedRuns = [];
    for (let k = 0; k < REPEATS; k += 1) unchangedRuns.push(await dovetailSync(dRoot, server, `unchanged ${k + 1}`));
    for (const u of unchangedRuns) {
      check(u.requests === 1 && u.statuses[0] === 304 && u.conditional[0], `${u.label}: requests ${JSON.stringify(u.statuses)} (conditional ${u.conditional}), expected one conditional request answered 304`);
      check(u.parses === 0, `${u.label}: the feed was parsed ${u.parses} times, expected 0`);
      check(u.writes === 0, `${u.label}: ${u.writes} writes, expected 0`);
    }
    const unchanged = pick(unchangedRuns);

    server.set('/feed.ics', { body: base, validators: false });
    const sameRuns = [];
    for (let k = 0; k < REPEATS; k += 1) sameRuns.push(await dovetailSync(dRoot, server, `200 same bytes ${k + 1}`));
    for (const s of sameRuns) {
      check(s.requests === 1 && s.statuses[0] === 200 && s.parses === 0 && s.writes === 0, `${s.label}: ${JSON.stringify(s.statuses)}, ${s.parses} parses, ${s.writes} writes; expected one 200, no parse, no writes`);
    }
    const same = pick(sameRuns);

    server.set('/feed.ics', { body: () => restamped(base), validators: false });
    const stampedRuns = [];
    for (let k = 0; k < REPEATS; k += 1) stampedRuns.push(await dovetailSync(dRoot, server, `200 new DTSTAMPs ${k + 1}`));
    for (const s of stampedRuns) {
      check(s.requests === 1 && s.parses === 1 && s.writes === 0, `${s.label}: ${s.requests} requests, ${s.parses} parses, ${s.writes} writes; expected 1, 1, 0`);
    }
    const stamped = pick(stampedRuns);

    server.set('/feed.ics', { body: feedText(CHANGED) });
    const changed = await dovetailSync(dRoot, server, `${CHANGED} changed`);
    check(changed.report.b.updated === CHANGED && changed.writes === CHANGED, `${CHANGED} changed: ${changed.writes} writes (${changed.report.b.updated} updates), expected ${CHANGED}`);
    server.set('/feed.ics', { body: base });

    let v;
    if (vdirsyncer) {
      const vRoot = path.join(work, 'vdirsyncer');
      server.set('/feed.ics', { body: base });
      await vdirsyncerSetup(vRoot, url);
      const vInitial = await vdirsyncerSync(vRoot, server, 'initial');
      check(vInitial.files === ITEMS, `vdirsyncer initial: ${vInitial.files} files, expected ${ITEMS}`);
      const vRuns = [];
      for (let k = 0; k < REPEATS; k += 1) vRuns.push(await vdirsyncerSync(vRoot, server, `unchanged ${k + 1}`));
      v = { initial: vInitial, unchanged: pick(vRuns) };
    }

    let curlMs;
    if (curl) {
      const runs = [];
      for (let k = 0; k < REPEATS; k += 1) runs.push((await runChild(curl, ['-s', '-o', '/dev/null', url])).ms);
      curlMs = median(runs);
    }
    const nodeRuns = [];
    for (let k = 0; k < 5; k += 1) nodeRuns.push((await runChild(process.execPath, ['-e', '0'])).ms);
    const nodeMs = median(nodeRuns);

    const row = (d, peer) => [
      d.label.replace(/ \d+$/, '') + (d.runs ? ` (median of ${REPEATS})` : ''), fmtS(d.ms), fmtS(d.engineMs),
      `${d.requests} (${d.statuses.join(',')})`, fmtKiB(d.bytes), d.parses ? 'yes' : 'no', d.writes, fmtMiB(d.rssKiB),
      peer ? fmtS(peer.ms) : '—', peer ? `${(d.ms / peer.ms).toFixed(2)}×` : '—',
    ];
    console.log('');
    table(
      ['run', 'dovetail s', 'in engine s', 'requests (status)', 'downloaded', 'parsed', 'writes', 'dovetail RSS', 'vdirsyncer s', 'ratio'],
      [row(initial, v?.initial), row(unchanged, v?.unchanged), row(same), row(stamped), row(changed)],
    );
    if (v) {
      console.log(`\nvdirsyncer (http storage): initial ${fmtS(v.initial.ms)} s, ${v.initial.requests} request (${fmtKiB(v.initial.bytes)}), RSS ${fmtMiB(v.initial.rssKiB)}; unchanged ${fmtS(v.unchanged.ms)} s (median of ${REPEATS}: ${v.unchanged.runs.map((r) => fmtS(r.ms)).join(' / ')}), ${v.unchanged.requests} request (${v.unchanged.statuses.join(',')}, ${fmtKiB(v.unchanged.bytes)}) — it downloads and parses the whole feed every time.`);
    }
    console.log(`References: curl download of the feed ${curlMs === undefined ? 'n/a' : `${fmtS(curlMs)} s`}; node -e 0 ${fmtS(nodeMs)} s (median of 5).`);
    console.log(`Per run (s): unchanged ${unchanged.runs.map((r) => fmtS(r.ms)).join(' / ')}; 200 same bytes ${same.runs.map((r) => fmtS(r.ms)).join(' / ')}; 200 new DTSTAMPs ${stamped.runs.map((r) => fmtS(r.ms)).join(' / ')}.`);
  } finally {
    await server.close();
  }
  exitOnFailures(failures);
});
