/**
 * The Graph simulator: Microsoft Graph v1.0 REST/JSON and the identity platform's token endpoints on one
 * HTTPS (or HTTP) port on 127.0.0.1. Stateful (store.ts), with OData errors, paging, delta queries, JSON
 * batching, a per-mailbox concurrency limit, fault injection and a request log.
 */
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { OAuthError, OAuthServer, type Grant } from './oauth.js';
import { renderFolder, renderInstance, renderItem, type RenderOptions } from './render.js';
import { calendarColor, GraphError, Store, type Folder, type Item, type Json, type Kind, type Mailbox } from './store.js';
import { selfSignedCertificate } from './tls.js';
import { instantOfGraph, utcIso } from './zones.js';

export interface SimUser { email: string; displayName?: string }

export interface GraphSimulatorOptions {
  /** 127.0.0.1 port; 0 (default) picks a free one. */
  port?: number;
  tenant?: string;
  clientId?: string;
  clientSecret?: string;
  /** PEM certificate registered for the app (certificate credentials). */
  clientCertificate?: string;
  users: SimUser[];
  /** HTTPS with a fresh self-signed certificate (default true; msal-node only talks to https authorities). */
  tls?: boolean;
  /** Access token lifetime in seconds (default 3600). */
  tokenLifetime?: number;
  /** Most requests in flight per mailbox before 429 MailboxConcurrency (default 4, as Exchange Online). */
  concurrencyLimit?: number;
  /** Milliseconds every Graph request is held before it is answered (makes concurrency observable). */
  latencyMs?: number;
  /** Page size of delta queries without `Prefer: odata.maxpagesize` (default 100). */
  deltaPageSize?: number;
}

/** 400 for a request that writes a read-only property (Graph refuses them rather than ignore them). */
function readOnly(body: Json, props: string[]): void {
  const hit = props.find((p) => body[p] !== undefined);
  if (hit) throw new GraphError(400, 'ErrorInvalidProperty', `The property '${hit}' is read-only and cannot be set.`);
}

/** A request as the simulator saw it. */
export interface LoggedRequest {
  method: string;
  /** Path below the Graph base (`/users/…/events`), or the identity endpoint's path. */
  path: string;
  query: Record<string, string>;
  status: number;
  /** The mailbox addressed, if any. */
  mailbox?: string;
  auth: 'app' | 'user' | 'none' | 'refused';
  headers: { prefer?: string; ifMatch?: string; contentType?: string };
  body?: unknown;
  /** A sub-request of a `$batch`. */
  inBatch: boolean;
}

export type Fault =
  /** 429 / 503 / 504 with Retry-After (seconds). */
  | { kind: 'throttle'; status?: 429 | 503 | 504; retryAfter?: number; count?: number; match?: string; method?: string; inBatch?: boolean }
  /** 401 InvalidAuthenticationToken, as for an expired access token. */
  | { kind: 'token-expired'; count?: number; match?: string }
  /** 412 on the next matching write (someone changed the item in between). */
  | { kind: 'precondition'; count?: number; match?: string; method?: string }
  /** 410 Gone / syncStateNotFound for the next delta request with a token. */
  | { kind: 'delta-expired'; count?: number; match?: string };

interface DeltaState { g: number; f: string; s: number; w?: [number, number]; o?: number; t?: number }

const JSON_TYPE = 'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8';
const MAX_BODY = 4 * 1024 * 1024;
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const unb64 = <T>(v: string): T | undefined => { try { return JSON.parse(Buffer.from(v, 'base64url').toString('utf8')) as T; } catch { return undefined; } };

interface Ctx { method: string; path: string; query: URLSearchParams; headers: Record<string, string>; body: unknown; raw: Buffer; grant?: Grant; inBatch: boolean }
interface Reply { status: number; headers?: Record<string, string>; body?: unknown; raw?: Buffer }

export class GraphSimulator {
  readonly store = new Store();
  readonly oauth: OAuthServer;
  /** PEM of the certificate the simulator serves (trust it as a CA), when it serves HTTPS. */
  readonly certificate?: string;
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private log: LoggedRequest[] = [];
  private faults: (Fault & { left: number })[] = [];
  private deltaGeneration = 1;
  private readonly inFlight = new Map<string, number>();
  /** The most requests seen in flight at once per mailbox. */
  readonly peakInFlight = new Map<string, number>();
  private readonly delegates = new Map<string, Set<string>>();
  private origin = '';
  private readonly key?: string;

  private constructor(private readonly options: GraphSimulatorOptions) {
    const tls = options.tls ?? true;
    if (tls) { const m = selfSignedCertificate(); this.certificate = m.cert; this.key = m.key; }
    for (const u of options.users) this.store.addUser(u.email, u.displayName);
    this.oauth = new OAuthServer({
      tenant: options.tenant ?? 'contoso.onmicrosoft.com', clientId: options.clientId ?? '00000000-0000-0000-0000-00000000c1d0',
      clientSecret: options.clientSecret, clientCertificate: options.clientCertificate, tokenLifetime: options.tokenLifetime ?? 3600, deviceInterval: 1,
    }, () => this.origin, (email) => this.store.mailbox(email)?.id);
  }

