import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer, type ServerOptions } from 'node:https';
import { connect, createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeNetworkError, networkErrorCode } from '../src/net-errors.js';
import { ResponseTooLarge, retryAfterMs, Transport, type TransportOptions } from '../src/transport.js';
import { RunBudget, withRunBudget, type RunBudgetLimits } from '@dovetail/core/sdk';
import { ntlmGuard } from './ntlm-server.js';

// ---------------------------------------------------------------------------------------------------------
// Real servers on 127.0.0.1 (random ports), closed after each test.

/** What a test server saw of one request. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Common name of the client certificate, for mutual TLS. */
  clientCn?: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen, index: number) => void;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c().catch(() => undefined)));
});

function track<T extends Server | HttpsServer | NetServer>(server: T, sockets = new Set<Socket>()): T {
  server.on('connection', (s: Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  cleanups.push(() => new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve(undefined));
  }));
  return server;
}

async function listen(server: Server | HttpsServer | NetServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function handle(handler: Handler, seen: Seen[]) {
  return (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { body += c; });
    req.on('end', () => {
      const cn = (req.socket as TLSSocket).getPeerCertificate?.()?.subject?.CN;
      const s: Seen = { method: req.method!, url: req.url!, headers: req.headers, body, clientCn: Array.isArray(cn) ? cn[0] : cn };
      seen.push(s);
      handler(req, res, s, seen.length - 1);
    });
  };
}

