/**
 * The runner service: the config's pairings on their schedules, run through `runOnce` (the CLI's own path) in a
 * bounded queue, with change triggers, the circuit breaker, metrics and the HTTP API. `reload()` swaps in a new
 * config without dropping runs (a run in progress finishes on the config it started with); `stop()` lets runs
 * finish the chunk they are writing.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig, validateConfig, ConfigLoadError } from '../config/index.js';
import { resolveSecret, SecretError } from '../config/secrets.js';
import type { LoadedConfig, SecretRef } from '../config/types.js';
import { PluginHost } from '../host/index.js';
import { secretRegistry, type DovetailLogger } from '../log.js';
import { openStateStore, type DayStats, type StateStore } from '../state/index.js';
import { RUNS_KEPT } from '../state/run-history.js';
import { ChangeTriggers } from './change-triggers.js';
import type { PublishedFeed, ServiceApi, TriggerOutcome } from './http/api.js';
import { buildApp } from './http/app.js';
import { ServiceMetrics } from './metrics.js';
import { PairingRecord, type PairingStatus } from './pairing-record.js';
import { asEntry, runError, summarize, type RunEntry, type RunSummary, type RunTrigger } from './run-entry.js';
import { runOnce } from './run-once.js';
import { RunQueue } from './run-queue.js';
import { Scheduler } from './scheduler.js';
import { pairingHosts, resolveSchedule, resolveService, type ResolvedService } from './settings.js';

/** The service cannot start: exit 2 for config problems, 3 when it cannot listen. */
export class ServiceStartError extends Error {
  constructor(message: string, readonly exitCode: 2 | 3 = 2, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServiceStartError';
  }
}

/** Shortest token accepted: a bearer token is only as good as it is hard to guess. */
export const MIN_TOKEN_LENGTH = 16;

/** How often pairings with failed runs re-read their control file (a `dovetail reset` from the CLI). */
const CONTROL_POLL_MS = 2_000;

export interface RunnerServiceOptions {
  configFile: string;
  logger: DovetailLogger;
  /** `--host` / `--port`: override `service.host` / `service.port`. */
  host?: string;
  port?: number;
  env?: NodeJS.ProcessEnv;
  version?: string;
}

/** One loaded config with its plugin host; retired by a reload and disposed once its runs are done. */
interface Generation {
  loaded: LoadedConfig;
  host: PluginHost;
  service: ResolvedService;
  token: string;
  feeds: Map<string, PublishedFeed>;
  refs: number;
  retired: boolean;
}

const HOW_TO_SET_TOKEN = 'add "service": { "token": { "env": "DOVETAIL_TOKEN" } } to the config and start the service with DOVETAIL_TOKEN set to a random value (e.g. `openssl rand -hex 32`)';

async function prepareGeneration(loaded: LoadedConfig, logger: DovetailLogger, env: NodeJS.ProcessEnv): Promise<Generation> {
  const host = await PluginHost.create({ loaded, logger, env });
  try {
    const issues = validateConfig(loaded, host);
    if (issues.length) {
      throw new ServiceStartError(`${loaded.file} is not valid:\n${issues.map((i) => `  ${i.pointer || '/'}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`).join('\n')}`);
    }
    const ref = loaded.config.service?.token;
    if (ref === undefined) throw new ServiceStartError(`the service needs a bearer token for its API (service.token): ${HOW_TO_SET_TOKEN}`);
    let token: string;
    try {
      token = await resolveSecret(ref, loaded.baseDir, { env, label: 'service.token' });
    } catch (e) {
      if (e instanceof SecretError) throw new ServiceStartError(`${e.message}; ${HOW_TO_SET_TOKEN}`);
      throw e;
    }
    if (token.length < MIN_TOKEN_LENGTH) throw new ServiceStartError(`service.token is too short (${token.length} characters; at least ${MIN_TOKEN_LENGTH}): use a random value, e.g. \`openssl rand -hex 32\``);
    secretRegistry.add(token);
    const feeds = new Map<string, PublishedFeed>();
    for (const [name, endpoint] of Object.entries(loaded.config.endpoints ?? {})) {
      const settings = endpoint.settings ?? {};
      if (endpoint.connector !== 'ical-feed' || typeof settings.path !== 'string' || settings.serveToken === undefined) continue;
      try {
        const feedToken = await resolveSecret(settings.serveToken as SecretRef, loaded.baseDir, { env, label: `endpoint "${name}", setting "serveToken"` });
        secretRegistry.add(feedToken);
        feeds.set(name, { file: path.resolve(loaded.baseDir, settings.path), token: feedToken });
      } catch (e) {
        if (!(e instanceof SecretError)) throw e;
        logger.warn(`feed '${name}' is not published: ${e.message}`);
      }
    }
    return { loaded, host, service: resolveService(loaded.config), token, feeds, refs: 0, retired: false };
  } catch (e) {
    await host.dispose();
    throw e;
  }
}

