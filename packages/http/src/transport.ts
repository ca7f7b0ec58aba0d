/**
 * HTTP for Dovetail's network connectors (WebDAV, EWS, iCal feeds): one keep-alive dispatcher per endpoint
 * (custom CA, client certificate, insecure flag, proxy), per-request timeouts, a cap on response bodies,
 * Basic / Digest (real challenge-response) / Bearer auth, and 429/503 `Retry-After` handling. Statuses
 * other than 401/429/503 are returned to the caller, which knows what a 403 or 409 means for its request
 * (a stale sync token, a UID clash, ...). Inside a run (`withRunBudget`), every request first asks the run's gate
 * for its host: a host that stopped answering is not sent to again in that run (`HostSkipped`), and a Retry-After
 * pauses every request to it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IncomingHttpHeaders } from 'node:http';
import { createGunzip } from 'node:zlib';
// The parts of undici used here, bundled at build time (scripts/build-vendor.mjs): its index loads every module it has.
import { Agent, DecoratorHandler, Headers as UndiciHeaders, ProxyAgent, Response as UndiciResponse, fetch as undiciFetch } from '#undici';
import type { Dispatcher } from 'undici';
import { AuthFailed, charsetOfContentType, currentRunBudget, decodeText, HostSkipped, Invalid, isDovetailError, RateLimited, Unavailable, type Logger } from '@dovetail/core/sdk';
import { DigestSession, parseWwwAuthenticate } from './digest.js';
import { NtlmSession } from './ntlm.js';
import { describeNetworkError } from './net-errors.js';
import { redactUrl } from './redact-url.js';
import { AdaptiveLimiter, KeyedLimiter, type LimiterSlot } from './limiter.js';

/**
 * How to authenticate. `basic` and `auto` send Basic pre-emptively over TLS or loopback (on challenge otherwise);
 * `auto` switches to Digest when the server challenges with it, and to NTLM when the server offers only NTLM;
 * `digest` always waits for the challenge; `ntlm` answers the server's NTLM challenge (the username may be
 * `DOMAIN\\user` or `user@domain`) on a single connection.
 */
export type HttpAuth =
  | { type: 'none' }
  | { type: 'basic' | 'digest' | 'auto'; username: string; password: string }
  /** A fixed token, or a source that hands out a current one (OAuth 2.0 with refresh): see `BearerTokenSource`. */
  | { type: 'bearer'; token: string | BearerTokenSource }
  /** NTLMv2 on a single keep-alive connection (NTLM authenticates the connection, not the request). */
  | { type: 'ntlm'; username: string; password: string; workstation?: string };

/**
 * Where a bearer token comes from when it expires and is renewed (an OAuth 2.0 client). `token()` is asked before
 * every request (it caches and refreshes ahead of expiry itself); after a 401, `token({ refresh: true })` is asked
 * once for a fresh one and the request is sent again. Its errors (`AuthFailed` for a revoked grant) pass through.
 */
export interface BearerTokenSource {
  token(options?: { refresh?: boolean }): Promise<string>;
}

