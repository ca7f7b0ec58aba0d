import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DigestSession, parseWwwAuthenticate, type AuthChallenge } from '../src/digest.js';

/** Independent Digest arithmetic for the expectations (RFC 7616 §3.4.1–3.4.3), not the module's. */
const hex = (algorithm: string, text: string) =>
  createHash(/^sha-256/i.test(algorithm) ? 'sha256' : 'md5').update(text, 'utf8').digest('hex');

function expectedResponse(a: {
  algorithm: string; username: string; realm: string; password: string; method: string; uri: string;
  nonce: string; nc?: string; cnonce?: string; qop?: string;
}): string {
  let ha1 = hex(a.algorithm, `${a.username}:${a.realm}:${a.password}`);
  if (/-sess$/i.test(a.algorithm)) ha1 = hex(a.algorithm, `${ha1}:${a.nonce}:${a.cnonce}`);
  const ha2 = hex(a.algorithm, `${a.method}:${a.uri}`);
  return a.qop
    ? hex(a.algorithm, `${ha1}:${a.nonce}:${a.nc}:${a.cnonce}:${a.qop}:${ha2}`)
    : hex(a.algorithm, `${ha1}:${a.nonce}:${ha2}`);
}

/** Authorization parameters as the server sees them; `quoted` records which values came quoted. */
interface ParsedAuthorization { params: Record<string, string>; quoted: Set<string> }

function parseAuthorization(value: string | undefined): ParsedAuthorization | undefined {
  const m = /^Digest\s+([\s\S]*)$/i.exec(value ?? '');
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const quoted = new Set<string>();
  const re = /\s*([A-Za-z0-9_-]+\*?)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))\s*(?:,|$)/y;
  const body = m[1];
  while (re.lastIndex < body.length) {
    const p = re.exec(body);
    if (!p) return undefined;
    const name = p[1].toLowerCase();
    if (p[2] !== undefined) { params[name] = p[2].replace(/\\(.)/g, '$1'); quoted.add(name); } else params[name] = p[3];
  }
  return { params, quoted };
}

// RFC 7616 §3.9.1
const RFC = {
  username: 'Mufasa',
  password: 'Circle of Life',
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
};
/** The two WWW-Authenticate header fields of the RFC example, line breaks as printed there. */
const RFC_CHALLENGES = ['SHA-256', 'MD5'].map((alg) => `Digest
       realm="http-auth@example.org",
       qop="auth, auth-int",
       algorithm=${alg},
       nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
       opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`);

function rfcSession(): DigestSession {
  return new DigestSession(RFC.username, RFC.password, { cnonce: () => RFC.cnonce });
}