async function readConfigFile(file: string): Promise<LoadedConfig> {
  try {
    return await loadConfig(path.resolve(file));
  } catch (e) {
    if (e instanceof ConfigLoadError) throw new ServiceStartError(e.message);
    throw e;
  }
}

export class RunnerService implements ServiceApi {
  private readonly records = new Map<string, PairingRecord>();
  private readonly queue: RunQueue;
  private readonly scheduler: Scheduler;
  private readonly changes: ChangeTriggers;
  readonly metricsRegistry: ServiceMetrics;
  private readonly abort = new AbortController();
  private app?: FastifyInstance;
  private started = false;
  private stopping?: Promise<void>;
  private poll?: NodeJS.Timeout;
  private listenAddress = { host: '', port: 0 };

  private constructor(private gen: Generation, private readonly store: StateStore, private readonly opts: RunnerServiceOptions) {
    this.queue = new RunQueue({ concurrency: gen.service.concurrency, perHost: gen.service.perHost });
    this.scheduler = new Scheduler({ queue: this.queue, execute: (name, trigger, dryRun) => this.execute(name, trigger, dryRun) });
    this.changes = new ChangeTriggers(gen.service.watchDebounceMs, (name) => { void this.scheduler.trigger(name, 'change'); });
    this.metricsRegistry = new ServiceMetrics({ running: () => this.queue.running, queued: () => this.queue.queued, peak: () => this.queue.peakRunning });
  }

  /** Loads and checks the config, reads every pairing's history, starts the scheduler and listens. */
  static async start(opts: RunnerServiceOptions): Promise<RunnerService> {
    const env = opts.env ?? process.env;
    const loaded = await readConfigFile(opts.configFile);
    const gen = await prepareGeneration(loaded, opts.logger, env);
    const store = openStateStore(loaded.stateDir, { warn: (m) => opts.logger.warn(m) });
    const service = new RunnerService(gen, store, opts);
    try {
      await service.syncPairings();
      await service.listen();
    } catch (e) {
      await service.stop();
      throw e;
    }
    service.started = true;
    service.poll = setInterval(() => { void service.pollControls(); }, CONTROL_POLL_MS);
    service.poll.unref();
    return service;
  }

  /** Where the API listens (the port is the real one when 0 was asked for). */
  get address(): { host: string; port: number } {
    return this.listenAddress;
  }

  get url(): string {
    const h = this.listenAddress.host.includes(':') ? `[${this.listenAddress.host}]` : this.listenAddress.host;
    return `http://${h}:${this.listenAddress.port}`;
  }

  /** Pairings known now. */
  pairingNames(): string[] {
    return Object.keys(this.gen.loaded.config.pairings);
  }

