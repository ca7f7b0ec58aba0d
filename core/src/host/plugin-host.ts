/**
 * The plugin host: discovers connectors once at start-up (no connector code runs), and activates one
 * endpoint at a time on demand — import the entry, validate settings, build the context in a child
 * container, call the definition's `create`. Activations are cached per endpoint until disposed.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Container } from '#inversify';
import type { Logger } from '../sdk/connector.js';
import type { LoadedConfig } from '../config/types.js';
import { createSecretsAccessor } from '../config/secrets.js';
import { secretRegistry, type SecretRegistry } from '../log.js';
import { suggestion } from '../config/suggest.js';
import { discoverConnectors } from './discovery.js';
import { EntryError, importConnectorDefinition, missingConnectorMethods } from './entry.js';
import { defaultRepoRoot, hostApiVersion } from './paths.js';
// Activation's modules (inversify in ./context.js, the child-process protocol) load with the first activation, so
// commands that only discover and validate (`validate`, `connectors`) do not pay for them.
import { CrashLedger, type CrashLedgerOptions } from './process/crash-ledger.js';
import { childEnvironment } from './process/environment.js';
import { runModeOf, type ProcessLimits } from './process/options.js';
import type { ProcessConnector } from './process/process-connector.js';
import type { ChildCommand } from './process/child.js';
import type { Connector, ConnectorContext } from '../sdk/connector.js';
import { ConnectorQuarantined } from './process/errors.js';
import { fileURLToPath } from 'node:url';
import { credentialStore } from './credentials.js';
import { endpointCache, type EndpointCache } from './connector-cache.js';
import { ActivationError, type ActiveEndpoint, type DiscoveredConnector, type HostProblem } from './types.js';

export interface PluginHostOptions {
  /** The loaded config: its `connectorDirs` are scanned and its endpoints can be activated. */
  loaded?: LoadedConfig;
  /** Parent logger; each connector gets a child with `{ connector, endpoint }`. */
  logger: Logger;
  /** Repository root whose `connectors/` and `node_modules/` are scanned (default: the one this host runs from). */
  repoRoot?: string;
  /** node_modules folders to scan (default: the repo's, and those of the config folder and its ancestors). */
  nodeModulesDirs?: string[];
  /** Host API version checked against `engines.dovetail` (default: the version of @dovetail/core). */
  hostVersion?: string;
  /** Where resolved secret values are registered for log masking (default: the process-wide registry). */
  secrets?: SecretRegistry;
  /** Environment for `{ env }` secrets (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Crash limits of out-of-process connectors (default: quarantine after 3 crashes in 10 minutes, for 10 minutes). */
  crashes?: CrashLedgerOptions;
}

/** The SDK launcher that serves a `main`-only connector over stdio. */
const LAUNCHER = fileURLToPath(new URL('./process/launcher.js', import.meta.url));

/** How to start a connector's process: the manifest's `process` command, or the launcher running `main`. */
function childCommand(c: DiscoveredConnector): ChildCommand {
  const p = c.manifest.process;
  const env = childEnvironment();
  if (!p) return { command: process.execPath, args: [LAUNCHER, path.resolve(c.dir, c.manifest.main!)], cwd: c.dir, env };
  const args = (p.args ?? []).map((a) => (a.startsWith('./') || a.startsWith('../') ? path.resolve(c.dir, a) : a));
  return { command: p.command === 'node' ? process.execPath : p.command, args, cwd: c.dir, env };
}

/** A copy of `settings` without the secret keys (a child asks for secrets by key; they never travel as settings). */
function withoutSecrets(settings: Readonly<Record<string, unknown>>, secretKeys: string[]): Record<string, unknown> {
  const copy = structuredClone(settings) as Record<string, unknown>;
  for (const key of secretKeys) {
    const parts = key.split('.');
    let cur: unknown = copy;
    for (const part of parts.slice(0, -1)) cur = typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[part] : undefined;
    if (typeof cur === 'object' && cur !== null) delete (cur as Record<string, unknown>)[parts[parts.length - 1]!];
  }
  return copy;
}

/** node_modules of `dir` and of every ancestor, nearest first. */
function ancestorNodeModules(dir: string): string[] {
  const out: string[] = [];
  let cur = path.resolve(dir);
  for (;;) {
    out.push(path.join(cur, 'node_modules'));
    const up = path.dirname(cur);
    if (up === cur) return out;
    cur = up;
  }
}

function connectorDirsOf(loaded: LoadedConfig | undefined): string[] {
  const dirs = loaded?.config.connectorDirs;
  if (!Array.isArray(dirs)) return [];
  return dirs.filter((d): d is string => typeof d === 'string' && d !== '').map((d) => path.resolve(loaded!.baseDir, d));
}

