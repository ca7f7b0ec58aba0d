// The run budget against a server that accepts connections but never answers a write: N events in a local folder
// pushed to a CalDAV calendar whose server (node:http on 127.0.0.1) answers listings with an empty calendar and
// leaves every PUT hanging. Measures the wall time of `dovetail sync` with the default settings (timeoutMs 120 s,
// runBudget 3 failures / 20 s) and counts the PUTs that reached the server; then a healthy server takes the same
// pairing and must end with N items, none twice.
//
//   node bench/hanging-server.mjs [--items 3000]
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventText, nameOf } from './lib/events.mjs';
import { exitOnFailures, inWorkDir, table } from './lib/report.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'core', 'bin', 'dovetail.js');
const itemsArg = process.argv.indexOf('--items');
const N = itemsArg > 0 ? Number(process.argv[itemsArg + 1]) : 3000;
/** The CalDAV connector's default `timeoutMs` (packages/dav's DEFAULT_DAV_TIMEOUT_MS), in seconds. */
const DEFAULT_TIMEOUT_S = 120;
const EMPTY = '<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"></d:multistatus>';

/** A CalDAV server of one calendar `/cal/`: listings answered from `store`; PUTs hang while `hanging`. */
async function fakeServer() {
  const state = { hanging: true, puts: 0, store: new Map() };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      if (req.method === 'PUT') {
        state.puts++;
        if (state.hanging) return; // accepted, never answered
        if (req.headers['if-none-match'] === '*' && state.store.has(req.url)) { res.writeHead(412).end(); return; }
        state.store.set(req.url, body);
        res.writeHead(201, { etag: `"${state.puts}"` }).end();
        return;
      }
      if (req.method === 'PROPFIND' && req.headers.depth === '0') { res.writeHead(207, { 'content-type': 'application/xml' }).end(EMPTY); return; }
      const members = [...state.store.keys()].map((href) => `<d:response><d:href>${href}</d:href><d:propstat><d:prop><d:getetag>"x"</d:getetag><d:getcontenttype>text/calendar; component=vevent</d:getcontenttype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`);
      res.writeHead(207, { 'content-type': 'application/xml' }).end(EMPTY.replace('</d:multistatus>', `${members.join('')}</d:multistatus>`));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { state, url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

/** `dovetail sync --json` as a child process (asynchronously: the server lives in this process). */
function sync(cwd) {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, 'sync', '--json'], { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }, (err, stdout) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ code: err ? err.code : 0, seconds, run: JSON.parse(stdout || '{"runs":[{}]}').runs[0] });
    });
  });
}

const work = path.join(root, 'bench', '.work', `hanging-${process.pid}`);
await inWorkDir(work, async () => {
  const failures = [];
  const server = await fakeServer();
  try {
    await mkdir(path.join(work, 'left', 'cal'), { recursive: true });
    for (let i = 0; i < N; i++) await writeFile(path.join(work, 'left', 'cal', `${nameOf(i)}.ics`), eventText(i, 0));
    await writeFile(path.join(work, 'dovetail.json'), JSON.stringify({
      endpoints: { left: { connector: 'filesystem', settings: { path: './left' } }, dav: { connector: 'caldav', settings: { url: server.url } } },
      pairings: { p: { entity: 'event', a: { endpoint: 'left', collection: 'cal' }, b: { endpoint: 'dav', collection: '/cal/' }, mode: 'push-a-to-b' } },
    }));
    console.log(`${N} events → a CalDAV server that never answers a PUT (default timeoutMs ${DEFAULT_TIMEOUT_S} s, runBudget: 3 failures in a row or 20 s)\n`);
    const hung = await sync(work);
    const putsWhileHanging = server.state.puts;
    server.state.hanging = false;
    server.state.puts = 0;
    const healed = await sync(work);
    const quiet = await sync(work);
    table(['run', 'exit', 'wall s', 'PUTs sent', 'created', 'not attempted'], [
      ['server hangs on writes', hung.code, hung.seconds.toFixed(1), putsWhileHanging, hung.run.b?.created ?? '', hung.run.notAttempted ?? ''],
      ['next run, server healthy', healed.code, healed.seconds.toFixed(1), server.state.puts, healed.run.b?.created ?? '', healed.run.notAttempted ?? ''],
      ['quiet run', quiet.code, quiet.seconds.toFixed(1), 0, quiet.run.b?.created ?? '', ''],
    ]);
    console.log(`\naborted: ${hung.run.aborted}`);
    if (hung.code !== 3) failures.push(`the hanging run exited ${hung.code}, not 3`);
    // One time-out plus the run's own start-up and listing (30 s of slack on a busy machine).
    if (hung.seconds > DEFAULT_TIMEOUT_S + 30) failures.push(`the hanging run took ${hung.seconds.toFixed(1)} s, more than one ${DEFAULT_TIMEOUT_S} s time-out and 30 s`);
    if (healed.code !== 0 || healed.run.b?.created !== N) failures.push(`the healthy run exited ${healed.code} with ${healed.run.b?.created} created`);
    if (server.state.store.size !== N) failures.push(`the server holds ${server.state.store.size} items, not ${N}`);
    if (quiet.run.b && (quiet.run.b.created || quiet.run.b.updated)) failures.push('the quiet run wrote');
  } finally {
    await server.close();
  }
  exitOnFailures(failures);
});