  /**
   * Reads the config again (SIGHUP). A config that does not load or validate is refused and the running one kept.
   * Runs in progress finish on the config they started with; queued and scheduled runs use the new one.
   * `host` and `port` changes need a restart.
   */
  async reload(): Promise<{ ok: boolean; message: string }> {
    if (this.stopping) return { ok: false, message: 'shutting down' };
    let next: Generation;
    try {
      next = await prepareGeneration(await readConfigFile(this.opts.configFile), this.opts.logger, this.opts.env ?? process.env);
    } catch (e) {
      const message = `config not reloaded, the running one is kept: ${(e as Error).message}`;
      this.opts.logger.error(message);
      return { ok: false, message };
    }
    const old = this.gen;
    if (next.service.host !== old.service.host || next.service.port !== old.service.port) {
      this.opts.logger.warn('service.host / service.port changed: restart the service to listen there');
    }
    // Read the history of new pairings before the swap, so the API never lists a pairing it has no record of.
    for (const name of Object.keys(next.loaded.config.pairings)) {
      if (!this.records.has(name)) this.records.set(name, await PairingRecord.load(this.store, name, resolveSchedule(next.loaded.config.pairings[name], next.loaded.config).maxFailures));
    }
    this.gen = next;
    this.queue.setLimits({ concurrency: next.service.concurrency, perHost: next.service.perHost });
    await this.syncPairings();
    old.retired = true;
    if (old.refs === 0) await old.host.dispose();
    const message = `config reloaded: ${this.pairingNames().length} pairings`;
    this.opts.logger.info(message);
    return { ok: true, message };
  }

