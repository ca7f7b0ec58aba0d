// A DAV-sync benchmark shared by caldav-sync.mjs and carddav-sync.mjs: the real CLI (`dovetail sync`, one
// child process per run) pulling one Radicale collection of N items (default 5,000) into a local vdir
// folder: initial sync, no-change sync, and a sync after 10 items were changed on the server by another
// client. Per run: wall time, peak RSS of the child and the HTTP requests it sent (counted by a small
// reverse proxy in this script that every client goes through). The no-change run is also measured through the
// runner service (`dovetail serve` on the same workspace, runs asked for through its HTTP API).
// Measured in the same run against the same server: vdirsyncer (caldav/carddav → filesystem), raw curl
// requests (sync-collection with an empty token, with a token, the kind's multiget) and `node -e 0`.
//
// Fails (exit 1) when Dovetail misbehaves: the initial sync does not leave N files, a no-change sync
// writes anything or sends other than one request, a sync after K server changes loads or writes other
// than K items, Dovetail writes to the server, or an initial sync straight to Radicale (no proxy: HTTP/1.0,
// connection closed after each answer) fails. Speed and memory targets are reported, not asserted.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gnuTime, measuredNode, median, nodeInfo, runChild as runInScratch, which } from './processes.mjs';
import { exitOnFailures, inWorkDir, syncReport, table } from './report.mjs';
import { reportTargets } from './targets.mjs';
import { startRadicale as startRadicaleAt } from './radicale.mjs';
import { serve } from './serve.mjs';

/**
 * What differs between a calendar and an address book bench; everything else is shared.
 * @typedef {object} DavKind
 * @property {string} bench          bench name, e.g. `caldav-sync`
 * @property {string} noun           plural of what is synced, e.g. `events`
 * @property {string} collectionNoun e.g. `calendar`
 * @property {string} connector      Dovetail connector id (`caldav` / `carddav`), also vdirsyncer's storage type
 * @property {string} entity         Dovetail entity type
 * @property {string} ext            file extension in the vdir folder and on the server
 * @property {string} contentType    Content-Type of a PUT
 * @property {string} radicaleTag    tag in `.Radicale.props` (what Radicale writes on MKCALENDAR / extended MKCOL)
 * @property {string} resourceType   element of the collection's DAV:resourcetype
 * @property {string} namespace      XML namespace of the multiget report
 * @property {string} multiget       local name of the multiget report
 * @property {string} dataElement    local name of the data property
 * @property {string} dataBegin      first line of one item's data
 * @property {(i: number) => string} nameOf                  resource name (no extension) of item i
 * @property {(i: number, rev: number) => string} itemText   item i at revision rev (0 = as created)
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const cli = path.join(repoRoot, 'core', 'bin', 'dovetail.js');

const argValue = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const RSS_SCALE = process.argv.includes('--rss-scale');
const ITEMS = Number(argValue('--items') ?? 5000);
const RSS_SIZES = (argValue('--rss-sizes') ?? '1000,100000').split(',').map(Number);
// --rss-storage DIR: Radicale's seeded storage (with its on-disk item cache) and log kept per size in DIR/rss-N and
// reused by the next run; building the cache takes Radicale ~9 min at 100,000 (a restart on a built cache ~1 min).
const RSS_STORAGE = argValue('--rss-storage') ? path.resolve(argValue('--rss-storage')) : null;
// --dovetail-node-args "ARGS": extra Node options for Dovetail's runs in --rss-scale (e.g. "--heap-growing-percent=50").
const DOVETAIL_NODE_ARGS = (argValue('--dovetail-node-args') ?? '').split(/\s+/).filter(Boolean);
// --node PATH: the Node that runs Dovetail (every run, the service included) and the `node -e 0` reference.
const NODE = measuredNode();
const CHANGED = 10; // items changed by another client per change round
const CHANGE_ROUNDS = 2; // round 1: vdirsyncer syncs first; round 2: Dovetail first
const NO_CHANGE_REPEATS = 3; // median of 3, the two tools alternating
const REPEATS = 3; // curl references: median of 3
const NODE_START_REPEATS = 5;
const SERVICE_REPEATS = 7; // no-change runs through the service's HTTP API, median
const SERVICE_TOKEN = 'bench-service-token-0123456789';
const USER = 'user';
const PASSWORD = 'pw';
const COLLECTION = 'coll';
const COLLECTION_HREF = `/${USER}/${COLLECTION}/`;

// Set by runDavSyncBench: the kind under test, the scratch folder and the programs found on PATH.
/** @type {DavKind} */
let K;
let work;
let radicale;
let vdirsyncer;
let curl;
// Dovetail's runs keep Node's module compile cache (where NODE has one) in the scratch folder: cold at the first run.
let dovetailEnv;

// ---------------------------------------------------------------------------------------------
// Generated data (the kind's own text, written by us), one item per resource.

const hrefOf = (i) => `${COLLECTION_HREF}${K.nameOf(i)}${K.ext}`;

/**
 * Seeds Radicale's storage directly (the server is not running yet): the collection folder with the
 * props Radicale itself writes on MKCALENDAR / extended MKCOL (`{"tag": "VCALENDAR"}` or `"VADDRESSBOOK"`)
 * and one file per item.
 */
async function seedStorage(storageDir, n) {
  const dir = path.join(storageDir, 'collection-root', USER, COLLECTION);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, '.Radicale.props'), JSON.stringify({ tag: K.radicaleTag }));
  for (let from = 0; from < n; from += 500) {
    const batch = [];
    for (let i = from; i < Math.min(n, from + 500); i += 1) batch.push(writeFile(path.join(dir, `${K.nameOf(i)}${K.ext}`), K.itemText(i, 0)));
    await Promise.all(batch);
  }
}

// ---------------------------------------------------------------------------------------------
// Radicale, started and stopped by this script.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const startRadicale = (storageDir) => startRadicaleAt(radicale, storageDir, AUTH);

/**
 * A DAV request straight to the server (not through the counting proxy): seeding, tokens, changes. Plain
 * `node:http`, without a timeout: on a busy machine Radicale's first request on a 100,000-item collection outlasts
 * fetch's 300 s header timeout.
 */