  static async start(options: GraphSimulatorOptions): Promise<GraphSimulator> {
    const sim = new GraphSimulator(options);
    await sim.listen(options.port ?? 0);
    return sim;
  }

  /** `https://127.0.0.1:PORT/v1.0` */
  get baseUrl(): string { return `${this.origin}/v1.0`; }
  /** The authority host to give msal-node (`https://127.0.0.1:PORT`); the tenant follows it. */
  get authorityHost(): string { return this.origin; }
  get tokenUrl(): string { return this.oauth.tokenUrl; }
  get tenant(): string { return this.options.tenant ?? 'contoso.onmicrosoft.com'; }
  get clientId(): string { return this.options.clientId ?? '00000000-0000-0000-0000-00000000c1d0'; }

  private async listen(port: number): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse) => { void this.handle(req, res); };
    this.server = this.certificate ? createHttpsServer({ cert: this.certificate, key: this.key }, handler) : createHttpServer(handler);
    this.server.on('connection', (s: Socket) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
    await new Promise<void>((resolve, reject) => { this.server!.once('error', reject); this.server!.listen(port, '127.0.0.1', () => resolve()); });
    this.origin = `${this.certificate ? 'https' : 'http'}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  // ---------------------------------------------------------------------------------------------------------
  // Test controls

  requests(): LoggedRequest[] { return [...this.log]; }
  clearRequests(): void { this.log = []; this.peakInFlight.clear(); }
  injectFault(f: Fault): void { this.faults.push({ ...f, left: f.count ?? 1 }); }
  clearFaults(): void { this.faults = []; }
  /** Holds every Graph request for `ms` before answering it (0: answer at once). */
  setLatency(ms: number): void { this.options.latencyMs = ms; }
  /** Every delta token handed out so far becomes invalid (410 Gone, syncStateNotFound). */
  expireDeltaTokens(): void { this.deltaGeneration++; }

  /** Acting as Outlook users, out of band: changes that a sync must notice. */
  readonly api = {
    mailbox: (user: string): Mailbox => {
      const mb = this.store.mailbox(user);
      if (!mb) throw new Error(`no mailbox ${user}`);
      return mb;
    },
    folders: (user: string, kind: Kind): Folder[] => [...this.api.mailbox(user).folders.values()].filter((f) => f.kind === kind),
    /** A folder id by name (`Calendar`, `Tasks`, `Contacts` are the defaults). */
    folderId: (user: string, kind: Kind, name?: string): string => {
      const mb = this.api.mailbox(user);
      const f = name ? this.api.folders(user, kind).find((x) => x.name === name) : this.store.defaultFolder(mb, kind);
      if (!f) throw new Error(`no ${kind} folder ${name} in ${user}`);
      return f.id;
    },
    createFolder: (user: string, kind: Kind, name: string, extra: Json = {}): Folder => this.store.addFolder(this.api.mailbox(user), kind, name, false, extra),
    /**
     * A person picks a calendar's colour in Outlook: a named one (`hexColor` follows), or any `hexColor` (new Outlook's
     * custom colours; the name stays).
     */
    colourCalendar: (user: string, folderId: string, colour: { color: string } | { hexColor: string }): void => {
      const f = this.store.folder(this.api.mailbox(user), folderId, 'event');
      if ('color' in colour) this.store.colourCalendar(f, colour.color); else f.hexColor = colour.hexColor;
    },
    create: (user: string, kind: Kind, folderId: string | undefined, body: Json): Json => {
      const mb = this.api.mailbox(user);
      return renderItem(this.store.create(mb, kind, folderId ?? this.store.defaultFolder(mb, kind).id, body), { extended: this.allExtended(mb) });
    },
    update: (user: string, id: string, patch: Json): Json => {
      const mb = this.api.mailbox(user);
      return renderItem(this.store.update(mb, id, patch), { extended: this.allExtended(mb) });
    },
    delete: (user: string, id: string): void => this.store.delete(this.api.mailbox(user), id),
    get: (user: string, id: string, timeZone?: string): Json => {
      const mb = this.api.mailbox(user);
      return renderItem(this.store.item(mb, id), { extended: this.allExtended(mb), extensions: true, timeZone });
    },
    items: (user: string, folderId: string): Item[] => [...this.api.mailbox(user).items.values()].filter((i) => i.folderId === folderId),
    /** Changes one occurrence of a series (it becomes an exception). */
    modifyOccurrence: (user: string, masterId: string, originalStartUtc: string, patch: Json): void => { this.store.updateOccurrence(this.api.mailbox(user), masterId, originalStartUtc, patch); },
    cancelOccurrence: (user: string, masterId: string, originalStartUtc: string): void => { this.store.cancelOccurrence(this.api.mailbox(user), masterId, originalStartUtc); },
    /** Lets `delegate` (signed in with a delegated token) work in `owner`'s mailbox. */
    grantDelegate: (owner: string, delegate: string): void => {
      const set = this.delegates.get(owner.toLowerCase()) ?? new Set<string>();
      set.add(delegate.toLowerCase());
      this.delegates.set(owner.toLowerCase(), set);
    },
    approveDevice: (userCode: string, user: string) => this.oauth.approveDevice(userCode, user),
    pendingUserCodes: () => this.oauth.pendingUserCodes(),
    revokeGrants: (user: string) => this.oauth.revokeGrants(user),
    expireAccessTokens: () => this.oauth.expireAccessTokens(),
    setPhoto: (user: string, id: string, data: Buffer, type = 'image/jpeg'): void => {
      const mb = this.api.mailbox(user);
      const it = this.store.item(mb, id, 'contact');
      it.photo = { data, type };
      this.store.update(mb, id, {});
    },
  };

  private allExtended(mb: Mailbox): string[] {
    return [...new Set([...mb.items.values()].flatMap((i) => ((i.fields.singleValueExtendedProperties as { id: string }[]) ?? []).map((p) => p.id)))];
  }

  // ---------------------------------------------------------------------------------------------------------
  // HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > MAX_BODY) { res.writeHead(413).end(); return; }
      chunks.push(c as Buffer);
    }
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.origin);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v ?? '']));
    let reply: Reply;
    if (url.pathname.startsWith('/v1.0/')) {
      reply = await this.graphTopLevel(req.method ?? 'GET', url, headers, raw);
    } else {
      reply = this.identity(req.method ?? 'GET', url, headers, raw);
    }
    const body = reply.raw ?? (reply.body === undefined ? undefined : Buffer.from(JSON.stringify(reply.body)));
    res.writeHead(reply.status, { ...(reply.body !== undefined && !reply.raw ? { 'content-type': JSON_TYPE } : {}), 'request-id': randomUUID(), ...reply.headers });
    res.end(body);
  }

  /** The identity platform's endpoints (not Graph). */
  private identity(method: string, url: URL, headers: Record<string, string>, raw: Buffer): Reply {
    const t = this.tenant;
    const path = url.pathname;
    let reply: Reply;
    try {
      if (method === 'GET' && (path === `/${t}/v2.0/.well-known/openid-configuration` || path === `/common/v2.0/.well-known/openid-configuration`)) reply = { status: 200, body: this.oauth.metadata() };
      else if (method === 'POST' && path === `/${t}/oauth2/v2.0/token`) reply = { status: 200, body: this.oauth.token(new URLSearchParams(raw.toString('utf8'))), headers: { 'cache-control': 'no-store, no-cache' } };
      else if (method === 'POST' && path === `/${t}/oauth2/v2.0/devicecode`) reply = { status: 200, body: this.oauth.deviceCode(new URLSearchParams(raw.toString('utf8'))) };
      else if (method === 'GET' && path === `/${t}/discovery/v2.0/keys`) reply = { status: 200, body: { keys: [] } };
      else reply = { status: 404, body: { error: 'not_found', error_description: `${path} is not an endpoint of this simulator` } };
    } catch (e) {
      if (!(e instanceof OAuthError)) throw e;
      reply = { status: e.status, body: e.body() };
    }
    const form = method === 'POST' ? Object.fromEntries([...new URLSearchParams(raw.toString('utf8'))].map(([k, v]) => [k, /secret|assertion|refresh_token|device_code/.test(k) ? '***' : v])) : undefined;
    this.log.push({ method, path, query: Object.fromEntries(url.searchParams), status: reply.status, auth: 'none', headers: { contentType: headers['content-type'] }, body: form, inBatch: false });
    return reply;
  }

  private async graphTopLevel(method: string, url: URL, headers: Record<string, string>, raw: Buffer): Promise<Reply> {
    const path = url.pathname.slice('/v1.0'.length);
    const mailboxes = path === '/$batch' ? this.batchMailboxes(raw) : [this.mailboxOfPath(path, headers)].filter((m): m is string => !!m);
    const limit = this.options.concurrencyLimit ?? 4;
    if (mailboxes.some((m) => (this.inFlight.get(m) ?? 0) >= limit)) {
      const reply: Reply = this.error(new GraphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', { 'retry-after': '1' }));
      this.log.push({ method, path, query: Object.fromEntries(url.searchParams), status: 429, mailbox: mailboxes[0], auth: 'none', headers: {}, inBatch: false });
      return reply;
    }
    for (const m of mailboxes) {
      const n = (this.inFlight.get(m) ?? 0) + 1;
      this.inFlight.set(m, n);
      this.peakInFlight.set(m, Math.max(this.peakInFlight.get(m) ?? 0, n));
    }
    try {
      if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs));
      if (path === '/$batch' && method === 'POST') return this.batch(headers, raw);
      return this.graph({ method, path, query: url.searchParams, headers, body: undefined, raw, inBatch: false });
    } finally {
      for (const m of mailboxes) this.inFlight.set(m, (this.inFlight.get(m) ?? 1) - 1);
    }
  }

  private mailboxOfPath(path: string, headers: Record<string, string>): string | undefined {
    const m = /^\/users\/([^/?]+)/.exec(path);
    if (m) return this.store.mailbox(m[1])?.email ?? decodeURIComponent(m[1]).toLowerCase();
    if (path.startsWith('/me')) {
      const token = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
      const g = token ? this.oauth.grantOf(token) : undefined;
      return g && g !== 'expired' ? g.user : undefined;
    }
    return undefined;
  }

  private batchMailboxes(raw: Buffer): string[] {
    try {
      const reqs = (JSON.parse(raw.toString('utf8')) as { requests?: { url?: string }[] }).requests ?? [];
      return [...new Set(reqs.map((r) => this.mailboxOfPath(String(r.url ?? '').replace(/^\/?(v1\.0)?/, '/').replace(/^\/+/, '/'), {})).filter((m): m is string => !!m))];
    } catch {
      return [];
    }
  }

  /** JSON batching: up to 20 requests, answered in one response (sub-requests run in order). */
  private batch(headers: Record<string, string>, raw: Buffer): Reply {
    let parsed: { requests?: { id?: string; method?: string; url?: string; headers?: Record<string, string>; body?: unknown }[] };
    try { parsed = JSON.parse(raw.toString('utf8')); } catch { return this.error(new GraphError(400, 'BadRequest', 'Invalid batch payload format.')); }
    const reqs = parsed.requests;
    const logBatch = (status: number) => this.log.push({ method: 'POST', path: '/$batch', query: {}, status, auth: 'none', headers: {}, body: { requests: reqs?.length ?? 0 }, inBatch: false });
    if (!Array.isArray(reqs) || !reqs.length) { logBatch(400); return this.error(new GraphError(400, 'BadRequest', 'Invalid batch payload format.')); }
    if (reqs.length > 20) { logBatch(400); return this.error(new GraphError(400, 'BadRequest', 'Number of requests exceeds the maximum of 20.')); }
    const ids = new Set<string>();
    for (const r of reqs) {
      if (!r.id || ids.has(r.id)) { logBatch(400); return this.error(new GraphError(400, 'BadRequest', 'Every request of a batch needs a unique id.')); }
      ids.add(r.id);
    }
    const fault = this.takeFault(['throttle'], 'POST', '/$batch', false);
    if (fault) { logBatch(fault.status); return fault; }
    logBatch(200);
    const responses = reqs.map((r) => {
      const u = new URL(`/v1.0${String(r.url ?? '').startsWith('/') ? '' : '/'}${r.url ?? ''}`, this.origin);
      const subHeaders = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
      const reply = this.graph({
        method: (r.method ?? 'GET').toUpperCase(), path: u.pathname.slice('/v1.0'.length), query: u.searchParams,
        headers: { ...subHeaders, authorization: headers.authorization ?? '' }, body: r.body, raw: Buffer.from(r.body === undefined ? '' : JSON.stringify(r.body)), inBatch: true,
      });
      // A body that is not JSON (a photo) travels base64-encoded, as Graph sends it in a batch response.
      const body = reply.raw ? reply.raw.toString('base64') : reply.body;
      return { id: r.id, status: reply.status, headers: { ...(reply.body !== undefined ? { 'content-type': 'application/json' } : {}), ...reply.headers }, ...(body !== undefined ? { body } : {}) };
    });
    return { status: 200, body: { responses } };
  }

  private error(e: GraphError): Reply {
    return { status: e.status, headers: e.headers, body: { error: { code: e.code, message: e.message, innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': randomUUID(), 'client-request-id': randomUUID() } } } };
  }

  private takeFault(kinds: Fault['kind'][], method: string, path: string, inBatch: boolean, hasDeltaToken = false): Reply | undefined {
    const i = this.faults.findIndex((f) => kinds.includes(f.kind) && f.left > 0 && (!f.match || path.includes(f.match))
      && (!('method' in f) || !f.method || f.method === method) && (f.kind !== 'delta-expired' || hasDeltaToken)
      && (f.kind !== 'throttle' || f.inBatch === undefined || f.inBatch === inBatch));
    if (i < 0) return undefined;
    const f = this.faults[i];
    f.left--;
    switch (f.kind) {
      case 'throttle': {
        const status = f.status ?? 429;
        const code = status === 429 ? 'TooManyRequests' : status === 503 ? 'ServiceUnavailable' : 'GatewayTimeout';
        return this.error(new GraphError(status, code, status === 429 ? 'Too many requests; retry after the time in Retry-After.' : 'The service is temporarily unavailable.', f.retryAfter !== undefined ? { 'retry-after': String(f.retryAfter) } : {}));
      }
      case 'token-expired':
        return this.error(new GraphError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.', { 'www-authenticate': 'Bearer realm="", error="invalid_token", error_description="The access token has expired"' }));
      case 'precondition':
        return this.error(new GraphError(412, 'ErrorIrresolvableConflict', 'The change key passed in the request does not match the current change key for the item.'));
      case 'delta-expired':
        return this.error(new GraphError(410, 'syncStateNotFound', 'The sync state generation is not found. Start a new round of delta queries without a token.'));
    }
  }

  /** One Graph request (top level or inside a batch), logged. */
  private graph(ctx: Ctx): Reply {
    const entry: LoggedRequest = {
      method: ctx.method, path: ctx.path, query: Object.fromEntries(ctx.query), status: 0, auth: 'none',
      headers: { prefer: ctx.headers.prefer, ifMatch: ctx.headers['if-match'], contentType: ctx.headers['content-type'] }, inBatch: ctx.inBatch,
    };
    let reply: Reply;
    try {
      reply = this.authorize(ctx, entry) ?? this.takeFault(['throttle', 'token-expired', 'precondition', 'delta-expired'], ctx.method, ctx.path, ctx.inBatch, ctx.query.has('$deltatoken') || ctx.query.has('$skiptoken')) ?? this.route(ctx, entry);
    } catch (e) {
      if (!(e instanceof GraphError)) {
        reply = this.error(new GraphError(500, 'generalException', `simulator error: ${(e as Error).message}`));
      } else reply = this.error(e);
    }
    entry.status = reply.status;
    this.log.push(entry);
    return reply;
  }

  private authorize(ctx: Ctx, entry: LoggedRequest): Reply | undefined {
    const token = /^Bearer (.+)$/.exec(ctx.headers.authorization ?? '')?.[1];
    if (!token) { entry.auth = 'refused'; return this.error(new GraphError(401, 'InvalidAuthenticationToken', 'Access token is empty.')); }
    const g = this.oauth.grantOf(token);
    if (!g) { entry.auth = 'refused'; return this.error(new GraphError(401, 'InvalidAuthenticationToken', 'IDX14100: JWT is not well formed.')); }
    if (g === 'expired') { entry.auth = 'refused'; return this.error(new GraphError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.')); }
    entry.auth = g.kind;
    ctx.grant = g;
    if (ctx.method === 'POST' || ctx.method === 'PATCH' || ctx.method === 'PUT') {
      const type = ctx.headers['content-type'] ?? '';
      if (ctx.inBatch) ctx.body = ctx.body ?? undefined;
      else if (type.startsWith('application/json')) {
        try { ctx.body = ctx.raw.length ? JSON.parse(ctx.raw.toString('utf8')) : {}; } catch { return this.error(new GraphError(400, 'BadRequest', 'Unable to read JSON request payload.')); }
      }
      entry.body = ctx.body;
    }
    return undefined;
  }

  private mailboxFor(ctx: Ctx, segment: string, who: string | undefined): Mailbox {
    const g = ctx.grant!;
    if (segment === 'me') {
      if (g.kind !== 'user') throw new GraphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
      return this.store.mailbox(g.user!)!;
    }
    const mb = this.store.mailbox(who ?? '');
    if (!mb) throw new GraphError(404, 'ErrorInvalidUser', `The requested user '${decodeURIComponent(who ?? '')}' is invalid.`);
    if (g.kind === 'user' && mb.email.toLowerCase() !== g.user!.toLowerCase() && !this.delegates.get(mb.email.toLowerCase())?.has(g.user!.toLowerCase())) {
      throw new GraphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
    }
    return mb;
  }

  private renderOptions(ctx: Ctx): RenderOptions {
    const tz = /outlook\.timezone="([^"]+)"/.exec(ctx.headers.prefer ?? '')?.[1];
    const select = ctx.query.get('$select')?.split(',').map((s) => s.trim()).filter(Boolean);
    const expand = ctx.query.get('$expand') ?? '';
    const extended = /singleValueExtendedProperties/i.test(expand) ? [...expand.matchAll(/id eq '([^']+)'/g)].map((m) => m[1]) : undefined;
    return { timeZone: tz, select, extended, extensions: /(^|,)\s*extensions/.test(expand) };
  }

  private page(ctx: Ctx, values: Json[], max = 1000): Reply {
    const top = Math.min(max, Number(ctx.query.get('$top') ?? 10) || 10);
    const skip = Number(ctx.query.get('$skip') ?? 0) || 0;
    const body: Json = { value: values.slice(skip, skip + top) };
    if (skip + top < values.length) {
      const next = new URL(`${this.baseUrl}${ctx.path}`);
      for (const [k, v] of ctx.query) if (k !== '$skip') next.searchParams.set(k, v);
      next.searchParams.set('$skip', String(skip + top));
      body['@odata.nextLink'] = next.href;
    }
    return { status: 200, body };
  }

  private route(ctx: Ctx, entry: LoggedRequest): Reply {
    const parts = ctx.path.split('/').filter(Boolean).map(decodeURIComponent);
    let mb: Mailbox;
    let rest: string[];
    if (parts[0] === 'me') { mb = this.mailboxFor(ctx, 'me', undefined); rest = parts.slice(1); }
    else if (parts[0] === 'users' && parts[1]) { mb = this.mailboxFor(ctx, 'users', parts[1]); rest = parts.slice(2); }
    else throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${parts[0] ?? ''}'.`);
    entry.mailbox = mb.email;
    const m = ctx.method;
    const o = this.renderOptions(ctx);
    const body = (ctx.body ?? {}) as Json;
    const [a, b, c, d, e, f] = rest;
    if (!a && m === 'GET') return { status: 200, body: { id: mb.id, mail: mb.email, userPrincipalName: mb.email, displayName: mb.displayName } };

    // Calendars and events.
    if (a === 'calendars' && !b) {
      if (m === 'GET') return this.page(ctx, [...mb.folders.values()].filter((x) => x.kind === 'event').map((x) => renderFolder(mb, x)), 1000);
      if (m === 'POST') {
        readOnly(body, ['hexColor']);
        const color = calendarColor(body.color ?? 'auto');
        const folder = this.store.addFolder(mb, 'event', String(body.name ?? ''), false);
        this.store.colourCalendar(folder, color);
        return { status: 201, body: renderFolder(mb, folder) };
      }
    }
    const calendarOf = (id: string | undefined) => (id === undefined ? this.store.defaultFolder(mb, 'event') : this.store.folder(mb, id, 'event'));
    let cal: Folder | undefined;
    let tail: string[] = [];
    if (a === 'calendar') { cal = calendarOf(undefined); tail = rest.slice(1); }
    else if (a === 'calendars' && b) { cal = calendarOf(b); tail = rest.slice(2); }
    else if (a === 'events' || a === 'calendarView') { cal = undefined; tail = rest; }
    if (cal !== undefined || a === 'events' || a === 'calendarView') {
      const [t0, t1, t2] = tail;
      if (!t0 && m === 'GET' && cal) return { status: 200, body: renderFolder(mb, cal) };
      if (!t0 && m === 'PATCH' && cal) {
        // Update calendar: `name` and the named `color` are writable; `hexColor` is read-only and follows `color`.
        readOnly(body, ['hexColor', 'id', 'changeKey', 'owner', 'canEdit']);
        const color = body.color === undefined ? undefined : calendarColor(body.color);
        if (body.name !== undefined) this.store.renameFolder(mb, cal, body.name);
        if (color !== undefined) this.store.colourCalendar(cal, color);
        return { status: 200, body: renderFolder(mb, cal) };
      }
      if (t0 === 'events' && !t1) {
        const folder = cal ?? this.store.defaultFolder(mb, 'event');
        if (m === 'GET') return this.page(ctx, [...mb.items.values()].filter((i) => i.kind === 'event' && (cal ? i.folderId === folder.id : true)).sort((x, y) => x.created.localeCompare(y.created) || x.id.localeCompare(y.id)).map((i) => renderItem(i, o)));
        if (m === 'POST') return { status: 201, body: renderItem(this.store.create(mb, 'event', folder.id, body), o) };
      }
      if (t0 === 'events' && t1 && !t2) return this.itemRequest(ctx, mb, t1, o);
      if (t0 === 'events' && t1 && t2 === 'instances' && m === 'GET') {
        const master = this.store.item(mb, t1, 'event');
        const [from, to] = this.range(ctx);
        return this.page(ctx, master.fields.recurrence ? this.store.instances(master, from, to).map((i) => renderInstance(i, o)) : [], 1000);
      }
      if (t0 === 'calendarView' && !t1 && m === 'GET') {
        const [from, to] = this.range(ctx);
        return this.page(ctx, this.store.calendarView(mb, (cal ?? this.store.defaultFolder(mb, 'event')).id, from, to).map((i) => renderInstance(i, o)));
      }
      if (t0 === 'calendarView' && t1 === 'delta' && m === 'GET') return this.delta(ctx, mb, (cal ?? this.store.defaultFolder(mb, 'event')).id, 'event', o, `${ctx.path}`);
    }

    // Microsoft To Do.
    if (a === 'todo' && b === 'lists') {
      if (!c && m === 'GET') return this.page(ctx, [...mb.folders.values()].filter((x) => x.kind === 'task').map((x) => renderFolder(mb, x)), 1000);
      if (!c && m === 'POST') return { status: 201, body: renderFolder(mb, this.store.addFolder(mb, 'task', String(body.displayName ?? ''))) };
      const list = c ? this.store.folder(mb, c, 'task') : undefined;
      if (list && !d && m === 'GET') return { status: 200, body: renderFolder(mb, list) };
      if (list && !d && m === 'PATCH') {
        // Update todoTaskList: `displayName` is its one writable property.
        readOnly(body, ['id', 'isOwner', 'isShared', 'wellknownListName']);
        if (body.displayName !== undefined) this.store.renameFolder(mb, list, body.displayName);
        return { status: 200, body: renderFolder(mb, list) };
      }
      if (list && d === 'tasks' && !e) {
        if (m === 'GET') return this.page(ctx, [...mb.items.values()].filter((i) => i.folderId === list.id).map((i) => renderItem(i, o)));
        if (m === 'POST') return { status: 201, body: renderItem(this.store.create(mb, 'task', list.id, body), o) };
      }
      if (list && d === 'tasks' && e === 'delta' && m === 'GET') return this.delta(ctx, mb, list.id, 'task', o, ctx.path);
      if (list && d === 'tasks' && e && !f) return this.itemRequest(ctx, mb, e, o, list.id);
      if (list && d === 'tasks' && e && f === 'extensions') {
        const it = this.store.item(mb, e, 'task');
        const name = rest[6]; // …/tasks/{id}/extensions/{name}
        if (m === 'POST' && !name) {
          const ext = { ...body, id: body.extensionName };
          const others = ((it.fields.extensions as Json[]) ?? []).filter((x) => x.id !== ext.id);
          this.store.update(mb, e, { extensions: [...others, ext] }, ctx.headers['if-match']);
          return { status: 201, body: ext };
        }
        if (m === 'PATCH' && name) {
          const old = ((it.fields.extensions as Json[]) ?? []).find((x) => x.id === name);
          if (!old) throw new GraphError(404, 'ErrorItemNotFound', 'The extension was not found.');
          const next = { ...old, ...body, id: name, extensionName: name };
          this.store.update(mb, e, { extensions: [...((it.fields.extensions as Json[]) ?? []).filter((x) => x.id !== name), next] }, ctx.headers['if-match']);
          return { status: 200, body: next };
        }
      }
    }

    // Contacts.
    if (a === 'contactFolders' && !b) {
      if (m === 'GET') return this.page(ctx, [...mb.folders.values()].filter((x) => x.kind === 'contact' && !x.isDefault).map((x) => renderFolder(mb, x)), 1000);
      if (m === 'POST') return { status: 201, body: renderFolder(mb, this.store.addFolder(mb, 'contact', String(body.displayName ?? ''))) };
    }
    let folder: Folder | undefined;
    let ctail: string[] | undefined;
    if (a === 'contactFolders' && b) { folder = this.store.folder(mb, b, 'contact'); ctail = rest.slice(2); }
    else if (a === 'contacts') { folder = this.store.defaultFolder(mb, 'contact'); ctail = rest; }
    if (folder && ctail) {
      const [t0, t1, t2, t3] = ctail;
      if (!t0 && m === 'GET') return { status: 200, body: renderFolder(mb, folder) };
      if (!t0 && m === 'PATCH' && a === 'contactFolders') {
        // Update contactFolder: `displayName` (moving it with `parentFolderId` is not simulated).
        readOnly(body, ['id', 'parentFolderId']);
        if (body.displayName !== undefined) this.store.renameFolder(mb, folder, body.displayName);
        return { status: 200, body: renderFolder(mb, folder) };
      }
      if (t0 === 'contacts' && !t1) {
        if (m === 'GET') return this.page(ctx, [...mb.items.values()].filter((i) => i.folderId === folder!.id).map((i) => renderItem(i, o)));
        if (m === 'POST') return { status: 201, body: renderItem(this.store.create(mb, 'contact', folder.id, body), o) };
      }
      if (t0 === 'contacts' && t1 === 'delta' && m === 'GET') return this.delta(ctx, mb, folder.id, 'contact', o, ctx.path);
      if (t0 === 'contacts' && t1 && !t2) return this.itemRequest(ctx, mb, t1, o);
      if (t0 === 'contacts' && t1 && t2 === 'photo' && t3 === '$value') return this.photo(ctx, mb, t1);
    }
    throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${rest.join('/')}'.`);
  }

  private itemRequest(ctx: Ctx, mb: Mailbox, id: string, o: RenderOptions, folderId?: string): Reply {
    const ifMatch = ctx.headers['if-match'];
    if (ctx.method === 'GET') {
      const occ = id.startsWith('OCC') || id.startsWith('EXC') ? this.instanceById(mb, id) : undefined;
      if (occ) return { status: 200, body: renderInstance(occ, o) };
      const it = this.store.item(mb, id);
      if (folderId && it.folderId !== folderId) throw new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      return { status: 200, body: renderItem(it, o) };
    }
    if (ctx.method === 'PATCH') {
      const it = this.store.update(mb, id, (ctx.body ?? {}) as Json, ifMatch);
      const occ = id.startsWith('OCC') || id.startsWith('EXC') ? this.instanceById(mb, id) : undefined;
      return { status: 200, body: occ ? renderInstance(occ, o) : renderItem(it, o) };
    }
    if (ctx.method === 'DELETE') { this.store.delete(mb, id, ifMatch); return { status: 204 }; }
    throw new GraphError(405, 'ErrorInvalidRequest', `${ctx.method} is not supported here.`);
  }

  private instanceById(mb: Mailbox, id: string) {
    for (const it of mb.items.values()) {
      if (!it.fields.recurrence) continue;
      const key = id.startsWith('EXC') ? [...it.exceptions.values()].find((x) => x.id === id)?.originalStart : undefined;
      const occ = id.startsWith('OCC') ? Buffer.from(id.slice(3), 'base64url').toString('utf8').split('|') : undefined;
      const start = key ?? (occ?.[0] === it.id ? occ[1] : undefined);
      if (!start) continue;
      const ms = Date.parse(start);
      const inst = this.store.instances(it, ms - 366 * 86_400_000, ms + 366 * 86_400_000).find((i) => i.originalStart === start);
      if (inst) return inst;
      throw new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    }
    throw new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  }

  private photo(ctx: Ctx, mb: Mailbox, id: string): Reply {
    const it = this.store.item(mb, id, 'contact');
    if (ctx.method === 'GET') {
      if (!it.photo) throw new GraphError(404, 'ErrorItemNotFound', 'The photo wasn\'t found.');
      return { status: 200, headers: { 'content-type': it.photo.type }, raw: it.photo.data };
    }
    if (ctx.method === 'PUT') {
      const type = ctx.headers['content-type'] ?? '';
      if (!type.startsWith('image/') || !ctx.raw.length) throw new GraphError(400, 'ErrorInvalidRequest', 'A photo is sent as image bytes with an image/* content type.');
      it.photo = { data: ctx.raw, type };
      this.store.update(mb, id, {});
      return { status: 200 };
    }
    if (ctx.method === 'DELETE') { delete it.photo; this.store.update(mb, id, {}); return { status: 204 }; }
    throw new GraphError(405, 'ErrorInvalidRequest', `${ctx.method} is not supported here.`);
  }

  private range(ctx: Ctx): [number, number] {
    const parse = (name: string) => {
      const v = ctx.query.get(name) ?? ctx.query.get(name.toLowerCase());
      if (!v) throw new GraphError(400, 'ErrorInvalidParameter', `This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.`);
      const ms = /[zZ]|[+-]\d\d:\d\d$/.test(v) ? Date.parse(v) : Date.parse(`${v}Z`);
      if (Number.isNaN(ms)) throw new GraphError(400, 'ErrorInvalidParameter', `${name} is not a date-time: ${v}`);
      return ms;
    };
    return [parse('startDateTime'), parse('endDateTime')];
  }

  /** A delta query: a first round lists everything, later rounds what changed after the token's change number. */
  private delta(ctx: Ctx, mb: Mailbox, folderId: string, kind: Kind, o: RenderOptions, path: string): Reply {
    const tokenText = ctx.query.get('$deltatoken') ?? ctx.query.get('$skiptoken');
    let state: DeltaState;
    if (tokenText) {
      const t = unb64<DeltaState>(tokenText);
      if (!t || t.f !== folderId) throw new GraphError(400, 'BadRequest', 'The delta token is malformed.');
      if (t.g !== this.deltaGeneration) throw new GraphError(410, 'syncStateNotFound', 'The sync state generation is not found. Start a new round of delta queries without a token.');
      state = t;
    } else {
      state = { g: this.deltaGeneration, f: folderId, s: 0, ...(kind === 'event' ? { w: this.range(ctx) } : {}) };
    }
    const toSeq = state.t ?? mb.seq;
    const values: Json[] = [];
    const removed = (id: string) => values.push({ '@odata.type': kind === 'event' ? '#microsoft.graph.event' : kind === 'task' ? '#microsoft.graph.todoTask' : '#microsoft.graph.contact', id, '@removed': { reason: 'deleted' } });
    const { changed, deleted } = this.store.changesSince(mb, folderId, state.s, toSeq);
    if (kind === 'event') {
      const [from, to] = state.w!;
      for (const it of changed) {
        const view = this.store.viewOf(it, from, to);
        if (!view.length) { removed(it.id); continue; }
        for (const inst of view) values.push(renderInstance(inst, { timeZone: o.timeZone }));
        if (state.s > 0) for (const gone of it.cancelled) if (Date.parse(gone) >= from && Date.parse(gone) < to) removed(`OCC${Buffer.from(`${it.id}|${gone}`).toString('base64url')}`);
      }
      if (state.s > 0) {
        for (const t of deleted) {
          const view = t.item.fields.recurrence ? this.store.viewOf(t.item, from, to) : [];
          for (const inst of view) removed(inst.id);
          removed(t.id);
        }
      }
    } else {
      for (const it of changed) values.push(renderItem(it, { timeZone: o.timeZone }));
      if (state.s > 0) for (const t of deleted) removed(t.id);
    }
    const size = Number(/odata\.maxpagesize=(\d+)/.exec(ctx.headers.prefer ?? '')?.[1] ?? this.options.deltaPageSize ?? 100) || 100;
    const offset = state.o ?? 0;
    const page = values.slice(offset, offset + size);
    const link = (token: DeltaState, param: string) => `${this.baseUrl}${path}?${param}=${b64(token)}`;
    const body: Json = { '@odata.context': `${this.baseUrl}/$metadata#Collection(${kind})`, value: page };
    if (offset + size < values.length) body['@odata.nextLink'] = link({ ...state, t: toSeq, o: offset + size }, '$skiptoken');
    else body['@odata.deltaLink'] = link({ g: state.g, f: folderId, s: toSeq, ...(state.w ? { w: state.w } : {}) }, '$deltatoken');
    return { status: 200, body };
  }
}

export { utcIso, instantOfGraph };
