/**
 * One running connector process: started with execa (minimal environment, stdio piped), JSON-RPC over its
 * stdin/stdout, its stderr logged line by line through the host's logger (secrets masked), heartbeats, request
 * timeouts and bounded messages. Anything that breaks the protocol — garbage or an oversized line on stdout, an
 * unanswered heartbeat or request — kills the child and is reported once through `onExit` as a crash.
 */
import type { execa as Execa, ResultPromise } from 'execa';
import { JSONRPCErrorException } from 'json-rpc-2.0';
import { readLines } from '../../protocol/lines.js';
import { createPeer, serve, type Peer } from '../../protocol/peer.js';
import {
  errorFromWire, TYPED_ERROR_CODE, type CacheReadParams, type CacheWriteParams, type CredentialsWriteParams, type SecretParams, type WatchChangedParams,
} from '../../protocol/messages.js';
import type { ConnectorCache, CredentialStore, Logger, Secrets } from '../../sdk/connector.js';
import { ConnectorCrashed } from './errors.js';
import type { ProcessLimits } from './options.js';

/** What to start. */
export interface ChildCommand {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

export interface ChildHooks {
  connectorId: string;
  /** Logger for the child's stderr (already bound to the connector and endpoint). */
  logger: Logger;
  /** Masks secret values in a line of the child's stderr before it is parsed or logged. */
  mask(text: string): string;
  /** Answers the child's `secrets.get` / `secrets.maybe`. */
  secrets: Secrets;
  /** Answers the child's `credentials.read` / `write` / `clear` (the endpoint's credential file). */
  credentials: CredentialStore;
  /** Answers the child's `cache.read` / `cache.write` (the endpoint's connector cache). */
  cache: ConnectorCache;
  /** Told once when the child is gone; `crash` is false after `stop()`. */
  onExit(reason: string, crash: boolean): void;
  onWatchChanged?(watchId: string): void;
}

const LEVELS = new Map<unknown, 'trace' | 'debug' | 'info' | 'warn' | 'error'>([
  [10, 'trace'], [20, 'debug'], [30, 'info'], [40, 'warn'], [50, 'error'], [60, 'error'],
  ['trace', 'trace'], ['debug', 'debug'], ['info', 'info'], ['warn', 'warn'], ['error', 'error'], ['fatal', 'error'],
]);

/** Logs one stderr line: a JSON log line keeps its level, message and fields; any other text is a warning. */
function logStderrLine(logger: Logger, line: string): void {
  if (line.startsWith('{')) {
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      const level = LEVELS.get(parsed.level);
      if (level && typeof parsed === 'object' && parsed !== null) {
        const { level: _l, msg, time: _t, pid: _p, hostname: _h, ...fields } = parsed;
        logger[level]({ ...fields, source: 'connector' }, typeof msg === 'string' ? msg : '');
        return;
      }
    } catch { /* not JSON after all: log it as text */ }
  }
  logger.warn({ source: 'connector-stderr' }, line);
}

/** execa, imported when the first connector process starts (most runs start none; it costs ~100 modules to load). */
let execa: typeof Execa | undefined;

/** Loads what starting a connector process needs; call (and await) before `new ConnectorChild`. */
export async function loadChildRunner(): Promise<void> {
  execa ??= (await import('execa')).execa;
}

export class ConnectorChild {
  private readonly peer: Peer;
  private readonly subprocess: ResultPromise;
  private readonly gone: Promise<never>;
  private failWith!: (e: Error) => void;
  private exitReason: string | undefined;
  private stopping = false;
  private pingSentAt: number | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly lastStderr: string[] = [];

  constructor(command: ChildCommand, private readonly limits: ProcessLimits, private readonly hooks: ChildHooks) {
    this.gone = new Promise<never>((_, reject) => { this.failWith = reject; });
    this.gone.catch(() => undefined);
    if (!execa) throw new Error('loadChildRunner() must be awaited before a connector process starts');
    this.subprocess = execa(command.command, command.args, {
      cwd: command.cwd, env: command.env, extendEnv: false,
      stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', buffer: false, reject: false, cleanup: true, windowsHide: true,
      forceKillAfterDelay: 2_000,
    });
    const stdin = this.subprocess.stdin!;
    const stdout = this.subprocess.stdout!;
    const stderr = this.subprocess.stderr!;
    stdin.on('error', () => undefined); // EPIPE after the child died; the exit handler reports it
    this.peer = createPeer((line) => {
      if (this.exitReason === undefined && stdin.writable) stdin.write(line);
    });
    serve<SecretParams, string>(this.peer, 'secrets.get', (p) => hooks.secrets.get(String(p?.key)));
    serve<SecretParams, string | null>(this.peer, 'secrets.maybe', async (p) => (await hooks.secrets.maybe(String(p?.key))) ?? null);
    serve<Record<string, never>, string | null>(this.peer, 'credentials.read', async () => (await hooks.credentials.read()) ?? null);
    serve<CredentialsWriteParams, null>(this.peer, 'credentials.write', async (p) => { await hooks.credentials.write(String(p?.text ?? '')); return null; });
    serve<Record<string, never>, null>(this.peer, 'credentials.clear', async () => { await hooks.credentials.clear(); return null; });
    serve<CacheReadParams, Record<string, string>>(this.peer, 'cache.read', (p) => hooks.cache.read(String(p?.scope)));
    serve<CacheWriteParams, null>(this.peer, 'cache.write', async (p) => { await hooks.cache.write(String(p?.scope), p?.entries ?? {}); return null; });
    serve<WatchChangedParams, void>(this.peer, 'watch.changed', (p) => { hooks.onWatchChanged?.(String(p?.watchId)); });

    readLines(stdout, {
      maxBytes: limits.maxMessageBytes,
      onLine: (line) => this.receive(line),
      onError: (e) => this.kill(`protocol error: it wrote ${e.message} to stdout`),
    });
    readLines(stderr, {
      maxBytes: limits.maxLogLineBytes, onOverflow: 'truncate',
      onLine: (raw) => {
        const line = hooks.mask(raw);
        this.lastStderr.push(line.length > 300 ? `${line.slice(0, 300)}…` : line);
        if (this.lastStderr.length > 3) this.lastStderr.shift();
        logStderrLine(hooks.logger, line);
      },
    });
    void this.subprocess.then((result) => {
      const how = result.signal ? `was killed by ${result.signal}` : result.exitCode !== undefined ? `exited with code ${result.exitCode}`
        : `could not be started: ${result.shortMessage ?? result.message ?? 'unknown error'}`;
      const stderrTail = this.lastStderr.length ? ` (last stderr: ${this.lastStderr.join(' | ')})` : '';
      this.finish(this.exitReason ?? `the process ${how}${stderrTail}`);
    });
  }