export interface TransportOptions {
  auth: HttpAuth;
  /** PEM text of extra CA certificates, or a path to them. */
  ca?: string;
  /** Client certificate and key (PEM text or paths), for mutual TLS. */
  cert?: string;
  key?: string;
  passphrase?: string;
  /** Skip TLS verification. Warned about on every run by the caller. */
  insecure?: boolean;
  /** http://[user:pass@]host:port of an HTTP proxy. */
  proxy?: string;
  /** Per-request timeout (headers and body); default 30 s. */
  timeoutMs?: number;
  /**
   * Largest response body read, in bytes; a bigger one fails the request with `Invalid` naming this limit
   * (`settingName`), before it is held in memory. Default 64 MiB.
   */
  maxResponseBytes?: number;
  /** The connector setting that sets `maxResponseBytes`, named in the error (default "maxResponseBytes"). */
  maxResponseBytesSetting?: string;
  /** Retries of 429/503 and of network failures of safe methods; default 3. */
  maxRetries?: number;
  /**
   * Outside a run: the longest `Retry-After` waited in place; longer waits surface as `RateLimited`. Default 30 s.
   * Inside a run the run's budget decides instead (`runBudget.maxPause`), and the wait pauses the whole host.
   */
  maxRetryWaitMs?: number;
  /**
   * Statuses that mean "busy, come back later": retried after their `Retry-After` (or a back-off for 429), else
   * `RateLimited` / `Unavailable`. Default [429, 503]; Microsoft Graph adds 504.
   */
  retryStatuses?: number[];
  /**
   * Most requests in flight at once per `HttpRequest.limitKey` (a server's per-mailbox or per-user limit); further
   * requests with the same key wait their turn. Requests without a key are not limited. Default: unlimited.
   */
  maxInFlightPerKey?: number;
  /**
   * Most writes (any method but GET, HEAD, OPTIONS, PROPFIND, REPORT) in flight at once per host. The window
   * adapts: a 429/503 or a write without an answer (time-out, reset) halves it (down to 1), calm answers grow it
   * back up to this number; further writes wait their turn. Default: unlimited (the caller decides how many it sends at once).
   */
  maxWritesInFlight?: number;
  /** Relative paths in ca/cert/key resolve against this folder. */
  baseDir?: string;
  signal?: AbortSignal;
  logger?: Logger;
  userAgent?: string;
}

export interface HttpRequest {
  method: string;
  headers?: Record<string, string>;
  /** Text (sent as UTF-8) or bytes. */
  body?: string | Uint8Array;
  /** Requests with the same key share the transport's `maxInFlightPerKey` (e.g. the mailbox they address). */
  limitKey?: string;
  /** Statuses returned to the caller as they are instead of handled (e.g. 401 from an OAuth token endpoint, whose body says why). */
  passStatuses?: number[];
  /**
   * Reads an answer's body as it arrives instead of holding it: asked with the status of each answer; a sink it
   * returns receives the body as text, piece by piece, and `HttpResponse.text` is then empty. The response size cap
   * still applies. An error the sink throws ends the request and comes out of `request` unchanged.
   */
  stream?: (status: number, url: string) => BodySink | undefined;
}

/** Receives a response body in pieces (see `HttpRequest.stream`). */
export interface BodySink {
  write(text: string): void;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  /**
   * The body as text: in its charset (UTF-8, the Content-Type charset, or detected), never with replacement
   * characters (see the SDK's decodeText). Decoded when first read, so binary answers (photos) that are only read
   * as `bytes` are never decoded; reading it throws `Invalid` when a successful answer cannot be decoded.
   */
  readonly text: string;
  /** The body as received (for binary content such as photos). */
  bytes: Uint8Array;
  /** The final URL (after redirects). */
  url: string;
}

/** Request counters, for `check`, logs and benchmarks. */
export interface TransportStats {
  requests: number;
  byMethod: Record<string, number>;
  /** Body bytes as they came over the wire (gzip-compressed where the server compressed them). */
  bytesReceived: number;
  /** Body bytes after decompression (equal to `bytesReceived` when nothing came compressed). */
  bytesDecoded: number;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PROPFIND', 'REPORT']);
const UTF8 = new TextDecoder('utf-8');
/** The longest delay a Node timer (and AbortSignal.timeout) can hold. */
const MAX_TIMER_MS = 2_147_483_647;
/** Default cap on a response body. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** A response body larger than the transport's `maxResponseBytes`. */
export class ResponseTooLarge extends Invalid {
  constructor(readonly url: string, readonly limit: number, setting: string) {
    super(`the response from ${safeHost(url)} is larger than ${formatBytes(limit)}; raise "${setting}" in the endpoint's settings if this is expected`);
  }
}

export class Transport {
  readonly stats: TransportStats = { requests: 0, byMethod: {}, bytesReceived: 0, bytesDecoded: 0 };
  private dispatcher: Dispatcher;
  /** Builds a dispatcher with at most `connections` connections per origin. */
  private readonly makeDispatcher: (connections: number) => Dispatcher;
  /** NTLM signs in connections, not requests: once it is in use, one connection carries everything. */
  private singleConnection: boolean;
  /** The per-request timeout in force (`timeoutMs`, or the 30 s default). */
  readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxRetryWaitMs: number;
  private readonly maxResponseBytes: number;
  private readonly retryStatuses: Set<number>;
  private readonly limiter?: KeyedLimiter;
  /** Write windows by host (see `maxWritesInFlight`). */
  private readonly writeWindows = new Map<string, AdaptiveLimiter>();
  private digest?: DigestSession;
  /** Basic credentials go out once the server asked for them (or at once over TLS/loopback). */
  private basicArmed = false;
  private basicSent = false;

