// Folder-sync benchmark: the real CLI (`dovetail sync`, one child process per run) keeping two vdir
// folders in step, at N events (default 10,000): initial sync, a no-change sync, and syncs after 10,
// 100 and 1,000 items were edited on side A. Per run: wall time, peak RSS of the child, items written
// (from `sync --json`) and durable state writes/bytes (read from the pairing's state folder).
// Peer measured in the same run: vdirsyncer with two `filesystem` storages over copies of the same
// data (skipped with a note when `vdirsyncer` is not on PATH), and `node -e 0` for process start-up.
//
// Run: npm run build && node bench/folder-sync.mjs [--items 10000]
//      node bench/folder-sync.mjs --rss-scale [--rss-sizes 1000,100000]   (Dovetail's initial-sync peak RSS only,
//      one fresh pair of folders per size; no peer)
// Exits non-zero when the no-change run writes anything or a run writes other than what was edited.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { eventText as generatedEvent, uidOf } from './lib/events.mjs';
import { gnuTime, median, runChild as runInScratch, which } from './lib/processes.mjs';
import { reportTargets } from './lib/targets.mjs';
import { exitOnFailures, inWorkDir, syncReport, table } from './lib/report.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');
const cli = path.join(repoRoot, 'core', 'bin', 'dovetail.js');
const work = path.join(here, '.work', `folder-sync-${process.pid}`);

const argValue = (name) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
const ITEMS = Number(argValue('--items') ?? 10_000);
const RSS_SCALE = process.argv.includes('--rss-scale');
const RSS_SIZES = (argValue('--rss-sizes') ?? '1000,100000').split(',').map(Number);
if (!Number.isInteger(ITEMS) || ITEMS < 1000 || RSS_SIZES.some((n) => !Number.isInteger(n) || n < 100)) {
  console.error('usage: node bench/folder-sync.mjs [--items N]   (N ≥ 1000, default 10000)\n' +
    '       node bench/folder-sync.mjs --rss-scale [--rss-sizes 1000,100000]');
  process.exit(2);
}
const EDIT_STEPS = [10, 100, 1000];
const NO_CHANGE_REPEATS = 3; // the no-change run is short and noisy: median of 3
const NODE_START_REPEATS = 5;
const COLLECTION = 'work';

if (!existsSync(path.join(repoRoot, 'core', 'dist', 'cli'))) {
  console.error('core/dist is missing: run `npm run build` first');
  process.exit(2);
}
const vdirsyncer = which('vdirsyncer');

// ---------------------------------------------------------------------------------------------
// Generated data: our own iCalendar text, one event per file, varied summaries, times and shapes.

const fileOf = (i) => `${uidOf(i)}.ics`;
const eventText = (i, rev) => generatedEvent(i, rev, '-//Dovetail//folder-sync bench//EN');

async function writeCollection(root, make, n = ITEMS) {
  const dir = path.join(root, COLLECTION);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'displayname'), 'Bench calendar\n');
  for (let start = 0; start < n; start += 500) {
    const batch = [];
    for (let i = start; i < Math.min(n, start + 500); i += 1) batch.push(writeFile(path.join(dir, fileOf(i)), make(i)));
    await Promise.all(batch);
  }
}

/** Edits `count` items on side A of every given tree (the same items, the same new text). */
async function editItems(roots, count, rev) {
  const stride = Math.max(1, Math.floor(ITEMS / count));
  const ids = Array.from({ length: count }, (_, k) => (k * stride + rev) % ITEMS);
  for (const root of roots) {
    for (let k = 0; k < ids.length; k += 200) {
      await Promise.all(ids.slice(k, k + 200).map((i) => writeFile(path.join(root, COLLECTION, fileOf(i)), eventText(i, rev))));
    }
  }
  return ids.length;
}

// ---------------------------------------------------------------------------------------------
// Running a child: wall time measured here, peak RSS (maxrss, KiB) from GNU time's `-f %M`.

