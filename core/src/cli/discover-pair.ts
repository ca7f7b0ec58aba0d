/**
 * `dovetail discover ENDPOINT --pair-with ENDPOINT2 [--write] [--mode MODE] [--entity TYPE]`: proposes one
 * pairing per collection (and entity type) of ENDPOINT into a new collection on ENDPOINT2, prints the
 * proposal, and with --write adds it to the config file.
 */
import { loadConfig, validateConfig } from '../config/index.js';
import type { LoadedConfig, PairingConfig, SyncMode } from '../config/types.js';
import { suggestion } from '../config/suggest.js';
import type { PluginHost } from '../host/index.js';
import type { EntityType } from '../sdk/entities.js';
import type { CommandContext } from './commands.js';
import { configTextWithPairings, ConfigChangedMeanwhile, snapshotConfig, withPairings, writeConfigAtomically, type ConfigSnapshot } from './config-write.js';
import { UsageError } from './errors.js';
import { pairPlanTable } from './format.js';
import { ENTITY_TYPES, planPairings, SYNC_MODES, type PairPlan } from './pair-plan.js';

/** The options of a bulk pairing run, as the command line gave them. */
export interface PairOptions {
  pairWith: string;
  write: boolean;
  mode?: string;
  entity?: string;
}

/** What --json prints. */
export interface PairReport extends PairPlan {
  endpoint: string;
  pairWith: string;
  mode: SyncMode;
  /** True when the pairings were added to `file`. */
  written: boolean;
  added: number;
  file: string;
}

function checkedMode(mode: string | undefined): SyncMode {
  if (mode === undefined) return 'two-way';
  if ((SYNC_MODES as readonly string[]).includes(mode)) return mode as SyncMode;
  throw new UsageError(`--mode: unknown mode '${mode}' (${suggestion(mode, SYNC_MODES)})`);
}

function checkedEntity(entity: string | undefined): EntityType | undefined {
  if (entity === undefined) return undefined;
  if ((ENTITY_TYPES as readonly string[]).includes(entity)) return entity as EntityType;
  throw new UsageError(`--entity: unknown entity type '${entity}' (${suggestion(entity, ENTITY_TYPES)})`);
}

/**
 * The config file as written, read before the config is loaded and validated (undefined when it cannot be read:
 * loading reports that). With --write, exactly this text plus the new pairings is written, or nothing when the
 * file no longer holds it.
 */
export async function configSnapshot(file: string): Promise<ConfigSnapshot | undefined> {
  return snapshotConfig(file).catch(() => undefined);
}

/**
 * Runs the bulk pairing for `endpoint` (already known to exist in the config); `snapshot` (see configSnapshot)
 * is needed with --write. Returns the exit code.
 */
export async function discoverAndPair(
  ctx: CommandContext, loaded: LoadedConfig, host: PluginHost, endpoint: string, options: PairOptions, snapshot?: ConfigSnapshot,
): Promise<number> {
  const mode = checkedMode(options.mode);
  const entity = checkedEntity(options.entity);
  const endpoints = loaded.config.endpoints;
  const { pairWith } = options;
  if (!Object.prototype.hasOwnProperty.call(endpoints, pairWith)) {
    throw new UsageError(`--pair-with: unknown endpoint '${pairWith}' (${suggestion(pairWith, Object.keys(endpoints), 'no endpoints are defined in the config')})`);
  }
  const connectorA = host.connector(endpoints[endpoint].connector)!;
  const connectorB = host.connector(endpoints[pairWith].connector)!;
  const entitiesOnB = ENTITY_TYPES.filter((e) => connectorB.manifest.entities[e]);
  if (!(connectorB.manifest.capabilities ?? []).includes('create-collection')) {
    throw new UsageError(`--pair-with: endpoint '${pairWith}' (connector '${connectorB.id}') cannot create collections, so new pairings cannot be made into it; create the collections there and add the pairings by hand`);
  }
  if (entity && !entitiesOnB.includes(entity)) {
    throw new UsageError(`--pair-with: endpoint '${pairWith}' (connector '${connectorB.id}') does not handle ${entity} items (it handles ${entitiesOnB.join(', ')})`);
  }
  if (options.write && !snapshot) throw new UsageError(new ConfigChangedMeanwhile(loaded.file).message, 3);

  const collections = await discoverOrFail(host, endpoint);
  const existingOnB = await existingCollections(ctx, host, pairWith);
  const plan = planPairings({
    endpoint, pairWith, collections, existing: loaded.config.pairings ?? {}, existingOnB, mode, entity, entitiesOnB,
    writableOnA: ENTITY_TYPES.filter((e) => { const caps = connectorA.manifest.entities[e]; return !!caps && caps.write !== false; }),
  });

  const report: PairReport = { endpoint, pairWith, mode, written: false, added: 0, file: loaded.file, ...plan };
  if (options.write && snapshot && plan.proposed.length) {
    await addToConfig(loaded, host, snapshot, plan);
    report.written = true;
    report.added = plan.proposed.length;
  }
  print(ctx, report, options.write);
  return 0;
}

