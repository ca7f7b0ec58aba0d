/**
 * What the CLI loads before it runs a command: `--version` and `--help` load none of the command code and no
 * package, a folder-only `validate` or `sync` loads no process runner (execa), no HTML converter and no JSON-Schema
 * compiler (its validators were generated at build time) and no logger when nothing is logged, a sync loads the DI
 * container as one bundled module, and `validate` no DI container or state store; neither loads ical.js before it
 * parses or writes iCalendar. A DAV request loads tsdav as one bundled module and not Node's internal undici. A sync publishes its points
 * (config read, state open, endpoints active, …) on the dovetail:timeline diagnostics channel.
 * Measured by a module-load hook in a real `dovetail` process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/dovetail.js', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'dovetail-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A loader hook that names every module (ESM or CommonJS through ESM) the process loads, one line each on stderr.
writeFileSync(path.join(dir, 'hooks.mjs'), "export async function load(url, context, next) { process.stderr.write(`LOADED ${url}\\n`); return next(url, context); }\n");
// CommonJS modules required from CommonJS (or through createRequire) pass no hook: they are listed from the
// require cache when the process exits.
writeFileSync(path.join(dir, 'register.mjs'), `import { createRequire, register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)});\n`
  + "const cache = createRequire(import.meta.url).cache;\nprocess.on('exit', () => { for (const f of Object.keys(cache)) process.stderr.write(`LOADED file://${f}\\n`); });\n");
/** An empty user cache for the runs: what they compile at run time would be written here. */
const cacheHome = path.join(dir, 'cache');

/** The modules a `dovetail ...args` run loads (file URLs), and its stdout. */
function loaded(args: string[], cwd = dir): { modules: string[]; stdout: string } {
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(path.join(dir, 'register.mjs')).href, bin, ...args], {
    cwd, encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: cacheHome },
  });
  if (r.status !== 0) throw new Error(`dovetail ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { modules: r.stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice(7)), stdout: r.stdout };
}

const packages = (modules: string[]) => [...new Set(modules.filter((m) => m.includes('/node_modules/')).map((m) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(m)![1]))];

/** The dovetail:timeline points a `dovetail ...args` run publishes, in order (`name (pairing)` for a run's points). */
function timelinePoints(args: string[], cwd: string): string[] {
  const probe = path.join(dir, 'timeline.mjs');
  writeFileSync(probe, "import { subscribe } from 'node:diagnostics_channel';\nsubscribe('dovetail:timeline', ({ name, pairing }) => process.stderr.write(`POINT ${pairing ? `${name} (${pairing})` : name}\\n`));\n");
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(probe).href, bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: cacheHome } });
  if (r.status !== 0) throw new Error(`dovetail ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stderr.split('\n').filter((l) => l.startsWith('POINT ')).map((l) => l.slice(6));
}