export class PluginHost {
  private readonly active = new Map<string, Promise<ActiveEndpoint>>();
  /** The connector cache of each activated endpoint (saved after each run and when the endpoint is disposed). */
  private readonly caches = new Map<string, EndpointCache>();
  private root?: Container;
  private disposed = false;
  /** Crashes of out-of-process connectors, per connector id (quarantine is per connector, across its endpoints). */
  readonly crashes: CrashLedger;

  private constructor(
    private readonly options: PluginHostOptions,
    private readonly found: DiscoveredConnector[],
    private readonly issues: HostProblem[],
  ) {
    this.crashes = new CrashLedger(options.crashes);
  }

  /** Discovers connectors (reads manifests and settings schemas only) and returns a ready host. */
  static async create(options: PluginHostOptions): Promise<PluginHost> {
    const repoRoot = path.resolve(options.repoRoot ?? defaultRepoRoot());
    const nodeModulesDirs = options.nodeModulesDirs ?? [
      path.join(repoRoot, 'node_modules'),
      ...(options.loaded ? ancestorNodeModules(options.loaded.baseDir) : []),
    ];
    const result = await discoverConnectors({
      repoConnectorsDir: path.join(repoRoot, 'connectors'),
      extraDirs: connectorDirsOf(options.loaded).filter((d) => existsSync(d)),
      nodeModulesDirs,
      hostVersion: options.hostVersion ?? hostApiVersion(),
    });
    return new PluginHost(options, result.connectors, result.problems);
  }

  /** Valid connectors, in discovery order. */
  connectors(): DiscoveredConnector[] {
    return [...this.found];
  }

  /** A connector by id. */
  connector(id: string): DiscoveredConnector | undefined {
    return this.found.find((c) => c.id === id);
  }

  /** Packages that were refused, each with its file, JSON pointer and message. */
  problems(): HostProblem[] {
    return [...this.issues];
  }

  /** The config the host was created with. */
  config(): LoadedConfig | undefined {
    return this.options.loaded;
  }

  /** Activates the endpoint (once; later calls return the same activation until it is disposed). */
  activate(endpointName: string): Promise<ActiveEndpoint> {
    if (this.disposed) return Promise.reject(new Error('the plugin host has been disposed'));
    let pending = this.active.get(endpointName);
    if (!pending) {
      pending = this.start(endpointName);
      this.active.set(endpointName, pending);
      pending.catch(() => { if (this.active.get(endpointName) === pending) this.active.delete(endpointName); });
    }
    return pending;
  }

  /** Writes the connector caches of the active endpoints that changed (call after a run). Never throws. */
  async saveCaches(): Promise<void> {
    await Promise.all([...this.caches.values()].map((c) => c.save()));
  }