  /** Starts heartbeats (after `initialize`: a child that is still starting up is not hung). */
  beginHeartbeats(): void {
    if (this.heartbeat || this.exitReason !== undefined) return;
    this.heartbeat = setInterval(() => this.beat(), this.limits.heartbeatMs);
    this.heartbeat.unref();
  }

  /** The child's process id (undefined when it could not be started). */
  get pid(): number | undefined {
    return this.subprocess.pid;
  }

  /** True until the child is gone. */
  get alive(): boolean {
    return this.exitReason === undefined;
  }

  private receive(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      this.kill(`protocol error: it wrote something other than a JSON-RPC message to stdout: ${JSON.stringify(this.hooks.mask(line).slice(0, 120))}`);
      return;
    }
    this.peer.receiveAndSend(message, undefined, undefined).catch(() => {
      this.kill(`protocol error: it wrote an invalid JSON-RPC message to stdout: ${JSON.stringify(this.hooks.mask(line).slice(0, 120))}`);
    });
  }

  private beat(): void {
    if (this.exitReason !== undefined) return;
    if (this.pingSentAt !== undefined) {
      if (Date.now() - this.pingSentAt >= this.limits.heartbeatMs) this.kill(`no answer to a heartbeat within ${this.limits.heartbeatMs} ms (busy or hung)`);
      return;
    }
    const sentAt = Date.now();
    this.pingSentAt = sentAt;
    this.peer.request('$/ping', null, undefined).then(() => { if (this.pingSentAt === sentAt) this.pingSentAt = undefined; }, () => undefined);
  }

  /** Sends a request; rejects with a typed error from the connector, or `ConnectorCrashed` when the child dies. */
  async request<T>(method: string, params: unknown, timeoutMs = this.limits.requestTimeoutMs): Promise<T> {
    if (this.exitReason !== undefined) throw new ConnectorCrashed(this.hooks.connectorId, this.exitReason);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill(`request "${method}" got no answer within ${timeoutMs} ms`);
        reject(new ConnectorCrashed(this.hooks.connectorId, this.exitReason ?? 'timed out'));
      }, timeoutMs);
    });
    try {
      return (await Promise.race([this.peer.request(method, params, undefined), this.gone, timeout])) as T;
    } catch (e) {
      if (e instanceof JSONRPCErrorException) {
        if (e.code === TYPED_ERROR_CODE) throw errorFromWire(e.data);
        throw new Error(`connector "${this.hooks.connectorId}" ${method}: ${e.message}`);
      }
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  notify(method: string, params: unknown): void {
    if (this.exitReason === undefined) this.peer.notify(method, params, undefined);
  }

  /** Kills the child (a crash unless `stop()` is under way). */
  kill(reason: string): void {
    if (this.exitReason !== undefined) return;
    this.exitReason = reason;
    this.subprocess.kill('SIGKILL');
    this.finish(reason);
  }

  private reported = false;
  private finish(reason: string): void {
    this.exitReason ??= reason;
    clearInterval(this.heartbeat);
    if (this.reported) return;
    this.reported = true;
    const error = new ConnectorCrashed(this.hooks.connectorId, this.exitReason);
    this.failWith(error);
    this.peer.rejectAllPendingRequests(error.message);
    this.hooks.onExit(this.exitReason, !this.stopping);
  }

  /** Asks the child to close, waits up to `graceMs` for it to exit, then kills it. Not a crash. */
  async stop(graceMs = 2_000): Promise<void> {
    if (this.exitReason !== undefined) return;
    this.stopping = true;
    await this.request('close', null, graceMs).catch(() => undefined);
    this.subprocess.stdin?.end();
    const exited = this.subprocess.then(() => undefined, () => undefined);
    const timer = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([exited, timer]);
    if (this.exitReason === undefined) this.kill('stopped by the host');
    await exited;
  }
}