  constructor(private readonly options: TransportOptions) {
    const read = (v?: string) => (v === undefined ? undefined : readPem(v, options.baseDir));
    const tls = {
      ca: read(options.ca), cert: read(options.cert), key: read(options.key), passphrase: options.passphrase,
      rejectUnauthorized: !options.insecure,
    };
    this.makeDispatcher = (connections) => (options.proxy
      ? new ProxyAgent({ uri: options.proxy, requestTls: tls, proxyTls: tls, token: proxyToken(options.proxy), connections })
      : new Agent({ connect: tls, keepAliveTimeout: 10_000, connections })).compose(keepContentEncoding);
    this.singleConnection = options.auth.type === 'ntlm';
    this.dispatcher = this.makeDispatcher(this.singleConnection ? 1 : Math.max(8, options.maxWritesInFlight ?? 0));
    this.timeoutMs = options.timeoutMs ?? 30_000;
    // Timers hold 31 bits: a larger time-out would fire at once and fail every request.
    if (!Number.isInteger(this.timeoutMs) || this.timeoutMs < 1 || this.timeoutMs > MAX_TIMER_MS) {
      throw new Invalid(`"timeoutMs" must be a whole number of milliseconds from 1 to ${MAX_TIMER_MS}, not ${options.timeoutMs}`);
    }
    this.maxRetries = options.maxRetries ?? 3;
    this.maxRetryWaitMs = options.maxRetryWaitMs ?? 30_000;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.retryStatuses = new Set(options.retryStatuses ?? [429, 503]);
    if (options.maxInFlightPerKey) this.limiter = new KeyedLimiter(options.maxInFlightPerKey);
    if (options.maxWritesInFlight !== undefined && (!Number.isInteger(options.maxWritesInFlight) || options.maxWritesInFlight < 1)) {
      throw new Invalid(`"maxWritesInFlight" must be a whole number ≥ 1, not ${options.maxWritesInFlight}`);
    }
  }

  /** Sends a request; throws AuthFailed (401 after answering the challenge), RateLimited, Unavailable. */
  async request(url: string, req: HttpRequest): Promise<HttpResponse> {
    if (!this.limiter || req.limitKey === undefined) return this.attempt(url, req);
    return this.limiter.run(req.limitKey, () => this.attempt(url, req));
  }

  /** The write window of `url`'s host (when `maxWritesInFlight` is set), for tests and logs. */
  writeWindow(url: string): AdaptiveLimiter | undefined {
    const max = this.options.maxWritesInFlight;
    if (max === undefined) return undefined;
    const host = safeHost(url).toLowerCase();
    let window = this.writeWindows.get(host);
    if (!window) { window = new AdaptiveLimiter(max); this.writeWindows.set(host, window); }
    return window;
  }

