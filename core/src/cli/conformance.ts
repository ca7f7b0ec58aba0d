/**
 * `dovetail conformance PACKAGE-DIR --settings FILE [--collection ID] [--entity TYPE] [--process|--in-process]
 * [--corpus DIR] [--json]`: runs the SDK's conformance suite against a connector package and a live endpoint of it, and prints a
 * pass/fail table. Exit 0 when every test passed, 1 when one failed, 2 for a usage, package or settings problem.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { JsonSyntaxError, parseJsoncText } from '../config/json-text.js';
import type { LoadedConfig } from '../config/types.js';
import { discoverConnectors } from '../host/discovery.js';
import { hostApiVersion } from '../host/paths.js';
import { PluginHost } from '../host/plugin-host.js';
import { ActivationError, type ActiveEndpoint } from '../host/types.js';
import { createLogger } from '../log.js';
import type { Connector } from '../sdk/connector.js';
import type { EntityType } from '../sdk/entities.js';
import { runConformanceSuite } from '../testing/conformance.js';
import { defaultCorpusDir } from '../testing/corpus.js';
import { tableRunner, type TestOutcome } from '../testing/table-runner.js';
import type { CommandContext } from './commands.js';
import { UsageError } from './errors.js';
import { table } from './format.js';

/** The command's own options. */
export interface ConformanceOptions {
  settings?: string;
  collection?: string;
  entity?: string;
  /** `true`: out of process even with a `main`; `false`: in process even with a `process` entry; absent: the manifest decides. */
  process?: boolean;
  corpus?: string;
}

const USAGE = 'usage: dovetail conformance PACKAGE-DIR --settings FILE [--collection ID] [--entity event|task|contact] [--process|--in-process] [--corpus DIR] [--json]';
const ENTITIES: EntityType[] = ['event', 'task', 'contact'];

/** The settings file as a JSON object (exit 2 otherwise). */
async function readSettings(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`settings file ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let value: unknown;
  try {
    value = parseJsoncText(text, file);
  } catch (e) {
    throw new UsageError(e instanceof JsonSyntaxError ? `${file}: invalid JSON at line ${e.line}, column ${e.column}: ${e.detail}` : (e as Error).message);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${file} must hold a JSON object: the endpoint's settings`);
  return value as Record<string, unknown>;
}

/** Deletes every item of `collection` (all of them made by the tests: the collection was empty or new). */
async function emptyCollection(c: Connector, collection: string, entity: EntityType): Promise<void> {
  const listed = await c.list(collection, { entity });
  const ids = listed.kind === 'full' ? listed.items.map((i) => i.id) : listed.changed.map((i) => i.id);
  if (ids.length) await c.write(collection, ids.map((id) => ({ op: 'delete' as const, id })));
}

/** The collection per entity type the tests use: the given (empty) one, the endpoint's only one, or a new one per type. */
async function prepareCollections(ep: ActiveEndpoint, entities: EntityType[], given: string | undefined): Promise<Map<EntityType, { id: string; created: boolean }>> {
  const c = ep.connector;
  const out = new Map<EntityType, { id: string; created: boolean }>();
  // An endpoint that is one collection (manifest `collections: "single"`) is tested on that collection.
  if (given === undefined && ep.manifest.collections === 'single') {
    const [only] = await c.discover();
    if (only) given = only.id;
  }
  if (given !== undefined) {
    const found = (await c.discover()).find((col) => col.id === given);
    if (!found) throw new UsageError(`collection "${given}" not found; \`dovetail discover\` lists an endpoint's collections`);
    for (const entity of entities.filter((e) => found.entities.includes(e))) {
      const listed = await c.list(given, { entity });
      const count = listed.kind === 'full' ? listed.items.length : listed.changed.length;
      if (count > 0) throw new UsageError(`collection "${given}" holds ${count} ${entity} item${count === 1 ? '' : 's'}; the conformance tests create, change and delete items, so give an empty collection`);
      out.set(entity, { id: given, created: false });
    }
    if (!out.size) throw new UsageError(`collection "${given}" holds none of the entity types tested (${entities.join(', ')})`);
    return out;
  }
  if (!c.createCollection) throw new UsageError(`connector "${ep.connectorId}" cannot create collections: give an empty collection with --collection ID`);
  const stamp = Date.now().toString(36);
  for (const entity of entities) {
    const info = await c.createCollection({ id: `dovetail-conformance-${entity}-${stamp}`, name: `Dovetail conformance ${entity} ${stamp}`, entities: [entity] });
    out.set(entity, { id: info.id, created: true });
  }
  return out;
}