const runChild = (cmd, args, options) => runInScratch(work, cmd, args, options);


// ---------------------------------------------------------------------------------------------
// Dovetail side.

const PAIRING = 'bench';
const dtRoot = path.join(work, 'dovetail');
const dtA = path.join(dtRoot, 'a');
const dtB = path.join(dtRoot, 'b');
const dtConfig = path.join(dtRoot, 'dovetail.json');
const stateDir = path.join(dtRoot, '.dovetail', `p-${PAIRING}`);

async function dovetailSetup(root = dtRoot, n = ITEMS) {
  await writeCollection(path.join(root, 'a'), (i) => eventText(i, 0), n);
  const config = {
    endpoints: {
      a: { connector: 'filesystem', settings: { path: './a' } },
      b: { connector: 'filesystem', settings: { path: './b', createRoot: true } },
    },
    pairings: {
      [PAIRING]: {
        entity: 'event',
        a: { endpoint: 'a', collection: COLLECTION },
        b: { endpoint: 'b', collection: COLLECTION, create: true },
        mode: 'two-way',
        conflict: 'newer-wins',
      },
    },
  };
  await writeFile(path.join(root, 'dovetail.json'), JSON.stringify(config, null, 2));
}

/** Sequence number of each journal line, with its length; the snapshot's seq, size and identity. */
async function stateFiles() {
  const journal = await readFile(path.join(stateDir, 'journal.jsonl')).catch(() => Buffer.alloc(0));
  const lines = [];
  let from = 0;
  for (let nl = journal.indexOf(10); nl >= 0; from = nl + 1, nl = journal.indexOf(10, from)) {
    const m = /^\{"seq":(\d+),/.exec(journal.subarray(from, Math.min(nl, from + 40)).toString('utf8'));
    if (m) lines.push({ seq: Number(m[1]), bytes: nl + 1 - from });
  }
  let snapshot = { seq: 0, bytes: 0, id: '' };
  const snapFile = path.join(stateDir, 'snapshot.json');
  const st = await stat(snapFile, { bigint: true }).catch(() => undefined);
  if (st) {
    const head = (await readFile(snapFile, 'utf8')).match(/"seq":(\d+)/);
    snapshot = { seq: head ? Number(head[1]) : 0, bytes: Number(st.size), id: `${st.ino}:${st.mtimeNs}` };
  }
  const seq = Math.max(snapshot.seq, ...lines.map((l) => l.seq));
  return { lines, snapshot, seq };
}

/**
 * Durable state writes of one run, read from the files: journal appends (the sequence advanced by
 * one per commit) and snapshot rewrites. Bytes are the appended journal lines still in the journal
 * plus the new snapshot; lines folded into a snapshot during the run are counted but their bytes
 * are gone (then `hidden` > 0).
 */
function stateDelta(before, after) {
  const appends = after.seq - before.seq;
  const visible = after.lines.filter((l) => l.seq > before.seq);
  const snapshotWritten = after.snapshot.id !== before.snapshot.id && after.snapshot.bytes > 0;
  const bytes = visible.reduce((n, l) => n + l.bytes, 0) + (snapshotWritten ? after.snapshot.bytes : 0);
  return { writes: appends + (snapshotWritten ? 1 : 0), bytes, snapshotWritten, hidden: appends - visible.length };
}

async function dovetailSync(label, expectWritten) {
  const before = await stateFiles();
  const r = await runChild(process.execPath, [cli, 'sync', '-c', dtConfig, '--json'], { cwd: dtRoot });
  const report = syncReport(r, label);
  const sum = (s) => s.created + s.updated + s.deleted;
  const written = sum(report.a) + sum(report.b);
  const state = stateDelta(before, await stateFiles());
  if (expectWritten !== undefined && written !== expectWritten) {
    failures.push(`dovetail ${label}: wrote ${written} items, expected ${expectWritten}`);
  }
  return { ms: r.ms, rssKiB: r.rssKiB, written, reportMs: report.durationMs, state };
}

// ---------------------------------------------------------------------------------------------
// vdirsyncer side: two filesystem storages, the same collection, its own status folder.

const vdRoot = path.join(work, 'vdirsyncer');
const vdA = path.join(vdRoot, 'a');
const vdB = path.join(vdRoot, 'b');
const vdConfig = path.join(vdRoot, 'config');

async function vdirsyncerSetup() {
  await writeCollection(vdA, (i) => eventText(i, 0));
  await mkdir(path.join(vdB, COLLECTION), { recursive: true }); // so `discover` does not prompt
  await writeFile(vdConfig, [
    '[general]', `status_path = "${path.join(vdRoot, 'status')}/"`, '',
    '[pair bench]', 'a = "bench_a"', 'b = "bench_b"', `collections = ["${COLLECTION}"]`, 'conflict_resolution = "a wins"', '',
    '[storage bench_a]', 'type = "filesystem"', `path = "${vdA}/"`, 'fileext = ".ics"', '',
    '[storage bench_b]', 'type = "filesystem"', `path = "${vdB}/"`, 'fileext = ".ics"', '',
  ].join('\n'));
}

async function vdirsyncerRun(args, label) {
  const r = await runChild(vdirsyncer, ['-c', vdConfig, ...args], { cwd: vdRoot, input: 'y\n'.repeat(10) });
  if (r.code !== 0) throw new Error(`vdirsyncer ${args[0]} (${label}) failed, exit ${r.code}:\n${(r.stderr + r.stdout).slice(0, 2000)}`);
  const written = (r.stderr + r.stdout).split('\n').filter((l) => /Copying \((uploading|updating)\)|Deleting item/.test(l)).length;
  return { ms: r.ms, rssKiB: r.rssKiB, written };
}

// ---------------------------------------------------------------------------------------------
// Output.

const fmtMs = (ms) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
const fmtMiB = (kib) => (kib === undefined || Number.isNaN(kib) ? 'n/a' : `${(kib / 1024).toFixed(0)} MiB`);
const fmtBytes = (n) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);
const ratio = (x, y) => (y ? `${(x / y).toFixed(2)}x` : 'n/a');
const failures = [];