  private async attempt(url: string, req: HttpRequest): Promise<HttpResponse> {
    const window = SAFE_METHODS.has(req.method) ? undefined : this.writeWindow(url);
    let authRetried = false;
    let refreshToken = false;
    for (let attempt = 0; ; attempt++) {
      let res: HttpResponse;
      try {
        const authorization = await this.bearer(refreshToken);
        res = await (window ? window.run((slot) => this.sendInWindow(slot, url, req, authorization)) : this.send(url, req, authorization));
      } catch (e) {
        // Our own errors (a size cap, a host given up, a token source's, what a body sink refused) are final as they are.
        if (this.options.signal?.aborted || isDovetailError(e) || e instanceof SinkStopped) throw unwrapSink(e);
        if (SAFE_METHODS.has(req.method) && attempt < this.maxRetries && isTransient(e)) {
          await this.sleep(backoffMs(attempt));
          continue;
        }
        throw new Unavailable(describeNetworkError(e, url, this.timeoutMs), { cause: e });
      }
      if (req.passStatuses?.includes(res.status)) return res;
      const ntlm = res.status === 401 && !authRetried ? this.ntlmCredentials(res) : undefined;
      if (ntlm) {
        authRetried = true;
        res = await this.ntlmHandshake(url, req, ntlm);
      }
      if (res.status === 401) {
        if (!authRetried && this.answerChallenge(res)) { authRetried = true; continue; }
        if (!authRetried && this.renewableBearer()) { authRetried = true; refreshToken = true; continue; }
        throw new AuthFailed(authMessage(res, url, this.options.auth));
      }
      refreshToken = false;
      if (this.retryStatuses.has(res.status)) {
        const wait = retryAfterMs(res.headers.get('retry-after')) ?? (res.status === 429 ? backoffMs(attempt) : undefined);
        // In a run, the wait pauses every request to the host (up to the run's bound; longer gives the host up).
        const gate = currentRunBudget()?.gate(url);
        if (gate && wait !== undefined) {
          if (!gate.pause(wait)) throw new HostSkipped(gate.host, gate.givenUp ?? 'it asked to wait too long');
          if (attempt < this.maxRetries) {
            this.options.logger?.debug({ url: redactUrl(url), status: res.status, waitMs: wait }, 'server asked to retry later: pausing requests to it');
            continue;
          }
        } else if (wait !== undefined && wait <= this.maxRetryWaitMs && attempt < this.maxRetries) {
          this.options.logger?.debug({ url: redactUrl(url), status: res.status, waitMs: wait }, 'server asked to retry later');
          await this.sleep(wait);
          continue;
        }
        if (wait !== undefined) throw new RateLimited(wait, `${res.status} from ${new URL(url).host}: retry after ${Math.ceil(wait / 1000)} s`);
        throw new Unavailable(`${res.status} ${res.status === 503 ? 'Service Unavailable' : 'from the server'} from ${new URL(url).host}`);
      }
      return res;
    }
  }