describe('CLI start-up', () => {
  it('--version and --help load no command code and no package', () => {
    for (const args of [['--version'], ['--help']]) {
      const { modules, stdout } = loaded(args);
      expect(stdout).toMatch(args[0] === '--version' ? /^\d+\.\d+\.\d+/ : /^dovetail — sync calendars/);
      expect(packages(modules)).toEqual([]);
      expect(modules.filter((m) => /\/cli\/commands\.js$/.test(m))).toEqual([]);
      // 10 today: the bin, runtime-flags, cli/main, cli/errors, timeline and the built-ins v8, util, fs, url and
      // diagnostics_channel
      expect(modules.length).toBeLessThanOrEqual(10);
    }
  });

  it('a folder-only validate and sync load neither execa, html-to-text nor the ajv compiler; neither builds a logger; validate loads no DI container or state store', () => {
    const cwd = path.join(dir, 'cfg');
    mkdirSync(path.join(cwd, 'left', 'cal'), { recursive: true });
    mkdirSync(path.join(cwd, 'right'), { recursive: true });
    writeFileSync(path.join(cwd, 'dovetail.json'), JSON.stringify({
      endpoints: { l: { connector: 'filesystem', settings: { path: './left' } }, r: { connector: 'filesystem', settings: { path: './right' } } },
      pairings: { p: { entity: 'event', a: { endpoint: 'l', collection: 'cal' }, b: { endpoint: 'r', collection: 'cal', create: true }, mode: 'two-way' } },
    }));
    for (const args of [['validate'], ['sync']]) {
      const { modules } = loaded(args, cwd);
      const pkgs = packages(modules);
      // it did validate: the stored validators require ajv's small runtime helpers, not its compiler
      expect(modules.some((m) => m.includes('/node_modules/ajv/dist/runtime/'))).toBe(true);
      expect(modules.filter((m) => /\/node_modules\/ajv\/dist\/(compile|core|ajv|standalone)\b/.test(m))).toEqual([]);
      expect(pkgs.filter((p) => ['execa', 'html-to-text', 'htmlparser2'].includes(p))).toEqual([]);
      // nothing is decoded (the folders are empty): the charset libraries stay unloaded, and no Windows zone id is met
      expect(pkgs.filter((p) => ['chardet', 'iconv-lite', 'windows-iana'].includes(p))).toEqual([]);
      // nothing is parsed or written as iCalendar: ical.js and the VTIMEZONE library load on first use (model/ical-lib.ts)
      expect(pkgs.filter((p) => ['ical.js', 'timezones-ical-library'].includes(p))).toEqual([]);
      // the connectors run in process: the stdio protocol server and its JSON-RPC library stay unloaded
      expect(pkgs).not.toContain('json-rpc-2.0');
      // nothing is logged at the default level (warn): no logger is built
      expect(pkgs).not.toContain('pino');
      // the config is read with the one-file bundle of jsonc-parser and manifests checked with semver's (build-vendor.mjs)
      expect(pkgs.filter((p) => ['jsonc-parser', 'semver'].includes(p))).toEqual([]);
      expect(modules.filter((m) => m.endsWith('/dist/vendor/jsonc-parser.js'))).toHaveLength(1);
      // the DI container is the one-file bundle (scripts/build-vendor.mjs), never inversify's hundreds of modules
      expect(pkgs.filter((p) => p === 'inversify' || p.startsWith('@inversifyjs/'))).toEqual([]);
      const container = modules.filter((m) => m.endsWith('/dist/vendor/inversify.js'));
      if (args[0] === 'validate') {
        expect(container).toEqual([]);
        expect(pkgs).not.toContain('lowdb');
      } else {
        expect(container).toHaveLength(1);
      }
    }
    // the run's points reach a subscriber of the dovetail:timeline channel, in order (bench/timeline.mjs reads them)
    const points = timelinePoints(['sync'], cwd);
    expect(points.filter((p) => !p.includes('(p)'))).toEqual(['commands loaded', 'config read', 'connectors discovered', 'config valid', 'runner loaded']);
    expect(points.filter((p) => p.includes('(p)'))).toEqual(['locked (p)', 'state open (p)', 'endpoints active (p)', 'listed (p)', 'planned (p)', 'run done (p)', 'run recorded (p)']);
    // every schema these commands use was compiled at build time (npm run build): none was compiled into the user cache
    expect(existsSync(path.join(cacheHome, 'dovetail', 'validators')), 'validators were compiled at run time: was `npm run build` (scripts/build-validators.mjs) run?').toBe(false);
    // the connector index was written, so the next start reads no package.json of node_modules but the linked ones
    expect(existsSync(path.join(cacheHome, 'dovetail', 'connector-index.json'))).toBe(true);
  });

  it('a DAV request loads tsdav as its one-file bundle (not tsdav with debug, xml-js and sax) and not Node\'s own copy of undici', () => {
    // One PROPFIND through @dovetail/dav's client to a real server on 127.0.0.1 that answers 207.
    const probe = path.join(dir, 'dav-probe.mjs');
    const dav = pathToFileURL(fileURLToPath(new URL('../../../packages/dav/dist/index.js', import.meta.url))).href;
    writeFileSync(probe, [
      // The server speaks HTTP over node:net: node:http alone loads Node's own undici on Node 22 and later.
      "import net from 'node:net';",
      `const { DavClient, Transport } = await import(${JSON.stringify(dav)});`,
      "const body = '<?xml version=\"1.0\"?><d:multistatus xmlns:d=\"DAV:\"><d:response><d:href>/c/</d:href><d:propstat><d:prop><d:getetag>\"1\"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>';",
      "const server = net.createServer((socket) => { let got = ''; socket.on('data', (d) => { got += d; const end = got.indexOf('\\r\\n\\r\\n'); const length = Number(/content-length: *(\\d+)/i.exec(got)?.[1] ?? 0); if (end >= 0 && Buffer.byteLength(got) >= end + 4 + length) socket.end(`HTTP/1.1 207 Multi-Status\\r\\ncontent-type: application/xml\\r\\ncontent-length: ${Buffer.byteLength(body)}\\r\\nconnection: close\\r\\n\\r\\n${body}`); }); });",
      "await new Promise((r) => server.listen(0, '127.0.0.1', r));",
      "const client = new DavClient(new Transport({ auth: { type: 'none' }, maxRetries: 0, timeoutMs: 5000 }), `http://127.0.0.1:${server.address().port}/`);",
      "const res = await client.xml('PROPFIND', '/c/', { 'd:propfind': { 'd:prop': { 'd:getetag': {} } } }, { Depth: '0' });",
      'server.close();',
      "process.stdout.write(JSON.stringify({ status: res.status, internalUndici: process.moduleLoadList.some((m) => m.includes('internal/deps/undici')) }));",
    ].join('\n'));
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(path.join(dir, 'register.mjs')).href, probe], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ status: 207, internalUndici: false });
    const modules = r.stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice(7));
    expect(modules.filter((m) => m.endsWith('/packages/dav/dist/vendor/tsdav.js'))).toHaveLength(1);
    expect(packages(modules).filter((p) => ['tsdav', 'xml-js', 'sax', 'debug'].includes(p))).toEqual([]);
  });
});