function dav(base, method, href, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${href}`, {
      method,
      headers: { Authorization: AUTH, ...(body && method !== 'PUT' ? { 'Content-Type': 'application/xml; charset=utf-8' } : {}), ...headers },
    }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode, etag: res.headers.etag ?? null, text: Buffer.concat(parts).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const syncCollectionBody = (token) =>
  '<?xml version="1.0" encoding="utf-8"?>\n<d:sync-collection xmlns:d="DAV:">' +
  `<d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level>` +
  '<d:prop><d:getetag/><d:getcontenttype/></d:prop></d:sync-collection>';
const multigetBody = (hrefs) =>
  `<?xml version="1.0" encoding="utf-8"?>\n<c:${K.multiget} xmlns:d="DAV:" xmlns:c="${K.namespace}">` +
  `<d:prop><d:getetag/><c:${K.dataElement}/></d:prop>` + hrefs.map((h) => `<d:href>${h}</d:href>`).join('') + `</c:${K.multiget}>`;

// Tiny readers for multistatus answers (independent of the code under test).
const tokenOf = (xml) => /<(?:[\w-]+:)?sync-token(?:\s[^>]*)?>([^<]*)</.exec(xml)?.[1]?.trim();
const hrefsOf = (xml) => [...xml.matchAll(/<(?:[\w-]+:)?href(?:\s[^>]*)?>([^<]*)</g)].map((m) => m[1].trim());
const memberHrefs = (xml) => hrefsOf(xml).filter((h) => !h.endsWith('/'));
const countData = (xml) => (xml.match(new RegExp(`<(?:[\\w-]+:)?${K.dataElement}(?:\\s[^>]*)?>\\s*${K.dataBegin}`, 'g')) ?? []).length;

/**
 * Checks the seeded folder is a collection of the kind to Radicale and builds its item cache (so no tool
 * pays for it): multigets of 1,000 items at a time (Radicale parses each item once and caches it; one request for
 * everything would outlast fetch's 300 s header timeout at 100,000), then one full listing, timed.
 */
async function verifyAndWarm(base, n) {
  const t = performance.now();
  const pf = await dav(base, 'PROPFIND', COLLECTION_HREF, '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:supported-report-set/></d:prop></d:propfind>', { Depth: '0' });
  if (pf.status !== 207 || !new RegExp(`<(?:[\\w-]+:)?${K.resourceType}\\s*/>`).test(pf.text)) throw new Error(`seeded ${COLLECTION_HREF} is not a ${K.collectionNoun} to Radicale (${pf.status}): ${pf.text.slice(0, 500)}`);
  if (!/sync-collection/.test(pf.text)) throw new Error(`Radicale does not offer sync-collection on ${COLLECTION_HREF}`);
  for (let from = 0; from < n; from += 1000) {
    const hrefs = Array.from({ length: Math.min(1000, n - from) }, (_, k) => hrefOf(from + k));
    const mg = await dav(base, 'REPORT', COLLECTION_HREF, multigetBody(hrefs), { Depth: '1' });
    if (mg.status !== 207 || countData(mg.text) !== hrefs.length) throw new Error(`warming Radicale: a multiget of ${hrefs.length} returned ${countData(mg.text)} items (status ${mg.status})`);
  }
  const warmMs = performance.now() - t;
  const t1 = performance.now();
  const full = await dav(base, 'REPORT', COLLECTION_HREF, syncCollectionBody(''), { Depth: '1' });
  const listed = memberHrefs(full.text).length;
  if (full.status !== 207 || listed !== n) throw new Error(`Radicale lists ${listed} members (status ${full.status}), expected ${n}`);
  return { warmMs, listMs: performance.now() - t1 };
}

// ---------------------------------------------------------------------------------------------
// Counting reverse proxy: every client talks to the server through it, so all pay the same extra hop.
// Counts requests by method, the hrefs asked for in multiget bodies, and sync-collection
// requests with an empty / a non-empty token.

function newCounter() {
  return { requests: 0, byMethod: {}, multigets: 0, multigetHrefs: 0, syncFull: 0, syncDelta: 0, bytesIn: 0, bytesOut: 0 };
}

async function startProxy(targetPort) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  let counter = newCounter();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const c = counter;
      c.requests += 1;
      c.byMethod[req.method] = (c.byMethod[req.method] ?? 0) + 1;
      c.bytesOut += body.length;
      if (req.method === 'REPORT') {
        const text = body.toString('utf8');
        if (text.includes(K.multiget)) {
          c.multigets += 1;
          c.multigetHrefs += hrefsOf(text).length;
        } else if (/sync-collection/.test(text)) {
          if (tokenOf(text)) c.syncDelta += 1;
          else c.syncFull += 1;
        }
      }
      const headers = { ...req.headers, host: `127.0.0.1:${targetPort}` };
      delete headers.connection;
      const up = http.request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers, agent }, (upRes) => {
        res.writeHead(upRes.statusCode, upRes.headers);
        upRes.on('data', (d) => { c.bytesIn += d.length; });
        upRes.pipe(res);
      });
      up.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
      up.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    /** Starts counting afresh; returns the counter that fills until the next `begin`. */
    begin() { counter = newCounter(); return counter; },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); agent.destroy(); }),
  };
}

// ---------------------------------------------------------------------------------------------
// Running a child: wall time measured here, peak RSS (maxrss, KiB) from GNU time's `-f %M`.

const runChild = (cmd, args, options) => runInScratch(work, cmd, args, options);

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** name → "size:mtimeNs" of every item file in `dir`. */
async function folderState(dir) {
  const names = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith(K.ext));
  const out = new Map();
  for (let k = 0; k < names.length; k += 500) {
    const part = names.slice(k, k + 500);
    const stats = await Promise.all(part.map((f) => stat(path.join(dir, f), { bigint: true })));
    part.forEach((f, j) => out.set(f, `${stats[j].size}:${stats[j].mtimeNs}`));
  }
  return out;
}
/** Files created, replaced or removed between two folder states. */
function folderChanges(before, after) {
  let n = 0;
  for (const [f, v] of after) if (before.get(f) !== v) n += 1;
  for (const f of before.keys()) if (!after.has(f)) n += 1;
  return n;
}

const failures = [];
const check = (ok, message) => { if (!ok) failures.push(message); };

// ---------------------------------------------------------------------------------------------
// Dovetail: `dovetail sync -c dovetail.json --json`, caldav/carddav (through the proxy) → filesystem.

function dovetailTool(root, proxyUrl, extraSettings = {}) {
  const config = path.join(root, 'dovetail.json');
  const folder = path.join(root, 'local', COLLECTION);
  return {
    folder,
    async setup() {
      await mkdir(root, { recursive: true });
      await writeFile(config, JSON.stringify({
        endpoints: {
          dav: { connector: K.connector, settings: { url: `${proxyUrl}/`, username: USER, password: PASSWORD, ...extraSettings } },
          local: { connector: 'filesystem', settings: { path: './local', createRoot: true } },
        },
        pairings: {
          p: { entity: K.entity, a: { endpoint: 'dav', collection: COLLECTION_HREF }, b: { endpoint: 'local', collection: COLLECTION, create: true }, mode: 'two-way' },
        },
        // For `dovetail serve` (serviceNoChange); `dovetail sync` does not read it. No schedule: runs only when asked.
        service: { host: '127.0.0.1', port: 0, token: SERVICE_TOKEN },
      }, null, 2));
    },
    root,
    async sync(proxy, label, extraNodeArgs = []) {
      const before = await folderState(folder);
      const counter = proxy.begin();
      const r = await runChild(NODE, [...extraNodeArgs, cli, 'sync', '-c', config, '--json'], { cwd: root, env: dovetailEnv });
      proxy.begin();
      const report = syncReport(r, label);
      const after = await folderState(folder);
      const sum = (s) => s.created + s.updated + s.deleted;
      return {
        label, ms: r.ms, rssKiB: r.rssKiB, reportMs: report.durationMs, http: counter,
        toFolder: sum(report.b), toServer: sum(report.a), folderWrites: folderChanges(before, after), files: after.size,
      };
    },
  };
}

/**
 * No-change runs through the runner service: `dovetail serve` on the same workspace and state, each run asked for
 * through its HTTP API (`POST /api/pairings/p/sync`, loopback, bearer token) and timed from that request until
 * `GET /api/pairings` shows the run finished (polled every 5 ms). The first run after the start (connectors
 * activated, modules loaded) is reported apart; then `repeats` runs, median. Each must send one request and write nothing.
 */
async function serviceNoChange(dt, proxy, repeats) {
  const svc = await serve(cli, dt.root, SERVICE_TOKEN, { node: NODE, env: dovetailEnv });
  const lastRun = async () => {
    const r = await svc.api('GET', '/api/pairings');
    const p = r.body?.pairings?.find((x) => x.pairing === 'p');
    return { busy: !p || p.running || p.queued, startedAt: p?.lastRun?.startedAt, durationMs: p?.lastRun?.durationMs, ok: p?.lastRun?.ok };
  };
  const once = async (label) => {
    const before = await folderState(dt.folder);
    const prev = (await lastRun()).startedAt;
    const counter = proxy.begin();
    const t = performance.now();
    const posted = await svc.api('POST', '/api/pairings/p/sync');
    if (posted.status !== 202) throw new Error(`POST /api/pairings/p/sync answered ${posted.status}: ${JSON.stringify(posted.body)}`);
    let run;
    for (;;) {
      run = await lastRun();
      if (!run.busy && run.startedAt !== prev) break;
      if (performance.now() - t > 120_000) throw new Error(`the service's run (${label}) did not finish within 120 s`);
      await sleep(5);
    }
    const ms = performance.now() - t;
    proxy.begin();
    const folderWrites = folderChanges(before, await folderState(dt.folder));
    check(run.ok === true, `service ${label}: the run did not end ok`);
    check(counter.requests === 1 && folderWrites === 0, `service ${label}: sent ${counter.requests} requests (${methods(counter)}) and changed ${folderWrites} files; expected 1 and 0`);
    return { label, ms, engineMs: run.durationMs, http: counter };
  };
  try {
    const first = await once('first run after start');
    const runs = [];
    for (let k = 0; k < repeats; k += 1) runs.push(await once(`no-change #${k + 1}`));
    return { first, runs, ms: median(runs.map((r) => r.ms)), engineMs: median(runs.map((r) => r.engineMs)) };
  } finally {
    const code = await svc.stop();
    check(code === 0, `dovetail serve exited ${code} on SIGTERM`);
  }
}

