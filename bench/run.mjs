// Runs every benchmark in sequence, one child process each (so one never warms or slows the next):
// engine-plan, state-writes, folder-sync, caldav-sync (5,000 events), carddav-sync (5,000 contacts), ical-feed
// (a 10,000-event feed), exchange-sync (5,000 calendar items from the EWS simulator) and service (the runner
// service's overhead per run and its memory with 1,000 pairings) and hanging-server (the run budget against a
// server that never answers a write: 3,000 events), startup (--version, --help, validate, a no-change sync beside
// `node -e 0`) and bulk-upload (3,000 events folder → Radicale, beside vdirsyncer); caldav-sync and carddav-sync need radicale,
// vdirsyncer and curl, ical-feed uses vdirsyncer and curl when present.
// Extra arguments go to folder-sync (e.g. `--items 2000`).
// Exits non-zero when a benchmark fails (a broken build, or an assertion such as "a no-change sync
// writes nothing").
//
// Run: npx tsc -b && node bench/run.mjs      (npm run bench)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const BENCHES = [
  { file: 'engine-plan.mjs', args: [] },
  { file: 'state-writes.mjs', args: [] },
  { file: 'folder-sync.mjs', args: process.argv.slice(2) },
  { file: 'caldav-sync.mjs', args: [] },
  { file: 'carddav-sync.mjs', args: [] },
  { file: 'service.mjs', args: [] },
  { file: 'ical-feed.mjs', args: [] },
  { file: 'exchange-sync.mjs', args: [] },
  { file: 'hanging-server.mjs', args: [] },
  { file: 'startup.mjs', args: [] },
  { file: 'bulk-upload.mjs', args: [] },
];

if (!existsSync(path.join(here, '..', 'core', 'dist', 'engine', 'plan.js'))) {
  console.error('core/dist is missing: run `npx tsc -b` (or `npm run build`) first');
  process.exit(2);
}

const failed = [];
for (const { file, args } of BENCHES) {
  console.log(`\n=== ${file} ${args.join(' ')}`.trimEnd() + '\n');
  const t = performance.now();
  const r = spawnSync(process.execPath, [path.join(here, file), ...args], { stdio: 'inherit' });
  const seconds = ((performance.now() - t) / 1000).toFixed(0);
  if (r.status !== 0) {
    failed.push(`${file} (exit ${r.status ?? r.signal})`);
    console.error(`\n${file} failed after ${seconds} s`);
  } else {
    console.log(`\n(${file}: ${seconds} s)`);
  }
}
if (failed.length) {
  console.error(`\nbenchmarks failed: ${failed.join(', ')}`);
  process.exit(1);
}