export async function conformanceCommand(ctx: CommandContext, o: ConformanceOptions): Promise<number> {
  const [dirArg] = ctx.args;
  if (!dirArg || ctx.args.length > 1 || !o.settings) throw new UsageError(USAGE);
  if (o.entity !== undefined && !ENTITIES.includes(o.entity as EntityType)) throw new UsageError(`--entity must be event, task or contact, not '${o.entity}'`);
  const dir = path.resolve(dirArg);
  const found = await discoverConnectors({ extraDirs: [dir], hostVersion: hostApiVersion() });
  if (found.problems.length || !found.connectors.length) {
    const lines = found.problems.map((p) => `  ${p.path}${p.pointer ? ` ${p.pointer}` : ''}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`);
    throw new UsageError(`${dir} is not a usable connector package${lines.length ? `:\n${lines.join('\n')}` : ' (no package.json with a "dovetail" block)'}`);
  }
  const discovered = found.connectors[0]!;
  const settingsFile = path.resolve(o.settings);
  const settings = await readSettings(settingsFile);
  const endpoint = 'under-test';
  const loaded: LoadedConfig = {
    file: settingsFile, baseDir: path.dirname(settingsFile), stateDir: path.join(path.dirname(settingsFile), '.dovetail'),
    config: {
      connectorDirs: [dir], pairings: {},
      endpoints: { [endpoint]: { connector: discovered.id, settings, ...(o.process !== undefined ? { process: o.process } : {}) } },
    } as LoadedConfig['config'],
  };
  const logger = createLogger({ level: (process.env.DOVETAIL_LOG_LEVEL as never) ?? 'warn', destination: 2 });
  // Only the package under test: neither the repository's connectors nor installed ones can stand in for it.
  const host = await PluginHost.create({ loaded, logger, repoRoot: dir, nodeModulesDirs: [] });
  try {
    let ep: ActiveEndpoint;
    try {
      ep = await host.activate(endpoint);
    } catch (e) {
      if (e instanceof ActivationError && e.reason === 'invalid-settings') {
        const prefix = `/endpoints/${endpoint}/settings`;
        throw new UsageError(`${settingsFile} is not valid for connector "${discovered.id}":\n${e.issues.map((i) => `  ${i.pointer.slice(prefix.length) || '/'}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`).join('\n')}`);
      }
      throw new UsageError(e instanceof ActivationError ? e.message.replace(/^endpoint "under-test": /, '') : (e as Error).message);
    }
    const declared = ENTITIES.filter((e) => discovered.manifest.entities[e] !== undefined && (o.entity === undefined || o.entity === e));
    if (!declared.length) throw new UsageError(`connector "${discovered.id}" does not declare entity type ${o.entity}`);
    const collections = await prepareCollections(ep, declared, o.collection);
    const corpusDir = o.corpus ? path.resolve(o.corpus) : defaultCorpusDir();
    const corpus = existsSync(corpusDir) ? corpusDir : false;
    const mode = ep.mode === 'process' ? 'out-of-process' : 'in-process';

    const runner = tableRunner();
    runConformanceSuite(discovered.id, async (entity) => {
      const { id } = collections.get(entity)!;
      return { connector: ep.connector, collection: id, dispose: () => emptyCollection(ep.connector, id, entity) };
    }, { ...runner.api, entities: [...collections.keys()], manifest: discovered.manifest, invalidItems: false, corpus, timeoutMs: 120_000 });
    if (!ctx.json) ctx.io.err(`conformance of ${discovered.id} ${discovered.version} (${discovered.dir}), ${mode}, collections: ${[...collections.values()].map((c) => c.id).join(', ')}`);
    const results = await runner.run({ onResult: (r) => { if (!ctx.json && ctx.tty) process.stderr.write(`\r\x1b[K${r.ok ? 'pass' : 'FAIL'} ${r.name}`); } });
    if (!ctx.json && ctx.tty) process.stderr.write('\r\x1b[K');
    const failed = results.filter((r) => !r.ok);
    const made = [...new Set([...collections.values()].filter((c) => c.created).map((c) => c.id))];
    if (ctx.json) {
      ctx.io.out(JSON.stringify({
        connector: discovered.id, version: discovered.version, package: discovered.dir, mode, collections: Object.fromEntries(collections),
        corpus: corpus || null, passed: results.length - failed.length, failed: failed.length, results,
      }, null, 2));
    } else {
      ctx.io.out(resultTable(results));
      ctx.io.out(`${results.length - failed.length} passed, ${failed.length} failed`);
      if (!corpus) ctx.io.out(`note: the corpus round trip was left out: no interop corpus at ${corpusDir} (set CORPUS_DIR or --corpus DIR)`);
      if (made.length) ctx.io.out(`note: collections created for the tests (now empty, left in place): ${made.join(', ')}`);
    }
    return failed.length ? 1 : 0;
  } finally {
    await host.dispose();
  }
}

function resultTable(results: TestOutcome[]): string {
  const rows = results.map((r) => [r.suite.replace(/^.* conformance: /, ''), r.name, r.ok ? 'pass' : 'FAIL', `${r.durationMs} ms`]);
  const lines = [table(['entity', 'test', 'result', 'time'], rows, 90)];
  for (const r of results.filter((x) => !x.ok)) lines.push(`FAIL ${r.suite.replace(/^.* conformance: /, '')} › ${r.name}\n     ${r.error}`);
  return lines.join('\n');
}
