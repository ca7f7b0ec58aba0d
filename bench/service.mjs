// Runner-service benchmark. (1) The service's own overhead per scheduled no-change run: CPU per run inside
// `dovetail serve` (50 pairings every 1 s, read from its /metrics) beside CPU per run of the same no-change runs made
// with runOnce() in a plain loop (what `dovetail sync` does per pairing, without process start). The difference is
// what scheduling, the queue, metrics, the in-memory records and the log line cost. (2) Memory of the service with
// 1,000 pairings, beside 1 pairing: heap used and RSS once every pairing has run.
//
// Run: npm run build && node bench/service.mjs [--seconds 30]
// Exits non-zero when a run fails or the service does not start or stop cleanly.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { eventText } from './lib/events.mjs';
import { exitOnFailures, inWorkDir, table } from './lib/report.mjs';
import { serve } from './lib/serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');
const cli = path.join(repoRoot, 'core', 'bin', 'dovetail.js');
const work = path.join(here, '.work', `service-${process.pid}`);
const dist = (p) => import(pathToFileURL(path.join(repoRoot, 'core', 'dist', p)).href);
const secondsArg = process.argv.indexOf('--seconds');
const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 30;
const TOKEN = 'bench-token-0123456789abcdef';
const failures = [];

/** A workspace with `n` folder pairings of 3 events each; `every` is their schedule. */
async function workspace(dir, n, every) {
  const pairings = {};
  for (let i = 0; i < n; i += 1) {
    const c = `c${i}`;
    await mkdir(path.join(dir, 'left', c), { recursive: true });
    await mkdir(path.join(dir, 'right', c), { recursive: true });
    for (let k = 0; k < 3; k += 1) await writeFile(path.join(dir, 'left', c, `e${k}.ics`), eventText(i * 10 + k, 0));
    pairings[`p${i}`] = { entity: 'event', a: { endpoint: 'left', collection: c }, b: { endpoint: 'right', collection: c }, schedule: { every } };
  }
  await writeFile(path.join(dir, 'dovetail.json'), JSON.stringify({
    endpoints: { left: { connector: 'filesystem', settings: { path: './left' } }, right: { connector: 'filesystem', settings: { path: './right' } } },
    pairings, service: { port: 0, token: TOKEN, concurrency: 4 }, log: { level: 'warn' },
  }));
}