describe('DigestSession — RFC 7616 §3.9.1 example', () => {
  it('answers the SHA-256 challenge with the response printed in the RFC (and prefers it over MD5)', () => {
    const session = rfcSession();
    expect(session.accept(parseWwwAuthenticate(RFC_CHALLENGES))).toBe(true);
    const header = session.authorization('GET', '/dir/index.html');
    // The RFC's value, cross-checked by the independent formula.
    const rfcResponse = '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1';
    expect(expectedResponse({ ...RFC, algorithm: 'SHA-256', method: 'GET', uri: '/dir/index.html', nc: '00000001', qop: 'auth' }))
      .toBe(rfcResponse);
    expect(header).toBe(
      'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, ' +
        'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, ' +
        'cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, ' +
        `response="${rfcResponse}", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
    );
  });

  it('answers the MD5 challenge with the response printed in the RFC', () => {
    const session = rfcSession();
    expect(session.accept(parseWwwAuthenticate(RFC_CHALLENGES[1]))).toBe(true);
    const parsed = parseAuthorization(session.authorization('GET', '/dir/index.html'))!;
    const rfcResponse = '8ca523f5e9506fed4657c9700eebdbec';
    expect(expectedResponse({ ...RFC, algorithm: 'MD5', method: 'GET', uri: '/dir/index.html', nc: '00000001', qop: 'auth' }))
      .toBe(rfcResponse);
    expect(parsed.params).toMatchObject({ algorithm: 'MD5', nc: '00000001', qop: 'auth', response: rfcResponse });
  });

  it('quotes username, realm, nonce, uri, response, opaque, cnonce and leaves algorithm, qop, nc bare', () => {
    const session = rfcSession();
    session.accept(parseWwwAuthenticate(RFC_CHALLENGES));
    const parsed = parseAuthorization(session.authorization('GET', '/dir/index.html'))!;
    expect([...parsed.quoted].sort()).toEqual(['cnonce', 'nonce', 'opaque', 'realm', 'response', 'uri', 'username']);
    expect(Object.keys(parsed.params).sort()).toEqual(
      ['algorithm', 'cnonce', 'nc', 'nonce', 'opaque', 'qop', 'realm', 'response', 'uri', 'username'],
    );
  });
});

describe('DigestSession — behaviour', () => {
  it('is not ready and refuses to build a header before a challenge was accepted', () => {
    const session = new DigestSession('u', 'p');
    expect(session.ready).toBe(false);
    expect(() => session.authorization('GET', '/')).toThrow(/no Digest challenge/);
    expect(session.accept(parseWwwAuthenticate('Basic realm="x"'))).toBe(false);
    expect(session.ready).toBe(false);
  });

  it('increments nc per request, uses a fresh cnonce each time and resets nc for a new nonce', () => {
    let n = 0;
    const session = new DigestSession('u', 'p', { cnonce: () => `c${++n}` });
    session.accept(parseWwwAuthenticate('Digest realm="r", nonce="n1", qop="auth"'));
    const first = parseAuthorization(session.authorization('GET', '/a'))!.params;
    const second = parseAuthorization(session.authorization('PROPFIND', '/a?x=1'))!.params;
    expect([first.nc, first.cnonce, second.nc, second.cnonce]).toEqual(['00000001', 'c1', '00000002', 'c2']);
    expect(second.uri).toBe('/a?x=1');
    expect(second.response).toBe(expectedResponse({
      algorithm: 'MD5', username: 'u', realm: 'r', password: 'p', method: 'PROPFIND', uri: '/a?x=1',
      nonce: 'n1', nc: '00000002', cnonce: 'c2', qop: 'auth',
    }));
    // Same nonce again (e.g. a second 401 racing in): nc keeps counting.
    session.accept(parseWwwAuthenticate('Digest realm="r", nonce="n1", qop="auth"'));
    expect(parseAuthorization(session.authorization('GET', '/a'))!.params.nc).toBe('00000003');
    // A new nonce (stale or not) starts over.
    expect(session.accept(parseWwwAuthenticate('Digest realm="r", nonce="n2", qop="auth", stale=TRUE'))).toBe(true);
    const fresh = parseAuthorization(session.authorization('GET', '/a'))!.params;
    expect([fresh.nonce, fresh.nc]).toEqual(['n2', '00000001']);
  });

  it('answers RFC 2069/2617 servers that offer no qop and no algorithm without nc, cnonce or algorithm', () => {
    const session = new DigestSession('u', 'p', { cnonce: () => { throw new Error('no cnonce expected'); } });
    expect(session.accept(parseWwwAuthenticate('Digest realm="r", nonce="n"'))).toBe(true);
    const parsed = parseAuthorization(session.authorization('GET', '/x'))!.params;
    expect(Object.keys(parsed).sort()).toEqual(['nonce', 'realm', 'response', 'uri', 'username']);
    expect(parsed.response).toBe(expectedResponse({
      algorithm: 'MD5', username: 'u', realm: 'r', password: 'p', method: 'GET', uri: '/x', nonce: 'n',
    }));
  });

  it('derives the -sess key from one cnonce per nonce', () => {
    let n = 0;
    const session = new DigestSession('u', 'p', { cnonce: () => `c${++n}` });
    session.accept(parseWwwAuthenticate('Digest realm="r", nonce="n", qop=auth, algorithm=SHA-256-sess'));
    const a = parseAuthorization(session.authorization('GET', '/x'))!.params;
    const b = parseAuthorization(session.authorization('GET', '/x'))!.params;
    expect([a.cnonce, b.cnonce, a.algorithm]).toEqual(['c1', 'c1', 'SHA-256-sess']);
    expect(b.response).toBe(expectedResponse({
      algorithm: 'SHA-256-sess', username: 'u', realm: 'r', password: 'p', method: 'GET', uri: '/x',
      nonce: 'n', nc: '00000002', cnonce: 'c1', qop: 'auth',
    }));
    session.accept(parseWwwAuthenticate('Digest realm="r", nonce="n2", qop=auth, algorithm=SHA-256-sess, stale=true'));
    expect(parseAuthorization(session.authorization('GET', '/x'))!.params.cnonce).toBe('c2');
  });

  it('refuses challenges it cannot answer', () => {
    const refuse = (header: string) => new DigestSession('u', 'p').accept(parseWwwAuthenticate(header));
    expect(refuse('Digest realm="r", nonce="n", algorithm=SHA-512-256, qop=auth')).toBe(false);
    expect(refuse('Digest realm="r", nonce="n", qop="auth-int"')).toBe(false);
    expect(refuse('Digest realm="r", qop="auth"')).toBe(false); // no nonce
    expect(refuse('Digest nonce="n", qop="auth"')).toBe(false); // no realm
    expect(refuse('Digest realm="r", nonce="n", algorithm=MD5-sess')).toBe(false); // -sess needs qop
    expect(refuse('Bearer realm="r", Basic realm="r"')).toBe(false);
    // …but picks the one it can answer from a mixed header.
    expect(refuse('Digest realm="r", nonce="n", algorithm=SHA-512-256, qop=auth, Digest realm="r", nonce="n", qop=auth')).toBe(true);
  });

  it('prefers auth over auth-int whatever the order', () => {
    const session = new DigestSession('u', 'p');
    session.accept(parseWwwAuthenticate('Digest realm="r", nonce="n", qop="auth-int,auth"'));
    expect(parseAuthorization(session.authorization('GET', '/'))!.params.qop).toBe('auth');
  });

  it('sends the userhash when the server asks for it', () => {
    const session = rfcSession();
    session.accept(parseWwwAuthenticate(`${RFC_CHALLENGES[0]}, userhash=true`));
    const { params, quoted } = parseAuthorization(session.authorization('GET', '/dir/index.html'))!;
    expect(params.username).toBe(createHash('sha256').update('Mufasa:http-auth@example.org').digest('hex'));
    expect(params.userhash).toBe('true');
    expect(quoted.has('userhash')).toBe(false);
    // The response itself still hashes the real username (RFC 7616 §3.4.4).
    expect(params.response).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });

  it('sends a non-ASCII username as username* (RFC 8187) and escapes quotes in an ASCII one', () => {
    const jason = new DigestSession('Jäsøn Doe', 'Secret, or not?');
    jason.accept(parseWwwAuthenticate('Digest realm="api@example.org", nonce="n", qop=auth, algorithm=SHA-256'));
    const header = jason.authorization('GET', '/doe.json');
    expect(header).toContain("username*=UTF-8''J%C3%A4s%C3%B8n%20Doe");
    expect(header).not.toMatch(/username=/);

    const quoter = new DigestSession('a "quoted" \\ name', 'p');
    quoter.accept(parseWwwAuthenticate('Digest realm="r", nonce="n", qop=auth'));
    const header2 = quoter.authorization('GET', '/');
    expect(header2).toContain('username="a \\"quoted\\" \\\\ name"');
    expect(parseAuthorization(header2)!.params.username).toBe('a "quoted" \\ name');
  });
});

describe('parseWwwAuthenticate', () => {
  it('splits several challenges in one header, including Basic next to Digest', () => {
    expect(parseWwwAuthenticate('Digest realm="a", nonce="n1", algorithm=SHA-256, Digest realm="a", nonce="n1", Basic realm="b"'))
      .toEqual([
        { scheme: 'digest', params: { realm: 'a', nonce: 'n1', algorithm: 'SHA-256' } },
        { scheme: 'digest', params: { realm: 'a', nonce: 'n1' } },
        { scheme: 'basic', params: { realm: 'b' } },
      ]);
  });

  it('joins several header values and lower-cases scheme and parameter names', () => {
    expect(parseWwwAuthenticate(['BASIC Realm="x"', 'NewAuth', 'Bearer realm="y", error="invalid_token"'])).toEqual([
      { scheme: 'basic', params: { realm: 'x' } },
      { scheme: 'newauth', params: {} },
      { scheme: 'bearer', params: { realm: 'y', error: 'invalid_token' } },
    ]);
  });

  it('keeps commas inside quoted strings and unescapes quoted-pairs', () => {
    const [c] = parseWwwAuthenticate('Digest realm="Work, \\"calendars\\" \\\\ all", qop="auth,auth-int", nonce="a=b,c"');
    expect(c.params).toEqual({ realm: 'Work, "calendars" \\ all', qop: 'auth,auth-int', nonce: 'a=b,c' });
  });

  it('accepts whitespace around "=", empty list elements and empty quoted values', () => {
    expect(parseWwwAuthenticate(' ,Digest  realm = "r" ,, opaque="",nonce=abc , ,Basic')).toEqual([
      { scheme: 'digest', params: { realm: 'r', opaque: '', nonce: 'abc' } },
      { scheme: 'basic', params: {} },
    ]);
  });

  it('keeps token68 credentials of other schemes', () => {
    expect(parseWwwAuthenticate('Negotiate YIIB/w+A==, Basic realm="x"')).toEqual([
      { scheme: 'negotiate', params: { token68: 'YIIB/w+A==' } },
      { scheme: 'basic', params: { realm: 'x' } },
    ]);
  });

  it('keeps the first of duplicated parameters', () => {
    expect(parseWwwAuthenticate('Digest realm="first", realm="second"')[0].params.realm).toBe('first');
  });

  it('never throws: garbage yields [], a malformed challenge ends the list', () => {
    const garbage: unknown[] = ['', '   ', ',,,', '"quoted"', '=', '=x, Digest realm="r"', '@@@', 'Digest"r"', 'Digest realm="unterminated',
      'Digest realm="r" nonce="n"', 'Digest realm==x', 'Digest realm= ,nonce="n"', '\\'];
    for (const g of garbage) expect(parseWwwAuthenticate(g as string), String(g)).toEqual([]);
    expect(parseWwwAuthenticate(undefined as unknown as string)).toEqual([]);
    expect(parseWwwAuthenticate([undefined, 42] as unknown as string[])).toEqual([]);
    expect(parseWwwAuthenticate('Basic realm="ok", Digest realm="r", nonce="n', )).toEqual([
      { scheme: 'basic', params: { realm: 'ok' } },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// A real Digest server on 127.0.0.1 with its own verification, and a client loop over fetch.
// ---------------------------------------------------------------------------------------------

interface DigestServerOptions {
  users: Record<string, string>;
  realm?: string;
  /** Digest challenges offered, one per algorithm; `null` offers a challenge without algorithm. */
  algorithms?: (string | null)[];
  /** qop offered; undefined = RFC 2069-style challenge without qop. */
  qop?: string;
  userhash?: boolean;
}

interface DigestServer {
  url: string;
  /** 401s sent, 401s with stale=true, 200s, requests whose nc did not increase. */
  counts: { unauthorized: number; stale: number; ok: number; replays: number };
  /** The algorithm and nc of each accepted request. */
  accepted: { algorithm: string; nc?: string; user: string }[];
  /** Makes every nonce issued so far expire (still verifiable, answered with stale=true). */
  expireNonces(): void;
  close(): Promise<void>;
}

async function startDigestServer(options: DigestServerOptions): Promise<DigestServer> {
  const realm = options.realm ?? 'Dovetail test, "digest" realm';
  const algorithms = options.algorithms ?? ['SHA-256'];
  const opaque = randomBytes(9).toString('base64');
  const nonces = new Map<string, { lastNc: number; expired: boolean }>();
  const counts = { unauthorized: 0, stale: 0, ok: 0, replays: 0 };
  const accepted: DigestServer['accepted'] = [];
  const q = (v: string) => `"${v.replace(/["\\]/g, '\\$&')}"`;

  const challenge = (res: ServerResponse, stale = false) => {
    const nonce = randomBytes(24).toString('base64'); // contains / + = like real nonces
    nonces.set(nonce, { lastNc: 0, expired: false });
    const digest = algorithms.map((alg) => [
      `Digest realm=${q(realm)}`,
      ...(options.qop !== undefined ? [`qop=${q(options.qop)}`] : []),
      ...(alg !== null ? [`algorithm=${alg}`] : []),
      `nonce=${q(nonce)}`, `opaque=${q(opaque)}`,
      ...(options.userhash ? ['userhash=true'] : []),
      ...(stale ? ['stale=true'] : []),
    ].join(', '));
    counts.unauthorized++;
    if (stale) counts.stale++;
    res.writeHead(401, { 'www-authenticate': [...digest, `Basic realm=${q(realm)}`], 'content-type': 'text/plain' });
    res.end('unauthorized');
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const auth = parseAuthorization(req.headers.authorization);
    if (!auth) return challenge(res);
    const p = auth.params;
    const algorithm = p.algorithm ?? 'MD5';
    const offered = algorithms.map((a) => (a ?? 'MD5').toLowerCase());
    if (!offered.includes(algorithm.toLowerCase()) || p.realm !== realm || p.opaque !== opaque || p.uri !== req.url) {
      res.writeHead(400).end('bad authorization');
      return;
    }
    const state = nonces.get(p.nonce);
    if (!state) return challenge(res);
    const userhash = p.userhash === 'true';
    if (userhash !== Boolean(options.userhash)) return challenge(res);
    let user: string | undefined;
    if (userhash) user = Object.keys(options.users).find((u) => hex(algorithm, `${u}:${realm}`) === p.username);
    else if (p['username*'] !== undefined) user = decodeURIComponent(p['username*'].replace(/^UTF-8''/i, ''));
    else user = p.username;
    const password = user !== undefined ? options.users[user] : undefined;
    if (options.qop !== undefined && (p.qop !== 'auth' || !/^[0-9a-f]{8}$/.test(p.nc ?? '') || !p.cnonce)) return challenge(res);
    const expected = password === undefined ? undefined : expectedResponse({
      algorithm, username: user!, realm, password, method: req.method!, uri: req.url!,
      nonce: p.nonce, nc: p.nc, cnonce: p.cnonce, qop: p.qop,
    });
    if (expected === undefined || expected !== p.response) return challenge(res);
    if (state.expired) return challenge(res, true);
    if (options.qop !== undefined) {
      const nc = parseInt(p.nc, 16);
      if (nc <= state.lastNc) { counts.replays++; return challenge(res); }
      state.lastNc = nc;
    }
    counts.ok++;
    accepted.push({ algorithm, nc: p.nc, user: user! });
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`hello ${user}`);
  };

  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handle(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    accepted,
    expireNonces: () => { for (const s of nonces.values()) s.expired = true; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/**
 * The caller loop the session expects: pre-authorise when ready; on a 401 let the session accept
 * the challenge and retry ONCE — a 401 on the retry is final (wrong credentials).
 */
async function digestFetch(session: DigestSession, url: string, method = 'GET'): Promise<{ status: number; body: string; attempts: number }> {
  const target = new URL(url);
  const uri = target.pathname + target.search;
  const send = async () => {
    const headers: Record<string, string> = {};
    if (session.ready) headers.authorization = session.authorization(method, uri);
    const res = await fetch(url, { method, headers });
    return { res, body: await res.text() };
  };
  let { res, body } = await send();
  let attempts = 1;
  if (res.status === 401 && session.accept(parseWwwAuthenticate(res.headers.get('www-authenticate') ?? ''))) {
    ({ res, body } = await send());
    attempts++;
  }
  return { status: res.status, body, attempts };
}

describe('DigestSession against a real Digest server', () => {
  let server: DigestServer | undefined;
  afterEach(async () => { await server?.close(); server = undefined; });

  it('answers the first 401, then pre-authorises with strictly increasing nc (exactly one 401)', async () => {
    server = await startDigestServer({ users: { ann: 'pa55, "word"' }, algorithms: ['MD5', 'SHA-256'], qop: 'auth, auth-int' });
    const session = new DigestSession('ann', 'pa55, "word"');
    const first = await digestFetch(session, `${server.url}/cal/`);
    expect(first).toEqual({ status: 200, body: 'hello ann', attempts: 2 });
    for (const path of ['/cal/a.ics', '/cal/b.ics?x=1&y=%20', '/cal/']) {
      expect(await digestFetch(session, `${server.url}${path}`, 'PROPFIND')).toMatchObject({ status: 200, attempts: 1 });
    }
    expect(server.counts).toEqual({ unauthorized: 1, stale: 0, ok: 4, replays: 0 });
    expect(server.accepted.map((a) => [a.algorithm, a.nc])).toEqual([
      ['SHA-256', '00000001'], ['SHA-256', '00000002'], ['SHA-256', '00000003'], ['SHA-256', '00000004'],
    ]);
  });

  it('renews an expired nonce after a stale=true 401 and restarts nc', async () => {
    server = await startDigestServer({ users: { ann: 'secret' }, qop: 'auth' });
    const session = new DigestSession('ann', 'secret');
    await digestFetch(session, `${server.url}/a`);
    await digestFetch(session, `${server.url}/a`);
    server.expireNonces();
    expect(await digestFetch(session, `${server.url}/b`)).toEqual({ status: 200, body: 'hello ann', attempts: 2 });
    expect(await digestFetch(session, `${server.url}/c`)).toMatchObject({ status: 200, attempts: 1 });
    expect(server.counts).toEqual({ unauthorized: 2, stale: 1, ok: 4, replays: 0 });
    expect(server.accepted.map((a) => a.nc)).toEqual(['00000001', '00000002', '00000001', '00000002']);
  });

  it('gives up after one retry when the password is wrong', async () => {
    server = await startDigestServer({ users: { ann: 'right' }, qop: 'auth' });
    const session = new DigestSession('ann', 'wrong');
    const result = await digestFetch(session, `${server.url}/a`);
    expect(result).toEqual({ status: 401, body: 'unauthorized', attempts: 2 });
    expect(server.counts).toEqual({ unauthorized: 2, stale: 0, ok: 0, replays: 0 });
    // The session takes the fresh challenge again (it cannot tell why the server refused) —
    // which is why the caller, not the session, bounds the retries.
    expect(session.ready).toBe(true);
  });

  it('works with SHA-256-sess, userhash and a non-ASCII username', async () => {
    server = await startDigestServer({ users: { 'Jäsøn Doe': 'Grüße' }, algorithms: ['SHA-256-sess'], qop: 'auth', userhash: true });
    const session = new DigestSession('Jäsøn Doe', 'Grüße');
    expect(await digestFetch(session, `${server.url}/x`)).toEqual({ status: 200, body: 'hello Jäsøn Doe', attempts: 2 });
    expect(await digestFetch(session, `${server.url}/y`)).toMatchObject({ status: 200, attempts: 1 });
    expect(server.accepted.map((a) => a.algorithm)).toEqual(['SHA-256-sess', 'SHA-256-sess']);
  });

  it('sends username* for a non-ASCII username without userhash', async () => {
    server = await startDigestServer({ users: { 'Jäsøn Doe': 'pw' }, algorithms: ['MD5'], qop: 'auth' });
    const session = new DigestSession('Jäsøn Doe', 'pw');
    expect(await digestFetch(session, `${server.url}/x`)).toEqual({ status: 200, body: 'hello Jäsøn Doe', attempts: 2 });
  });

  it('talks to an RFC 2069-style server (no qop, no algorithm)', async () => {
    server = await startDigestServer({ users: { bob: 'pw' }, algorithms: [null] });
    const session = new DigestSession('bob', 'pw');
    expect(await digestFetch(session, `${server.url}/old`)).toEqual({ status: 200, body: 'hello bob', attempts: 2 });
    expect(await digestFetch(session, `${server.url}/old`)).toMatchObject({ status: 200, attempts: 1 });
    expect(server.accepted).toEqual([{ algorithm: 'MD5', nc: undefined, user: 'bob' }, { algorithm: 'MD5', nc: undefined, user: 'bob' }]);
  });

  it('gets a 401 from the server when nc is replayed (the server check is real)', async () => {
    server = await startDigestServer({ users: { ann: 'pw' }, qop: 'auth' });
    const session = new DigestSession('ann', 'pw', { cnonce: () => 'fixed' });
    await digestFetch(session, `${server.url}/a`);
    const replay = new DigestSession('ann', 'pw', { cnonce: () => 'fixed' });
    const challenges: AuthChallenge[] = [{ scheme: 'digest', params: {
      realm: 'Dovetail test, "digest" realm', qop: 'auth', algorithm: 'SHA-256',
      nonce: parseAuthorization(session.authorization('GET', '/a'))!.params.nonce,
      opaque: parseAuthorization(session.authorization('GET', '/a'))!.params.opaque,
    } }];
    replay.accept(challenges);
    const res = await fetch(`${server.url}/a`, { headers: { authorization: replay.authorization('GET', '/a') } });
    await res.text();
    expect(res.status).toBe(401);
    expect(server.counts.replays).toBe(1);
  });
});