  /** Stops scheduling, lets runs finish the chunk they are writing (up to service.shutdownTimeout), closes the API. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.poll) clearInterval(this.poll);
      this.abort.abort(new Error('the service is shutting down'));
      await this.changes.closeAll();
      const drained = this.scheduler.stop().then(() => true);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), this.gen.service.shutdownTimeoutMs); });
      const finished = await Promise.race([drained, timeout]);
      clearTimeout(timer);
      if (!finished) this.opts.logger.warn(`runs still in progress after service.shutdownTimeout (${this.gen.service.shutdownTimeoutMs} ms); stopping anyway (their state is saved per chunk)`);
      await this.app?.close();
      await this.gen.host.dispose();
    })();
    return this.stopping;
  }

  // ---- ServiceApi

  ready(): boolean {
    return this.started && !this.stopping;
  }

  token(): string {
    return this.gen.token;
  }

  status(name: string): PairingStatus | undefined {
    const pairing = this.gen.loaded.config.pairings[name];
    const record = this.records.get(name);
    if (!pairing || !record) return undefined;
    const view = record.view(name, pairing, this.gen.loaded.config);
    const info = this.scheduler.info(name);
    return { ...view, running: !!info?.running, queued: !!info?.queued, ...(info?.nextRunAt !== undefined ? { nextRunAt: new Date(info.nextRunAt).toISOString() } : {}) };
  }

  async runs(filter: { pairing?: string; since?: string; limit: number }): Promise<RunSummary[]> {
    const names = filter.pairing ? [filter.pairing] : this.pairingNames();
    const since = filter.since ? new Date(filter.since).toISOString() : undefined;
    const all: RunSummary[] = [];
    for (const name of names) {
      for (const r of await this.store.runs(name, Math.min(filter.limit, RUNS_KEPT))) {
        const e = asEntry(r);
        if (since === undefined || e.startedAt >= since) all.push(summarize(e));
      }
    }
    return all.sort((x, y) => (x.startedAt < y.startedAt ? 1 : x.startedAt > y.startedAt ? -1 : 0)).slice(0, filter.limit);
  }

  async trigger(name: string, options: { dryRun: boolean }): Promise<TriggerOutcome> {
    const status = this.status(name);
    if (!status) return { status: 'unknown' };
    if (this.stopping) return { status: 'refused', reason: 'the service is shutting down' };
    if (options.dryRun) {
      const entry = await this.scheduler.trigger(name, 'manual', { dryRun: true });
      if (!entry) return { status: 'refused', reason: 'the service is shutting down' };
      if (entry.failure === 'locked') return { status: 'refused', reason: `a run of '${name}' is in progress; ask for the dry run again when it is done` };
      return { status: 'done', entry };
    }
    if (!status.enabledInConfig) return { status: 'refused', reason: `pairing '${name}' has "enabled": false in the config` };
    if (status.disabledAtRuntime) return { status: 'refused', reason: `pairing '${name}' is disabled; enable it first (POST /api/pairings/${name}/enable)` };
    if (status.circuit.open) return { status: 'refused', reason: `pairing '${name}' stopped after ${status.circuit.failures} failed runs in a row (${status.circuit.lastError ?? 'see its runs'}); reset it first (POST /api/pairings/${name}/reset or dovetail reset ${name})` };
    void this.scheduler.trigger(name, 'manual');
    return { status: 'accepted' };
  }

  async setEnabled(name: string, enabled: boolean): Promise<PairingStatus | undefined> {
    if (!this.records.has(name)) return undefined;
    const control = await this.store.updateControl(name, enabled ? { disabled: undefined, resetAt: new Date().toISOString() } : { disabled: true });
    this.records.get(name)?.setControl(control);
    this.applyState(name);
    this.opts.logger.info({ pairing: name }, enabled ? 'pairing enabled' : 'pairing disabled');
    return this.status(name);
  }

  async reset(name: string): Promise<PairingStatus | undefined> {
    if (!this.records.has(name)) return undefined;
    const control = await this.store.updateControl(name, { resetAt: new Date().toISOString() });
    this.records.get(name)?.setControl(control);
    this.applyState(name);
    this.opts.logger.info({ pairing: name }, 'circuit reset');
    return this.status(name);
  }

  dayStats(pairings: string[]): Promise<Record<string, DayStats>[]> {
    return Promise.all(pairings.map((n) => this.store.stats(n)));
  }

  metrics(): { text(): Promise<string>; contentType: string } {
    return { text: () => this.metricsRegistry.text(), contentType: this.metricsRegistry.contentType };
  }

  feed(endpoint: string): PublishedFeed | undefined {
    return this.gen.feeds.get(endpoint);
  }

  // ---- internals

  private async listen(): Promise<void> {
    const host = this.opts.host ?? this.gen.service.host;
    const port = this.opts.port ?? this.gen.service.port;
    this.app = await buildApp({ api: this, logger: this.opts.logger, version: this.opts.version ?? '0' });
    try {
      await this.app.listen({ host, port });
    } catch (e) {
      throw new ServiceStartError(`cannot listen on ${host}:${port}: ${(e as Error).message}`, 3, { cause: e });
    }
    const address = this.app.server.address();
    this.listenAddress = typeof address === 'object' && address ? { host: address.address, port: address.port } : { host, port };
  }

  /** Brings records, scheduler jobs, watches and gauges in line with the current config. */
  private async syncPairings(): Promise<void> {
    const config = this.gen.loaded.config;
    const names = new Set(Object.keys(config.pairings));
    for (const name of [...this.records.keys()]) {
      if (names.has(name)) continue;
      this.scheduler.remove(name);
      this.records.delete(name);
      this.metricsRegistry.forget(name);
    }
    await this.changes.closeAll();
    for (const name of names) {
      const pairing = config.pairings[name];
      const schedule = resolveSchedule(pairing, config);
      if (!this.records.has(name)) this.records.set(name, await PairingRecord.load(this.store, name, schedule.maxFailures));
      const status = this.records.get(name)!.view(name, pairing, config);
      this.scheduler.upsert(name, schedule, pairingHosts(pairing, config), !status.enabled);
      this.metricsRegistry.setState(name, { circuitOpen: status.circuit.open, enabled: status.enabled });
      if (schedule.watch && schedule.enabledInConfig) await this.watchPairing(name);
    }
  }