  /**
   * A fetch-compatible function over this transport (auth, TLS, retries) for tsdav's request helpers.
   * `sink` receives the full response: tsdav truncates raw bodies to 4 KiB and coerces values when it parses.
   * `stream` reads bodies as they arrive (see `HttpRequest.stream`).
   */
  fetchFor(sink: (res: HttpResponse) => void, stream?: HttpRequest['stream']): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
    // The bundled undici's Headers and Response, not Node's globals: those load Node's own copy of undici.
    return async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const headers: Record<string, string> = {};
      new UndiciHeaders(init?.headers as ConstructorParameters<typeof UndiciHeaders>[0]).forEach((v, k) => { headers[k] = v; });
      const res = await this.request(url, { method: init?.method ?? 'GET', headers, body: init?.body as string | Uint8Array | undefined, stream });
      sink(res);
      const nullBody = res.status === 204 || res.status === 304 || (res.status >= 100 && res.status < 200);
      return new UndiciResponse(nullBody ? null : res.text, { status: res.status, headers: res.headers as UndiciHeaders }) as unknown as Response;
    };
  }

  /**
   * The server asked (in its own way: an Exchange back-off inside a SOAP fault) to wait `ms` before the next
   * request. In a run this pauses every request to the host, or gives it up when the wait is longer than the run
   * waits; outside a run it does nothing.
   */
  backOff(url: string, ms: number): void {
    currentRunBudget()?.gate(url).pause(ms);
  }

  async close(): Promise<void> {
    await this.dispatcher.close().catch(() => undefined);
  }

  /**
   * NTLM's handshake after a 401: negotiate (type 1), take the challenge from the second 401, answer it
   * (type 3), all on the one connection the transport then keeps. Returns the final answer.
   */
  /**
   * The credentials to answer a 401 with NTLM: `ntlm` always; `auto` when the server offers NTLM but neither
   * Basic nor Digest (Exchange Server with Windows authentication only).
   */
  private ntlmCredentials(res: HttpResponse): { username: string; password: string; workstation?: string } | undefined {
    const a = this.options.auth;
    if (a.type !== 'ntlm' && a.type !== 'auto') return undefined;
    const schemes = parseWwwAuthenticate(res.headers.get('www-authenticate') ?? '').map((c) => c.scheme);
    if (!schemes.includes('ntlm')) return undefined;
    if (a.type === 'auto' && (schemes.includes('basic') || schemes.includes('digest'))) return undefined;
    return a;
  }

  private async ntlmHandshake(url: string, req: HttpRequest, auth: { username: string; password: string; workstation?: string }): Promise<HttpResponse> {
    if (!this.singleConnection) {
      // `auto` found an NTLM-only server: from now on one connection, so the handshake and what follows share it.
      const pooled = this.dispatcher;
      this.dispatcher = this.makeDispatcher(1);
      this.singleConnection = true;
      void pooled.close().catch(() => undefined);
    }
    const session = new NtlmSession(auth.username, auth.password, auth.workstation);
    const challenged = await this.sendOrFail(url, req, session.negotiate());
    if (challenged.status !== 401) return challenged;
    const token = parseWwwAuthenticate(challenged.headers.get('www-authenticate') ?? '').find((c) => c.scheme === 'ntlm')?.params.token68;
    if (!token) throw new AuthFailed(`401 Unauthorized from ${safeHost(url)}: the server did not answer the NTLM negotiation with a challenge`);
    let answer: string;
    try {
      answer = session.authenticate(token);
    } catch (e) {
      throw new AuthFailed(`NTLM with ${safeHost(url)} failed: ${(e as Error).message}`, { cause: e });
    }
    return this.sendOrFail(url, req, answer);
  }

  private async sendOrFail(url: string, req: HttpRequest, authorization: string): Promise<HttpResponse> {
    try {
      return await this.send(url, req, authorization);
    } catch (e) {
      if (this.options.signal?.aborted || isDovetailError(e) || e instanceof SinkStopped) throw unwrapSink(e);
      throw new Unavailable(describeNetworkError(e, url, this.timeoutMs), { cause: e });
    }
  }

  /**
   * One write while holding a place in its host's window (see `maxWritesInFlight`): a busy answer (429/503) or none
   * at all (a time-out, a dropped connection) shrinks the window, a calm one grows it. A write sent again after a busy answer waits for a place anew.
   */
  private async sendInWindow(slot: LimiterSlot, url: string, req: HttpRequest, authorization?: string): Promise<HttpResponse> {
    let res: HttpResponse;
    try {
      res = await this.send(url, req, authorization);
    } catch (e) {
      // No answer at all (a time-out, a reset): the server is struggling too.
      if (!this.options.signal?.aborted && !isDovetailError(e) && !(e instanceof SinkStopped)) slot.busy();
      throw e;
    }
    if (this.retryStatuses.has(res.status)) slot.busy();
    else if (res.status < 500) slot.ok();
    return res;
  }

  /**
   * One exchange on the wire. In a run, the host's gate is asked first (it waits out a pause, or refuses with
   * `HostSkipped` once the run gave the host up), and learns whether the server answered.
   */
  private async send(url: string, req: HttpRequest, authorization?: string): Promise<HttpResponse> {
    const gate = currentRunBudget()?.gate(url);
    await gate?.admit(this.options.signal);
    const startedAt = Date.now();
    let res: HttpResponse;
    try {
      res = await this.exchange(url, req, authorization);
    } catch (e) {
      const answered = isDovetailError(e) || e instanceof SinkStopped;
      if (gate && !this.options.signal?.aborted && !answered) gate.failed(startedAt, describeNetworkError(e, url, this.timeoutMs));
      if (answered) gate?.answered();
      throw e;
    }
    gate?.answered();
    return res;
  }

  private async exchange(url: string, req: HttpRequest, authorization?: string): Promise<HttpResponse> {
    // gzip, inflated here (readBody), not by fetch: undici 7's own decompression aborts the process
    // (assert(!this.paused), nodejs/undici#5360) on large gzip answers from HTTP/1.0 servers that close the
    // connection, as Radicale does. `keepContentEncoding` hides the encoding from fetch so it hands over the raw bytes.
    const headers: Record<string, string> = { 'user-agent': this.options.userAgent ?? 'dovetail', 'accept-encoding': 'gzip', ...lower(req.headers) };
    const auth = authorization ?? this.authorization(req.method, url);
    if (auth) headers.authorization = auth;
    const signals = [AbortSignal.timeout(this.timeoutMs), ...(this.options.signal ? [this.options.signal] : [])];
    this.stats.requests++;
    this.stats.byMethod[req.method] = (this.stats.byMethod[req.method] ?? 0) + 1;
    const res = await undiciFetch(url, {
      method: req.method, headers, body: req.body, dispatcher: this.dispatcher,
      signal: AbortSignal.any(signals), redirect: 'follow',
    });
    const bytes = await this.readBody(res, url, req.stream?.(res.status, res.url || url));
    const contentType = res.headers.get('content-type');
    let text: string | undefined;
    return {
      status: res.status, headers: res.headers as unknown as Headers, bytes, url: res.url || url,
      get text() { return (text ??= bodyText(bytes, res.status, contentType, url)); },
    };
  }

  /** A bearer token source's current (or, after a 401, fresh) token as an Authorization header. */
  private async bearer(refresh: boolean): Promise<string | undefined> {
    const a = this.options.auth;
    if (a.type !== 'bearer' || typeof a.token === 'string') return undefined;
    return `Bearer ${await a.token.token(refresh ? { refresh: true } : undefined)}`;
  }

  private renewableBearer(): boolean {
    const a = this.options.auth;
    return a.type === 'bearer' && typeof a.token !== 'string';
  }

  /**
   * The body, refused (and the connection dropped) as soon as it exceeds `maxResponseBytes`, as received and, for a
   * gzip answer, once inflated (a gzip bomb stops at the same limit). With a sink, the body goes to the sink as text
   * as it arrives and no bytes are returned. The network is read as fast as it delivers (inflating never holds it
   * back: undici 7 must not be paused while a closing connection delivers its last bytes).
   */
  private async readBody(res: Awaited<ReturnType<typeof undiciFetch>>, url: string, sink?: BodySink): Promise<Uint8Array> {
    const limit = this.maxResponseBytes;
    const tooLarge = () => new ResponseTooLarge(url, limit, this.options.maxResponseBytesSetting ?? 'maxResponseBytes');
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > limit) {
      await res.body?.cancel().catch(() => undefined);
      throw tooLarge();
    }
    if (!res.body) return new Uint8Array(0);
    const coding = contentCoding(res.headers.get(RAW_CONTENT_ENCODING), url);
    if (coding instanceof Error) {
      await res.body.cancel().catch(() => undefined);
      throw coding;
    }
    const body = new DecodedBody(limit, tooLarge, sink, this.stats);
    const gunzip = coding === 'gzip' ? new Inflater(body, url) : undefined;
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      this.stats.bytesReceived += chunk.byteLength;
      const failure = size > limit ? tooLarge() : gunzip ? gunzip.write(chunk) : body.push(chunk);
      if (failure) {
        gunzip?.destroy();
        await res.body.cancel().catch(() => undefined);
        throw failure;
      }
    }
    const failure = gunzip ? await gunzip.end() : undefined;
    if (failure) throw failure;
    return body.finish();
  }

  private authorization(method: string, url: string): string | undefined {
    const a = this.options.auth;
    if (a.type === 'bearer') return typeof a.token === 'string' ? `Bearer ${a.token}` : undefined;
    if (a.type === 'none' || a.type === 'ntlm') return undefined;
    if (this.digest?.ready) {
      const u = new URL(url);
      return this.digest.authorization(method, u.pathname + u.search);
    }
    if ((a.type === 'basic' || a.type === 'auto') && (this.basicArmed || safeToSendEagerly(url))) {
      this.basicSent = true;
      return basic(a.username, a.password);
    }
    return undefined;
  }

  /** Takes a 401's challenge; true when a retry with (new) credentials makes sense. */
  private answerChallenge(res: HttpResponse): boolean {
    const a = this.options.auth;
    if (a.type === 'none' || a.type === 'bearer' || a.type === 'ntlm') return false;
    const challenges = parseWwwAuthenticate(res.headers.get('www-authenticate') ?? '');
    const wantsDigest = challenges.some((c) => c.scheme === 'digest');
    if (wantsDigest && a.type !== 'basic') {
      this.digest ??= new DigestSession(a.username, a.password);
      return this.digest.accept(challenges);
    }
    if (a.type === 'digest') return false;
    if (this.basicSent) return false; // Basic was sent and refused
    if (!challenges.some((c) => c.scheme === 'basic') && challenges.length > 0) return false;
    this.basicArmed = true;
    return true;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const signal = this.options.signal;
      if (signal?.aborted) { reject(signal.reason); return; }
      const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
      const onAbort = () => { clearTimeout(t); reject(signal?.reason); };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** Where `keepContentEncoding` moves a response's Content-Encoding, so fetch does not decode the body itself. */
const RAW_CONTENT_ENCODING = 'x-dovetail-content-encoding';

/** An undici handler that renames Content-Encoding (see `RAW_CONTENT_ENCODING`); the body passes through as received. */
class ContentEncodingKept extends DecoratorHandler {
  // The typings declare DecoratorHandler without its methods; undici 7 implements every DispatchHandler method on it.
  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    const coding = headers['content-encoding'];
    if (coding !== undefined) {
      headers = { ...headers, [RAW_CONTENT_ENCODING]: coding };
      delete headers['content-encoding'];
    }
    const base = DecoratorHandler.prototype as unknown as Required<Dispatcher.DispatchHandler>;
    return base.onResponseStart.call(this, controller, statusCode, headers, statusMessage);
  }
}