async function discoverOrFail(host: PluginHost, endpoint: string) {
  try {
    const ep = await host.activate(endpoint);
    return await ep.connector.discover();
  } catch (e) {
    throw new UsageError(`${endpoint}: ${(e as Error).message}`, 3);
  }
}

/** Side B's collections, so new names avoid them; a failure is a warning (the config's names are still avoided). */
async function existingCollections(ctx: CommandContext, host: PluginHost, pairWith: string): Promise<string[]> {
  try {
    const ep = await host.activate(pairWith);
    return (await ep.connector.discover()).map((c) => c.id);
  } catch (e) {
    ctx.io.err(`warning: could not list the collections of '${pairWith}' (${(e as Error).message}); new collection names only avoid those named in the config`);
    return [];
  }
}

/** Validates the config with the new pairings, writes it atomically, then reads it back and validates it again. */
async function addToConfig(loaded: LoadedConfig, host: PluginHost, snapshot: ConfigSnapshot, plan: PairPlan): Promise<void> {
  const added: Record<string, PairingConfig> = Object.fromEntries(plan.proposed.map((p) => [p.name, p.pairing]));
  const next = withPairings(snapshot.value, added);
  const before = validateConfig({ ...loaded, config: next as unknown as LoadedConfig['config'] }, host);
  if (before.length) throw new UsageError(`the new pairings would make ${loaded.file} invalid, so nothing was written:\n${issueLines(before)}`, 2);
  try {
    await writeConfigAtomically(snapshot, configTextWithPairings(snapshot.text, added));
  } catch (e) {
    if (e instanceof ConfigChangedMeanwhile) throw new UsageError(e.message, 3);
    throw new UsageError(`writing ${loaded.file} failed: ${(e as Error).message}`, 3);
  }
  const after = validateConfig(await loadConfig(loaded.file), host);
  if (after.length) throw new UsageError(`${loaded.file} was written but does not validate:\n${issueLines(after)}`, 2);
}

function issueLines(issues: { pointer: string; message: string; hint?: string }[]): string {
  return issues.map((i) => `  ${i.pointer || '/'}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`).join('\n');
}

function print(ctx: CommandContext, report: PairReport, write: boolean): void {
  if (ctx.json) {
    ctx.io.out(JSON.stringify(report, null, 2));
    return;
  }
  const lines: string[] = [];
  if (report.proposed.length) lines.push(pairPlanTable(report.proposed));
  for (const s of report.skipped) lines.push(`skipped ${s.collection} (${s.name})${s.entity ? ` ${s.entity}` : ''}: ${s.reason}`);
  const count = (n: number) => `${n} pairing${n === 1 ? '' : 's'}`;
  if (report.written) {
    lines.push(`added ${count(report.added)} to ${report.file}; the config is valid (see what they would do with 'dovetail sync --dry-run')`);
  } else if (!report.proposed.length) {
    lines.push(`nothing to pair: no collection of '${report.endpoint}' needs a new pairing${write ? `; ${report.file} is unchanged` : ''}`);
  } else {
    lines.push(`${count(report.proposed.length)} proposed, nothing written; add them to ${report.file} with --write`);
  }
  ctx.io.out(lines.join('\n'));
}
