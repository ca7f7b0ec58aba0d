/**
 * `dovetail check` on CalDAV endpoints that fail the ways real setups fail, end to end with the real CLI:
 * a host that does not resolve, a closed port, a self-signed certificate (refused, then trusted with
 * "caFile" or skipped with "insecure"), a wrong password and another user's URL on Radicale with htpasswd
 * auth, and web servers that are not CalDAV servers. Every failure is one line a person can act on, exit 3.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { accepts, freePort } from '../support/ports.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace, type RunResult } from '../support/workspace.js';

// ---------------------------------------------------------------------------------------------
// Servers this test owns

interface Radicale { url: string; child: ChildProcess }

const children = new Set<ChildProcess>();
// Never leave a server behind, even when the run is cut short.
process.once('exit', () => { for (const c of children) c.kill('SIGKILL'); });

/** Radicale 3.1 on a free loopback port with extra options; resolves once it accepts connections. */
async function startRadicale(dir: string, name: string, options: string[], scheme: 'http' | 'https' = 'http'): Promise<Radicale> {
  const port = await freePort();
  const storage = `${dir}/${name}-storage`;
  mkdirSync(storage, { recursive: true });
  // `--config ""` loads no config file, so Debian's /etc/radicale/config does not apply.
  const child = spawn('radicale', ['--config', '', '--server-hosts', `127.0.0.1:${port}`, '--storage-filesystem-folder', storage, ...options], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  const deadline = Date.now() + 15_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`radicale (${name}) exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`radicale (${name}) did not listen on ${port} within 15 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `${scheme}://127.0.0.1:${port}/`, child };
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** An HTTP server on a free loopback port answering every request with `status` and an HTML page. */
async function htmlServer(status: number): Promise<{ url: string; server: Server }> {
  const server = createHttpServer((req, res) => {
    req.resume();
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
    res.end(status === 200 ? '<!doctype html><html><body><h1>Welcome to our home page</h1></body></html>' : '<html><body>Not Found</body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, server };
}

/** Basic-auth PUT/MKCALENDAR etc. against a server (a "second client", independent of the connector). */
async function rawRequest(url: string, method: string, user: string, password: string, body?: string): Promise<number> {
  const res = await fetch(url, {
    method, body,
    headers: { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, 'Content-Type': 'application/xml; charset=utf-8' },
  });
  await res.arrayBuffer();
  return res.status;
}

const MKCALENDAR = '<?xml version="1.0" encoding="utf-8"?><C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
  + '<D:set><D:prop><D:displayname>Home</D:displayname></D:prop></D:set></C:mkcalendar>';

// ---------------------------------------------------------------------------------------------

let ws: Workspace;
let withPasswords: Radicale;
let withTls: Radicale;
let html200: { url: string; server: Server };
let html404: { url: string; server: Server };
let closedPort: number;

/** `dovetail check ENDPOINT`: its one result line and the message in it. */
async function check(endpoint: string): Promise<RunResult & { line: string; message: string }> {
  const r = await ws.run(['check', endpoint]);
  const lines = r.stdout.split('\n').filter(Boolean);
  expect(lines, `one line per endpoint, got:\n${r.stdout}${r.stderr}`).toHaveLength(1);
  const prefix = new RegExp(`^(ok  |FAIL)  ${endpoint}: `);
  expect(lines[0]).toMatch(prefix);
  return { ...r, line: lines[0], message: lines[0].replace(prefix, '') };
}

/** A check that fails: exit 3, one line naming the endpoint, no stack trace, no bare "fetch failed". */
async function expectFailure(endpoint: string): Promise<string> {
  const r = await check(endpoint);
  expect(r.code, r.stdout + r.stderr).toBe(3);
  expect(r.line.startsWith('FAIL')).toBe(true);
  expect(r.message).not.toMatch(/fetch failed|\bat \w+ \(|undefined|\[object/);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  return r.message;
}

beforeAll(async () => {
  ws = new Workspace('dovetail-check-');
  const dir = ws.dir;
  // htpasswd users for Radicale, plain text (Radicale 3.1: --auth-htpasswd-encryption plain).
  writeFileSync(`${dir}/users`, 'alice:wonderland\nbob:builder\n');
  // A self-signed certificate for 127.0.0.1, made here with openssl.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`,
    '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });

  [withPasswords, withTls, html200, html404] = await Promise.all([
    startRadicale(dir, 'htpasswd', ['--auth-type', 'htpasswd', '--auth-htpasswd-filename', `${dir}/users`,
      '--auth-htpasswd-encryption', 'plain', '--auth-delay', '0', '--rights-type', 'owner_only']),
    startRadicale(dir, 'tls', ['--server-ssl', '--server-certificate', `${dir}/cert.pem`, '--server-key', `${dir}/key.pem`,
      '--auth-type', 'none', '--rights-type', 'owner_only'], 'https'),
    htmlServer(200), htmlServer(404),
  ]);
  closedPort = await freePort();
  // alice has a calendar; bob has none of his own.
  expect(await rawRequest(`${withPasswords.url}alice/`, 'PROPFIND', 'alice', 'wonderland')).toBe(207);
  expect(await rawRequest(`${withPasswords.url}alice/home/`, 'MKCALENDAR', 'alice', 'wonderland', MKCALENDAR)).toBe(201);

  const caldav = (settings: Record<string, unknown>) => ({ connector: 'caldav', settings });
  writeFileSync(ws.path('dovetail.json'), JSON.stringify({
    endpoints: {
      'no-dns': caldav({ url: 'https://does-not-exist.invalid/dav/', username: 'ann', password: 'x' }),
      'closed-port': caldav({ url: `http://127.0.0.1:${closedPort}/`, username: 'ann', password: 'x' }),
      'blocked-port': caldav({ url: 'http://127.0.0.1:10080/', username: 'ann', password: 'x' }),
      'tls-untrusted': caldav({ url: withTls.url, username: 'ann', password: 'x' }),
      'tls-insecure': caldav({ url: withTls.url, username: 'ann', password: 'x', insecure: true }),
      'tls-ca-file': caldav({ url: withTls.url, username: 'ann', password: 'x', caFile: './cert.pem' }),
      'right-password': caldav({ url: withPasswords.url, username: 'alice', password: 'wonderland' }),
      'wrong-password': caldav({ url: withPasswords.url, username: 'alice', password: 'looking-glass' }),
      'no-credentials': caldav({ url: withPasswords.url }),
      'other-users-url': caldav({ url: `${withPasswords.url}alice/`, username: 'bob', password: 'builder' }),
      'web-page': caldav({ url: html200.url }),
      'not-found': caldav({ url: `${html404.url}remote.php/dav/`, username: 'ann', password: 'x' }),
    },
    pairings: {},
  }, null, 2));
});

afterAll(async () => {
  await Promise.all([stop(withPasswords?.child), stop(withTls?.child)]);
  await Promise.all([html200, html404].map((h) => h && new Promise((r) => h.server.close(r))));
  ws?.cleanup();
});

describe('dovetail check on CalDAV endpoints', () => {
  it('a host that does not resolve is a DNS problem naming the host', async () => {
    const message = await expectFailure('no-dns');
    expect(message).toContain('DNS');
    expect(message).toContain('does-not-exist.invalid');
  });

  it('a closed port is "connection refused" naming host and port', async () => {
    const message = await expectFailure('closed-port');
    expect(message).toContain('refused');
    expect(message).toContain(`127.0.0.1:${closedPort}`);
  });

  it('a port fetch refuses to use says so instead of "fetch failed"', async () => {
    const message = await expectFailure('blocked-port');
    expect(message).toContain('10080');
    expect(message).toMatch(/another port/);
  });

  it('a self-signed certificate fails as TLS with a pointer to "caFile"; "caFile" with that certificate succeeds', async () => {
    const message = await expectFailure('tls-untrusted');
    expect(message).toContain('TLS');
    expect(message).toContain('caFile');
    const trusted = await check('tls-ca-file');
    expect(trusted.code, trusted.stdout + trusted.stderr).toBe(0);
    expect(trusted.line).toMatch(/^ok\s+tls-ca-file: https:\/\/127\.0\.0\.1:\d+\/: \d+ calendar/);
    expect(trusted.message).not.toMatch(/OFF/);
  });

  it('"insecure": true connects to the self-signed server but says verification is off, in the result and the log', async () => {
    const r = await check('tls-insecure');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.line).toMatch(/^ok\s+tls-insecure: .*TLS verification OFF/);
    expect(r.stderr).toMatch(/TLS certificate verification is OFF/);
  });

  it('a wrong password is a 401 that says to check username and password; the right one succeeds', async () => {
    const message = await expectFailure('wrong-password');
    expect(message).toContain('401');
    expect(message).toContain('username and password');
    expect(message).not.toContain('looking-glass'); // never the secret
    const ok = await check('right-password');
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.line).toMatch(/^ok\s+right-password: .*1 calendar/);
  });

  it('no credentials at all is a 401 that says to set them', async () => {
    const message = await expectFailure('no-credentials');
    expect(message).toContain('401');
    expect(message).toContain('username and password');
  });

  it("another user's URL is a 403 that names the signed-in user", async () => {
    const message = await expectFailure('other-users-url');
    expect(message).toContain('403');
    expect(message).toContain('"bob"');
    expect(message).toMatch(/belongs to this account/);
  });

  it('a web server that is not a CalDAV server (200 HTML page, or 404 everywhere) says so', async () => {
    for (const endpoint of ['web-page', 'not-found']) {
      const message = await expectFailure(endpoint);
      expect(message).toContain('not a CalDAV server');
    }
  });

  it('checking everything at once exits 3 and prints one line per endpoint, as text and as JSON', async () => {
    const r = await ws.run(['check']);
    expect(r.code).toBe(3);
    const config = JSON.parse(readFileSync(ws.path('dovetail.json'), 'utf8')) as { endpoints: Record<string, unknown> };
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(Object.keys(config.endpoints).length);
    expect(lines.filter((l) => l.startsWith('ok')).map((l) => l.split(/\s+/)[1])).toEqual(['tls-insecure:', 'tls-ca-file:', 'right-password:']);
    const json = await ws.run(['check', '--json']);
    expect(json.code).toBe(3);
    const results = (json.json as unknown as { results: { endpoint: string; ok: boolean; message: string }[] }).results;
    expect(results.map((x) => x.endpoint)).toEqual(Object.keys(config.endpoints));
    for (const x of results) expect(x.message, x.endpoint).toMatch(/^[^\n]+$/);
    expect(results.filter((x) => x.ok).map((x) => x.endpoint)).toEqual(['tls-insecure', 'tls-ca-file', 'right-password']);
  });
});