/** The dispatcher interceptor that installs `ContentEncodingKept` on every request. */
const keepContentEncoding: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => dispatch(opts, new ContentEncodingKept(handler));

/** The coding of a body (`gzip`), none, or the error for one this transport did not ask for. */
function contentCoding(header: string | null, url: string): 'gzip' | undefined | Error {
  const codings = (header ?? '').split(',').map((c) => c.trim().toLowerCase()).filter((c) => c && c !== 'identity');
  if (codings.length === 0) return undefined;
  if (codings.length === 1 && (codings[0] === 'gzip' || codings[0] === 'x-gzip')) return 'gzip';
  return new Unavailable(`the answer from ${safeHost(url)} came encoded as "${header}", which was not asked for (only gzip is accepted)`);
}

/** A body as decoded: held in chunks, or handed to a sink as text; refused beyond `limit` bytes. */
class DecodedBody {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  private readonly decoder?: TextDecoder;

  constructor(private readonly limit: number, private readonly tooLarge: () => Error, private readonly sink: BodySink | undefined, private readonly stats: TransportStats) {
    if (sink) this.decoder = new TextDecoder('utf-8');
  }

  /** Takes the next piece; returns the error that ends the body (too large, a sink's refusal), if any. */
  push(chunk: Uint8Array): Error | undefined {
    this.size += chunk.byteLength;
    this.stats.bytesDecoded += chunk.byteLength;
    if (this.size > this.limit) return this.tooLarge();
    if (!this.sink) { this.chunks.push(chunk); return undefined; }
    try {
      this.sink.write(this.decoder!.decode(chunk, { stream: true }));
    } catch (e) {
      return new SinkStopped(e);
    }
    return undefined;
  }

