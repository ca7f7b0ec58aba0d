/** The CLI's commands: thin shells over the host, the config and the engine. */
import { resolve } from 'node:path';
import { loadConfig, validateConfig, ConfigLoadError } from '../config/index.js';
import type { LoadedConfig } from '../config/types.js';
// plugin-host.js, not the host's index: the index re-exports the inversify wiring, which loads on first activation.
import { PluginHost } from '../host/plugin-host.js';
import { createLogger, lazyLogger, LogLevelError, resolveLogLevel, type LogLevel } from '../log.js';
// The state store, the runner and the engine load in the commands that use them (`import()` below), so `validate`
// and `connectors` do not pay for them.
import type { StateStore } from '../state/index.js';
import type { RunEntry, RunSummary } from '../runner/run-entry.js';
import type { PairingStatus } from '../runner/pairing-record.js';
import { planTable, summary, table } from './format.js';
import { UsageError } from './errors.js';
import { timelinePoint } from '../timeline.js';
import type { PairOptions } from './discover-pair.js';
import type { ConformanceOptions } from './conformance.js';

export interface CommandContext {
  args: string[];
  configFile: string;
  json: boolean;
  dryRun: boolean;
  force: boolean;
  keep?: string;
  /** `serve --host H --port P`: override `service.host` / `service.port`. */
  host?: string;
  port?: number;
  /** `discover --pair-with ENDPOINT2 [--write] [--mode M] [--entity E]`: propose (and add) pairings. */
  pair?: PairOptions;
  /** `conformance PACKAGE-DIR --settings FILE …`: the suite's options. */
  conformance?: ConformanceOptions;
  io: { out: (s: string) => void; err: (s: string) => void };
  tty: boolean;
}

type Command = (ctx: CommandContext) => Promise<number>;

/** Reads the config (exit 2 on a syntax or file error). */
async function readConfig(ctx: CommandContext): Promise<LoadedConfig> {
  try {
    return await loadConfig(resolve(ctx.configFile));
  } catch (e) {
    if (e instanceof ConfigLoadError) throw new UsageError(e.message, 2);
    throw e;
  }
}

function logger(loaded?: LoadedConfig) {
  let level: LogLevel;
  try {
    level = resolveLogLevel(loaded?.config.log?.level, process.env.DOVETAIL_LOG_LEVEL, 'warn');
  } catch (e) {
    if (e instanceof LogLevelError) throw new UsageError(e.message, 2);
    throw e;
  }
  // Logs go to stderr so stdout stays clean for --json. Made on the first line logged.
  return lazyLogger(() => createLogger({ level, destination: 2 }), level);
}

/** Config + host, validated (exit 2 with every problem). */
async function prepare(ctx: CommandContext): Promise<{ loaded: LoadedConfig; host: PluginHost }> {
  const loaded = await readConfig(ctx);
  timelinePoint('config read');
  const host = await PluginHost.create({ loaded, logger: logger(loaded) });
  timelinePoint('connectors discovered');
  const issues = validateConfig(loaded, host);
  if (issues.length) {
    await host.dispose();
    throw new UsageError(`${loaded.file} is not valid:\n${issues.map((i) => `  ${i.pointer || '/'}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`).join('\n')}`, 2);
  }
  return { loaded, host };
}

const connectors: Command = async (ctx) => {
  let loaded: LoadedConfig | undefined;
  try {
    loaded = await readConfig(ctx);
  } catch (e) {
    // Without a config (or with the default one missing) list the built-in and installed connectors.
    if (!(e instanceof UsageError) || ctx.configFile !== 'dovetail.json') throw e;
  }
  const host = await PluginHost.create({ loaded, logger: logger(loaded) });
  try {
    const list = host.connectors().map((c) => ({
      id: c.id, displayName: c.displayName, version: c.version, package: c.packageName, path: c.dir, source: c.source,
      entities: c.manifest.entities, capabilities: c.manifest.capabilities ?? [],
      collections: c.manifest.collections ?? 'many', ...(c.manifest.readOnlyWhen ? { readOnlyWhen: c.manifest.readOnlyWhen } : {}),
    }));
    const problems = host.problems();
    if (ctx.json) {
      ctx.io.out(JSON.stringify({ connectors: list, problems }, null, 2));
    } else {
      ctx.io.out(table(['id', 'version', 'entities', 'capabilities', 'package'], list.map((c) => [
        c.id, c.version, Object.keys(c.entities).join(','), c.capabilities.join(','), c.package,
      ])));
      for (const p of problems) ctx.io.err(`problem: ${p.path}${p.pointer ? ` ${p.pointer}` : ''}: ${p.message}`);
    }
    return 0;
  } finally {
    await host.dispose();
  }
};

