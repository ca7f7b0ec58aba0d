// Timeline of one `dovetail` run: when Node started, when each module group loaded, the points the CLI publishes
// on the `dovetail:timeline` diagnostics channel (config read, connectors discovered, state open, endpoints active,
// listed, planned, run recorded) and when each HTTP request went out and came back (undici's diagnostics channels),
// in ms since the process started, with the process's CPU time (user + system) at each point; then the modules
// loaded, by package, with the times of the first and the last.
// The hooks slow module loading a little: read the gaps, not the absolute times.
//
//   npm run build && node bench/timeline.mjs [--cwd DIR] [--cli OTHER/core/bin/dovetail.js] [--modules] -- sync --json
//   (dovetail's arguments after --; --modules lists every module with its time)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { table } from './lib/report.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dash = process.argv.indexOf('--');
const option = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 && (dash < 0 || i < dash) ? process.argv[i + 1] : undefined;
};
// --cli: another build's core/bin/dovetail.js (an older build publishes no points of its own; its requests show).
const cli = path.resolve(option('--cli') ?? path.join(here, '..', 'core', 'bin', 'dovetail.js'));
const args = dash > 0 ? process.argv.slice(dash + 1) : ['validate'];
const cwd = path.resolve(option('--cwd') ?? '.');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'dovetail-timeline-'));
const out = path.join(scratch, 'timeline.json');
try {
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(path.join(here, 'lib', 'timeline-preload.mjs')).href, cli, ...args],
    { cwd, encoding: 'utf8', env: { ...process.env, DOVETAIL_TIMELINE_OUT: out } });
  if (r.status !== 0 && r.status !== 1) console.error(`dovetail ${args.join(' ')} exited ${r.status}:\n${r.stderr.slice(0, 2000)}`);
  const { events, modules } = JSON.parse(readFileSync(out, 'utf8'));
  const group = (url) => {
    const nm = /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (nm) return nm[1];
    if (url.startsWith('node:')) return 'node: built-ins';
    const ws = /\/(core|packages\/[^/]+|connectors\/[^/]+)\/(dist|bin)\/(?:([^/]+)\/)?/.exec(url);
    return ws ? `${ws[1]}${ws[2] === 'dist' && ws[3] && !ws[3].endsWith('.js') ? `/${ws[3]}` : ''}` : url;
  };
  const loadedBy = (t) => modules.filter((m) => m.t <= t).length;
  console.log(`dovetail ${args.join(' ')} (exit ${r.status}), ms since the process started; modules = loaded so far\n`);
  table(['ms', 'cpu ms', 'modules', 'event'], events.map((e) => [e.t.toFixed(1), e.cpu?.toFixed(0) ?? '', loadedBy(e.t), e.what]));
  const groups = new Map();
  for (const m of modules) {
    const g = groups.get(group(m.url)) ?? { n: 0, first: m.t, last: m.t };
    g.n += 1;
    g.last = m.t;
    groups.set(group(m.url), g);
  }
  console.log(`\n${modules.length} modules loaded through the ESM loader (CommonJS required from CommonJS is not listed)\n`);
  table(['group', 'modules', 'first ms', 'last ms'], [...groups].sort((x, y) => x[1].first - y[1].first).map(([g, v]) => [g, v.n, v.first.toFixed(1), v.last.toFixed(1)]));
  if (process.argv.includes('--modules')) {
    console.log('');
    table(['ms', 'module'], modules.map((m) => [m.t.toFixed(1), m.url.replace(/^file:\/\/.*?\/(node_modules|core|packages|connectors)\//, '$1/')]));
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