/** Dovetail's initial sync pointed at Radicale itself (no proxy, nothing counted); a failure is recorded. */
async function directInitialSync(serverUrl) {
  const tool = dovetailTool(path.join(work, 'dovetail-direct'), serverUrl);
  await tool.setup();
  const noCount = { begin: () => newCounter() };
  try {
    const r = await tool.sync(noCount, 'initial, no proxy');
    check(r.files === ITEMS, `dovetail initial straight to Radicale: the folder holds ${r.files} ${K.ext} files, expected ${ITEMS}`);
    return { ok: true, ms: r.ms, files: r.files };
  } catch (e) {
    const lines = String(e.message).split('\n').map((l) => l.trim()).filter(Boolean);
    const error = [lines[0], ...lines.filter((l) => /Error|assert\(/.test(l)).slice(0, 2)].join(' | ');
    failures.push(`dovetail initial sync straight to Radicale (no proxy) failed: ${error}`);
    return { ok: false, error };
  }
}

// ---------------------------------------------------------------------------------------------
// vdirsyncer: a caldav/carddav storage (through the proxy) → a filesystem storage, its own status folder.

function vdirsyncerTool(root, proxyUrl) {
  const config = path.join(root, 'config');
  const folder = path.join(root, 'local', COLLECTION);
  const run = async (args, label) => {
    const r = await runChild(vdirsyncer, ['-c', config, ...args], { cwd: root, input: 'y\n'.repeat(10) });
    if (r.code !== 0) throw new Error(`vdirsyncer ${args[0]} (${label}) failed, exit ${r.code}:\n${(r.stderr + r.stdout).slice(0, 2000)}`);
    return r;
  };
  return {
    folder,
    async setup() {
      await mkdir(folder, { recursive: true }); // so `discover` does not ask to create it
      await writeFile(config, [
        '[general]', `status_path = "${path.join(root, 'status')}/"`, '',
        '[pair bench]', 'a = "bench_dav"', 'b = "bench_local"', `collections = ["${COLLECTION}"]`, 'conflict_resolution = "a wins"', '',
        '[storage bench_dav]', `type = "${K.connector}"`, `url = "${proxyUrl}/"`, `username = "${USER}"`, `password = "${PASSWORD}"`, '',
        '[storage bench_local]', 'type = "filesystem"', `path = "${path.join(root, 'local')}/"`, `fileext = "${K.ext}"`, '',
      ].join('\n'));
    },
    async discover(proxy) {
      const counter = proxy.begin();
      const r = await run(['discover'], 'discover');
      proxy.begin();
      return { ms: r.ms, http: counter };
    },
    async sync(proxy, label) {
      const before = await folderState(folder);
      const counter = proxy.begin();
      const r = await run(['sync'], label);
      proxy.begin();
      const after = await folderState(folder);
      return { label, ms: r.ms, rssKiB: r.rssKiB, http: counter, folderWrites: folderChanges(before, after), files: after.size };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Raw protocol references: curl through the same proxy, response to a file. `--compressed` asks for gzip
// as Dovetail and vdirsyncer do.

async function curlReport(proxy, body, label, { compressed = true, repeats = REPEATS } = {}) {
  const bodyFile = path.join(work, `curl-body-${label.replace(/\W+/g, '-')}.xml`);
  const outFile = path.join(work, 'curl-out.xml');
  await writeFile(bodyFile, body);
  const runs = [];
  let text = '';
  for (let k = 0; k < repeats; k += 1) {
    const counter = proxy.begin();
    const r = await runChild(curl, ['-sS', ...(compressed ? ['--compressed'] : []), '-u', `${USER}:${PASSWORD}`, '-X', 'REPORT', '-H', 'Depth: 1',
      '-H', 'Content-Type: application/xml; charset=utf-8', '--data-binary', `@${bodyFile}`, '-o', outFile, '-w', '%{http_code}',
      `${proxy.url}${COLLECTION_HREF}`]);
    proxy.begin();
    if (r.code !== 0 || r.stdout.trim() !== '207') throw new Error(`curl ${label}: exit ${r.code}, HTTP ${r.stdout.trim()} ${r.stderr.slice(0, 500)}`);
    text = await readFile(outFile, 'utf8');
    runs.push({ ms: r.ms, rssKiB: r.rssKiB, http: counter });
  }
  return { label, ms: median(runs.map((r) => r.ms)), rssKiB: median(runs.map((r) => r.rssKiB)), http: runs[0].http, text };
}

const XML_ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const unescapeXml = (s) => s.replace(/&(lt|gt|amp|quot|apos|#(\d+)|#x([0-9a-f]+));/gi, (_, name, dec, hex) =>
  (dec ? String.fromCodePoint(Number(dec)) : hex ? String.fromCodePoint(parseInt(hex, 16)) : XML_ENTITIES[name.toLowerCase()]));

/**
 * The raw cost of writing what a multiget returned: each item's data to its own file in an empty folder, durably
 * (a temp file, fsync, rename — what any vdir writer that survives a crash does, vdirsyncer included), 8 files in
 * flight. Returns the wall time in ms and the files written.
 */
async function rawWriteFiles(multigetXml) {
  const dir = path.join(work, 'raw-write');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const re = new RegExp(`<(?:[\\w-]+:)?${K.dataElement}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w-]+:)?${K.dataElement}>`, 'g');
  const texts = [...multigetXml.matchAll(re)].map((m) => unescapeXml(m[1]));
  const t = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < texts.length) {
      const i = next++;
      const file = path.join(dir, `item-${i}${K.ext}`);
      const handle = await open(`${file}.tmp`, 'wx');
      try {
        await handle.writeFile(texts[i]);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(`${file}.tmp`, file);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const ms = performance.now() - t;
  await rm(dir, { recursive: true, force: true });
  return { ms, files: texts.length };
}

/** Another client changes `count` items straight on the server (not through the proxy). */
async function changeItems(base, n, count, round) {
  const stride = Math.max(1, Math.floor(n / count));
  const ids = Array.from({ length: count }, (_, k) => (k * stride + round * 3 + 1) % n);
  for (const i of ids) {
    const r = await dav(base, 'PUT', hrefOf(i), K.itemText(i, round), { 'Content-Type': K.contentType });
    if (r.status !== 201 && r.status !== 204) throw new Error(`changing ${hrefOf(i)} failed: ${r.status} ${r.text.slice(0, 300)}`);
  }
  return ids.map(hrefOf);
}

// ---------------------------------------------------------------------------------------------
// Output.

const fmtS = (ms) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(ms >= 10_000 ? 1 : 2)}`);
const fmtMiB = (kib) => (kib === undefined || Number.isNaN(kib) ? 'n/a' : (kib / 1024).toFixed(0));
const fmtBytes = (n) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(0)} KiB` : `${n} B`);
const fmtRatio = (x, y) => (y ? `${(x / y).toFixed(2)}x` : 'n/a');
const methods = (c) => Object.entries(c.byMethod).map(([m, n]) => `${n} ${m}`).join(' + ') || '0';

/**
 * (n): a Node process that loads Dovetail's DAV stack and sends the no-change sync-collection, nothing else
 * (dav-floor.mjs): what any Node client on that stack pays, so the CLI's cost beyond it is the CLI's own work.
 */
async function davFloor(proxy, token) {
  const runs = [];
  for (let k = 0; k < REPEATS; k += 1) {
    const counter = proxy.begin();
    const r = await runChild(NODE, [path.join(here, 'dav-floor.mjs'), `${proxy.url}/`, COLLECTION_HREF, token, USER, PASSWORD]);
    proxy.begin();
    if (r.code !== 0) throw new Error(`dav-floor: exit ${r.code}: ${r.stderr.slice(0, 500)}`);
    check(counter.requests === 1, `dav-floor sent ${counter.requests} requests, expected 1`);
    runs.push(r.ms);
  }
  return { ms: median(runs) };
}

async function nodeStartup() {
  const runs = [];
  for (let k = 0; k < NODE_START_REPEATS; k += 1) runs.push(await runChild(NODE, ['-e', '0']));
  return { ms: median(runs.map((r) => r.ms)), rssKiB: median(runs.map((r) => r.rssKiB)) };
}

function header(what) {
  console.log(what);
  const { version, compileCache } = nodeInfo(NODE);
  console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} at start; ` +
    `Node ${version} (${NODE}) for Dovetail and node -e 0, ${compileCache ? 'module compile cache on (cold at the first Dovetail run)' : 'no module compile cache'}`);
  console.log(`server: Radicale ${spawnSync(radicale, ['--version'], { encoding: 'utf8' }).stdout.trim()} on 127.0.0.1 (filesystem storage, auth none), every client through one counting proxy`);
  console.log(`peak RSS: ${gnuTime ? `${gnuTime} -f %M (maxrss of the child)` : 'not measured (GNU time not found)'}`);
}

// ---------------------------------------------------------------------------------------------
// Main comparison at ITEMS items.

async function compare() {
  header(`${K.bench} bench: ${ITEMS} ${K.noun} in one Radicale ${K.collectionNoun} → local vdir folder, real CLI per run`);
  console.log(`peer: ${vdirsyncer} (${spawnSync(vdirsyncer, ['--version'], { encoding: 'utf8' }).stdout.trim()}), curl (${spawnSync(curl, ['--version'], { encoding: 'utf8' }).stdout.split(' ')[1]})\n`);

  const storage = path.join(work, 'radicale', 'storage');
  const t = performance.now();
  await seedStorage(storage, ITEMS);
  const seedMs = performance.now() - t;
  const server = await startRadicale(storage);
  const { warmMs, listMs } = await verifyAndWarm(server.url, ITEMS);
  console.log(`seeded ${ITEMS} ${K.noun} into Radicale's storage in ${fmtS(seedMs)} s; server ready, its cache built in ${fmtS(warmMs)} s, then one full listing took ${fmtS(listMs)} s (not measured)\n`);
  const proxy = await startProxy(server.port);
  try {
    const nodeStart = await nodeStartup();
    const dt = dovetailTool(path.join(work, 'dovetail'), proxy.url);
    const vd = vdirsyncerTool(path.join(work, 'vdirsyncer'), proxy.url);
    await dt.setup();
    await vd.setup();

    // Raw references on the unchanged server: full listing, multiget of everything, an empty delta.
    const curlFull = await curlReport(proxy, syncCollectionBody(''), 'sync-collection, empty token');
    const allHrefs = memberHrefs(curlFull.text);
    check(allHrefs.length === ITEMS, `curl full listing returned ${allHrefs.length} hrefs, expected ${ITEMS}`);
    const curlMultiget = await curlReport(proxy, multigetBody(allHrefs), `${K.multiget} of ${ITEMS}`);
    check(countData(curlMultiget.text) === ITEMS, `curl multiget returned ${countData(curlMultiget.text)} ${K.dataElement}, expected ${ITEMS}`);
    const curlMultigetIdentity = await curlReport(proxy, multigetBody(allHrefs), `${K.multiget} of ${ITEMS}, identity`, { compressed: false, repeats: 1 });
    const rawWrite = await rawWriteFiles(curlMultiget.text);
    check(rawWrite.files === ITEMS, `raw write: ${rawWrite.files} items found in the multiget answer, expected ${ITEMS}`);
    const curlDelta0 = await curlReport(proxy, syncCollectionBody(tokenOf(curlFull.text)), 'sync-collection, token, no change');
    check(memberHrefs(curlDelta0.text).length === 0, `curl delta with nothing changed listed ${memberHrefs(curlDelta0.text).length} members`);
    const floor = await davFloor(proxy, tokenOf(curlFull.text));

    // Initial sync: both from empty folders and state; Dovetail first.
    const d = { initial: await dt.sync(proxy, 'initial') };
    const vDiscover = await vd.discover(proxy);
    const v = { initial: await vd.sync(proxy, 'initial') };
    check(d.initial.files === ITEMS, `dovetail initial: the folder holds ${d.initial.files} ${K.ext} files, expected ${ITEMS}`);
    check(d.initial.toFolder === ITEMS && d.initial.folderWrites === ITEMS, `dovetail initial: wrote ${d.initial.toFolder} items (${d.initial.folderWrites} files), expected ${ITEMS}`);
    check(v.initial.files === ITEMS, `vdirsyncer initial: the folder holds ${v.initial.files} ${K.ext} files, expected ${ITEMS}`);

    // No change: alternating, vdirsyncer first.
    const dNc = [];
    const vNc = [];
    for (let k = 0; k < NO_CHANGE_REPEATS; k += 1) {
      vNc.push(await vd.sync(proxy, `no-change #${k + 1}`));
      dNc.push(await dt.sync(proxy, `no-change #${k + 1}`));
    }
    const pickMedian = (runs) => ({ ...runs[0], ms: median(runs.map((r) => r.ms)), rssKiB: median(runs.map((r) => r.rssKiB)), runs });
    d.noChange = pickMedian(dNc);
    v.noChange = pickMedian(vNc);
    for (const r of dNc) {
      check(r.toFolder === 0 && r.toServer === 0 && r.folderWrites === 0, `dovetail ${r.label}: wrote ${r.toFolder} items to the folder (${r.folderWrites} files), ${r.toServer} to the server; expected nothing`);
      check(r.http.requests === 1, `dovetail ${r.label}: sent ${r.http.requests} requests (${methods(r.http)}), expected 1`);
    }

    // The same no-change run through the running service (no process start per run).
    const svc = await serviceNoChange(dt, proxy, SERVICE_REPEATS);

    // Changes by another client: round 1 vdirsyncer syncs first, round 2 Dovetail first.
    const rounds = [];
    for (let round = 1; round <= CHANGE_ROUNDS; round += 1) {
      const before = await dav(server.url, 'REPORT', COLLECTION_HREF, syncCollectionBody(''), { Depth: '1' });
      const token = tokenOf(before.text);
      const changed = await changeItems(server.url, ITEMS, CHANGED, round);
      const delta = await curlReport(proxy, syncCollectionBody(token), `sync-collection delta, ${CHANGED} changed`);
      check(memberHrefs(delta.text).length === CHANGED, `curl delta after ${CHANGED} changes listed ${memberHrefs(delta.text).length} members`);
      const mg = await curlReport(proxy, multigetBody(changed), `${K.multiget} of ${CHANGED}`);
      let dr;
      let vr;
      if (round % 2 === 1) {
        vr = await vd.sync(proxy, `${CHANGED} changed, round ${round}`);
        dr = await dt.sync(proxy, `${CHANGED} changed, round ${round}`);
      } else {
        dr = await dt.sync(proxy, `${CHANGED} changed, round ${round}`);
        vr = await vd.sync(proxy, `${CHANGED} changed, round ${round}`);
      }
      const loaded = dr.http.multigetHrefs + (dr.http.byMethod.GET ?? 0);
      check(loaded === CHANGED, `dovetail ${dr.label}: loaded ${loaded} items from the server (${dr.http.multigetHrefs} by multiget, ${dr.http.byMethod.GET ?? 0} by GET), expected ${CHANGED}`);
      check(dr.toFolder === CHANGED && dr.folderWrites === CHANGED && dr.toServer === 0, `dovetail ${dr.label}: wrote ${dr.toFolder} items (${dr.folderWrites} files) to the folder and ${dr.toServer} to the server, expected ${CHANGED} and 0`);
      check(vr.folderWrites === CHANGED, `vdirsyncer ${vr.label}: ${vr.folderWrites} files changed in its folder, expected ${CHANGED}`);
      rounds.push({ d: dr, v: vr, delta, mg });
    }
    const avg = (runs) => ({ ...runs[0], ms: mean(runs.map((r) => r.ms)), rssKiB: mean(runs.map((r) => r.rssKiB)), runs });
    d.changed = avg(rounds.map((r) => r.d));
    v.changed = avg(rounds.map((r) => r.v));
    const curlDelta = { ms: mean(rounds.map((r) => r.delta.ms)), http: rounds[0].delta.http };
    const curlMg10 = { ms: mean(rounds.map((r) => r.mg.ms)) };

    for (const r of [d.initial, ...dNc, ...rounds.map((x) => x.d)]) {
      const writes = ['PUT', 'DELETE', 'MKCOL', 'MKCALENDAR', 'PROPPATCH', 'MOVE', 'COPY'].reduce((n, m) => n + (r.http.byMethod[m] ?? 0), 0);
      check(writes === 0, `dovetail ${r.label}: sent ${writes} writing requests to the server (${methods(r.http)})`);
    }
    // The proxy speaks keep-alive HTTP/1.1; Radicale itself answers HTTP/1.0 and closes the connection
    // after each response. One more initial sync, into a fresh folder, straight to the server, checks
    // that Dovetail copes with that too (timed for reference, not compared).
    const direct = await directInitialSync(server.url);

    const dFiles = (await folderState(dt.folder)).size;
    const vFiles = (await folderState(vd.folder)).size;
    check(dFiles === ITEMS, `dovetail: the folder holds ${dFiles} ${K.ext} files at the end, expected ${ITEMS}`);

    // ------------------------------------------------------------------ report
    const curlInitial = curlFull.ms + curlMultiget.ms;
    const noChangeRef = curlDelta0.ms + nodeStart.ms;
    console.log(`Results at ${ITEMS} ${K.noun} (seconds; RSS in MiB; requests as counted at the proxy)\n`);
    table(
      ['scenario', 'dovetail s', 'vdirsyncer s', 'ratio', 'curl reference s', 'dovetail requests', 'vdirsyncer requests', 'dovetail RSS', 'vdirsyncer RSS'],
      [
        ['initial sync', fmtS(d.initial.ms), fmtS(v.initial.ms), fmtRatio(d.initial.ms, v.initial.ms), `${fmtS(curlInitial + rawWrite.ms)} (a)+(c)+(w)`, d.initial.http.requests, v.initial.http.requests, fmtMiB(d.initial.rssKiB), fmtMiB(v.initial.rssKiB)],
        [`no change (median of ${NO_CHANGE_REPEATS})`, fmtS(d.noChange.ms), fmtS(v.noChange.ms), fmtRatio(d.noChange.ms, v.noChange.ms), `${fmtS(noChangeRef)} (b0)+node`, d.noChange.http.requests, v.noChange.http.requests, fmtMiB(d.noChange.rssKiB), fmtMiB(v.noChange.rssKiB)],
        [`no change via the service's HTTP API (median of ${SERVICE_REPEATS})`, fmtS(svc.ms), '', '', `${fmtS(curlDelta0.ms)} (b0)`, svc.runs[0].http.requests, '', '', ''],
        [`${CHANGED} changed (mean of ${CHANGE_ROUNDS})`, fmtS(d.changed.ms), fmtS(v.changed.ms), fmtRatio(d.changed.ms, v.changed.ms), `${fmtS(curlDelta.ms + curlMg10.ms)} (b)+(d)`, d.changed.http.requests, v.changed.http.requests, fmtMiB(d.changed.rssKiB), fmtMiB(v.changed.rssKiB)],
      ],
    );
    console.log('\nRaw protocol references (curl through the same proxy, median of 3; one request each):');
    table(['request', 's', 'response'], [
      ['(a) sync-collection, empty token (full listing)', fmtS(curlFull.ms), `${allHrefs.length} members, ${fmtBytes(curlFull.http.bytesIn)}`],
      [`(c) ${K.multiget} of all ${ITEMS} hrefs`, fmtS(curlMultiget.ms), `${countData(curlMultiget.text)} items, ${fmtBytes(curlMultiget.http.bytesIn)}`],
      [`(c) the same, identity (no gzip; one run)`, fmtS(curlMultigetIdentity.ms), fmtBytes(curlMultigetIdentity.http.bytesIn)],
      [`(w) writing the ${rawWrite.files} items to files (temp file, fsync, rename; 8 in flight; in this process)`, fmtS(rawWrite.ms), `${rawWrite.files} files`],
      ['(b0) sync-collection with the current token, nothing changed', fmtS(curlDelta0.ms), '0 members'],
      [`(b) sync-collection with the token from before ${CHANGED} changes (mean of rounds)`, fmtS(curlDelta.ms), `${CHANGED} members`],
      [`(d) ${K.multiget} of the ${CHANGED} changed hrefs (mean of rounds)`, fmtS(curlMg10.ms), `${CHANGED} items`],
      [`node -e 0 (median of ${NODE_START_REPEATS})`, fmtS(nodeStart.ms), `${fmtMiB(nodeStart.rssKiB)} MiB peak RSS`],
      [`(n) Node floor: a process loads Dovetail's DAV stack and sends (b0), nothing else (lib/dav-floor.mjs, median of ${REPEATS})`, fmtS(floor.ms), `${fmtRatio(floor.ms, noChangeRef)} (b0)+node`],
    ]);
    console.log('\nRequests by method:');
    const reqRow = (name, r) => [name, methods(r.http), r.http.multigetHrefs, fmtBytes(r.http.bytesIn)];
    table(['run', 'requests', 'multiget hrefs', 'received (on the wire)'], [
      reqRow('dovetail initial', d.initial),
      reqRow('dovetail no change', d.noChange),
      ...rounds.map((x, k) => reqRow(`dovetail ${CHANGED} changed, round ${k + 1}`, x.d)),
      reqRow('vdirsyncer discover (not timed)', vDiscover),
      reqRow('vdirsyncer initial', v.initial),
      reqRow('vdirsyncer no change', v.noChange),
      ...rounds.map((x, k) => reqRow(`vdirsyncer ${CHANGED} changed, round ${k + 1}`, x.v)),
    ]);
    console.log('\nPer run (s): ' + [
      `dovetail no change ${dNc.map((r) => fmtS(r.ms)).join(' / ')}`, `vdirsyncer no change ${vNc.map((r) => fmtS(r.ms)).join(' / ')}`,
      `dovetail ${CHANGED} changed ${rounds.map((x) => fmtS(x.d.ms)).join(' / ')}`, `vdirsyncer ${CHANGED} changed ${rounds.map((x) => fmtS(x.v.ms)).join(' / ')}`,
      `dovetail in-engine (durationMs) initial ${fmtS(d.initial.reportMs)}, no change ${fmtS(median(dNc.map((r) => r.reportMs)))}, ${CHANGED} changed ${rounds.map((x) => fmtS(x.d.reportMs)).join(' / ')}`,
    ].join('; '));
    console.log(`Items written to the folder: dovetail ${d.initial.toFolder} / ${dNc.map((r) => r.toFolder).join(',')} / ${rounds.map((x) => x.d.folderWrites).join(',')}` +
      ` (initial / no change / changed); vdirsyncer ${v.initial.folderWrites} / ${vNc.map((r) => r.folderWrites).join(',')} / ${rounds.map((x) => x.v.folderWrites).join(',')}; final folders ${dFiles} and ${vFiles} files.`);
    console.log(direct.ok
      ? `Dovetail initial sync straight to Radicale (no proxy, fresh folder): ${fmtS(direct.ms)} s, ${direct.files} files (through the proxy: ${fmtS(d.initial.ms)} s = ${fmtRatio(d.initial.ms, direct.ms)}).`
      : `Dovetail initial sync straight to Radicale (no proxy): FAILED — ${direct.error}`);
    console.log(`Service (dovetail serve, POST /api/pairings/p/sync until GET /api/pairings shows it done): first run after start ${fmtS(svc.first.ms)} s; ` +
      `no change ${svc.runs.map((r) => fmtS(r.ms)).join(' / ')} s, in-engine (durationMs) median ${fmtS(svc.engineMs)} s; the CLI's ${fmtS(d.noChange.ms)} s.`);
    console.log('Order: initial Dovetail first; no-change runs alternate (vdirsyncer first); change round 1 vdirsyncer first, round 2 Dovetail first.');

    const scale = `${ITEMS.toLocaleString('en')} ${K.noun}`;
    const rawInitial = curlInitial + rawWrite.ms;
    const wireSaved = curlMultigetIdentity.http.bytesIn ? curlMultiget.http.bytesIn / curlMultigetIdentity.http.bytesIn : undefined;
    reportTargets(K.bench, [
      { target: 'initial ≤ 0.3× vdirsyncer', scale, ratio: d.initial.ms / v.initial.ms, limit: 0.3, floor: rawInitial / v.initial.ms,
        measured: `${fmtS(d.initial.ms)} s vs ${fmtS(v.initial.ms)} s; floor: the raw work (a) + (c) + (w) ${fmtS(rawInitial)} s` },
      { target: 'initial ≤ 2.5× raw ((a) + (c) + durable file writes (w))', scale, ratio: d.initial.ms / rawInitial, limit: 2.5,
        measured: `${fmtS(d.initial.ms)} s vs ${fmtS(rawInitial)} s = ${fmtS(curlFull.ms)} + ${fmtS(curlMultiget.ms)} + ${fmtS(rawWrite.ms)}` },
      { target: 'no change: one request per collection', scale, holds: dNc.every((r) => r.http.requests === 1),
        measured: `${dNc.map((r) => r.http.requests).join(', ')} request(s)` },
      { target: 'no change ≤ 1.5× raw ((b0) + node -e 0)', scale, ratio: d.noChange.ms / noChangeRef, limit: 1.5, floor: floor.ms / noChangeRef,
        measured: `${fmtS(d.noChange.ms)} s vs ${fmtS(noChangeRef)} s = ${fmtS(curlDelta0.ms)} + ${fmtS(nodeStart.ms)}; floor: (n) ${fmtS(floor.ms)} s` },
      { target: 'no change via the service\'s HTTP API ≤ 1.5× raw ((b0); a resident service starts no process)', scale, ratio: svc.ms / curlDelta0.ms, limit: 1.5,
        measured: `${fmtS(svc.ms)} s vs ${fmtS(curlDelta0.ms)} s (the CLI: ${fmtS(d.noChange.ms)} s)` },
      { target: 'no change ≤ 0.1× vdirsyncer', scale, ratio: d.noChange.ms / v.noChange.ms, limit: 0.1, floor: floor.ms / v.noChange.ms,
        measured: `${fmtS(d.noChange.ms)} s vs ${fmtS(v.noChange.ms)} s; floor: (n) ${fmtS(floor.ms)} s` },
      { target: `${CHANGED} changed items load exactly ${CHANGED}`, scale, holds: rounds.every((x) => x.d.http.multigetHrefs === CHANGED && !x.d.http.byMethod.GET),
        measured: `${rounds.map((x) => x.d.http.multigetHrefs).join(', ')} hrefs by multiget, ${rounds.map((x) => x.d.http.byMethod.GET ?? 0).join(', ')} GET` },
      { target: 'wire: gzip accepted (bytes of the full multiget, gzip ÷ identity)', scale, ratio: wireSaved, holds: wireSaved !== undefined && wireSaved < 1,
        measured: `${fmtBytes(curlMultiget.http.bytesIn)} vs ${fmtBytes(curlMultigetIdentity.http.bytesIn)}; Dovetail's initial sync received ${fmtBytes(d.initial.http.bytesIn)}` },
    ]);
  } finally {
    await proxy.close();
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// --rss-scale: Dovetail's initial-sync peak RSS at each size (storage seeded directly).

/** Radicale's peak RSS (VmHWM) in MiB, or '?' once it is gone. */
function radicalePeakMiB(server) {
  try {
    const kib = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1]);
    return fmtMiB(kib);
  } catch {
    return '?';
  }
}

/** `e`, or when Radicale ended on its own meanwhile, an error that says how and shows the end of its log. */
function radicaleGone(server, e) {
  const how = server.exit();
  if (!how) return e;
  let log = '';
  try { log = readFileSync(server.logFile, 'utf8').split('\n').slice(-30).join('\n'); } catch { /* no log */ }
  return new Error(`Radicale ${how} (log ${server.logFile}); the request that failed: ${e.message}\n${log}`);
}

async function rssScale() {
  header(`${K.bench} bench --rss-scale: Dovetail's initial sync at ${RSS_SIZES.join(', ')} ${K.noun}`);
  if (RSS_STORAGE) console.log(`Radicale's storage and log kept in ${RSS_STORAGE}/rss-N (seeded once, reused)`);
  if (DOVETAIL_NODE_ARGS.length) console.log(`Dovetail runs as: node ${DOVETAIL_NODE_ARGS.join(' ')} dovetail.js sync`);
  console.log('');
  const rows = [];
  for (const n of RSS_SIZES) {
    const dir = path.join(work, `rss-${n}`);
    const kept = RSS_STORAGE ? path.join(RSS_STORAGE, `rss-${n}`) : null;
    const storage = path.join(kept ?? dir, 'radicale', 'storage');
    const seededMark = path.join(kept ?? dir, 'radicale', 'seeded');
    const t = performance.now();
    if (!existsSync(seededMark)) {
      await seedStorage(storage, n);
      await writeFile(seededMark, `${n}\n`);
    }
    const seedMs = performance.now() - t;
    const server = await startRadicale(storage);
    const proxy = await startProxy(server.port);
    try {
      // A kept storage warmed by an earlier run has its item cache on disk: not warmed again (a full listing alone
      // takes Radicale minutes at 100,000); the listing time is the one that run measured.
      const warmedMark = kept && path.join(kept, 'radicale', 'warmed');
      let listMs;
      if (warmedMark && existsSync(warmedMark)) {
        listMs = Number(await readFile(warmedMark, 'utf8'));
        console.log(`${n}: kept storage, its cache built by an earlier run, whose full listing took the server ${fmtS(listMs)} s`);
      } else {
        const warm = await verifyAndWarm(server.url, n).catch((e) => { throw radicaleGone(server, e); });
        listMs = warm.listMs;
        if (warmedMark) await writeFile(warmedMark, `${Math.round(listMs)}\n`);
        console.log(`${n}: seeded in ${fmtS(seedMs)} s, server cache built in ${fmtS(warm.warmMs)} s (Radicale's peak RSS so far ${radicalePeakMiB(server)} MiB), ` +
          `a full listing takes the server ${fmtS(listMs)} s (not measured)`);
      }
      // The connector's per-request timeout (120 s by default) is raised to its most (600 s) where Radicale's own
      // full listing takes over 10 s, so the run measures memory rather than the timeout (160–300 s at 100,000).
      const timeoutMs = listMs > 10_000 ? 600_000 : undefined;
      if (timeoutMs) console.log(`${n}: connector setting "timeoutMs": ${timeoutMs}`);
      const dt = dovetailTool(path.join(dir, 'dovetail'), proxy.url, { timeoutMs });
      await dt.setup();
      const r = await dt.sync(proxy, `initial at ${n}`, DOVETAIL_NODE_ARGS).catch((e) => { throw radicaleGone(server, e); });
      check(r.files === n && r.toFolder === n, `dovetail initial at ${n}: ${r.files} files, ${r.toFolder} written, expected ${n}`);
      rows.push({ n, ...r });
      console.log(`${n}: dovetail initial ${fmtS(r.ms)} s, peak RSS ${fmtMiB(r.rssKiB)} MiB, ${methods(r.http)}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    } finally {
      await proxy.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }
  console.log('');
  table([K.noun, 'dovetail initial s', 'in-engine s', 'peak RSS MiB', 'requests', 'RSS vs smallest'],
    rows.map((r) => [r.n, fmtS(r.ms), fmtS(r.reportMs), fmtMiB(r.rssKiB), r.http.requests, fmtRatio(r.rssKiB, rows[0].rssKiB)]));
  const small = rows[0];
  const big = rows[rows.length - 1];
  if (rows.length > 1) {
    reportTargets(K.bench, [{
      target: `peak RSS of an initial sync at 100,000 ≤ 2× at 1,000 (${K.connector} → folder)`, scale: `${big.n.toLocaleString('en')} vs ${small.n.toLocaleString('en')}`,
      ratio: big.rssKiB / small.rssKiB, limit: 2, measured: `${fmtMiB(big.rssKiB)} MiB vs ${fmtMiB(small.rssKiB)} MiB`,
    }]);
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * Runs the bench for one kind: `--items N` (default 5,000) compares against vdirsyncer and curl;
 * `--rss-scale [--rss-sizes 1000,100000]` measures Dovetail's initial-sync peak RSS at each size.
 * Exits the process with 2 on bad usage or a missing tool, 1 when Dovetail misbehaved.
 * @param {DavKind} kind
 */
export async function runDavSyncBench(kind) {
  K = kind;
  if (!Number.isInteger(ITEMS) || ITEMS < 100 || RSS_SIZES.some((n) => !Number.isInteger(n) || n < 100)) {
    console.error(`usage: node bench/${K.bench}.mjs [--items N] [--node PATH]   (N ≥ 100, default 5000; PATH: the Node that runs Dovetail and node -e 0)\n` +
      `       node bench/${K.bench}.mjs --rss-scale [--rss-sizes 1000,100000]`);
    process.exit(2);
  }
  if (!existsSync(path.join(repoRoot, 'core', 'dist', 'cli')) || !existsSync(path.join(repoRoot, 'connectors', K.connector, 'dist'))) {
    console.error(`core/dist or connectors/${K.connector}/dist is missing: run \`npx tsc -b\` first`);
    process.exit(2);
  }
  radicale = which('radicale');
  vdirsyncer = which('vdirsyncer');
  curl = which('curl');
  const missing = [['radicale', radicale], ['curl', curl], ...(RSS_SCALE ? [] : [['vdirsyncer', vdirsyncer]])].filter(([, p]) => !p).map(([n]) => n);
  if (missing.length) {
    console.error(`not installed: ${missing.join(', ')} (Debian/Ubuntu: apt-get install ${missing.join(' ')})`);
    process.exit(2);
  }
  work = path.join(repoRoot, 'bench', '.work', `${K.bench}-${process.pid}`);
  dovetailEnv = { NODE_COMPILE_CACHE: path.join(work, 'compile-cache') };

  const started = performance.now();
  await inWorkDir(work, async () => {
    if (RSS_SCALE) await rssScale();
    else await compare();
    console.log(`\nload average at end: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; total ${((performance.now() - started) / 1000).toFixed(0)} s`);
  });
  exitOnFailures(failures);
}