  /** The whole body (empty when it went to a sink). */
  finish(): Uint8Array {
    if (!this.sink) return Buffer.concat(this.chunks, this.size);
    try {
      this.sink.write(this.decoder!.decode());
    } catch (e) {
      throw new SinkStopped(e);
    }
    return new Uint8Array(0);
  }
}

/**
 * Inflates a gzip body into a `DecodedBody` without ever holding the network back: compressed pieces are queued
 * in zlib as they arrive (at most the compressed size, itself capped), inflated pieces go on as zlib produces them.
 * The first error (too large once inflated, a sink's refusal, damaged or cut-off gzip data) is kept and returned.
 */
class Inflater {
  private readonly gunzip = createGunzip();
  private failure?: Error;
  private readonly done: Promise<void>;

  constructor(private readonly body: DecodedBody, private readonly url: string) {
    this.gunzip.on('data', (chunk: Buffer) => {
      if (this.failure) return;
      const failure = this.body.push(chunk);
      if (failure) { this.failure = failure; this.gunzip.destroy(); }
    });
    this.done = new Promise((resolve) => {
      this.gunzip.once('error', (e) => { this.failure ??= new Unavailable(`the gzip answer from ${safeHost(this.url)} is damaged or cut off (${e.message})`, { cause: e }); resolve(); });
      this.gunzip.once('end', () => resolve());
      this.gunzip.once('close', () => resolve());
    });
  }

