// Start-up: wall time of `dovetail --version`, `--help`, `validate` and a no-change `sync` of an empty folder
// pairing, beside `node -e 0`, each the median of N runs taken in turns (so load on the machine hits all alike).
// Targets: --version and --help ≤ 2× `node -e 0`; validate and a no-change sync ≤ 2.5× (what loading the config, the
// connectors and their schemas costs beyond Node's start).
//
//   npm run build && node bench/startup.mjs [--runs 9] [--node PATH] [--uncached] [--baseline OTHER/core/bin/dovetail.js]
//
// --node runs every measured command, `node -e 0` included, with that Node instead of the one running the bench.
// Where that Node has the module compile cache (≥ 22.1; the CLI turns it on), each Dovetail row keeps it in a folder
// of its own in this run's work folder: its first turn is cold (the "first run" column), the others warm.
// --uncached adds `validate` and `sync` rows run with NODE_DISABLE_COMPILE_CACHE=1, in the same turns.
// --baseline adds the `validate` and `sync` rows of another build of the CLI (e.g. an older commit's core/ built
// beside this checkout), measured in the same turns, for before/after figures taken under the same load.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measuredNode, median, nodeInfo, runChild } from './lib/processes.mjs';
import { exitOnFailures, inWorkDir, table } from './lib/report.mjs';
import { reportTargets } from './lib/targets.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'core', 'bin', 'dovetail.js');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 9;
const baselineArg = process.argv.indexOf('--baseline');
const baseline = baselineArg > 0 ? path.resolve(process.argv[baselineArg + 1]) : undefined;
const uncached = process.argv.includes('--uncached');
const node = measuredNode();
const { version, compileCache } = nodeInfo(node);
const work = path.join(root, 'bench', '.work', `startup-${process.pid}`);
// Dovetail's runs: the compile cache (where this Node has one) in a folder of each row's own, cold at its first turn.
const cacheOf = (i) => ({ NODE_COMPILE_CACHE: path.join(work, 'compile-cache', String(i)) });
const disabled = { NODE_DISABLE_COMPILE_CACHE: '1' };

await inWorkDir(work, async () => {
  const failures = [];
  await mkdir(path.join(work, 'left', 'cal'), { recursive: true });
  await mkdir(path.join(work, 'right'), { recursive: true });
  await writeFile(path.join(work, 'dovetail.json'), JSON.stringify({
    endpoints: { l: { connector: 'filesystem', settings: { path: './left' } }, r: { connector: 'filesystem', settings: { path: './right' } } },
    pairings: { p: { entity: 'event', a: { endpoint: 'l', collection: 'cal' }, b: { endpoint: 'r', collection: 'cal', create: true }, mode: 'two-way' } },
  }));
  const cases = [
    { label: 'node -e 0', args: ['-e', '0'] },
    { label: 'dovetail --version', args: [cli, '--version'], cache: true, target: 2 },
    { label: 'dovetail --help', args: [cli, '--help'], cache: true, target: 2 },
    { label: 'dovetail validate (2 folder endpoints)', args: [cli, 'validate'], cache: true, target: 2.5 },
    { label: 'dovetail sync (no change, empty folders)', args: [cli, 'sync'], cache: true, target: 2.5 },
    ...(uncached && compileCache ? [
      { label: 'validate, no compile cache', args: [cli, 'validate'], env: disabled },
      { label: 'sync, no compile cache', args: [cli, 'sync'], env: disabled },
    ] : []),
    ...(baseline ? [
      { label: 'baseline validate', args: [baseline, 'validate'], cache: true },
      { label: 'baseline sync', args: [baseline, 'sync'], cache: true },
    ] : []),
  ];
  const times = cases.map(() => []);
  const rss = cases.map(() => []);
  console.log(`start-up, median of ${RUNS} runs taken in turns; machine: ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} at start; Node ${version} (${node}), ` +
    `${compileCache ? 'module compile cache: on for Dovetail, cold at the first turn' : 'no module compile cache'}\n`);
  for (let k = 0; k < RUNS; k++) {
    for (const [i, c] of cases.entries()) {
      const r = await runChild(work, node, c.args, { cwd: work, env: c.cache ? cacheOf(i) : c.env });
      if (r.code !== 0) failures.push(`${c.label} exited ${r.code}: ${r.stderr.slice(0, 500)}`);
      times[i].push(r.ms);
      rss[i].push(r.rssKiB);
    }
  }
  const base = median(times[0]);
  table(['command', 'median ms', 'min ms', 'first run ms', 'peak RSS MiB', '÷ node -e 0', 'target'], cases.map((c, i) => {
    const m = median(times[i]);
    return [c.label, m.toFixed(0), Math.min(...times[i]).toFixed(0), times[i][0].toFixed(0), rss[i][0] ? (median(rss[i]) / 1024).toFixed(0) : 'n/a', (m / base).toFixed(2),
      c.target ? `≤ ${c.target}× (${m / base <= c.target ? 'holds' : 'does not hold'})` : ''];
  }));
  reportTargets('startup', cases.filter((c) => c.target).map((c) => {
    const i = cases.indexOf(c);
    const m = median(times[i]);
    return {
      target: `${c.label.replace(/ \(.*\)$/, '')} ≤ ${c.target}× node -e 0${c.target === 2.5 ? ' ("pays only for what it uses"; the issue sets no figure)' : ''}`,
      ratio: m / base, limit: c.target, measured: `${m.toFixed(0)} ms vs ${base.toFixed(0)} ms`,
    };
  }));
  console.log(`\nload average at the end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  exitOnFailures(failures);
});
