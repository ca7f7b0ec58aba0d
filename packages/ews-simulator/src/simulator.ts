/**
 * The simulator: an HTTP server on 127.0.0.1 serving EWS at `/EWS/Exchange.asmx` (SOAP 1.1 over POST) and the
 * out-of-band API at `/_simulator/<method>` (JSON over POST, same authentication), with fault injection, a request
 * log and optional JSON persistence of the whole state.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Authenticator, type UserAccount } from './auth.js';
import type { RequestLogEntry } from './context.js';
import { handleSoap, operationName } from './dispatch.js';
import { FaultPlan, type FaultSpec } from './faults.js';
import { OobError, OutOfBand } from './oob.js';
import { SoapFault, faultResponse } from './soap.js';
import { Store, type StoreData } from './store.js';
import { el, XmlError } from './xml.js';

export interface SimulatorOptions {
  /** The users (one mailbox each). At least one. */
  users: UserAccount[];
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** JSON file: loaded at start if it exists, written after every request and at stop. */
  statePath?: string;
  /** Largest request body accepted (default 32 MiB); larger ones get HTTP 413. */
  maxBodyBytes?: number;
  /** Receives one line per request (the CLI prints them). */
  onLog?: (line: string) => void;
}

const EWS_PATH = '/ews/exchange.asmx';
const OOB_PREFIX = '/_simulator/';
const MAX_LOG = 10_000;

interface PersistedState {
  store: StoreData;
  users: UserAccount[];
  tokens: [string, string][];
  impersonation: [string, string[]][];
}

export class EwsSimulator {
  /** The EWS endpoint, `http://127.0.0.1:PORT/EWS/Exchange.asmx`. */
  readonly url: string;
  /** `http://127.0.0.1:PORT`. */
  readonly baseUrl: string;
  /** Out-of-band item and permission operations (also served over HTTP). */
  readonly api: OutOfBand;
  readonly store: Store;
  private readonly users: UserAccount[];
  private readonly tokens = new Map<string, string>();
  private readonly impersonation = new Map<string, Set<string>>();
  private readonly faults = new FaultPlan();
  private readonly auth: Authenticator;
  private readonly log: RequestLogEntry[] = [];
  private readonly sockets = new Set<Socket>();
  private seq = 0;

  private constructor(private readonly server: Server, private readonly opts: SimulatorOptions, state?: PersistedState) {
    this.store = new Store(state?.store);
    this.users = state?.users ?? [];
    for (const [t, e] of state?.tokens ?? []) this.tokens.set(t, e);
    for (const [a, ts] of state?.impersonation ?? []) this.impersonation.set(a, new Set(ts));
    for (const u of opts.users) this.addUser(u);
    this.auth = new Authenticator(() => this.users, this.tokens);
    this.api = new OutOfBand(this.store, () => this.newLogEntry('_simulator', 'none', ''));
    const { port } = server.address() as { port: number };
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.url = `${this.baseUrl}/EWS/Exchange.asmx`;
  }

  /** Starts a simulator; resolves once it listens. */
  static async start(opts: SimulatorOptions): Promise<EwsSimulator> {
    if (!opts.users?.length) throw new Error('the EWS simulator needs at least one user ({ email, password })');
    let state: PersistedState | undefined;
    if (opts.statePath && existsSync(opts.statePath)) {
      try {
        state = JSON.parse(readFileSync(opts.statePath, 'utf8')) as PersistedState;
      } catch (e) {
        throw new Error(`cannot read simulator state ${opts.statePath}: ${(e as Error).message}`);
      }
    }
    const server = createServer({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
    });
    const sim = new EwsSimulator(server, opts, state);
    server.on('connection', (s) => {
      sim.sockets.add(s);
      s.on('close', () => sim.sockets.delete(s));
    });
    server.on('request', (req, res) => { void sim.handle(req, res); });
    return sim;
  }

  /** Adds a user and their mailbox (an existing mailbox keeps its data; the password is replaced). */
  addUser(user: UserAccount): void {
    if (!/^[^@\s]+@[^@\s]+$/.test(user.email ?? '')) throw new OobError(`'${user.email}' is not an SMTP address`);
    if (typeof user.password !== 'string') throw new OobError('a user needs a password');
    const i = this.users.findIndex((u) => u.email.toLowerCase() === user.email.toLowerCase());
    if (i >= 0) this.users.splice(i, 1);
    this.users.push({ ...user });
    this.store.addMailbox(user.email, user.displayName);
  }

