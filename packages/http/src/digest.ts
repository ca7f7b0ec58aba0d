/**
 * HTTP authentication challenges (RFC 7235 syntax) and the client side of HTTP Digest
 * (RFC 7616, compatible with RFC 2617 servers that send no qop or no algorithm).
 */
import { createHash, randomBytes } from 'node:crypto';

/** One challenge from a WWW-Authenticate header (a header may carry several, e.g. `Digest ..., Basic realm="x"`). */
export interface AuthChallenge {
  /** Auth scheme, lower-case: 'digest', 'basic', 'bearer', … */
  scheme: string;
  /** Parameters with lower-case names and unquoted, unescaped values; a bare token68 is kept as `token68`. */
  params: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// WWW-Authenticate parsing (RFC 7235 §2.1, §4.1)
// ---------------------------------------------------------------------------------------------

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;
const WHITESPACE = /[ \t\r\n]/;

class MalformedChallenge extends Error {}

/** A position in the header text with the few lexical steps the challenge grammar needs. */
class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text[this.pos] ?? '';
  }

  skipWhitespace(): void {
    while (!this.done && WHITESPACE.test(this.peek())) this.pos++;
  }

  /** Skips whitespace and empty list elements (`a, , b` is legal list syntax). */
  skipSeparators(): void {
    while (!this.done && (WHITESPACE.test(this.peek()) || this.peek() === ',')) this.pos++;
  }

  token(): string {
    const start = this.pos;
    while (!this.done && TCHAR.test(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }

  quotedString(): string {
    this.pos++; // opening quote
    let value = '';
    while (!this.done) {
      const ch = this.text[this.pos++];
      if (ch === '"') return value;
      if (ch === '\\') {
        if (this.done) break;
        value += this.text[this.pos++];
      } else {
        value += ch;
      }
    }
    throw new MalformedChallenge('unterminated quoted string');
  }

  /**
   * A token68 that makes up the whole list element, or undefined (position unchanged). When an
   * auth-param follows the comma, the element was an auth-param itself (`realm= , nonce=x`), not a token68.
   */
  token68(): string | undefined {
    const start = this.pos;
    while (!this.done && TOKEN68_CHAR.test(this.peek())) this.pos++;
    if (this.pos > start) {
      while (this.peek() === '=') this.pos++;
      const end = this.pos;
      this.skipWhitespace();
      if (this.done) return this.text.slice(start, end);
      if (this.peek() === ',') {
        const afterToken = this.pos;
        this.skipSeparators();
        const paramFollows = !this.done && this.atAuthParam();
        this.pos = afterToken;
        if (!paramFollows) return this.text.slice(start, end);
      }
    }
    this.pos = start;
    return undefined;
  }

  /** True when an `name = value` auth-param starts here (as opposed to the next challenge's scheme). */
  atAuthParam(): boolean {
    const start = this.pos;
    const name = this.token();
    this.skipWhitespace();
    const result = name.length > 0 && this.peek() === '=';
    this.pos = start;
    return result;
  }
}

function readAuthParams(s: Scanner, params: Record<string, string>): void {
  for (;;) {
    const name = s.token().toLowerCase();
    s.skipWhitespace();
    if (!name || s.peek() !== '=') throw new MalformedChallenge('expected name=value');
    s.pos++;
    s.skipWhitespace();
    let value: string;
    if (s.peek() === '"') value = s.quotedString();
    else if (!(value = s.token())) throw new MalformedChallenge(`no value for ${name}`);
    if (!(name in params)) params[name] = value; // RFC 7235: each name at most once; keep the first
    s.skipWhitespace();
    if (s.done) return;
    if (s.peek() !== ',') throw new MalformedChallenge('expected a comma between parameters');
    s.skipSeparators();
    if (s.done || !s.atAuthParam()) return; // the next challenge starts here
  }
}

/**
 * Parses all challenges of one or more WWW-Authenticate header values (comma-joined values allowed;
 * quoted strings with commas and escaped quotes; token68 for non-Digest schemes kept as params.token68).
 * Never throws: garbage yields []. Parsing stops at the first malformed challenge; the complete
 * challenges before it are returned.
 */
export function parseWwwAuthenticate(header: string | string[]): AuthChallenge[] {
  const values = Array.isArray(header) ? header : [header];
  const text = values.filter((v): v is string => typeof v === 'string').join(', ');
  const challenges: AuthChallenge[] = [];
  const s = new Scanner(text);
  try {
    for (;;) {
      s.skipSeparators();
      if (s.done) break;
      const scheme = s.token();
      if (!scheme) break;
      if (!s.done && !WHITESPACE.test(s.peek()) && s.peek() !== ',') break; // e.g. `Digest"x"` or `realm=x`
      const challenge: AuthChallenge = { scheme: scheme.toLowerCase(), params: {} };
      s.skipWhitespace();
      if (!s.done && s.peek() !== ',') {
        const token68 = s.token68();
        if (token68 !== undefined) challenge.params.token68 = token68;
        else readAuthParams(s, challenge.params);
      }
      challenges.push(challenge);
    }
  } catch (e) {
    if (!(e instanceof MalformedChallenge)) throw e;
  }
  return challenges;
}

// ---------------------------------------------------------------------------------------------
// Digest client (RFC 7616 §3.4)
// ---------------------------------------------------------------------------------------------

/** A Digest algorithm this client can answer; `rank` orders the server's offers (higher wins). */
interface DigestAlgorithm {
  name: 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';
  hash: 'md5' | 'sha256';
  session: boolean;
  rank: number;
}

const ALGORITHMS: Record<string, DigestAlgorithm> = {
  'sha-256': { name: 'SHA-256', hash: 'sha256', session: false, rank: 4 },
  'sha-256-sess': { name: 'SHA-256-sess', hash: 'sha256', session: true, rank: 3 },
  md5: { name: 'MD5', hash: 'md5', session: false, rank: 2 },
  'md5-sess': { name: 'MD5-sess', hash: 'md5', session: true, rank: 1 },
};

/** A Digest challenge reduced to what answering it needs. */
interface UsableDigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm: DigestAlgorithm;
  /** False for RFC 2617 servers that sent no algorithm: the answer omits it too (MD5 implied). */
  algorithmNamed: boolean;
  /** 'auth', or undefined for RFC 2069-style servers that offer no qop. */
  qop?: 'auth';
  userhash: boolean;
}

