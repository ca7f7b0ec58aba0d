/**
 * The host's side of an out-of-process connector: a full `Connector` whose calls go to a child process. The child
 * is started at activation (its `initialize` answer says which optional methods exist), restarted after a crash
 * once the backoff has passed, and not started at all while the connector is quarantined. Reads (check, discover,
 * list, load) are retried on a fresh child after a crash; writes and collection creation are not (they may have
 * happened), so their crash fails the operation as `Unavailable`.
 */
import type {
  CheckResult, CollectionInfo, CollectionMetadata, CollectionSpec, Connector, ListOptions, ListResult, LoadOptions, LoadResult, Logger, Secrets, CredentialStore, ConnectorCache,
  WatchHandle, WriteOp, WriteResult,
} from '../../sdk/connector.js';
import {
  errorFromWire, PROTOCOL_VERSION,
  type InitializeParams, type InitializeResult, type ListParams, type LoadResultJSON, type WatchResult, type WriteResultJSON,
} from '../../protocol/messages.js';
import { ConnectorChild, loadChildRunner, type ChildCommand } from './child.js';
import type { CrashLedger, QuarantineInfo } from './crash-ledger.js';
import { ConnectorCrashed, ConnectorQuarantined } from './errors.js';
import type { ProcessLimits } from './options.js';

/** Ids per `load` request, so one answer stays far below the message bound. */
const LOAD_CHUNK = 200;

export interface ProcessConnectorOptions {
  connectorId: string;
  command: ChildCommand;
  limits: ProcessLimits;
  ledger: CrashLedger;
  /** What `initialize` sends (secret settings already removed). */
  init: Omit<InitializeParams, 'protocolVersion'>;
  logger: Logger;
  mask(text: string): string;
  secrets: Secrets;
  credentials: CredentialStore;
  cache: ConnectorCache;
  /** The activation's signal: aborting it tells the child (`$/cancel`). */
  signal: AbortSignal;
}

interface Watch { collection: string; onChange: () => void; childId?: string; child?: ConnectorChild }

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  if (ms <= 0 || signal.aborted) { resolve(); return; }
  const timer = setTimeout(() => { signal.removeEventListener('abort', done); resolve(); }, ms);
  const done = () => { clearTimeout(timer); resolve(); };
  signal.addEventListener('abort', done, { once: true });
});

export class ProcessConnector implements Connector {
  private child: ConnectorChild | undefined;
  private starting: Promise<ConnectorChild> | undefined;
  private closed = false;
  private readonly watches = new Set<Watch>();
  /** The optional methods the connector implements, as its first `initialize` said. */
  methods: InitializeResult['methods'] = [];
  createCollection?: (spec: CollectionSpec) => Promise<CollectionInfo>;
  collectionMetadata?: (collection: string) => Promise<CollectionMetadata>;
  updateCollection?: (collection: string, changes: CollectionMetadata) => Promise<CollectionMetadata | void>;
  watch?: (collection: string, onChange: () => void) => Promise<WatchHandle>;

  private constructor(private readonly o: ProcessConnectorOptions) {
    o.signal.addEventListener('abort', () => {
      const reason = o.signal.reason instanceof Error ? o.signal.reason.message : 'cancelled';
      this.child?.notify('$/cancel', { reason });
    }, { once: true });
  }

  /** Starts the child and returns the connector; throws `ConnectorQuarantined` or `ConnectorCrashed` when it cannot. */
  static async start(o: ProcessConnectorOptions): Promise<ProcessConnector> {
    const c = new ProcessConnector(o);
    await c.channel();
    if (c.methods.includes('createCollection')) c.createCollection = (spec) => c.call('createCollection', { spec }, false);
    if (c.methods.includes('collectionMetadata')) c.collectionMetadata = (collection) => c.call('collectionMetadata', { collection }, true);
    if (c.methods.includes('updateCollection')) c.updateCollection = async (collection, changes) => (await c.call<CollectionMetadata | null>('updateCollection', { collection, changes }, false)) ?? undefined;
    if (c.methods.includes('watch')) c.watch = (collection, onChange) => c.addWatch(collection, onChange);
    return c;
  }

  /** The connector's quarantine, while it lasts. */
  quarantine(): QuarantineInfo | undefined {
    return this.o.ledger.quarantine(this.o.connectorId);
  }

  /** The running child's pid (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.child?.alive ? this.child.pid : undefined;
  }

  /** The running child, starting one (after the backoff) when there is none. */
  private channel(): Promise<ConnectorChild> {
    if (this.child?.alive) return Promise.resolve(this.child);
    this.starting ??= this.spawn().finally(() => { this.starting = undefined; });
    return this.starting;
  }