function metric(text, name) {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}
/** Sum of every series of a counter. */
function total(text, name) {
  return [...text.matchAll(new RegExp(`^${name}\\{[^}]*\\} ([0-9.e+-]+)$`, 'gm'))].reduce((s, m) => s + Number(m[1]), 0);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

await inWorkDir(work, async () => {
  // ---- (1) overhead per no-change run
  const dir = path.join(work, 'overhead');
  const N = 50;
  await workspace(dir, N, '1s');
  const { loadConfig } = await dist('config/index.js');
  const { PluginHost } = await dist('host/index.js');
  const { openStateStore } = await dist('state/index.js');
  const { runOnce } = await dist('runner/run-once.js');
  const { createLogger } = await dist('log.js');
  const loaded = await loadConfig(path.join(dir, 'dovetail.json'));
  const host = await PluginHost.create({ loaded, logger: createLogger({ level: 'silent' }) });
  const store = openStateStore(loaded.stateDir);
  const names = Object.keys(loaded.config.pairings);
  for (const name of names) await runOnce({ name, loaded, host, store, trigger: 'cli' }); // initial sync
  const ROUNDS = 10;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let durations = 0;
  for (let r = 0; r < ROUNDS; r += 1) {
    for (const name of names) {
      const { entry } = await runOnce({ name, loaded, host, store, trigger: 'cli' });
      durations += entry.durationMs;
      const writes = entry.a.created + entry.a.updated + entry.a.deleted + entry.b.created + entry.b.updated + entry.b.deleted;
      if (!entry.ok || writes) failures.push(`direct no-change run of ${name} failed or wrote ${writes} items`);
    }
  }
  const directRuns = ROUNDS * N;
  const directWall = (performance.now() - t0) / directRuns;
  const cpu = process.cpuUsage(cpu0);
  const directCpu = (cpu.user + cpu.system) / 1000 / directRuns;
  await host.dispose();

  const svc = await serve(cli, dir, TOKEN);
  await sleep(5000); // warm-up: every pairing has run a few times
  const m0 = await svc.metrics();
  await sleep(SECONDS * 1000);
  const m1 = await svc.metrics();
  const runs = total(m1, 'dovetail_runs_total') - total(m0, 'dovetail_runs_total');
  const okRuns = [...m1.matchAll(/^dovetail_runs_total\{[^}]*result="ok"[^}]*\} ([0-9]+)$/gm)].reduce((s, m) => s + Number(m[1]), 0);
  if (okRuns !== total(m1, 'dovetail_runs_total')) failures.push('a scheduled run in the service did not end ok');
  const serviceCpu = ((metric(m1, 'dovetail_process_cpu_seconds_total') - metric(m0, 'dovetail_process_cpu_seconds_total')) * 1000) / runs;
  const durSum = total(m1, 'dovetail_run_duration_seconds_sum') - total(m0, 'dovetail_run_duration_seconds_sum');
  const serviceDur = (durSum * 1000) / runs;
  const peak = metric(m1, 'dovetail_runs_in_progress_peak');
  if ((await svc.stop()) !== 0) failures.push('the service did not exit 0 on SIGTERM');

  console.log(`No-change runs of ${N} folder pairings (3 events each): ${directRuns} direct runOnce() calls; the service for ${SECONDS} s, every 1 s, concurrency 4 (peak ${peak}).\n`);
  table(['', 'runs', 'CPU ms/run', 'engine ms/run', 'wall ms/run'], [
    ['runOnce() in a loop', directRuns, directCpu.toFixed(2), (durations / directRuns).toFixed(2), directWall.toFixed(2)],
    ['dovetail serve (scheduled)', runs, serviceCpu.toFixed(2), serviceDur.toFixed(2), '—'],
    ['service overhead', '', (serviceCpu - directCpu).toFixed(2), '', ''],
  ]);

  // ---- (2) memory with 1,000 pairings
  console.log('\nMemory once every pairing has run (heap used and RSS from /metrics, after a GC-settling pause):\n');
  const rows = [];
  for (const n of [1, 1000]) {
    const d = path.join(work, `memory-${n}`);
    await workspace(d, n, '1h');
    const s = await serve(cli, d, TOKEN);
    const t = performance.now();
    for (;;) {
      const text = await s.metrics();
      if (total(text, 'dovetail_runs_total') >= n) break;
      if (performance.now() - t > 300_000) { failures.push(`${n} pairings did not all run within 300 s`); break; }
      await sleep(500);
    }
    const firstRound = (performance.now() - t) / 1000;
    await sleep(3000);
    const text = await s.metrics();
    rows.push([`${n} pairing${n === 1 ? '' : 's'}`, (metric(text, 'dovetail_nodejs_heap_size_used_bytes') / 2 ** 20).toFixed(1), (metric(text, 'dovetail_process_resident_memory_bytes') / 2 ** 20).toFixed(1), firstRound.toFixed(1)]);
    if ((await s.stop()) !== 0) failures.push(`the service with ${n} pairings did not exit 0`);
  }
  table(['service with', 'heap used MiB', 'RSS MiB', 'first round s'], rows);
  const perPairing = ((Number(rows[1][1]) - Number(rows[0][1])) * 1024) / 999;
  console.log(`\nheap per pairing: ${perPairing.toFixed(1)} KiB (first round: each pairing's initial sync of 3 events, concurrency 4)`);
});
exitOnFailures(failures);