  /** Disposes every activation (aborts signals, closes connectors). */
  async dispose(): Promise<void> {
    this.disposed = true;
    const pending = [...this.active.values()];
    const settled = await Promise.allSettled(pending);
    await Promise.allSettled(settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.dispose()] : [])));
    this.active.clear();
  }

  private async start(name: string): Promise<ActiveEndpoint> {
    const loaded = this.options.loaded;
    const endpoints = loaded?.config.endpoints ?? {};
    const endpoint = Object.prototype.hasOwnProperty.call(endpoints, name) ? endpoints[name] : undefined;
    if (!loaded || !endpoint) {
      throw new ActivationError(`unknown endpoint "${name}" (${suggestion(name, Object.keys(endpoints), 'no endpoints are configured')})`, name, 'unknown-endpoint');
    }
    const connectorId = endpoint.connector;
    const discovered = this.connector(connectorId);
    if (!discovered) {
      const refused = this.issues.find((p) => p.connectorId === connectorId);
      const why = refused ? `its package was refused: ${refused.path} ${refused.pointer}: ${refused.message}`
        : suggestion(connectorId, this.found.map((c) => c.id), 'no connectors were discovered');
      throw new ActivationError(`endpoint "${name}": unknown connector "${connectorId}" (${why})`, name, 'unknown-connector');
    }
    const checked = discovered.checkSettings(endpoint.settings);
    if (!checked.ok) {
      const list = checked.issues.map((i) => `/endpoints/${name}/settings${i.pointer}: ${i.message}`).join('; ');
      throw new ActivationError(`endpoint "${name}": invalid settings for connector "${connectorId}": ${list}`, name, 'invalid-settings',
        checked.issues.map((i) => ({ ...i, pointer: `/endpoints/${name}/settings${i.pointer}` })));
    }

    const mode = runModeOf(endpoint.process, discovered.manifest);
    // The context's module (inversify) loads beside the connector's own modules.
    const contextModule = import('./context.js');
    contextModule.catch(() => undefined); // awaited below, after the connector's import (whose failure comes first)
    let definition;
    if (mode.mode === 'in-process') {
      try {
        definition = await importConnectorDefinition(discovered);
      } catch (e) {
        const reason = e instanceof EntryError ? e.reason : 'load-failed';
        throw new ActivationError(`endpoint "${name}": ${(e as Error).message}`, name, reason, [], { cause: e });
      }
    }

    const controller = new AbortController();
    const registry = this.options.secrets ?? secretRegistry;
    // Literal secrets are known now: mask them before the connector can log anything.
    for (const key of discovered.secretKeys) {
      const value = key.split('.').reduce<unknown>((cur, part) => (typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[part] : undefined), checked.settings);
      if (typeof value === 'string') registry.add(value);
    }
    const logger = this.options.logger.child({ connector: connectorId, endpoint: name });
    if (checked.migrated) logger.warn(`the settings of endpoint "${name}" were written for an older version of connector "${connectorId}" and were migrated; update them in the config (see the connector's README)`);
    const secrets = createSecretsAccessor({
      settings: checked.settings, secretKeys: discovered.secretKeys, baseDir: loaded.baseDir, endpoint: name,
      onResolved: (value) => registry.add(value), env: this.options.env,
    });
    const cache = endpointCache({ stateDir: loaded.stateDir, endpoint: name, connectorId, logger });
    const { ConnectorContextProvider, createActivationContainer, createRootContainer } = await contextModule;
    this.root ??= createRootContainer();
    const container = createActivationContainer(this.root, {
      endpoint: name,
      settings: checked.settings,
      logger,
      secrets,
      signal: controller.signal,
      baseDir: loaded.baseDir,
      credentials: credentialStore(loaded.stateDir, name),
      cache,
    });
    const context = container.get(ConnectorContextProvider).context();

    let connector: Connector;
    try {
      connector = definition ? await definition.create(context)
        : await this.startProcess(discovered, name, context, (mode as { limits: ProcessLimits }).limits, (text) => registry.mask(text), cache);
    } catch (e) {
      controller.abort(new Error(`activation of endpoint "${name}" failed`));
      container.unbindAll();
      if (e instanceof ConnectorQuarantined) throw new ActivationError(`endpoint "${name}": ${e.message}`, name, 'quarantined', [], { cause: e });
      throw new ActivationError(`endpoint "${name}": connector "${connectorId}" failed to start: ${(e as Error).message}`, name, 'create-failed', [], { cause: e });
    }
    const missing = missingConnectorMethods(connector);
    if (missing.length > 0) {
      controller.abort(new Error(`activation of endpoint "${name}" failed`));
      container.unbindAll();
      throw new ActivationError(`endpoint "${name}": connector "${connectorId}" create() returned an object without ${missing.join(', ')}`, name, 'create-failed');
    }

    // The cached promise this activation is stored under (set synchronously by `activate`).
    const self = this.active.get(name);
    this.caches.set(name, cache);
    let closing: Promise<void> | undefined;
    const active: ActiveEndpoint = {
      name,
      connectorId,
      manifest: discovered.manifest,
      connector,
      readOnly: discovered.readOnlyReason(checked.settings),
      mode: mode.mode,
      dispose: () => {
        closing ??= (async () => {
          if (this.active.get(name) === self) this.active.delete(name);
          if (this.caches.get(name) === cache) this.caches.delete(name);
          controller.abort(new Error(`endpoint "${name}" was disposed`));
          try {
            await connector.close?.();
          } catch (e) {
            logger.warn({ err: e }, 'connector close failed');
          } finally {
            container.unbindAll();
            await cache.save();
          }
        })();
        return closing;
      },
    };
    logger.debug({ version: discovered.version, dir: discovered.dir, mode: mode.mode }, 'connector activated');
    return active;
  }

  /** Starts an out-of-process connector for endpoint `name`. */
  private async startProcess(c: DiscoveredConnector, name: string, context: ConnectorContext, limits: ProcessLimits, mask: (text: string) => string, cache: EndpointCache): Promise<ProcessConnector> {
    const { ProcessConnector } = await import('./process/process-connector.js');
    // One cache write travels as one message from the child: keep it well inside the message bound.
    const cacheMaxBytes = Math.min(cache.maxBytes, Math.floor(limits.maxMessageBytes / 2));
    return ProcessConnector.start({
      connectorId: c.id, command: childCommand(c), limits, ledger: this.crashes,
      init: {
        endpoint: name, settings: withoutSecrets(context.settings, c.secretKeys), baseDir: context.baseDir, secretKeys: c.secretKeys,
        credentialsLocation: context.credentials.location, cacheMaxBytes,
      },
      logger: context.logger, mask, secrets: context.secrets, credentials: context.credentials, cache, signal: context.signal,
    });
  }
}