function usableDigest(challenge: AuthChallenge): UsableDigestChallenge | undefined {
  if (challenge.scheme !== 'digest') return undefined;
  const p = challenge.params;
  if (p.realm === undefined || !p.nonce) return undefined;
  const algorithm = ALGORITHMS[(p.algorithm ?? 'MD5').toLowerCase()];
  if (!algorithm) return undefined;
  let qop: 'auth' | undefined;
  if (p.qop !== undefined) {
    const offered = p.qop.split(',').map((q) => q.trim().toLowerCase());
    if (!offered.includes('auth')) return undefined; // only auth-int (or unknown) offered: not supported
    qop = 'auth';
  }
  if (algorithm.session && !qop) return undefined; // -sess needs a cnonce, which is only sent with qop
  return {
    realm: p.realm, nonce: p.nonce, opaque: p.opaque, algorithm, algorithmNamed: p.algorithm !== undefined, qop,
    userhash: p.userhash?.toLowerCase() === 'true',
  };
}

/** A quoted-string with `"` and `\` escaped (RFC 7230 §3.2.6). */
function quote(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** Characters a username may hold and still go into a plain quoted-string: printable ASCII. */
const ASCII_SAFE = /^[\x20-\x7e]*$/;

/** RFC 8187 ext-value: UTF-8 bytes, percent-encoded except attr-char. */
function extValue(value: string): string {
  let out = "UTF-8''";
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9!#$&+\-.^_`|~]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Client side of Digest: answers a challenge and then pre-authorises following requests with an
 * incrementing nonce count.
 *
 * Usage: on a 401, call `accept(parseWwwAuthenticate(header))`; when it returns true, resend the
 * request once with `authorization(method, uri)`. The session does not remember failures: a server
 * that refuses the credentials simply sends a fresh challenge, which `accept` takes again, so the
 * caller must retry a request at most once — a 401 on that retry means the credentials were refused.
 * Passwords and usernames are hashed as UTF-8.
 */
export class DigestSession {
  private challenge?: UsableDigestChallenge;
  private nonceCount = 0;
  /** For -sess algorithms: the cnonce the session key was derived from (one per nonce). */
  private sessionCnonce?: string;
  private readonly makeCnonce: () => string;

  constructor(
    private readonly username: string,
    private readonly password: string,
    options: { cnonce?: () => string /* for tests */ } = {},
  ) {
    this.makeCnonce = options.cnonce ?? (() => randomBytes(16).toString('hex'));
  }

  /** True once a challenge was accepted. */
  get ready(): boolean {
    return this.challenge !== undefined;
  }

  /**
   * Takes a 401's challenge(s); true when a Digest challenge with a supported algorithm (MD5, MD5-sess,
   * SHA-256, SHA-256-sess; qop auth or none; userhash) was accepted. Resets nc for a new nonce.
   * A stale=true challenge is accepted too. Among several Digest challenges the strongest algorithm
   * wins (SHA-256 over MD5), the first offered on a tie. Non-Digest challenges are ignored.
   */
  accept(challenges: AuthChallenge[]): boolean {
    let best: UsableDigestChallenge | undefined;
    for (const c of challenges) {
      const usable = usableDigest(c);
      if (usable && (!best || usable.algorithm.rank > best.algorithm.rank)) best = usable;
    }
    if (!best) return false;
    const previous = this.challenge;
    if (!previous || previous.nonce !== best.nonce) this.nonceCount = 0;
    if (!previous || previous.nonce !== best.nonce || previous.algorithm !== best.algorithm || previous.realm !== best.realm) {
      this.sessionCnonce = undefined;
    }
    this.challenge = best;
    return true;
  }

  /**
   * The Authorization header value for a request; `uri` is the request-target (path + query, as sent)
   * and `method` the method as sent. Throws if not ready. Uses qop=auth when offered, nc as 8 hex
   * digits incremented per call and a fresh cnonce (for -sess algorithms the cnonce the session key
   * was derived from is kept for the nonce's lifetime, so server and client agree on that key).
   */
  authorization(method: string, uri: string): string {
    const c = this.challenge;
    if (!c) throw new Error('DigestSession: no Digest challenge accepted yet (call accept() with a 401 challenge first)');
    const H = (text: string) => createHash(c.algorithm.hash).update(text, 'utf8').digest('hex');

    this.nonceCount++;
    const nc = (this.nonceCount % 0x100000000).toString(16).padStart(8, '0');
    const cnonce = c.qop ? (c.algorithm.session ? (this.sessionCnonce ??= this.makeCnonce()) : this.makeCnonce()) : undefined;

    let ha1 = H(`${this.username}:${c.realm}:${this.password}`);
    if (c.algorithm.session) ha1 = H(`${ha1}:${c.nonce}:${cnonce}`);
    const ha2 = H(`${method}:${uri}`);
    const response = c.qop
      ? H(`${ha1}:${c.nonce}:${nc}:${cnonce}:${c.qop}:${ha2}`)
      : H(`${ha1}:${c.nonce}:${ha2}`);

    const parts: string[] = [];
    if (c.userhash) parts.push(`username=${quote(H(`${this.username}:${c.realm}`))}`);
    else if (ASCII_SAFE.test(this.username)) parts.push(`username=${quote(this.username)}`);
    else parts.push(`username*=${extValue(this.username)}`);
    parts.push(`realm=${quote(c.realm)}`, `uri=${quote(uri)}`);
    if (c.algorithmNamed) parts.push(`algorithm=${c.algorithm.name}`);
    parts.push(`nonce=${quote(c.nonce)}`);
    if (c.qop) parts.push(`nc=${nc}`, `cnonce=${quote(cnonce!)}`, `qop=${c.qop}`);
    parts.push(`response=${quote(response)}`);
    if (c.opaque !== undefined) parts.push(`opaque=${quote(c.opaque)}`);
    if (c.userhash) parts.push('userhash=true');
    return `Digest ${parts.join(', ')}`;
  }
}
