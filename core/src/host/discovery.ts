/**
 * Connector discovery (DESIGN §3): finds packages in the repo's connectors/ folder, in the config's
 * `connectorDirs` and among installed npm packages with the keyword `dovetail-connector`; validates each
 * manifest and settings schema. Reads files only — no connector code is imported here.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { JsonSyntaxError, parseJsonText } from '../config/json-text.js';
import { checkConnectorPackage, type ConnectorPackageJson } from './manifest.js';
import { ConnectorIndex, defaultIndexFile, listPackages } from './connector-index.js';
import { compileReadOnlyRule, type ReadOnlyCheck } from './read-only.js';
import { loadSettingsSchema } from './settings-schema.js';
import type { ConnectorSource, DiscoveredConnector, DiscoveryResult, HostProblem, SettingsCheck } from './types.js';
import { isSettingsMigration, type MigrateSettings } from '../sdk/settings-migration.js';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

/** The npm keyword that marks a connector package. */
export const CONNECTOR_KEYWORD = 'dovetail-connector';

export interface DiscoveryOptions {
  /** The repository's own connectors folder (each subfolder with a package.json is a candidate). */
  repoConnectorsDir?: string;
  /** Config `connectorDirs`, absolute: a connector package itself, or a folder of packages. */
  extraDirs?: string[];
  /** node_modules folders to scan (plain and @scoped packages) for the keyword. */
  nodeModulesDirs?: string[];
  /** Host API version that `engines.dovetail` must accept. */
  hostVersion: string;
  /** The connector index file (connector-index.ts); default the user cache's, `false` for none (always scan). */
  indexFile?: string | false;
}

interface Candidate {
  dir: string;
  source: ConnectorSource;
}

async function isDir(p: string): Promise<boolean> {
  try { return (await stat(p)).isDirectory(); } catch { return false; }
}

async function isFile(p: string): Promise<boolean> {
  try { return (await stat(p)).isFile(); } catch { return false; }
}

async function sortedEntries(dir: string): Promise<string[]> {
  try { return (await readdir(dir)).sort(); } catch { return []; }
}

/** Subfolders of `dir` that hold a package.json. */
async function packageFolders(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await sortedEntries(dir)) {
    if (name.startsWith('.') || name === 'node_modules') continue;
    const sub = path.join(dir, name);
    if (await isFile(path.join(sub, 'package.json'))) out.push(sub);
  }
  return out;
}

async function hasConnectorKeyword(dir: string): Promise<boolean> {
  try {
    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as ConnectorPackageJson;
    return Array.isArray(pkg.keywords) && pkg.keywords.includes(CONNECTOR_KEYWORD);
  } catch {
    return false; // not ours to judge: only packages that declare the keyword are connectors
  }
}

/**
 * Installed packages (incl. @scope/name) in a node_modules folder that carry the keyword. The package.json files of
 * real (not symlinked) packages are read only when the folder changed since the index last saw it.
 */
async function keywordPackages(nodeModules: string, index: ConnectorIndex): Promise<string[]> {
  const listing = await listPackages(nodeModules);
  const withKeyword = async (dirs: string[]) => {
    const flags = await Promise.all(dirs.map((d) => hasConnectorKeyword(d)));
    return dirs.filter((_, i) => flags[i]);
  };
  let plain = index.connectors(nodeModules, listing);
  if (!plain) {
    plain = await withKeyword(listing.plain);
    index.remember(nodeModules, listing, plain);
  }
  const found = new Set([...plain, ...await withKeyword(listing.linked)]);
  return listing.order.filter((d) => found.has(d));
}

async function collectCandidates(options: DiscoveryOptions): Promise<Candidate[]> {
  const found: Candidate[] = [];
  if (options.repoConnectorsDir) {
    for (const dir of await packageFolders(options.repoConnectorsDir)) found.push({ dir, source: 'repo' });
  }
  for (const extra of options.extraDirs ?? []) {
    if (await isFile(path.join(extra, 'package.json'))) found.push({ dir: extra, source: 'connectorDirs' });
    else for (const dir of await packageFolders(extra)) found.push({ dir, source: 'connectorDirs' });
  }
  const index = ConnectorIndex.open(options.indexFile === undefined ? defaultIndexFile() : options.indexFile || undefined);
  for (const nm of options.nodeModulesDirs ?? []) {
    if (!(await isDir(nm))) continue;
    for (const dir of await keywordPackages(path.resolve(nm), index)) found.push({ dir, source: 'node_modules' });
  }
  index.save();
  // The same package reached twice (a workspace symlink in node_modules, a folder listed twice) counts once.
  const seen = new Set<string>();
  const unique: Candidate[] = [];
  for (const c of found) {
    const real = await realpath(c.dir).catch(() => path.resolve(c.dir));
    if (seen.has(real)) continue;
    seen.add(real);
    unique.push({ ...c, dir: path.resolve(c.dir) });
  }
  return unique;
}

type Outcome = { connector: DiscoveredConnector } | { problems: HostProblem[] };

/**
 * Imports the manifest's settings migration (after the manifest and `engines.dovetail` were accepted: the first
 * code of the package that runs) and checks its default export.
 */
