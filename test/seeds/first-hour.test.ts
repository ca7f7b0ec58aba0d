/**
 * A newcomer's first hour, with the README's own commands: the install block puts `dovetail` on the PATH (into a
 * temporary npm prefix, so the machine's global folder is left alone), the Radicale block starts a real server, and
 * the first-pairing block runs as written — only the port is replaced by a free one — in a fresh home folder.
 * Then what a newcomer runs into: a URL that is no DAV server, a collection that does not exist, a broken item file.
 */
import { execFile, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accepts, freePort } from '../support/ports.js';
import { repoRoot } from '../support/workspace.js';

/** The ```sh block after `<!-- walkthrough:NAME -->` in the README. */
function readmeBlock(name: string): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const m = new RegExp(`<!-- walkthrough:${name} -->\\n\`\`\`sh\\n([\\s\\S]*?)\\n\`\`\``).exec(readme);
  if (!m) throw new Error(`README.md has no walkthrough block "${name}"`);
  return m[1]!;
}

function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-euo', 'pipefail', '-c', script], { cwd, env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

let home: string;
let prefix: string;
let env: NodeJS.ProcessEnv;
let port: number;
let radicalePgid: number | undefined;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'dovetail-newcomer-'));
  prefix = join(home, 'npm-global');
  port = await freePort();
  // A clean environment: the temporary home and npm prefix; the PATH without this checkout's node_modules/.bin.
  const path = (process.env.PATH ?? '').split(delimiter).filter((p) => !p.includes('node_modules')).join(delimiter);
  env = { PATH: `${join(prefix, 'bin')}${delimiter}${path}`, HOME: home, LANG: 'C.UTF-8', npm_config_prefix: prefix, npm_config_update_notifier: 'false' };
}, 30_000);

afterAll(() => {
  if (radicalePgid) {
    try { process.kill(-radicalePgid, 'SIGTERM'); } catch { /* gone */ }
  }
  rmSync(home, { recursive: true, force: true });
});

describe('the README, as a newcomer runs it', () => {
  it('installs the dovetail command onto the PATH', async () => {
    const r = await bash(readmeBlock('install'), repoRoot, env);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(prefix, 'bin', 'dovetail'))).toBe(true);
    expect(r.stdout.trim().split('\n').pop()).toMatch(/^\d+\.\d+\.\d+$/);
    // It works from any folder, not only the checkout.
    const elsewhere = await bash('dovetail --help', home, env);
    expect(elsewhere.stdout).toContain('dovetail — sync calendars');
  }, 120_000);

  it('starts Radicale and makes the first CalDAV pairing with the commands as written', async () => {
    const server = spawn('bash', ['-c', readmeBlock('server').replaceAll('5232', String(port)).replace(/&\s*$/, '')], { cwd: home, env, detached: true, stdio: 'ignore' });
    radicalePgid = server.pid;
    const deadline = Date.now() + 20_000;
    while (!(await accepts(port))) {
      if (Date.now() > deadline) throw new Error('Radicale did not start from the README command');
      await new Promise((r) => setTimeout(r, 100));
    }
    const r = await bash(readmeBlock('pairing').replaceAll('5232', String(port)), home, env);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('ok    server');
    expect(r.stdout).toMatch(/work: done — a: \+0 ~0 -0 {2}b: \+1 ~0 -0/);
    expect(r.stdout).toMatch(/\/ann\/work\/\s+work\s/);
    expect(r.stderr).not.toContain('change-me');
    // The event is on the server, in a calendar with the folder's colour.
    const props = readFileSync(join(home, 'radicale-data', 'collection-root', 'ann', 'work', '.Radicale.props'), 'utf8');
    expect(JSON.parse(props)).toMatchObject({ 'ICAL:calendar-color': '#1BADF8FF' });
    const stored = await bash('cat radicale-data/collection-root/ann/work/*.ics', home, env);
    expect(stored.stdout).toContain('SUMMARY:Project kick-off');
  }, 180_000);
});

describe('what a newcomer runs into, said plainly', () => {
  let web: Server;
  let webPort: number;
  let dir: string;

  beforeAll(async () => {
    // A web server that is no DAV server: it answers PROPFIND with an HTML error page.
    web = createServer((req, res) => {
      res.writeHead(req.method === 'GET' ? 200 : 501, { 'Content-Type': 'text/html' });
      res.end('<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN"><html><head><title>501 Not Implemented</title></head><body><h1>Not Implemented</h1></body></html>');
    });
    webPort = await freePort();
    await new Promise<void>((r) => web.listen(webPort, '127.0.0.1', r));
    dir = join(home, 'trouble');
    mkdirSync(join(dir, 'calendars', 'work'), { recursive: true });
  });
  afterAll(() => new Promise<void>((r) => web.close(() => r())));

  function config(pairings: Record<string, unknown>): void {
    writeFileSync(join(dir, 'dovetail.json'), JSON.stringify({
      endpoints: {
        web: { connector: 'caldav', settings: { url: `http://127.0.0.1:${webPort}/feed.ics`, username: 'ann', password: 'pw' } },
        rad: { connector: 'caldav', settings: { url: `http://127.0.0.1:${port}/`, username: 'ann', password: 'pw' } },
        local: { connector: 'filesystem', settings: { path: './calendars' } },
      },
      pairings,
    }));
  }

  it('a URL that is no DAV server: "not a CalDAV server", never the HTML page', async () => {
    config({});
    const r = await bash('dovetail check web || echo "exit $?"', dir, env);
    expect(r.stdout).toContain('FAIL  web:');
    expect(r.stdout).toMatch(/not a CalDAV server/);
    expect(r.stdout).not.toMatch(/<!DOCTYPE|<html/i);
    expect(r.stdout).toContain('exit 3');
  });

  it('a collection that does not exist: names it and the discover command', async () => {
    config({ p: { entity: 'event', a: { endpoint: 'rad', collection: '/ann/wrok/' }, b: { endpoint: 'local', collection: 'work' } } });
    const r = await bash('dovetail sync || echo "exit $?"', dir, env);
    expect(r.stderr).toContain('no collection /ann/wrok/ on endpoint "rad"');
    expect(r.stderr).toContain('`dovetail discover rad` lists the collections there');
    expect(r.stdout).toContain('exit 3');
  });

  it('a broken item file: the error names it with its folder', async () => {
    config({ p: { entity: 'event', a: { endpoint: 'local', collection: 'work' }, b: { endpoint: 'rad', collection: '/ann/work/' } } });
    writeFileSync(join(dir, 'calendars', 'work', 'broken.ics'), 'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:half\r\n');
    const r = await bash('dovetail sync || echo "exit $?"', dir, env);
    expect(r.stdout).toContain(join(dir, 'calendars', 'work', 'broken.ics'));
    expect(r.stdout).toContain('exit 1');
  });
});