const validate: Command = async (ctx) => {
  const loaded = await readConfig(ctx);
  const host = await PluginHost.create({ loaded, logger: logger(loaded) });
  try {
    const issues = validateConfig(loaded, host);
    if (ctx.json) ctx.io.out(JSON.stringify({ valid: issues.length === 0, file: loaded.file, issues }, null, 2));
    else if (!issues.length) ctx.io.out(`${loaded.file} is valid: ${count(Object.keys(loaded.config.endpoints ?? {}).length, 'endpoint')}, ${count(Object.keys(loaded.config.pairings ?? {}).length, 'pairing')}`);
    else {
      ctx.io.err(`${loaded.file}: ${issues.length} problem${issues.length > 1 ? 's' : ''}`);
      for (const i of issues) ctx.io.err(`  ${i.pointer || '/'}: ${i.message}${i.hint ? `\n      hint: ${i.hint}` : ''}`);
    }
    return issues.length ? 2 : 0;
  } finally {
    await host.dispose();
  }
};

const check: Command = async (ctx) => {
  const { loaded, host } = await prepare(ctx);
  try {
    const names = ctx.args.length ? ctx.args : Object.keys(loaded.config.endpoints);
    let failed = 0;
    const results: { endpoint: string; ok: boolean; message: string }[] = [];
    for (const name of names) {
      if (!loaded.config.endpoints[name]) throw new UsageError(`unknown endpoint '${name}'; endpoints: ${Object.keys(loaded.config.endpoints).join(', ')}`);
      let r: { ok: boolean; message: string };
      try {
        const ep = await host.activate(name);
        r = await ep.connector.check();
      } catch (e) {
        r = { ok: false, message: (e as Error).message };
      }
      if (!r.ok) failed++;
      results.push({ endpoint: name, ...r });
    }
    if (ctx.json) ctx.io.out(JSON.stringify({ results }, null, 2));
    else for (const r of results) ctx.io.out(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.endpoint}: ${r.message}`);
    return failed ? 3 : 0;
  } finally {
    await host.dispose();
  }
};

const discover: Command = async (ctx) => {
  const [name] = ctx.args;
  if (!name || ctx.args.length > 1) throw new UsageError('usage: dovetail discover ENDPOINT [--json] [--pair-with ENDPOINT2 [--write] [--mode MODE] [--entity event|task|contact]]');
  const { configSnapshot, discoverAndPair } = await import('./discover-pair.js');
  // With --write, the file as written is read first: a change made while we work is then noticed, not overwritten.
  const snapshot = ctx.pair?.write ? await configSnapshot(resolve(ctx.configFile)) : undefined;
  const { loaded, host } = await prepare(ctx);
  try {
    if (!loaded.config.endpoints[name]) throw new UsageError(`unknown endpoint '${name}'; endpoints: ${Object.keys(loaded.config.endpoints).join(', ')}`);
    if (ctx.pair) return await discoverAndPair(ctx, loaded, host, name, ctx.pair, snapshot);
    const ep = await host.activate(name);
    let cols;
    try {
      cols = await ep.connector.discover();
    } catch (e) {
      throw new UsageError(`${name}: ${(e as Error).message}`, 3);
    }
    if (ctx.json) ctx.io.out(JSON.stringify({ endpoint: name, collections: cols }, null, 2));
    else ctx.io.out(table(['collection', 'name', 'entities', 'color', 'read-only'], cols.map((c) => [c.id, c.name, c.entities.join(','), c.color ?? '', c.readOnly ? 'yes' : ''])));
    return 0;
  } finally {
    await host.dispose();
  }
};

/**
 * `dovetail auth ENDPOINT`: interactive sign-in for connectors with the `sign-in` capability (a device code for
 * Microsoft 365). What the person must do goes to stderr; the result to stdout. Exit 0 signed in, 3 not.
 */
const auth: Command = async (ctx) => {
  const [name] = ctx.args;
  if (!name || ctx.args.length > 1) throw new UsageError('usage: dovetail auth [-c FILE] ENDPOINT');
  const { loaded, host } = await prepare(ctx);
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error('sign-in cancelled'));
  process.once('SIGINT', onSignal);
  try {
    const endpoint = loaded.config.endpoints[name];
    if (!endpoint) throw new UsageError(`unknown endpoint '${name}'; endpoints: ${Object.keys(loaded.config.endpoints).join(', ')}`);
    const caps = host.connector(endpoint.connector)?.manifest.capabilities ?? [];
    if (!caps.includes('sign-in')) throw new UsageError(`endpoint '${name}' (connector ${endpoint.connector}) has no interactive sign-in; its credentials are settings (see 'dovetail check ${name}')`);
    let result: { ok: boolean; message: string };
    try {
      const ep = await host.activate(name);
      if (!ep.connector.signIn) throw new Error(`connector ${endpoint.connector} declares sign-in but does not implement it`);
      result = await ep.connector.signIn({ show: (line) => ctx.io.err(line), signal: abort.signal });
    } catch (e) {
      if (e instanceof UsageError) throw e;
      result = { ok: false, message: (e as Error).message };
    }
    if (ctx.json) ctx.io.out(JSON.stringify({ endpoint: name, ...result }, null, 2));
    else ctx.io.out(`${result.ok ? 'ok  ' : 'FAIL'}  ${name}: ${result.message}`);
    return result.ok ? 0 : 3;
  } finally {
    process.off('SIGINT', onSignal);
    await host.dispose();
  }
};

const sync: Command = async (ctx) => {
  // The state store and the runner load while the config is read and checked: neither waits for the other.
  const modules = Promise.all([import('../state/index.js'), import('../runner/run-once.js')]);
  modules.catch(() => undefined); // awaited below; a config error ends the command first
  const { loaded, host } = await prepare(ctx);
  timelinePoint('config valid');
  const all = Object.keys(loaded.config.pairings);
  // Without names, pairings with `enabled: false` are skipped; naming one runs it anyway.
  const names = ctx.args.length ? ctx.args : all.filter((n) => loaded.config.pairings[n].enabled !== false);
  for (const n of names) if (!loaded.config.pairings[n]) throw new UsageError(`unknown pairing '${n}'; pairings: ${all.join(', ') || '(none)'}`);
  const skipped = all.filter((n) => !names.includes(n));
  if (!ctx.args.length && skipped.length && !ctx.json) ctx.io.err(`dovetail: skipped (enabled: false): ${skipped.join(', ')}`);
  const log = logger(loaded);
  const [{ openStateStore }, { runOnce }] = await modules;
  timelinePoint('runner loaded');
  const store = openStateStore(loaded.stateDir, { warn: (m) => log.warn(m) });
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const reports: RunEntry[] = [];
  let exit = 0;
  try {
    for (const name of names) {
      const { entry, plan, exitCode } = await runOnce({
        name, loaded, host, store, trigger: 'cli', dryRun: ctx.dryRun, force: ctx.force, signal: abort.signal,
        onProgress: ctx.tty && !ctx.json ? progress(ctx, name) : undefined, warn: (m) => log.warn(m),
        debug: (fields, m) => log.debug({ pairing: name, ...fields }, m),
      });
      if (ctx.tty && !ctx.json) process.stderr.write('\r\x1b[K');
      reports.push(entry);
      if (!ctx.json) {
        if (!plan) ctx.io.err(`dovetail: ${entry.aborted}`);
        else {
          ctx.io.out(summary(entry));
          if (ctx.dryRun) ctx.io.out(planTable(plan));
        }
      }
      exit = Math.max(exit, exitCode);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await host.dispose();
  }
  if (ctx.json) ctx.io.out(JSON.stringify({ runs: reports }, null, 2));
  return exit;
};

function progress(ctx: CommandContext, name: string) {
  let last = 0;
  return (phase: string, done: number, total: number) => {
    const t = Date.now();
    if (t - last < 100 && done < total) return;
    last = t;
    const width = 24;
    const filled = total ? Math.round((done / total) * width) : width;
    process.stderr.write(`\r\x1b[K${name} ${phase} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
  };
}

/** Health, circuit and last run of every pairing, read from the state folder (the service need not run). */
async function pairingStatuses(loaded: LoadedConfig, store: StateStore): Promise<PairingStatus[]> {
  const [{ PairingRecord }, { resolveSchedule }] = await Promise.all([import('../runner/pairing-record.js'), import('../runner/settings.js')]);
  const out: PairingStatus[] = [];
  for (const [name, pairing] of Object.entries(loaded.config.pairings)) {
    const record = await PairingRecord.load(store, name, resolveSchedule(pairing, loaded.config).maxFailures);
    out.push(record.view(name, pairing, loaded.config));
  }
  return out;
}

const status: Command = async (ctx) => {
  const loaded = await readConfig(ctx);
  const log = logger(loaded);
  const { openStateStore } = await import('../state/index.js');
  const out = await pairingStatuses(loaded, openStateStore(loaded.stateDir, { warn: (m) => log.warn(m) }));
  if (ctx.json) {
    ctx.io.out(JSON.stringify({ pairings: out }, null, 2));
    return 0;
  }
  const c = (s?: RunSummary['a']) => (s ? `${s.created}/${s.updated}/${s.deleted}` : '');
  ctx.io.out(table(['pairing', 'health', 'enabled', 'last run', 'a +/~/-', 'b +/~/-', 'conflicts', 'failed', 'retrying'], out.map((p) => [
    p.pairing, p.health, p.enabled ? 'yes' : p.circuit.open ? 'no (circuit open)' : 'no', p.lastRun?.startedAt ?? '', c(p.lastRun?.a), c(p.lastRun?.b),
    p.lastRun ? String(p.pending?.conflicts ?? p.lastRun.conflicts) : '', p.lastRun ? String(p.lastRun.failed) : '',
    p.pending?.retrying ? `${p.pending.retrying}${p.pending.nextRetryAt ? ` (next ${p.pending.nextRetryAt})` : ''}` : '',
  ])));
  for (const p of out) for (const r of p.reasons) ctx.io.out(`  ${p.pairing}: ${r}`);
  return 0;
};

/** `dovetail reset PAIRING…`: closes the circuit (works whether or not the service runs; a running one re-reads it). */
const reset: Command = async (ctx) => {
  if (!ctx.args.length) throw new UsageError('usage: dovetail reset [-c FILE] PAIRING...');
  const loaded = await readConfig(ctx);
  for (const n of ctx.args) if (!loaded.config.pairings[n]) throw new UsageError(`unknown pairing '${n}'; pairings: ${Object.keys(loaded.config.pairings).join(', ') || '(none)'}`);
  const log = logger(loaded);
  const [{ openStateStore }, { PairingRecord }, { resolveSchedule }] = await Promise.all([
    import('../state/index.js'), import('../runner/pairing-record.js'), import('../runner/settings.js')]);
  const store = openStateStore(loaded.stateDir, { warn: (m) => log.warn(m) });
  for (const name of ctx.args) {
    const record = await PairingRecord.load(store, name, resolveSchedule(loaded.config.pairings[name], loaded.config).maxFailures);
    await store.updateControl(name, { resetAt: new Date().toISOString() });
    const was = record.circuit;
    ctx.io.out(`${name}: ${was.open ? `circuit closed (it was open after ${was.failures} failed runs)` : was.failures ? `failure count cleared (${was.failures})` : 'circuit was closed; nothing to reset'}; a running service picks this up within seconds`);
  }
  return 0;
};

/** `dovetail select PAIRING add|remove|list [UID…]`: the pairing's selection list (filter predicate `selected`). */
const select: Command = async (ctx) => {
  const loaded = await readConfig(ctx);
  const log = logger(loaded);
  const [{ selectCommand }, { openStateStore }] = await Promise.all([import('./select.js'), import('../state/index.js')]);
  return selectCommand(ctx.args, ctx.json, loaded, openStateStore(loaded.stateDir, { warn: (m) => log.warn(m) }), ctx.io);
};

/** `dovetail serve`: the runner service (its modules — Fastify, prom-client — load only for this command). */
const serve: Command = async (ctx) => {
  const { serveCommand } = await import('../runner/serve.js');
  return serveCommand(ctx);
};

/** `dovetail conformance`: the SDK's conformance suite against a connector package and a live endpoint. */
const conformance: Command = async (ctx) => {
  const { conformanceCommand } = await import('./conformance.js');
  return conformanceCommand(ctx, ctx.conformance ?? {});
};

const conflicts: Command = async (ctx) => {
  const [sub, ...rest] = ctx.args;
  const loaded = await readConfig(ctx);
  const { openStateStore, StateLocked } = await import('../state/index.js');
  const store = openStateStore(loaded.stateDir);
  if (sub === 'list') {
    const names = rest.length ? rest : Object.keys(loaded.config.pairings);
    const rows: { pairing: string; uid: string; detectedAt?: string; a?: string; b?: string; resolution?: string }[] = [];
    for (const name of names) {
      if (!loaded.config.pairings[name]) throw new UsageError(`unknown pairing '${name}'`);
      const state = await store.open(name);
      for (const r of state.relations()) {
        if (r.status === 'conflict') rows.push({ pairing: name, uid: r.uid, detectedAt: r.conflict?.detectedAt, a: r.conflict?.aSummary, b: r.conflict?.bSummary, resolution: r.resolution });
      }
      await state.close();
    }
    if (ctx.json) ctx.io.out(JSON.stringify({ conflicts: rows }, null, 2));
    else if (!rows.length) ctx.io.out('no conflicts');
    else ctx.io.out(table(['pairing', 'uid', 'since', 'a', 'b', 'resolution'], rows.map((r) => [r.pairing, r.uid, r.detectedAt ?? '', r.a ?? '', r.b ?? '', r.resolution ?? 'open'])));
    return 0;
  }
  if (sub === 'resolve') {
    const [name, uid] = rest;
    const keep = ctx.keep;
    if (!name || !uid || (keep !== 'a' && keep !== 'b' && keep !== 'both')) throw new UsageError('usage: dovetail conflicts resolve PAIRING UID --keep a|b|both');
    if (!loaded.config.pairings[name]) throw new UsageError(`unknown pairing '${name}'`);
    let lock;
    try {
      lock = await store.lock(name);
    } catch (e) {
      if (e instanceof StateLocked) throw new UsageError(e.message, 3);
      throw e;
    }
    try {
      const state = await store.open(name);
      const rel = [...state.relations()].find((r) => r.uid === uid && r.status === 'conflict');
      if (!rel) {
        await state.close();
        throw new UsageError(`no open conflict for UID '${uid}' in pairing '${name}' (see 'dovetail conflicts list')`);
      }
      await state.commit({ put: [{ ...rel, resolution: keep }] });
      await state.close();
      ctx.io.out(`${name} ${uid}: will keep ${keep === 'both' ? 'both versions' : `side ${keep}`} on the next sync`);
      return 0;
    } finally {
      await lock.release();
    }
  }
  throw new UsageError('usage: dovetail conflicts list [PAIRING] | dovetail conflicts resolve PAIRING UID --keep a|b|both');
};

export const commands: Record<string, Command> = { connectors, validate, check, auth, discover, sync, status, conflicts, reset, select, serve, conformance };

/** `1 pairing`, `2 pairings`. */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