  private async watchPairing(name: string): Promise<void> {
    const pairing = this.gen.loaded.config.pairings[name];
    for (const side of ['a', 'b'] as const) {
      try {
        const ep = await this.gen.host.activate(pairing[side].endpoint);
        const connector = ep.connector;
        if (!connector.watch) continue;
        // A side of a single-collection endpoint may name no collection: watch its one collection.
        const collection = pairing[side].collection ?? (ep.manifest.collections === 'single' ? (await connector.discover())[0]?.id : undefined);
        if (collection === undefined) continue;
        await this.changes.watch(name, side, (onChange) => connector.watch!(collection, onChange));
      } catch (e) {
        this.opts.logger.warn({ pairing: name, side }, `cannot watch side ${side} for changes: ${(e as Error).message}`);
      }
    }
  }

  /** Pauses or resumes the pairing's schedule after its circuit or control changed, and updates the gauges. */
  private applyState(name: string): void {
    const status = this.status(name);
    if (!status) return;
    this.scheduler.setPaused(name, !status.enabled);
    this.metricsRegistry.setState(name, { circuitOpen: status.circuit.open, enabled: status.enabled });
  }

  private async execute(name: string, trigger: RunTrigger, dryRun: boolean): Promise<RunEntry> {
    const gen = this.gen;
    gen.refs += 1;
    if (!dryRun) this.changes.runStarted(name);
    try {
      const { entry } = await runOnce({
        name, loaded: gen.loaded, host: gen.host, store: this.store, trigger, dryRun, signal: this.abort.signal,
        warn: (m) => this.opts.logger.warn(m), debug: (fields, m) => this.opts.logger.debug({ pairing: name, ...fields }, m),
      });
      // The service keeps its connectors open between runs: write what their caches learned now, not at shutdown only
      // (before the run counts as finished, so nothing sees it done while this is still under way).
      await gen.host.saveCaches();
      if (!dryRun) this.finished(name, gen, entry);
      return entry;
    } finally {
      gen.refs -= 1;
      if (gen.retired && gen.refs === 0) await gen.host.dispose();
    }
  }

  private finished(name: string, gen: Generation, entry: RunEntry): void {
    const record = this.records.get(name);
    const pairing = gen.loaded.config.pairings[name];
    if (record && pairing) record.observe(entry, resolveSchedule(pairing, gen.loaded.config).maxFailures);
    this.metricsRegistry.observe(entry);
    this.changes.runFinished(name, entry);
    this.applyState(name);
    const fields = { pairing: name, trigger: entry.trigger, ok: entry.ok, durationMs: entry.durationMs, a: entry.a, b: entry.b, failed: entry.failed, conflicts: entry.conflicts, ...(entry.failure ? { failure: entry.failure } : {}) };
    const error = runError(entry);
    if (error !== undefined) this.opts.logger.warn(fields, `run failed: ${error}`);
    else this.opts.logger.info(fields, 'run finished');
    if (record?.circuit.open && entry.aborted !== undefined) {
      this.opts.logger.error({ pairing: name }, `pairing stopped after ${record.circuit.failures} failed runs in a row; reset it with 'dovetail reset ${name}' or POST /api/pairings/${name}/reset`);
    }
  }

  /** Pairings with failed runs re-read their control file, so a `dovetail reset` from the CLI takes effect. */
  private async pollControls(): Promise<void> {
    for (const [name, record] of this.records) {
      if (record.circuit.failures === 0 || this.stopping) continue;
      try {
        const control = await this.store.control(name);
        if (control.resetAt !== record.control.resetAt) {
          record.setControl(control);
          this.applyState(name);
          this.opts.logger.info({ pairing: name }, 'circuit reset (from the control file)');
        }
      } catch (e) {
        this.opts.logger.warn({ pairing: name }, `cannot read the control file: ${(e as Error).message}`);
      }
    }
  }
}