// ---------------------------------------------------------------------------------------------

/** --rss-scale: one initial sync per size into an empty folder, each in fresh folders; peak RSS against the smallest. */
async function rssScale() {
  console.log(`folder-sync bench --rss-scale: Dovetail's initial sync (vdir → empty vdir) at ${RSS_SIZES.join(', ')} events`);
  console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} at start`);
  console.log(`peak RSS: ${gnuTime ? `${gnuTime} -f %M (maxrss of the child)` : 'not measured (GNU time not found)'}\n`);
  const rows = [];
  for (const n of RSS_SIZES) {
    const root = path.join(work, `rss-${n}`);
    await dovetailSetup(root, n);
    const r = await runChild(process.execPath, [cli, 'sync', '-c', path.join(root, 'dovetail.json'), '--json'], { cwd: root });
    const report = syncReport(r, `initial at ${n}`);
    const files = (await readdir(path.join(root, 'b', COLLECTION))).filter((f) => f.endsWith('.ics')).length;
    if (report.b.created !== n || files !== n) failures.push(`initial at ${n}: ${report.b.created} created, ${files} files on B, expected ${n}`);
    rows.push({ n, ms: r.ms, reportMs: report.durationMs, rssKiB: r.rssKiB });
    console.log(`${n}: initial ${fmtMs(r.ms)}, peak RSS ${fmtMiB(r.rssKiB)}`);
    await rm(root, { recursive: true, force: true });
  }
  console.log('');
  table(['events', 'wall', 'in-engine', 'peak RSS', 'RSS vs smallest'],
    rows.map((r) => [r.n, fmtMs(r.ms), fmtMs(r.reportMs), fmtMiB(r.rssKiB), ratio(r.rssKiB, rows[0].rssKiB)]));
  const small = rows[0];
  const big = rows[rows.length - 1];
  if (rows.length > 1) {
    reportTargets('folder-sync', [{
      target: 'peak RSS of an initial sync at 100,000 ≤ 2× at 1,000 (folder → folder)', scale: `${big.n.toLocaleString('en')} vs ${small.n.toLocaleString('en')}`,
      ratio: big.rssKiB / small.rssKiB, limit: 2, measured: `${fmtMiB(big.rssKiB)} vs ${fmtMiB(small.rssKiB)}`,
    }]);
  }
  console.log(`load average at end: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
}

