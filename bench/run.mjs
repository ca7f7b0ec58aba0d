// Runs every benchmark in sequence, one child process each (so one never warms or slows the next):
// engine-plan, state-writes, folder-sync (then its initial-sync peak RSS at 1,000 and 100,000 events), caldav-sync (5,000 and 10,000 events, then Dovetail's initial-sync peak RSS at
// 1,000 and 100,000 events: ~20 min, Radicale's own cache build is most of it), carddav-sync (5,000 contacts), ical-feed
// (a 10,000-event feed), exchange-sync (5,000 calendar items from the EWS simulator) and service (the runner
// service's overhead per run and its memory with 1,000 pairings) and hanging-server (the run budget against a
// server that never answers a write: 3,000 events), startup (--version, --help, validate, a no-change sync beside
// `node -e 0`) and bulk-upload (3,000 events folder → Radicale, beside vdirsyncer); caldav-sync and carddav-sync need radicale,
// vdirsyncer and curl, ical-feed uses vdirsyncer and curl when present.
// Extra arguments go to folder-sync (e.g. `--items 2000`).
// At the end it prints every bench's targets (issue 15) beside the ratio measured in this run.
// Exits non-zero when a benchmark fails (a broken build, or an assertion such as "a no-change sync
// writes nothing").
//
// Run: npm run build && node bench/run.mjs      (npm run bench)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { printTargets, targetHolds } from './lib/targets.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const BENCHES = [
  { file: 'engine-plan.mjs', args: [] },
  { file: 'state-writes.mjs', args: [] },
  { file: 'folder-sync.mjs', args: process.argv.slice(2) },
  { file: 'folder-sync.mjs', args: ['--rss-scale', '--rss-sizes', '1000,100000'] },
  { file: 'caldav-sync.mjs', args: ['--items', '5000'] },
  { file: 'caldav-sync.mjs', args: ['--items', '10000'] },
  { file: 'caldav-sync.mjs', args: ['--rss-scale', '--rss-sizes', '1000,100000'] },
  { file: 'carddav-sync.mjs', args: [] },
  { file: 'service.mjs', args: [] },
  { file: 'ical-feed.mjs', args: [] },
  { file: 'exchange-sync.mjs', args: [] },
  { file: 'hanging-server.mjs', args: [] },
  { file: 'startup.mjs', args: [] },
  { file: 'bulk-upload.mjs', args: [] },
];

if (!existsSync(path.join(here, '..', 'core', 'dist', 'engine', 'plan.js'))) {
  console.error('core/dist is missing: run `npm run build` first');
  process.exit(2);
}

// Every bench appends its targets here (bench/lib/targets.mjs); they are printed together at the end.
const targetsDir = mkdtempSync(path.join(os.tmpdir(), 'dovetail-bench-'));
const targetsFile = path.join(targetsDir, 'targets.jsonl');
const failed = [];
for (const { file, args } of BENCHES) {
  console.log(`\n=== ${file} ${args.join(' ')}`.trimEnd() + '\n');
  const t = performance.now();
  const r = spawnSync(process.execPath, [path.join(here, file), ...args], { stdio: 'inherit', env: { ...process.env, DOVETAIL_BENCH_TARGETS: targetsFile } });
  const seconds = ((performance.now() - t) / 1000).toFixed(0);
  if (r.status !== 0) {
    failed.push(`${file} (exit ${r.status ?? r.signal})`);
    console.error(`\n${file} failed after ${seconds} s`);
  } else {
    console.log(`\n(${file}: ${seconds} s)`);
  }
}
const targets = existsSync(targetsFile) ? readFileSync(targetsFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
rmSync(targetsDir, { recursive: true, force: true });
if (targets.length) {
  console.log('\n=== Targets of issue 15, as measured in this run\n');
  printTargets(targets, true);
  const missed = targets.filter((t) => targetHolds(t) === false);
  const floored = missed.filter((t) => t.floor !== undefined && t.limit !== undefined && t.floor > t.limit).length;
  console.log(`\n${targets.length - missed.length} of ${targets.length} targets hold; of the ${missed.length} misses, ${floored} cannot hold here: ` +
    'their floor (the least any client must do, measured in the same run) is above the limit. Where the time goes: bench/README.md');
}
if (failed.length) {
  console.error(`\nbenchmarks failed: ${failed.join(', ')}`);
  process.exit(1);
}