async function loadSettingsMigration(dir: string, relative: string | undefined, packageJsonPath: string):
  Promise<{ migrate?: MigrateSettings } | { problem: HostProblem }> {
  if (relative === undefined) return {};
  const file = path.resolve(dir, relative);
  const at = { path: packageJsonPath, pointer: '/dovetail/settingsMigration' };
  if (!(await isFile(file))) return { problem: { ...at, message: `settings migration ${file} does not exist`, hint: 'build the package, or fix the path (relative to the package root)' } };
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (e) {
    return { problem: { ...at, message: `loading the settings migration ${file} failed: ${(e as Error).message}` } };
  }
  if (!isSettingsMigration(mod.default)) return { problem: { ...at, message: `${file} does not export a settings migration as default`, hint: 'use `export default defineSettingsMigration((settings) => …)` from @dovetail/core/sdk' } };
  return { migrate: mod.default.migrate };
}

/** Runs the migration (on a copy) before validating; `migrated` tells whether it changed anything. */
function checkWithMigration(check: (v: unknown) => SettingsCheck, migrate: MigrateSettings | undefined, value: unknown): SettingsCheck {
  if (!migrate || typeof value !== 'object' || value === null || Array.isArray(value)) return check(value);
  let migrated: Record<string, unknown>;
  try {
    migrated = migrate(structuredClone(value as Record<string, unknown>));
  } catch (e) {
    return { ok: false, issues: [{ pointer: '', message: `the connector's settings migration failed: ${(e as Error).message}`, hint: 'check the settings against the connector\'s README' }] };
  }
  const result = check(migrated);
  return result.ok && !isDeepStrictEqual(migrated, value) ? { ...result, migrated: true } : result;
}

/** Reads and validates one package folder. */
async function inspectPackage(candidate: Candidate, hostVersion: string): Promise<Outcome> {
  const packageJsonPath = path.join(candidate.dir, 'package.json');
  let pkg: unknown;
  try {
    pkg = parseJsonText(await readFile(packageJsonPath, 'utf8'), packageJsonPath);
  } catch (e) {
    const message = e instanceof JsonSyntaxError ? `invalid JSON at line ${e.line}, column ${e.column}: ${e.detail}` : (e as Error).message;
    return { problems: [{ path: packageJsonPath, pointer: '', message }] };
  }
  const checked = checkConnectorPackage(pkg, candidate.dir, hostVersion);
  if (!checked.manifest) {
    return {
      problems: checked.issues.map((i) => ({
        path: packageJsonPath, pointer: i.pointer, message: i.message, hint: i.hint,
        ...(checked.declaredId !== undefined ? { connectorId: checked.declaredId } : {}),
      })),
    };
  }
  const manifest = checked.manifest;
  const settings = await loadSettingsSchema(candidate.dir, manifest.settings, packageJsonPath);
  if (!settings.ok) return { problems: [{ ...settings.problem, connectorId: manifest.id }] };
  let readOnly: ReadOnlyCheck;
  try {
    readOnly = compileReadOnlyRule(manifest.readOnlyWhen);
  } catch (e) {
    return { problems: [{ path: packageJsonPath, pointer: '/dovetail/readOnlyWhen/settings', message: `invalid JSON Schema: ${(e as Error).message}`, hint: 'a draft-07 schema matched against the settings, e.g. { "required": ["url"] }', connectorId: manifest.id }] };
  }
  const migration = await loadSettingsMigration(candidate.dir, manifest.settingsMigration, packageJsonPath);
  if ('problem' in migration) return { problems: [{ ...migration.problem, connectorId: manifest.id }] };
  const p = pkg as { name?: unknown; version?: unknown };
  const { compiled } = settings;
  return {
    connector: {
      id: manifest.id,
      displayName: manifest.displayName,
      version: typeof p.version === 'string' ? p.version : '0.0.0',
      packageName: typeof p.name === 'string' ? p.name : path.basename(candidate.dir),
      dir: candidate.dir,
      packageJsonPath,
      source: candidate.source,
      manifest,
      settingsSchema: compiled.schema,
      secretKeys: compiled.secretKeys,
      checkSettings: (value) => checkWithMigration(compiled.check, migration.migrate, value),
      readOnlyReason: readOnly,
    },
  };
}

/**
 * Finds and validates connector packages. Broken packages become problems (file + JSON pointer + message)
 * and the others still load. When two packages declare the same id, the first found (repo, then
 * connectorDirs in order, then node_modules) is kept and the other is refused, naming both paths.
 */
export async function discoverConnectors(options: DiscoveryOptions): Promise<DiscoveryResult> {
  const candidates = await collectCandidates(options);
  const outcomes = await Promise.all(candidates.map((c) => inspectPackage(c, options.hostVersion)));
  const connectors: DiscoveredConnector[] = [];
  const problems: HostProblem[] = [];
  const byId = new Map<string, DiscoveredConnector>();
  for (const outcome of outcomes) {
    if ('problems' in outcome) { problems.push(...outcome.problems); continue; }
    const c = outcome.connector;
    const first = byId.get(c.id);
    if (first) {
      problems.push({
        path: c.packageJsonPath, pointer: '/dovetail/id', connectorId: c.id,
        message: `duplicate connector id "${c.id}": ${c.packageJsonPath} is refused because ${first.packageJsonPath} already provides it`,
        hint: `remove one of ${first.dir} and ${c.dir}, or give one a different id`,
      });
      continue;
    }
    byId.set(c.id, c);
    connectors.push(c);
  }
  return { connectors, problems };
}