const started = performance.now();
if (RSS_SCALE) {
  await inWorkDir(work, rssScale);
  exitOnFailures(failures);
  process.exit(0);
}
await inWorkDir(work, async () => {
  console.log(`folder-sync bench: ${ITEMS} events, one .ics per file, two-way vdir ↔ vdir, real CLI per run`);
  console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} at start`);
  console.log(`peak RSS: ${gnuTime ? `${gnuTime} -f %M (maxrss of the child)` : 'not measured (GNU time not found)'}`);
  console.log(`peer: ${vdirsyncer ? `${vdirsyncer} (${spawnSync(vdirsyncer, ['--version'], { encoding: 'utf8' }).stdout.trim()})` : 'vdirsyncer not found on PATH — peer skipped (Debian/Ubuntu: apt-get install vdirsyncer)'}\n`);

  // process start-up floor
  const nodeStarts = [];
  for (let k = 0; k < NODE_START_REPEATS; k += 1) nodeStarts.push(await runChild(process.execPath, ['-e', '0']));
  const nodeStart = { ms: median(nodeStarts.map((r) => r.ms)), rssKiB: median(nodeStarts.map((r) => r.rssKiB)) };
  const cliStarts = [];
  for (let k = 0; k < NODE_START_REPEATS; k += 1) cliStarts.push(await runChild(process.execPath, [cli, '--version']));
  const cliStart = { ms: median(cliStarts.map((r) => r.ms)), rssKiB: median(cliStarts.map((r) => r.rssKiB)) };

  const steps = [];
  const t = performance.now();
  await dovetailSetup();
  if (vdirsyncer) await vdirsyncerSetup();
  console.log(`generated ${ITEMS} events${vdirsyncer ? ' (twice: one copy per tool)' : ''} in ${fmtMs(performance.now() - t)}\n`);

  // Dovetail steps first, then vdirsyncer's, so the two never compete for the 2 cores.
  const dt = {};
  dt.initial = await dovetailSync('initial', ITEMS);
  const noChange = [];
  for (let k = 0; k < NO_CHANGE_REPEATS; k += 1) noChange.push(await dovetailSync(`no-change #${k + 1}`, 0));
  if (noChange.some((r) => r.written !== 0)) failures.push('no-change run wrote items');
  dt.noChange = { ...noChange[0], ms: median(noChange.map((r) => r.ms)), rssKiB: median(noChange.map((r) => r.rssKiB)), reportMs: median(noChange.map((r) => r.reportMs)) };
  for (const [n, count] of EDIT_STEPS.entries()) {
    const edited = await editItems([dtA], count, n + 1);
    dt[`edit${count}`] = await dovetailSync(`${count} edited`, edited);
  }
  const bFiles = (await readdir(path.join(dtB, COLLECTION))).filter((f) => f.endsWith('.ics')).length;
  if (bFiles !== ITEMS) failures.push(`dovetail: folder B holds ${bFiles} .ics files, expected ${ITEMS}`);

  let vd;
  if (vdirsyncer) {
    vd = {};
    const discover = await vdirsyncerRun(['discover'], 'discover');
    const first = await vdirsyncerRun(['sync'], 'initial');
    vd.initial = { ms: discover.ms + first.ms, rssKiB: Math.max(discover.rssKiB, first.rssKiB), written: first.written, discoverMs: discover.ms };
    const nc = [];
    for (let k = 0; k < NO_CHANGE_REPEATS; k += 1) nc.push(await vdirsyncerRun(['sync'], `no-change #${k + 1}`));
    vd.noChange = { ms: median(nc.map((r) => r.ms)), rssKiB: median(nc.map((r) => r.rssKiB)), written: Math.max(...nc.map((r) => r.written)) };
    for (const [n, count] of EDIT_STEPS.entries()) {
      await editItems([vdA], count, n + 1);
      vd[`edit${count}`] = await vdirsyncerRun(['sync'], `${count} edited`);
    }
  }

  const labels = { initial: 'initial sync', noChange: `no-change (median of ${NO_CHANGE_REPEATS})`, edit10: '10 edited on A', edit100: '100 edited on A', edit1000: '1000 edited on A' };
  const keys = ['initial', 'noChange', ...EDIT_STEPS.map((c) => `edit${c}`)];
  console.log('Dovetail (node core/bin/dovetail.js sync --json, one process per run)');
  table(
    ['step', 'wall', 'in-engine', 'peak RSS', 'items written', 'state writes', 'state bytes'],
    keys.map((k) => {
      const r = dt[k];
      const writes = `${r.state.writes}${r.state.snapshotWritten ? ' (incl. snapshot)' : ''}`;
      const bytes = fmtBytes(r.state.bytes) + (r.state.hidden ? ` + ${r.state.hidden} folded lines` : '');
      return [labels[k], fmtMs(r.ms), fmtMs(r.reportMs), fmtMiB(r.rssKiB), r.written, writes, bytes];
    }),
  );
  console.log(`\nnode -e 0 (process start-up, median of ${NODE_START_REPEATS}): ${fmtMs(nodeStart.ms)}, peak RSS ${fmtMiB(nodeStart.rssKiB)}` +
    ` — ${Math.round((100 * nodeStart.ms) / dt.noChange.ms)}% of the no-change run's wall time`);
  console.log(`dovetail --version (CLI start-up, median of ${NODE_START_REPEATS}): ${fmtMs(cliStart.ms)}, peak RSS ${fmtMiB(cliStart.rssKiB)}` +
    ` — ${Math.round((100 * cliStart.ms) / dt.noChange.ms)}% of the no-change run's wall time`);

  if (vd) {
    console.log('\nvdirsyncer (filesystem ↔ filesystem, same data; initial = discover + sync)');
    table(
      ['step', 'wall', 'peak RSS', 'items written'],
      keys.map((k) => [labels[k], fmtMs(vd[k].ms), fmtMiB(vd[k].rssKiB), vd[k].written]),
    );
    console.log('\nRatios Dovetail / vdirsyncer (below 1 = Dovetail is faster / smaller)');
    table(
      ['step', 'wall', 'peak RSS', 'items written (D / v)'],
      keys.map((k) => [labels[k], ratio(dt[k].ms, vd[k].ms), ratio(dt[k].rssKiB, vd[k].rssKiB), `${dt[k].written} / ${vd[k].written}`]),
    );
  } else {
    console.log('\nvdirsyncer: not installed, peer skipped (install: apt-get install vdirsyncer, or pipx install vdirsyncer).');
  }
  console.log(`\nitems written = creates + updates + deletes on both sides; state writes = journal appends (fsynced) + snapshot rewrites,`);
  console.log(`read from ${path.relative(repoRoot, stateDir).replace(/\d+/, '<pid>')}/journal.jsonl and snapshot.json before/after each run (runs.jsonl history not counted).`);
  console.log(`wall = spawn to exit, measured by this script; in-engine = durationMs from the sync report.`);
  console.log(`load average at end: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
});

exitOnFailures(failures);