  private async spawn(): Promise<ConnectorChild> {
    const { o } = this;
    const before = o.ledger.quarantine(o.connectorId);
    if (before) throw new ConnectorQuarantined(before);
    if (this.closed) throw new ConnectorCrashed(o.connectorId, 'the endpoint was closed');
    await sleep(o.ledger.backoffMs(o.connectorId), o.signal);
    await loadChildRunner();
    const child: ConnectorChild = new ConnectorChild(o.command, o.limits, {
      connectorId: o.connectorId, logger: o.logger, mask: o.mask, secrets: o.secrets, credentials: o.credentials, cache: o.cache,
      onWatchChanged: (id) => { for (const w of this.watches) if (w.child === child && w.childId === id) w.onChange(); },
      onExit: (reason, crash) => {
        if (!crash || this.closed) return;
        const quarantine = o.ledger.record(o.connectorId, reason);
        if (quarantine) o.logger.error({ quarantine }, `connector quarantined: ${reason}`);
        else o.logger.warn({ pid: child.pid }, `connector process crashed: ${reason}; restarting it on the next call`);
      },
    });
    const init = await child.request<InitializeResult>('initialize', { protocolVersion: PROTOCOL_VERSION, ...o.init } satisfies InitializeParams, o.limits.startTimeoutMs)
      .catch(async (e: unknown) => {
        if (!(e instanceof ConnectorCrashed)) await child.stop(500); // it answered, with an error: a broken connector, not a crash
        throw e instanceof ConnectorCrashed ? e : new Error(`connector "${o.connectorId}" failed to initialize: ${(e as Error).message}`);
      });
    if (init?.protocolVersion !== PROTOCOL_VERSION) {
      await child.stop(500);
      throw new Error(`connector "${o.connectorId}" speaks protocol ${String(init?.protocolVersion)}; this host speaks ${PROTOCOL_VERSION}`);
    }
    this.methods = Array.isArray(init.methods) ? init.methods : [];
    this.child = child;
    child.beginHeartbeats();
    o.logger.debug({ pid: child.pid }, 'connector process started');
    if (o.signal.aborted) child.notify('$/cancel', { reason: 'cancelled' });
    for (const w of this.watches) await this.attachWatch(w, child).catch((e: unknown) => o.logger.warn({ err: e }, 'watch could not be restored'));
    return child;
  }

  /** One request; reads are retried on a fresh child after a crash until they succeed or the connector is quarantined. */
  private async call<T>(method: string, params: unknown, retry: boolean): Promise<T> {
    for (;;) {
      const child = await this.channel();
      try {
        return await child.request<T>(method, params);
      } catch (e) {
        if (!(e instanceof ConnectorCrashed) || !retry || this.closed) throw e;
        const quarantine = this.quarantine();
        if (quarantine) throw new ConnectorQuarantined(quarantine);
      }
    }
  }

  check(): Promise<CheckResult> {
    return this.call('check', null, true);
  }

  discover(): Promise<CollectionInfo[]> {
    return this.call('discover', null, true);
  }

  list(collection: string, options: ListOptions): Promise<ListResult> {
    const { window, ...rest } = options;
    const params: ListParams = { collection, options: { ...rest, ...(window ? { window: { start: window.start.toISOString(), end: window.end.toISOString() } } : {}) } };
    return this.call('list', params, true);
  }

  async load(collection: string, ids: string[], options: LoadOptions): Promise<LoadResult[]> {
    const out: LoadResult[] = [];
    for (let i = 0; i < ids.length; i += LOAD_CHUNK) {
      const part = ids.slice(i, i + LOAD_CHUNK);
      const answer = await this.call<LoadResultJSON[]>('load', { collection, ids: part, options }, true);
      if (!Array.isArray(answer)) throw new Error(`connector "${this.o.connectorId}" load: the answer is not a list`);
      for (const r of answer) out.push(r.ok ? (r as LoadResult) : { ok: false, id: r.id, error: errorFromWire(r.error) });
    }
    return out;
  }

  async write(collection: string, ops: WriteOp[]): Promise<WriteResult[]> {
    const answer = await this.call<WriteResultJSON[]>('write', { collection, ops }, false);
    if (!Array.isArray(answer)) throw new Error(`connector "${this.o.connectorId}" write: the answer is not a list`);
    return answer.map((r) => (r.ok ? r : { ok: false, error: errorFromWire(r.error) }));
  }

  private async attachWatch(w: Watch, child: ConnectorChild): Promise<void> {
    const { watchId } = await child.request<WatchResult>('watch', { collection: w.collection });
    w.child = child;
    w.childId = watchId;
  }

  private async addWatch(collection: string, onChange: () => void): Promise<WatchHandle> {
    const w: Watch = { collection, onChange };
    await this.attachWatch(w, await this.channel());
    this.watches.add(w);
    return {
      close: async () => {
        this.watches.delete(w);
        if (w.child?.alive && w.childId) await w.child.request('unwatch', { watchId: w.childId }).catch(() => undefined);
      },
    };
  }

  /** Closes the connector in the child and stops the process (not counted as a crash). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watches.clear();
    await this.starting?.catch(() => undefined);
    await this.child?.stop();
  }
}