  /** Queues a compressed piece; returns the error found so far, if any. */
  write(chunk: Uint8Array): Error | undefined {
    if (!this.failure) this.gunzip.write(chunk);
    return this.failure;
  }

  /** The end of the compressed body: resolves once everything is inflated, to the error if there was one. */
  async end(): Promise<Error | undefined> {
    if (!this.failure) this.gunzip.end();
    await this.done;
    return this.failure;
  }

  destroy(): void {
    this.gunzip.destroy();
  }
}

/** An error a body sink threw, carried past the network-error handling. */
class SinkStopped extends Error {
  constructor(readonly reason: unknown) {
    super('the body sink stopped reading');
  }
}

function unwrapSink(e: unknown): unknown {
  return e instanceof SinkStopped ? e.reason : e;
}

function safeHost(url: string): string {
  try { return new URL(url).host; } catch { return 'the server'; }
}

/**
 * The body as text, in the charset it is in (UTF-8, else its Content-Type charset, else as detected; a leading BOM
 * is dropped, as fetch's text() does): never replacement characters in data we keep. An error page only ever
 * becomes a message, so it is read leniently. (Binary bodies are read as `bytes`; `text` is decoded only when read.)
 */
function bodyText(bytes: Uint8Array, status: number, contentType: string | null, url: string): string {
  if (bytes.length === 0) return '';
  try {
    return decodeText(bytes, { name: `the answer from ${safeHost(url)}`, declared: charsetOfContentType(contentType) }).text;
  } catch (e) {
    if (status >= 300 && status !== 207) return UTF8.decode(bytes);
    throw e;
  }
}

/** A byte count for messages: `512 bytes`, `40 KiB`, `50 MiB`. */
export function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round((n / 1024 / 1024) * 10) / 10} MiB` : n >= 1024 ? `${Math.round(n / 1024)} KiB` : `${n} bytes`;
}

function readPem(v: string, baseDir?: string): string {
  if (v.includes('-----BEGIN')) return v;
  return readFileSync(path.resolve(baseDir ?? process.cwd(), v), 'utf8');
}

function proxyToken(proxy: string): string | undefined {
  const u = new URL(proxy);
  if (!u.username) return undefined;
  return `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** Credentials may go out before a challenge only over TLS or to this machine. */
function safeToSendEagerly(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'https:' || ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
}

function lower(h?: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k.toLowerCase()] = v;
  return out;
}

/** Milliseconds from a Retry-After header (delta seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const v = header.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function backoffMs(attempt: number): number {
  return Math.min(8_000, 250 * 2 ** attempt);
}

function isTransient(e: unknown): boolean {
  const code = (e as { cause?: { code?: string } })?.cause?.code ?? (e as { code?: string })?.code;
  return code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE' || code === 'ECONNREFUSED';
}

function authMessage(res: HttpResponse, url: string, auth: HttpAuth): string {
  const host = new URL(url).host;
  if (auth.type === 'none') return `401 Unauthorized from ${host}: the server wants credentials (set username and password, or a token)`;
  if (auth.type === 'bearer') return `401 Unauthorized from ${host}: the bearer token was refused (expired or wrong scope?)`;
  if (auth.type === 'ntlm') return `401 Unauthorized from ${host}: NTLM sign-in refused; check username (DOMAIN\\user or user@domain) and password`;
  const offered = parseWwwAuthenticate(res.headers.get('www-authenticate') ?? '').map((c) => c.scheme);
  const also = offered.length ? ` (server offers: ${offered.join(', ')})` : '';
  return `401 Unauthorized from ${host}: check username and password${also}`;
}