  /** Registers an OAuth bearer token for a user. */
  addToken(ref: { token: string; email: string }): void {
    if (!this.store.mailbox(ref.email)) throw new OobError(`no mailbox ${ref.email}`);
    this.tokens.set(ref.token, this.store.mailbox(ref.email)!.email);
  }

  /** Lets `actor` use ExchangeImpersonation for `target`. */
  grantImpersonation(ref: { actor: string; target: string }): void {
    const set = this.impersonation.get(ref.actor.toLowerCase()) ?? new Set<string>();
    set.add(ref.target.toLowerCase());
    this.impersonation.set(ref.actor.toLowerCase(), set);
  }

  /** Arms a fault for the next matching EWS request(s). */
  injectFault(spec: FaultSpec): void {
    this.faults.add(spec);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  pendingFaults(): FaultSpec[] {
    return this.faults.pending();
  }

  /** The request log, oldest first (the last 10,000 requests). */
  requests(filter: { operation?: string } = {}): RequestLogEntry[] {
    return this.log.filter((e) => !filter.operation || e.operation === filter.operation);
  }

  clearRequests(): void {
    this.log.length = 0;
  }

  /** Stops listening, ends open (and hanging) connections and writes the state file. */
  async stop(): Promise<void> {
    this.save();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  private save(): void {
    if (!this.opts.statePath) return;
    const state: PersistedState = {
      store: this.store.data, users: this.users, tokens: [...this.tokens],
      impersonation: [...this.impersonation].map(([a, ts]) => [a, [...ts]]),
    };
    const tmp = `${this.opts.statePath}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, this.opts.statePath);
  }

  private newLogEntry(operation: string, authScheme: string, body: string): RequestLogEntry {
    const entry: RequestLogEntry = {
      seq: ++this.seq, time: new Date().toISOString(), operation, authScheme, mailboxes: [], folderIds: [], itemIds: [],
      body, responseCodes: [],
    };
    this.log.push(entry);
    if (this.log.length > MAX_LOG) this.log.shift();
    return entry;
  }

  private readBody(req: IncomingMessage): Promise<string | undefined> {
    const max = this.opts.maxBodyBytes ?? 32 * 1024 * 1024;
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > max) {
          resolve(undefined);
          req.removeAllListeners('data');
          req.resume();
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = (req.url ?? '/').split('?')[0]!;
      const isEws = path.toLowerCase() === EWS_PATH;
      const isOob = path.startsWith(OOB_PREFIX);
      if (!isEws && !isOob) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
        return;
      }
      const body = await this.readBody(req);
      const auth = this.auth.authenticate(req);
      if (!auth.ok) {
        const entry = this.newLogEntry(isEws && body ? operationName(body) : path, auth.scheme, body ?? '');
        entry.status = 401;
        const headers = auth.challenge ? [auth.challenge] : this.auth.challengeHeaders('127.0.0.1');
        res.writeHead(401, { 'www-authenticate': headers, 'content-length': '0' }).end();
        return;
      }
      if (body === undefined) {
        res.writeHead(413, { 'content-type': 'text/plain' }).end('Request Entity Too Large');
        return;
      }
      if (isOob) return this.handleOob(path.slice(OOB_PREFIX.length), body, auth.user, res);
      if (req.method !== 'POST') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>EWS simulator: POST SOAP requests here.</body></html>');
        return;
      }
      await this.handleEws(req, res, body, auth.user, auth.scheme);
    } catch (e) {
      this.opts.onLog?.(`internal error: ${(e as Error).stack ?? String(e)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end();
    }
  }

  private async handleEws(req: IncomingMessage, res: ServerResponse, body: string, user: string, scheme: string): Promise<void> {
    const entry = this.newLogEntry(operationName(body), scheme, body);
    entry.user = user;
    const fault = this.faults.take(entry.operation);
    if (fault) {
      entry.fault = fault.kind;
      this.opts.onLog?.(`${entry.operation} ${user}: injected ${fault.kind}`);
      switch (fault.kind) {
        case 'server-busy': {
          const f = new SoapFault('ErrorServerBusy', 'The server cannot service this request right now. Try again later.',
            [el('t:Value', { Name: 'BackOffMilliseconds' }, String(fault.backOffMs ?? 5000))]);
          entry.status = 500;
          entry.responseCodes.push('ErrorServerBusy');
          res.writeHead(500, { 'content-type': 'text/xml; charset=utf-8' }).end(faultResponse(f));
          return;
        }
        case 'http-503':
          entry.status = 503;
          res.writeHead(503, { 'retry-after': String(fault.retryAfter ?? 5), 'content-type': 'text/html' }).end('<html><body>Service Unavailable</body></html>');
          return;
        case 'http-500':
          entry.status = 500;
          res.writeHead(500, { 'content-type': 'text/html' }).end('<html><body>Internal Server Error</body></html>');
          return;
        case 'http-401':
          entry.status = 401;
          res.writeHead(401, { 'www-authenticate': this.auth.challengeHeaders('127.0.0.1'), 'content-length': '0' }).end();
          return;
        case 'reset':
          req.socket.resetAndDestroy();
          return;
        case 'hang':
          return; // Left open until the client gives up or the simulator stops.
        case 'delay':
          await new Promise((r) => setTimeout(r, fault.ms ?? 1000));
          break;
        case 'truncated': {
          // A complete HTTP response whose XML stops half-way (what a broken proxy or a crashed backend delivers).
          const full = handleSoap(body, this.caller(user), this.store, entry).body;
          const cut = full.slice(0, Math.floor(full.length / 2));
          entry.status = 200;
          res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8', 'content-length': String(Buffer.byteLength(cut)) }).end(cut);
          return;
        }
      }
    }
    const result = handleSoap(body, this.caller(user), this.store, entry);
    entry.status = result.status;
    this.save();
    this.opts.onLog?.(`${entry.operation} ${entry.user ?? user} ${scheme} ${result.status} ${entry.responseCodes.join(',')}`);
    res.writeHead(result.status, { 'content-type': 'text/xml; charset=utf-8' }).end(result.body);
  }

  private caller(user: string) {
    return { user, mayImpersonate: (t: string) => this.impersonation.get(user.toLowerCase())?.has(t.toLowerCase()) ?? false };
  }

  private handleOob(method: string, body: string, user: string, res: ServerResponse): void {
    const entry = this.newLogEntry(`_simulator/${method}`, 'oob', body);
    entry.user = user;
    const send = (status: number, value: unknown) => {
      entry.status = status;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value ?? null));
    };
    let args: Record<string, unknown>;
    try {
      args = body.trim() ? (JSON.parse(body) as Record<string, unknown>) : {};
    } catch {
      send(400, { error: 'the body must be JSON' });
      return;
    }
    const routes: Record<string, (a: never) => unknown> = {
      createItem: (a) => this.api.createItem(a), updateItem: (a) => this.api.updateItem(a),
      deleteItem: (a) => this.api.deleteItem(a), respondToMeeting: (a) => this.api.respondToMeeting(a),
      grantDelegate: (a) => this.api.grantDelegate(a), invalidateSyncStates: (a) => this.api.invalidateSyncStates(a),
      items: (a) => this.api.items(a), folderId: (a) => this.api.folderId(a),
      addUser: (a) => this.addUser(a), addToken: (a) => this.addToken(a), grantImpersonation: (a) => this.grantImpersonation(a),
      injectFault: (a) => this.injectFault(a), clearFaults: () => this.clearFaults(), pendingFaults: () => this.pendingFaults(),
      requests: (a) => this.requests(a).filter((e) => e !== entry), clearRequests: () => this.clearRequests(),
    };
    const route = routes[method];
    if (!route) {
      send(404, { error: `unknown simulator method '${method}' (one of ${Object.keys(routes).join(', ')})` });
      return;
    }
    try {
      send(200, { result: route(args as never) ?? null });
      this.save();
    } catch (e) {
      // Mistakes in the call (unknown mailbox, bad XML, bad level) are the caller's; anything else is ours.
      const callerMistake = e instanceof OobError || e instanceof XmlError || e instanceof TypeError;
      if (!callerMistake) this.opts.onLog?.(`internal error in _simulator/${method}: ${(e as Error).stack ?? String(e)}`);
      send(callerMistake ? 400 : 500, { error: (e as Error).message });
    }
  }
}