/** A plain HTTP server on 127.0.0.1; `url` is its root. */
async function httpServer(handler: Handler): Promise<{ url: string; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = track(createServer(handle(handler, seen)));
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}/`, port, seen };
}

async function httpsServer(options: ServerOptions, handler: Handler): Promise<{ url: string; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = track(createHttpsServer(options, handle(handler, seen)));
  const port = await listen(server);
  return { url: `https://127.0.0.1:${port}/`, port, seen };
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createNetServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A forward proxy that only knows CONNECT (undici's ProxyAgent tunnels http:// targets too). Every tunnel goes
 * to `targetPort` on 127.0.0.1 whatever host was asked for, so a test can address a server by a made-up name.
 */
async function connectProxy(targetPort: number): Promise<{ url: string; port: number; connects: { target: string; proxyAuthorization?: string }[] }> {
  const connects: { target: string; proxyAuthorization?: string }[] = [];
  const server = track(createServer((_req, res) => { res.writeHead(405).end(); }));
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    connects.push({ target: req.url!, proxyAuthorization: req.headers['proxy-authorization'] });
    const upstream = connect(targetPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    const end = () => { upstream.destroy(); client.destroy(); };
    upstream.on('error', end);
    client.on('error', end);
    client.on('close', end);
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, port, connects };
}

function transport(options: Partial<TransportOptions> = {}): Transport {
  const t = new Transport({ auth: { type: 'none' }, maxRetries: 0, timeoutMs: 5_000, ...options });
  cleanups.push(() => t.close());
  return t;
}

/** The rejection of `p` (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error & { code?: string; retryAfterMs?: number }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected the promise to reject');
}

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`;

// ---------------------------------------------------------------------------------------------------------

describe('Transport: authentication', () => {
  it('sends Basic at once to a loopback server (UTF-8 credentials), and counts requests by method', async () => {
    const srv = await httpServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('hello'));
    const t = transport({ auth: { type: 'basic', username: 'ann', password: 'pässwörd' } });
    const res = await t.request(`${srv.url}cal/`, { method: 'PROPFIND', headers: { Depth: '0' } });
    expect(res.status).toBe(200);
    expect(res.text).toBe('hello');
    expect(srv.seen).toHaveLength(1);
    expect(srv.seen[0].headers.authorization).toBe(basic('ann', 'pässwörd'));
    expect(srv.seen[0].headers.depth).toBe('0');
    expect(srv.seen[0].headers['user-agent']).toBe('dovetail');
    await t.request(`${srv.url}x.ics`, { method: 'GET' });
    expect(t.stats).toEqual({ requests: 2, byMethod: { PROPFIND: 1, GET: 1 }, bytesReceived: 10, bytesDecoded: 10 });
  });

  // A plain-http host that is not this machine, reached through a CONNECT proxy that tunnels to the test
  // server: the transport sees the made-up host name, so its "not loopback, not TLS" rule applies.
  it('over plain http to another host, sends Basic only after a Basic challenge, then keeps sending it', async () => {
    const srv = await httpServer((req, res) => {
      if (req.headers.authorization === basic('ann', 'secret')) res.writeHead(200).end('ok');
      else res.writeHead(401, { 'www-authenticate': 'Basic realm="dav"' }).end();
    });
    const proxy = await connectProxy(srv.port);
    const t = transport({ auth: { type: 'basic', username: 'ann', password: 'secret' }, proxy: proxy.url });
    const res = await t.request('http://dav.example.test/cal/', { method: 'GET' });
    expect(res.status).toBe(200);
    expect(srv.seen.map((s) => s.headers.authorization)).toEqual([undefined, basic('ann', 'secret')]);
    expect(srv.seen[0].headers.host).toBe('dav.example.test');
    await t.request('http://dav.example.test/cal/x.ics', { method: 'GET' });
    expect(srv.seen[2].headers.authorization).toBe(basic('ann', 'secret'));
    expect(t.stats.requests).toBe(3);
  });

  it('answers a Basic challenge once; a second 401 is AuthFailed naming the schemes the server offers', async () => {
    const srv = await httpServer((_req, res) => {
      res.setHeader('www-authenticate', ['Basic realm="dav"', 'Digest realm="dav", nonce="abc", qop="auth"']);
      res.writeHead(401).end();
    });
    const proxy = await connectProxy(srv.port);
    const t = transport({ auth: { type: 'basic', username: 'ann', password: 'wrong' }, proxy: proxy.url });
    const err = await rejection(t.request('http://dav.example.test/cal/', { method: 'PROPFIND' }));
    expect(err.code).toBe('AuthFailed');
    expect(err.message).toContain('401 Unauthorized from dav.example.test');
    expect(err.message).toContain('check username and password');
    expect(err.message).toMatch(/server offers: basic, digest/);
    expect(srv.seen.map((s) => s.headers.authorization)).toEqual([undefined, basic('ann', 'wrong')]);
  });

  it('does not resend Basic credentials that a loopback server refused', async () => {
    const srv = await httpServer((_req, res) => res.writeHead(401, { 'www-authenticate': 'Basic realm="dav"' }).end());
    const t = transport({ auth: { type: 'basic', username: 'ann', password: 'wrong' } });
    const err = await rejection(t.request(srv.url, { method: 'GET' }));
    expect(err.code).toBe('AuthFailed');
    expect(err.message).toMatch(/server offers: basic/);
    expect(srv.seen).toHaveLength(1);
  });

  it('answers a Digest challenge with a real Digest response, then pre-authorises with the next nonce count', async () => {
    const realm = 'dav@test';
    const nonce = 'n0nce-1234';
    const ha1 = md5(`ann:${realm}:secret`);
    const srv = await httpServer((req, res, seen) => {
      const p = digestParams(req.headers.authorization);
      const ok = p && p.response === md5(`${ha1}:${nonce}:${p.nc}:${p.cnonce}:auth:${md5(`${seen.method}:${p.uri}`)}`)
        && p.uri === req.url && p.username === 'ann' && p.realm === realm && p.nonce === nonce;
      if (ok) res.writeHead(200).end('ok');
      else res.writeHead(401, { 'www-authenticate': `Digest realm="${realm}", nonce="${nonce}", qop="auth", algorithm=MD5` }).end();
    });
    const t = transport({ auth: { type: 'digest', username: 'ann', password: 'secret' } });
    expect((await t.request(`${srv.url}cal/?x=1`, { method: 'PROPFIND' })).status).toBe(200);
    expect(srv.seen[0].headers.authorization).toBeUndefined();
    expect(srv.seen[1].headers.authorization).toMatch(/^Digest /);
    expect(digestParams(srv.seen[1].headers.authorization)).toMatchObject({ uri: '/cal/?x=1', nc: '00000001', qop: 'auth' });
    expect((await t.request(`${srv.url}cal/a.ics`, { method: 'GET' })).status).toBe(200);
    expect(srv.seen).toHaveLength(3);
    expect(digestParams(srv.seen[2].headers.authorization)).toMatchObject({ uri: '/cal/a.ics', nc: '00000002' });
  });

  it('auto: switches from Basic to Digest when the server challenges with Digest', async () => {
    const srv = await httpServer((req, res) => {
      if (req.headers.authorization?.startsWith('Digest ')) res.writeHead(200).end('ok');
      else res.writeHead(401, { 'www-authenticate': 'Digest realm="r", nonce="n", qop="auth"' }).end();
    });
    const t = transport({ auth: { type: 'auto', username: 'ann', password: 'secret' } });
    expect((await t.request(srv.url, { method: 'GET' })).status).toBe(200);
    expect(srv.seen.map((s) => s.headers.authorization?.split(' ')[0])).toEqual(['Basic', 'Digest']);
  });

  it('wrong Digest credentials: AuthFailed after one retry', async () => {
    const srv = await httpServer((_req, res) => res.writeHead(401, { 'www-authenticate': 'Digest realm="r", nonce="n", qop="auth"' }).end());
    const t = transport({ auth: { type: 'digest', username: 'ann', password: 'wrong' } });
    const err = await rejection(t.request(srv.url, { method: 'GET' }));
    expect(err.code).toBe('AuthFailed');
    expect(err.message).toMatch(/server offers: digest/);
    expect(srv.seen).toHaveLength(2);
  });

  it('sends a bearer token; a 401 is AuthFailed without retrying', async () => {
    const srv = await httpServer((_req, res) => res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end());
    const t = transport({ auth: { type: 'bearer', token: 'tok-123' } });
    const err = await rejection(t.request(srv.url, { method: 'GET' }));
    expect(srv.seen.map((s) => s.headers.authorization)).toEqual(['Bearer tok-123']);
    expect(err.code).toBe('AuthFailed');
    expect(err.message).toMatch(/bearer token was refused/);
  });

  it('no credentials configured: a 401 says the server wants some', async () => {
    const srv = await httpServer((_req, res) => res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end());
    const err = await rejection(transport().request(srv.url, { method: 'GET' }));
    expect(err.code).toBe('AuthFailed');
    expect(err.message).toMatch(/wants credentials/);
    expect(srv.seen[0].headers.authorization).toBeUndefined();
  });
});

function md5(s: string): string {
  return createHash('md5').update(s, 'utf8').digest('hex');
}

/** Digest Authorization parameters (quoted or not), as a server reads them. */
function digestParams(header: string | undefined): Record<string, string> | undefined {
  const m = /^Digest\s+(.*)$/s.exec(header ?? '');
  if (!m) return undefined;
  const out: Record<string, string> = {};
  for (const p of m[1].matchAll(/([a-z0-9*-]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/gi)) out[p[1].toLowerCase()] = p[2] ?? p[3];
  return out;
}

describe('Transport: rate limits and retries', () => {
  it('429 with Retry-After: 1 waits about a second, then succeeds', async () => {
    const srv = await httpServer((_req, res, _s, i) => {
      if (i === 0) res.writeHead(429, { 'retry-after': '1' }).end();
      else res.writeHead(200).end('done');
    });
    const t = transport({ maxRetries: 3 });
    const started = Date.now();
    const res = await t.request(srv.url, { method: 'GET' });
    const elapsed = Date.now() - started;
    expect(res.text).toBe('done');
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(3_000);
    expect(t.stats.requests).toBe(2);
  });

  it('logs the retry with the URL redacted (a feed token in the query never reaches the log)', async () => {
    const srv = await httpServer((_req, res, _s, i) => {
      if (i === 0) res.writeHead(503, { 'retry-after': '0' }).end();
      else res.writeHead(200).end('done');
    });
    const lines: unknown[] = [];
    const log = (obj: object | string) => { lines.push(obj); };
    const logger = { trace: log, debug: log, info: log, warn: log, error: log, child: () => logger };
    await transport({ maxRetries: 3, logger }).request(`${srv.url}export.ics?token=s3cr3t-feed-token`, { method: 'GET' });
    expect(JSON.stringify(lines)).toContain('export.ics?[redacted]');
    expect(JSON.stringify(lines)).not.toContain('s3cr3t-feed-token');
  });

  it('503 with a Retry-After beyond maxRetryWaitMs surfaces as RateLimited at once', async () => {
    const srv = await httpServer((_req, res) => res.writeHead(503, { 'retry-after': '120' }).end());
    const t = transport({ maxRetries: 3, maxRetryWaitMs: 5_000 });
    const started = Date.now();
    const err = await rejection(t.request(srv.url, { method: 'GET' }));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(err.code).toBe('RateLimited');
    expect(err.retryAfterMs).toBe(120_000);
    expect(err.message).toMatch(/503 from 127\.0\.0\.1:\d+: retry after 120 s/);
    expect(srv.seen).toHaveLength(1);
  });

  it('503 with an HTTP-date Retry-After: a date an hour ahead is RateLimited for about an hour', async () => {
    const at = new Date(Date.now() + 3_600_000);
    const srv = await httpServer((_req, res) => res.writeHead(503, { 'retry-after': at.toUTCString() }).end());
    const err = await rejection(transport({ maxRetries: 3 }).request(srv.url, { method: 'GET' }));
    expect(err.code).toBe('RateLimited');
    expect(err.retryAfterMs).toBeGreaterThan(3_600_000 - 3_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(3_600_000);
  });

  it('503 with an HTTP-date already past is retried at once', async () => {
    const srv = await httpServer((_req, res, _s, i) => {
      if (i === 0) res.writeHead(503, { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' }).end();
      else res.writeHead(200).end('ok');
    });
    const t = transport({ maxRetries: 1 });
    const started = Date.now();
    expect((await t.request(srv.url, { method: 'GET' })).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(800);
    expect(srv.seen).toHaveLength(2);
  });

  it('503 without Retry-After is Unavailable; 429 again after the last retry is RateLimited', async () => {
    const s503 = await httpServer((_req, res) => res.writeHead(503).end());
    const e503 = await rejection(transport({ maxRetries: 3 }).request(s503.url, { method: 'GET' }));
    expect(e503.code).toBe('Unavailable');
    expect(e503.message).toMatch(/503 Service Unavailable from 127\.0\.0\.1/);
    expect(s503.seen).toHaveLength(1);

    const s429 = await httpServer((_req, res) => res.writeHead(429, { 'retry-after': '0' }).end());
    const e429 = await rejection(transport({ maxRetries: 2 }).request(s429.url, { method: 'REPORT' }));
    expect(e429.code).toBe('RateLimited');
    expect(e429.retryAfterMs).toBe(0);
    expect(s429.seen).toHaveLength(3);
  });

  it('retryAfterMs reads delta seconds and HTTP dates, and ignores junk', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('7', now)).toBe(7_000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});

describe('Transport: network failures', () => {
  it('connection refused is Unavailable naming the host and port', async () => {
    const port = await closedPort();
    const t = transport({ maxRetries: 0 });
    const err = await rejection(t.request(`http://127.0.0.1:${port}/cal/`, { method: 'PROPFIND' }));
    expect(err.code).toBe('Unavailable');
    expect(err.message).toBe(`connection refused by 127.0.0.1:${port} (is the server running on this port?)`);
    expect(t.stats.requests).toBe(1);
  });

  it('retries a refused connection for safe methods only', async () => {
    const port = await closedPort();
    const reads = transport({ maxRetries: 1 });
    const started = Date.now();
    await rejection(reads.request(`http://127.0.0.1:${port}/`, { method: 'REPORT' }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(200); // one backoff
    expect(reads.stats.requests).toBe(2);

    const writes = transport({ maxRetries: 3 });
    const err = await rejection(writes.request(`http://127.0.0.1:${port}/x.ics`, { method: 'PUT', body: 'x' }));
    expect(err.code).toBe('Unavailable');
    expect(writes.stats.requests).toBe(1);
  });

  it('a server that never answers times out after timeoutMs', async () => {
    const srv = await httpServer(() => { /* never answers */ });
    const t = transport({ timeoutMs: 200 });
    const started = Date.now();
    const err = await rejection(t.request(srv.url, { method: 'GET' }));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(err.code).toBe('Unavailable');
    expect(err.message).toMatch(/^timed out talking to 127\.0\.0\.1:\d+ after 0\.2 s \(server slow or unreachable; see "timeoutMs"\)$/);
  });

  it('a host that does not resolve is a DNS error', async () => {
    const err = await rejection(transport().request('http://does-not-exist.invalid/', { method: 'GET' }));
    expect(err.code).toBe('Unavailable');
    expect(err.message).toBe('DNS: cannot resolve does-not-exist.invalid (check the URL or your network)');
    expect(networkErrorCode((err as Error).cause)).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/);
  });

  it('options.signal aborts a request in flight', async () => {
    const srv = await httpServer(() => { /* never answers */ });
    const controller = new AbortController();
    const t = transport({ signal: controller.signal, timeoutMs: 10_000 });
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const err = await rejection(t.request(srv.url, { method: 'GET' }));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(err.name).toBe('AbortError');
    expect(srv.seen).toHaveLength(1); // the server got it; we stopped waiting for the answer
  });

  it('options.signal aborts a Retry-After wait', async () => {
    const srv = await httpServer((_req, res) => res.writeHead(429, { 'retry-after': '20' }).end());
    const controller = new AbortController();
    const t = transport({ signal: controller.signal, maxRetries: 3 });
    setTimeout(() => controller.abort(new Error('stopped by test')), 150);
    const started = Date.now();
    const err = await rejection(t.request(srv.url, { method: 'GET' }));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(err.message).toBe('stopped by test');
    expect(srv.seen).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------------------
// TLS with a CA, server and client certificates made by openssl for this run.

interface Pki { dir: string; caPem: string; serverKey: string; serverCert: string; clientKey: string; clientCert: string }
let pki: Pki;

function makePki(): Pki {
  const dir = mkdtempSync(path.join(tmpdir(), 'dav-tls-'));
  const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ossl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Dovetail Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const leaf = (name: string, cn: string, ext: string) => {
    writeFileSync(path.join(dir, `${name}.ext`), ext);
    ossl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    ossl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2',
      '-out', `${name}.pem`, '-extfile', `${name}.ext`);
  };
  leaf('server', 'localhost', 'subjectAltName=DNS:localhost,DNS:dav.example.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'dav-client', 'extendedKeyUsage=clientAuth\n');
  const read = (f: string) => readFileSync(path.join(dir, f), 'utf8');
  return {
    dir, caPem: read('ca.pem'), serverKey: read('server.key'), serverCert: read('server.pem'),
    clientKey: read('client.key'), clientCert: read('client.pem'),
  };
}

describe('Transport: TLS', () => {
  beforeAll(() => { pki = makePki(); });
  afterAll(() => { rmSync(pki.dir, { recursive: true, force: true }); });

  const ok: Handler = (_req, res) => res.writeHead(200).end('secure');
  const server = () => httpsServer({ key: pki.serverKey, cert: pki.serverCert }, ok);

  it('refuses a certificate from an unknown CA with a TLS: message', async () => {
    const srv = await server();
    const err = await rejection(transport().request(srv.url, { method: 'GET' }));
    expect(err.code).toBe('Unavailable');
    expect(err.message).toMatch(/^TLS: .*caFile.*\(127\.0\.0\.1:\d+\)$/);
    expect(srv.seen).toHaveLength(0);
  });

  it('trusts the CA given as a path (absolute or relative to baseDir) or as PEM text', async () => {
    const srv = await server();
    for (const options of [{ ca: path.join(pki.dir, 'ca.pem') }, { ca: 'ca.pem', baseDir: pki.dir }, { ca: pki.caPem }]) {
      const res = await transport(options).request(srv.url, { method: 'GET' });
      expect(res.text).toBe('secure');
    }
    expect(srv.seen).toHaveLength(3);
  });

  it('insecure: true skips verification', async () => {
    const srv = await server();
    expect((await transport({ insecure: true }).request(srv.url, { method: 'GET' })).text).toBe('secure');
  });

  it('sends Basic at once over TLS to another host (reached through a proxy)', async () => {
    const srv = await server();
    const proxy = await connectProxy(srv.port);
    const t = transport({ ca: pki.caPem, proxy: proxy.url, auth: { type: 'basic', username: 'ann', password: 'x' } });
    expect((await t.request('https://dav.example.test/cal/', { method: 'GET' })).text).toBe('secure');
    expect(proxy.connects.map((c) => c.target)).toEqual(['dav.example.test:443']);
    expect(srv.seen.map((s) => s.headers.authorization)).toEqual([basic('ann', 'x')]);
  });

  it('mutual TLS: a server that requires a client certificate refuses us without one and accepts cert + key', async () => {
    const srv = await httpsServer(
      { key: pki.serverKey, cert: pki.serverCert, ca: pki.caPem, requestCert: true, rejectUnauthorized: true }, ok);
    const without = await rejection(transport({ ca: pki.caPem }).request(srv.url, { method: 'GET' }));
    expect(without.code).toBe('Unavailable');
    expect(without.message).toMatch(/client certificate/);
    expect(srv.seen).toHaveLength(0);

    const withCert = transport({ ca: pki.caPem, cert: path.join(pki.dir, 'client.pem'), key: pki.clientKey });
    expect((await withCert.request(srv.url, { method: 'GET' })).text).toBe('secure');
    expect(srv.seen[0].clientCn).toBe('dav-client');
  });
});

describe('Transport: proxy', () => {
  it('tunnels through an HTTP proxy and sends the proxy credentials from its URL', async () => {
    const srv = await httpServer((req, res) => res.writeHead(200).end(`path ${req.url}`));
    const proxy = await connectProxy(srv.port);
    const t = transport({ proxy: `http://proxy%20user:p%40ss@127.0.0.1:${proxy.port}` });
    const res = await t.request('http://dav.example.test:8008/cal/a%40b.ics', { method: 'GET' });
    expect(res.text).toBe('path /cal/a%40b.ics');
    await t.request('http://dav.example.test:8008/cal/', { method: 'GET' });
    expect(proxy.connects.length).toBeGreaterThanOrEqual(1);
    expect(proxy.connects[0]).toEqual({ target: 'dav.example.test:8008', proxyAuthorization: basic('proxy user', 'p@ss') });
    expect(srv.seen).toHaveLength(2);
    expect(srv.seen[0].headers['proxy-authorization']).toBeUndefined();
  });

  it('a proxy without credentials gets no Proxy-Authorization', async () => {
    const srv = await httpServer((_req, res) => res.writeHead(204).end());
    const proxy = await connectProxy(srv.port);
    expect((await transport({ proxy: proxy.url }).request('http://dav.example.test/', { method: 'GET' })).status).toBe(204);
    expect(proxy.connects).toEqual([{ target: 'dav.example.test:80', proxyAuthorization: undefined }]);
  });
});

describe('NTLM', () => {
  it('answers the challenge on one connection, then the connection stays signed in', async () => {
    const guard = ntlmGuard({ 'ann@corp.example': 'pässword', 'corp\\bob': 'secret' }, (req, res, user) => res.writeHead(200).end(`${req.method} as ${user}`));
    const srv = await httpServer((req, res) => guard(req, res));
    const t = transport({ auth: { type: 'ntlm', username: 'ann@corp.example', password: 'pässword' } });
    const first = await t.request(`${srv.url}EWS/Exchange.asmx`, { method: 'POST', body: '<soap/>' });
    expect(first.status).toBe(200);
    expect(first.text).toBe('POST as ann@corp.example');
    const second = await t.request(`${srv.url}EWS/Exchange.asmx`, { method: 'POST', body: '<soap/>' });
    expect(second.text).toBe('POST as ann@corp.example');
    expect(guard.stats).toEqual({ negotiations: 1, authenticated: 1, refused: 0 });
    // unauthenticated try, negotiate, answer, then one request on the signed-in connection; the body each time
    expect(srv.seen.map((s) => [s.headers.authorization?.slice(0, 4) ?? '', s.body])).toEqual([
      ['', '<soap/>'], ['NTLM', '<soap/>'], ['NTLM', '<soap/>'], ['', '<soap/>']]);
    const bob = await transport({ auth: { type: 'ntlm', username: 'CORP\\bob', password: 'secret' } }).request(srv.url, { method: 'GET' });
    expect(bob.text).toBe('GET as bob');
  });

  it('auto signs in with NTLM when the server offers nothing else, and with Basic when it offers both', async () => {
    const guard = ntlmGuard({ ann: 'pw' }, (_req, res, user) => res.writeHead(200).end(user));
    const srv = await httpServer((req, res) => guard(req, res));
    const t = transport({ auth: { type: 'auto', username: 'ann', password: 'pw' } });
    expect((await t.request(srv.url, { method: 'GET' })).text).toBe('ann');
    expect(guard.stats.authenticated).toBe(1);
    const both = await httpServer((req, res) => {
      if (req.headers.authorization?.startsWith('Basic ')) { res.writeHead(200).end('basic'); return; }
      res.writeHead(401, { 'www-authenticate': ['NTLM', 'Negotiate', 'Basic realm="mail"'] }).end();
    });
    expect((await transport({ auth: { type: 'auto', username: 'ann', password: 'pw' } }).request(both.url, { method: 'GET' })).text).toBe('basic');
  });

  it('a wrong password is AuthFailed with what to check, after one handshake', async () => {
    const guard = ntlmGuard({ ann: 'right' }, (_req, res) => res.writeHead(200).end());
    const srv = await httpServer((req, res) => guard(req, res));
    const err = await transport({ auth: { type: 'ntlm', username: 'ann', password: 'wrong' } }).request(srv.url, { method: 'GET' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AuthFailed' });
    expect((err as Error).message).toMatch(/NTLM sign-in refused; check username \(DOMAIN\\user or user@domain\) and password/);
    expect(guard.stats).toEqual({ negotiations: 1, authenticated: 0, refused: 1 });
  });
});

describe('response size limit', () => {
  it('refuses a declared Content-Length above the limit without reading the body, naming the setting', async () => {
    const srv = await httpServer((_req, res) => res.writeHead(200, { 'content-length': '5000' }).end('x'.repeat(5000)));
    const t = transport({ maxResponseBytes: 1000, maxResponseBytesSetting: 'maxFeedBytes' });
    const err = await t.request(srv.url, { method: 'GET' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'Invalid' });
    expect((err as Error).message).toMatch(/larger than 1000 bytes; raise "maxFeedBytes"/);
    expect(srv.seen).toHaveLength(1); // not retried
  });

  it('stops reading a chunked body as soon as it passes the limit', async () => {
    let written = 0;
    const srv = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = 'y'.repeat(64 * 1024);
      const pump = () => {
        while (written < 50 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) { res.once('drain', pump); return; }
        }
        res.end();
      };
      pump();
    });
    const t = transport({ maxResponseBytes: 256 * 1024 });
    const err = await t.request(srv.url, { method: 'GET' }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/larger than 256 KiB; raise "maxResponseBytes"/);
    expect(t.stats.bytesReceived).toBeLessThan(2 * 1024 * 1024);
    expect(written).toBeLessThan(50 * 1024 * 1024);
  });

  it('reads a body up to the limit, dropping a UTF-8 BOM as fetch does', async () => {
    const srv = await httpServer((_req, res) => res.writeHead(200).end('\ufeffBEGIN:VCALENDAR'));
    const res = await transport({ maxResponseBytes: 18 }).request(srv.url, { method: 'GET' });
    expect(res.text).toBe('BEGIN:VCALENDAR');
  });
});

describe('gzip answers (inflated by the transport, within maxResponseBytes)', () => {
  /** Multistatus-like text of about `n` bytes, varied enough that gzip does not shrink it to nothing. */
  const bigText = (n: number) => {
    const parts: string[] = [];
    let size = 0;
    for (let i = 0; size < n; i++) {
      const line = `<d:response><d:href>/cal/item-${i}.ics</d:href><d:getetag>"${createHash('sha1').update(String(i)).digest('hex')}"</d:getetag></d:response>\n`;
      parts.push(line);
      size += line.length;
    }
    return parts.join('');
  };

  it('asks for gzip and reads a large gzip answer whole, counting the bytes on the wire and inflated', async () => {
    const text = bigText(8 * 1024 * 1024);
    const packed = gzipSync(text);
    const srv = await httpServer((_req, res) => res.writeHead(207, { 'content-type': 'application/xml; charset=utf-8', 'content-encoding': 'gzip' }).end(packed));
    const t = transport();
    const res = await t.request(srv.url, { method: 'REPORT', body: '<x/>' });
    expect(srv.seen[0].headers['accept-encoding']).toBe('gzip');
    expect(res.text).toBe(text);
    expect(t.stats.bytesReceived).toBe(packed.length);
    expect(t.stats.bytesDecoded).toBe(Buffer.byteLength(text));
    expect(t.stats.bytesReceived * 4).toBeLessThan(t.stats.bytesDecoded);
  });

  it('a large gzip answer from an HTTP/1.0 server that ends it by closing the connection (as Radicale does) arrives whole', async () => {
    const text = bigText(12 * 1024 * 1024);
    const packed = gzipSync(text);
    const server = track(createNetServer((socket) => {
      socket.once('data', () => {
        socket.write('HTTP/1.0 207 Multi-Status\r\nContent-Type: application/xml; charset=utf-8\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n');
        // In pieces, with pauses: the client must not be caught paused when the connection closes.
        let at = 0;
        const next = () => {
          if (at >= packed.length) { socket.end(); return; }
          socket.write(packed.subarray(at, at + 256 * 1024));
          at += 256 * 1024;
          setImmediate(next);
        };
        next();
      });
    }));
    const port = await listen(server);
    const lines: string[] = [];
    const res = await transport().request(`http://127.0.0.1:${port}/cal/`, { method: 'REPORT', body: '<x/>', stream: () => ({ write: (piece) => { lines.push(piece); } }) });
    expect(res.status).toBe(207);
    expect(lines.join('')).toBe(text);
  });

  it('a gzip bomb is refused at maxResponseBytes inflated, with the same error as an answer that large', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 'A'));
    expect(bomb.length).toBeLessThan(256 * 1024); // small on the wire
    const srv = await httpServer((_req, res) => res.writeHead(200, { 'content-type': 'text/calendar', 'content-encoding': 'gzip' }).end(bomb));
    const t = transport({ maxResponseBytes: 1024 * 1024, maxResponseBytesSetting: 'maxFeedBytes' });
    const err = await t.request(srv.url, { method: 'GET' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseTooLarge);
    expect((err as Error).message).toMatch(/^the response from 127\.0\.0\.1:\d+ is larger than 1 MiB; raise "maxFeedBytes"/);
    expect(t.stats.bytesDecoded).toBeLessThan(8 * 1024 * 1024); // stopped inflating soon after the limit
    expect(srv.seen).toHaveLength(1);
  });

  it('a gzip answer cut off in the middle, or not gzip at all, is a clear error, not a half body', async () => {
    const packed = gzipSync(bigText(512 * 1024));
    const cut = await httpServer((_req, res) => res.writeHead(200, { 'content-type': 'text/calendar', 'content-encoding': 'gzip' }).end(packed.subarray(0, packed.length >> 1)));
    const err = await transport().request(cut.url, { method: 'GET' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'Unavailable' });
    expect((err as Error).message).toMatch(/^the gzip answer from 127\.0\.0\.1:\d+ is damaged or cut off \(unexpected end of file\)/);
    const garbage = await httpServer((_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end('this is not gzip'));
    const err2 = await transport().request(garbage.url, { method: 'GET' }).catch((e: unknown) => e);
    expect((err2 as Error).message).toMatch(/^the gzip answer from 127\.0\.0\.1:\d+ is damaged or cut off \(incorrect header check\)/);
  });

  it('an encoding that was not asked for (br) is refused by name; identity and no body are fine', async () => {
    const srv = await httpServer((req, res) => {
      if (req.url === '/br') res.writeHead(200, { 'content-encoding': 'br' }).end('xx');
      else if (req.url === '/none') res.writeHead(304, { 'content-encoding': 'gzip' }).end();
      else res.writeHead(200, { 'content-encoding': 'identity' }).end('plain');
    });
    const err = await transport().request(`${srv.url}br`, { method: 'GET' }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/came encoded as "br", which was not asked for \(only gzip is accepted\)/);
    expect((await transport().request(`${srv.url}plain`, { method: 'GET' })).text).toBe('plain');
    expect((await transport().request(`${srv.url}none`, { method: 'GET' })).status).toBe(304);
  });
});

describe('Transport.fetchFor', () => {
  it('gives the sink the whole response (beyond 4 KiB) and returns a fetch Response', async () => {
    const big = `<multistatus xmlns="DAV:">${'<response><href>/cal/x.ics</href></response>'.repeat(400)}</multistatus>`;
    expect(big.length).toBeGreaterThan(4096 * 4);
    const srv = await httpServer((_req, res) => res.writeHead(207, { 'content-type': 'application/xml', etag: '"1"' }).end(big));
    const t = transport();
    const sunk: { status: number; text: string; url: string }[] = [];
    const fetch = t.fetchFor((r) => sunk.push(r));
    const res = await fetch(new URL(`${srv.url}cal/`), { method: 'REPORT', headers: { Depth: '1' }, body: '<sync-collection/>' });
    expect(res.status).toBe(207);
    expect(await res.text()).toBe(big);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(sunk).toHaveLength(1);
    expect(sunk[0].text).toBe(big);
    expect(sunk[0].url).toBe(`${srv.url}cal/`);
    expect(srv.seen[0]).toMatchObject({ method: 'REPORT', url: '/cal/', body: '<sync-collection/>' });
    expect(srv.seen[0].headers.depth).toBe('1');
    expect(t.stats.bytesReceived).toBe(big.length);
  });

  it('a 204 becomes a Response without a body', async () => {
    const srv = await httpServer((_req, res) => res.writeHead(204).end());
    const res = await transport().fetchFor(() => undefined)(srv.url, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('describeNetworkError', () => {
  const url = 'https://dav.example.com:8443/cal/';
  /** undici's shape: TypeError('fetch failed') whose cause is the socket error with a code. */
  const wrapped = (code: string, message = code) =>
    new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) });

  it('ENOTFOUND from a real lookup', async () => {
    const { lookup } = await import('node:dns/promises');
    const e = await rejection(lookup('does-not-exist.invalid'));
    expect(describeNetworkError(new TypeError('fetch failed', { cause: e }), 'http://does-not-exist.invalid/'))
      .toBe('DNS: cannot resolve does-not-exist.invalid (check the URL or your network)');
  });

  it('ECONNREFUSED, resets and unreachable hosts', () => {
    expect(describeNetworkError(wrapped('ECONNREFUSED'), url)).toBe('connection refused by dav.example.com:8443 (is the server running on this port?)');
    expect(describeNetworkError(wrapped('ECONNRESET'), 'http://dav.example.com/')).toBe('connection to dav.example.com was reset');
    expect(describeNetworkError(wrapped('UND_ERR_SOCKET', 'other side closed'), url))
      .toBe('connection to dav.example.com:8443 was reset (if the server requires a client certificate, set "clientCert" and "clientKey")');
    expect(describeNetworkError(wrapped('EHOSTUNREACH'), url)).toBe('dav.example.com:8443 is unreachable from this machine');
  });

  it('timeouts: AbortSignal.timeout and undici timeout codes', () => {
    expect(describeNetworkError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'), url))
      .toMatch(/^timed out talking to dav\.example\.com:8443/);
    expect(describeNetworkError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'), url, 120_000))
      .toBe('timed out talking to dav.example.com:8443 after 120 s (server slow or unreachable; see "timeoutMs")');
    // undici's own connect time-out is not the request's timeoutMs: no figure is named for it.
    expect(describeNetworkError(wrapped('UND_ERR_CONNECT_TIMEOUT'), url, 120_000)).toBe('timed out talking to dav.example.com:8443 (server slow or unreachable; see "timeoutMs")');
    expect(describeNetworkError(new DOMException('aborted', 'AbortError'), url)).toBe('request to dav.example.com:8443 was cancelled');
  });

  it('TLS codes: known ones explained, unknown ones named', () => {
    expect(describeNetworkError(wrapped('CERT_HAS_EXPIRED'), url)).toBe('TLS: the server certificate has expired (dav.example.com:8443)');
    expect(describeNetworkError(wrapped('DEPTH_ZERO_SELF_SIGNED_CERT'), url)).toMatch(/^TLS: .*self-signed.*caFile/);
    expect(describeNetworkError(wrapped('ERR_TLS_CERT_ALTNAME_INVALID'), url)).toMatch(/^TLS: the certificate does not name this host/);
    expect(describeNetworkError(wrapped('ERR_SSL_WRONG_VERSION_NUMBER'), url)).toMatch(/plain HTTP\? try http:\/\//);
    expect(describeNetworkError(wrapped('ERR_SSL_SOMETHING_NEW'), url)).toBe('TLS: ERR_SSL_SOMETHING_NEW from dav.example.com:8443');
  });

  it('anything else keeps its code and message', () => {
    expect(describeNetworkError(wrapped('EWEIRD', 'odd failure'), url)).toBe('request to dav.example.com:8443 failed: EWEIRD odd failure');
    expect(describeNetworkError(new Error('plain'), url)).toBe('request to dav.example.com:8443 failed: plain');
  });

  it('https to a plain-http port says so (real server)', async () => {
    const srv = await httpServer((_req, res) => res.writeHead(200).end());
    const err = await rejection(transport().request(`https://127.0.0.1:${srv.port}/`, { method: 'GET' }));
    expect(err.message).toMatch(/^TLS: TLS handshake failed \(is this port plain HTTP\? try http:\/\/\)/);
  });
});

describe('Transport: renewable bearer tokens, retry statuses, binary bodies, per-key concurrency', () => {
  it('asks the token source before each request and, after a 401, once more for a fresh token', async () => {
    const srv = await httpServer((req, res) => res.writeHead(req.headers.authorization === 'Bearer fresh-2' ? 200 : 401).end('ok'));
    const asked: (boolean | undefined)[] = [];
    let n = 0;
    const source = { token: async (o?: { refresh?: boolean }) => { asked.push(o?.refresh); n++; return n === 1 ? 'stale-1' : `fresh-${n}`; } };
    const t = transport({ auth: { type: 'bearer', token: source } });
    const res = await t.request(srv.url, { method: 'GET' });
    expect(res.status).toBe(200);
    expect(srv.seen.map((s) => s.headers.authorization)).toEqual(['Bearer stale-1', 'Bearer fresh-2']);
    expect(asked).toEqual([undefined, true]);
    // Refused again with a fresh token: AuthFailed, no loop.
    const err = await rejection(transport({ auth: { type: 'bearer', token: { token: async () => 'never-good' } } }).request(srv.url, { method: 'GET' }));
    expect(err.code).toBe('AuthFailed');
  });

  it("a token source's own error (a revoked grant) passes through unchanged", async () => {
    const srv = await httpServer((_req, res) => res.writeHead(200).end());
    const { AuthFailed } = await import('@dovetail/core/sdk');
    const t = transport({ auth: { type: 'bearer', token: { token: async () => { throw new AuthFailed('run dovetail auth x'); } } } });
    await expect(t.request(srv.url, { method: 'GET' })).rejects.toMatchObject({ code: 'AuthFailed', message: 'run dovetail auth x' });
    expect(srv.seen).toHaveLength(0);
  });

  it('retryStatuses adds 504: a long Retry-After is RateLimited; by default a 504 is returned to the caller', async () => {
    const srv = await httpServer((_req, res) => res.writeHead(504, { 'retry-after': '90' }).end());
    await expect(transport({ retryStatuses: [429, 503, 504] }).request(srv.url, { method: 'GET' })).rejects.toMatchObject({ code: 'RateLimited', retryAfterMs: 90_000 });
    expect((await transport().request(srv.url, { method: 'GET' })).status).toBe(504);
  });

  it('sends and receives bytes unchanged', async () => {
    const payload = Buffer.from([0, 255, 137, 80, 78, 71, 13, 10, 26, 10, 0xc3]);
    const srv = await httpServer((_req, res, seen) => res.writeHead(200, { 'content-type': 'image/png', 'x-length': String(Buffer.byteLength(seen.body, 'latin1')) }).end(payload));
    const res = await transport().request(srv.url, { method: 'PUT', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: new Uint8Array(Buffer.from('héllo')) });
    expect(srv.seen[0].body).toBe('héllo');
    expect(Buffer.from(res.bytes)).toEqual(payload);
  });

  it('keeps at most maxInFlightPerKey requests per key in flight; other keys are not held up', async () => {
    let inFlight = 0;
    let peak = 0;
    const srv = await httpServer((_req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => { inFlight--; res.writeHead(200).end(); }, 40);
    });
    const t = transport({ maxInFlightPerKey: 4 });
    await Promise.all(Array.from({ length: 12 }, () => t.request(srv.url, { method: 'GET', limitKey: 'ann@example.com' })));
    expect(peak).toBe(4);
    peak = 0;
    await Promise.all(Array.from({ length: 8 }, (_, i) => t.request(srv.url, { method: 'GET', limitKey: i % 2 ? 'ann' : 'bob' })));
    expect(peak).toBe(8);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The run budget: hostile servers that hang, refuse or ask for long pauses (one run = one RunBudget).

describe('Transport in a run: per-host budget', () => {
  const inRun = <T>(limits: Partial<RunBudgetLimits>, fn: (budget: RunBudget) => Promise<T>) => {
    const budget = new RunBudget(limits);
    return withRunBudget(budget, () => fn(budget));
  };
  /** Sends `n` PUTs one after another; the outcome of each: 'ok', or the error's code and whether it was sent. */
  const puts = async (t: Transport, url: string, n: number) => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      try {
        await t.request(`${url}item-${i}.ics`, { method: 'PUT', body: 'x' });
        out.push('ok');
      } catch (e) {
        out.push((e as { notAttempted?: boolean }).notAttempted ? 'skipped' : (e as { code: string }).code);
      }
    }
    return out;
  };

  it('a server that accepts connections but never answers: after 3 time-outs in a row nothing more is sent', async () => {
    const srv = await httpServer(() => { /* never answers */ });
    const t = transport({ timeoutMs: 1_000 });
    const started = Date.now();
    const outcome = await inRun({}, async (budget) => {
      const r = await puts(t, srv.url, 20);
      expect(budget.givenUp()).toEqual([{ host: `127.0.0.1:${srv.port}`, reason: expect.stringMatching(/^3 requests in a row failed; the last: timed out talking to 127\.0\.0\.1/) }]);
      return r;
    });
    expect(outcome).toEqual([...Array(3).fill('Unavailable'), ...Array(17).fill('skipped')]);
    expect(srv.seen).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(6_000);
  });

  it('one request hanging for failureTime is enough (a 30 s time-out against the default 20 s ends it on the first)', async () => {
    const srv = await httpServer(() => { /* never answers */ });
    const t = transport({ timeoutMs: 1_000 });
    const outcome = await inRun({ failureTimeMs: 900 }, () => puts(t, srv.url, 5));
    expect(outcome).toEqual(['Unavailable', 'skipped', 'skipped', 'skipped', 'skipped']);
    expect(srv.seen).toHaveLength(1);
  });

  it('any answer ends the streak: a server that drops every other request is never given up', async () => {
    const srv = await httpServer((req, res, _s, i) => { if (i % 2 === 0) req.socket.destroy(); else res.writeHead(201).end(); });
    const t = transport();
    const outcome = await inRun({}, () => puts(t, srv.url, 10));
    expect(outcome).toEqual(Array(5).fill(['Unavailable', 'ok']).flat());
    expect(srv.seen).toHaveLength(10);
  });

  it('refused connections count too (each retry of a safe method is one failure)', async () => {
    const port = await closedPort();
    const t = transport({ maxRetries: 3 });
    await inRun({}, async (budget) => {
      const first = await rejection(t.request(`http://127.0.0.1:${port}/cal/`, { method: 'PROPFIND' }));
      expect(first).toMatchObject({ notAttempted: true });
      expect(first.message).toMatch(/^stopped sending to 127\.0\.0\.1:\d+ for the rest of this run: 3 requests in a row failed; the last: connection refused/);
      expect(budget.gate(`http://127.0.0.1:${port}/`).failures).toBe(3);
    });
  });

  it('writes several at a time: those in flight fail on their own, none is sent after the host is given up', async () => {
    const srv = await httpServer(() => { /* never answers */ });
    const t = transport({ timeoutMs: 1_000 });
    const outcome = await inRun({}, async () => {
      const batch = (from: number) => Promise.all(Array.from({ length: 5 }, (_, i) => t.request(`${srv.url}c-${from + i}.ics`, { method: 'PUT', body: 'x' })
        .then(() => 'ok', (e: { notAttempted?: boolean; code: string }) => (e.notAttempted ? 'skipped' : e.code))));
      return [...await batch(0), ...await batch(5)];
    });
    expect(outcome).toEqual([...Array(5).fill('Unavailable'), ...Array(5).fill('skipped')]);
    expect(srv.seen).toHaveLength(5);
  });

  it('maxWritesInFlight: at most N writes per host at once, answers in order; reads are not held', async () => {
    let inFlight = 0;
    let peak = 0;
    const srv = await httpServer((req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => { inFlight--; res.writeHead(req.method === 'PUT' ? 201 : 200, { etag: `"${req.url}"` }).end(); }, 30);
    });
    const t = transport({ maxWritesInFlight: 3 });
    const answers = await inRun({}, () => Promise.all(Array.from({ length: 12 }, (_, i) => t.request(`${srv.url}w-${i}.ics`, { method: 'PUT', body: 'x' }))));
    expect(answers.map((r) => r.headers.get('etag'))).toEqual(Array.from({ length: 12 }, (_, i) => `"/w-${i}.ics"`));
    expect(peak).toBe(3);
    peak = 0;
    await Promise.all(Array.from({ length: 6 }, () => t.request(srv.url, { method: 'REPORT' })));
    expect(peak).toBe(6);
  });

  it('writes several at a time: a given-up host gets no write that was waiting for a place in the window', async () => {
    const srv = await httpServer(() => { /* never answers */ });
    const t = transport({ timeoutMs: 1_000, maxWritesInFlight: 4 });
    const outcome = await inRun({}, () => Promise.all(Array.from({ length: 20 }, (_, i) => t.request(`${srv.url}c-${i}.ics`, { method: 'PUT', body: 'x' })
      .then(() => 'ok', (e: { notAttempted?: boolean; code: string }) => (e.notAttempted ? 'skipped' : e.code)))));
    expect(outcome).toEqual([...Array(4).fill('Unavailable'), ...Array(16).fill('skipped')]);
    expect(srv.seen).toHaveLength(4);
  });

  it('a server answering 503 gets fewer writes in flight, then more again as it answers calmly', async () => {
    let inFlight = 0;
    const arrivals: { at: number; inFlight: number; index: number }[] = [];
    const srv = await httpServer((_req, res, _s, i) => {
      inFlight++;
      arrivals.push({ at: Date.now(), inFlight, index: i });
      setTimeout(() => {
        inFlight--;
        // The first eight (the whole first window) are refused: busy, come back in 1 s.
        if (i < 8) res.writeHead(503, { 'retry-after': '1' }).end(); else res.writeHead(201).end();
      }, 40);
    });
    const t = transport({ maxWritesInFlight: 8, maxRetries: 3 });
    const answers = await inRun({}, () => Promise.all(Array.from({ length: 48 }, (_, i) => t.request(`${srv.url}b-${i}.ics`, { method: 'PUT', body: 'x' }))));
    expect(answers.every((r) => r.status === 201)).toBe(true);
    expect(srv.seen).toHaveLength(56); // 48 writes, 8 of them sent twice
    const before = arrivals.filter((a) => a.index < 8);
    const after = arrivals.filter((a) => a.index >= 8);
    expect(Math.max(...before.map((a) => a.inFlight))).toBe(8);
    // Right after the pause the window is half what it was; it grows back by one per window of calm answers.
    expect(Math.max(...after.slice(0, 8).map((a) => a.inFlight))).toBeLessThanOrEqual(5);
    expect(Math.max(...after.map((a) => a.inFlight))).toBeGreaterThan(4);
    expect(t.writeWindow(srv.url)!.limit).toBeGreaterThan(4);
  });

  it('429 with Retry-After pauses every request to the host, then goes on', async () => {
    const arrivals: number[] = [];
    const srv = await httpServer((_req, res, _s, i) => {
      arrivals.push(Date.now());
      if (i === 0) res.writeHead(429, { 'retry-after': '1' }).end(); else res.writeHead(201).end();
    });
    const t = transport({ maxRetries: 3 });
    await inRun({}, async () => {
      const first = t.request(`${srv.url}a.ics`, { method: 'PUT', body: 'x' });
      await new Promise((r) => setTimeout(r, 200)); // the 429 is in: the host is paused
      const second = t.request(`${srv.url}b.ics`, { method: 'PUT', body: 'x' });
      expect((await first).status).toBe(201);
      expect((await second).status).toBe(201);
    });
    expect(arrivals).toHaveLength(3);
    expect(arrivals[1] - arrivals[0]).toBeGreaterThanOrEqual(950);
    expect(arrivals[2] - arrivals[0]).toBeGreaterThanOrEqual(950); // the second request waited out the pause too
  });

  it('a Retry-After longer than maxPause gives the host up at once: no request is sent into it', async () => {
    const srv = await httpServer((_req, res) => res.writeHead(503, { 'retry-after': '3600' }).end());
    const t = transport({ maxRetries: 3 });
    const started = Date.now();
    const outcome = await inRun({}, async (budget) => {
      const r = await puts(t, srv.url, 50);
      expect(budget.givenUp()[0].reason).toBe('it asked to wait 3600 s (Retry-After), more than the 60 s a run waits');
      return r;
    });
    expect(outcome).toEqual(Array(50).fill('skipped'));
    expect(srv.seen).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('outside a run (check, discover) nothing is given up: every request is sent', async () => {
    const srv = await httpServer((req) => req.socket.destroy());
    const t = transport();
    expect(await puts(t, srv.url, 4)).toEqual(Array(4).fill('Unavailable'));
    expect(srv.seen).toHaveLength(4);
  });

  it('each run starts fresh', async () => {
    const srv = await httpServer((_req, res, _s, i) => { if (i < 3) res.socket?.destroy(); else res.writeHead(201).end(); });
    const t = transport();
    expect(await inRun({}, () => puts(t, srv.url, 4))).toEqual(['Unavailable', 'Unavailable', 'Unavailable', 'skipped']);
    expect(await inRun({}, () => puts(t, srv.url, 2))).toEqual(['ok', 'ok']);
  });
});

describe('Transport: settings out of range', () => {
  it('a time-out a timer cannot hold (2^31 ms, 1e300) is refused up front instead of failing every request at once', () => {
    for (const timeoutMs of [2 ** 31, 1e300, 0, 1.5]) {
      expect(() => new Transport({ auth: { type: 'none' }, timeoutMs })).toThrow(/"timeoutMs" must be a whole number of milliseconds from 1 to 2147483647/);
    }
  });
});
