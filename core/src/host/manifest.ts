/**
 * Validates a connector package.json: the `dovetail` block against schemas/connector-manifest.schema.json,
 * `engines.dovetail` against the host API version, and that entry/settings paths stay inside the package.
 */
import path from 'node:path';
// The seven semver functions used here, bundled into one module at build time (scripts/build-vendor.mjs).
import { gt, intersects, minVersion, parse, satisfies, valid, validRange } from '#semver';
import type { ConnectorManifest } from '../sdk/manifest.js';
import { schemaValidator } from '../config/schema-validator.js';
import type { SchemaIssue } from '../config/schema-issues.js';

const checkManifestSchema = schemaValidator('connector-manifest.schema.json');

/** Validates a `dovetail` block alone; pointers are relative to the block. */
export function validateManifest(block: unknown): SchemaIssue[] {
  return checkManifestSchema(block);
}

/** The package.json fields the host reads. */
export interface ConnectorPackageJson {
  name?: unknown;
  version?: unknown;
  keywords?: unknown;
  engines?: { dovetail?: unknown; [k: string]: unknown };
  dovetail?: unknown;
}

export interface PackageCheck {
  /** Present when the package is a loadable connector (no issues). */
  manifest?: ConnectorManifest;
  /** The id declared in the block, when readable (for messages even if the package is refused). */
  declaredId?: string;
  /** Pointers relative to package.json. */
  issues: SchemaIssue[];
}

function insidePackage(dir: string, relative: string): boolean {
  const rel = path.relative(dir, path.resolve(dir, relative));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** The manifest versions this host reads: the current one and the one before it (when there is one). */
export const MANIFEST_VERSIONS: readonly number[] = [1];

/**
 * The host API lines a host of version `hostVersion` accepts connectors for: its own major line and the one before
 * (for 0.x versions a "major" is the minor, as in semver's caret: 0.3.x accepts 0.3 and 0.2).
 */
export function acceptedApiLines(hostVersion: string): { current: string; previous?: string } {
  const v = parse(hostVersion);
  if (!v) return { current: `=${hostVersion}` };
  if (v.major > 0) return { current: `^${v.major}.0.0`, previous: `^${v.major - 1}.0.0` };
  if (v.minor > 0) return { current: `~0.${v.minor}.0`, previous: `~0.${v.minor - 1}.0` };
  return { current: `~0.0.${v.patch}` };
}

/** Problems with `engines.dovetail`: missing, not a range, or no API line of this host in it (saying which it needs). */
function engineIssues(range: unknown, hostVersion: string): SchemaIssue[] {
  const lines = acceptedApiLines(hostVersion);
  const suggested = lines.current.replace(/^~/, '^');
  if (range === undefined) return [{ pointer: '/engines/dovetail', message: 'missing: the host API range the connector was written for', hint: `add "engines": { "dovetail": "${suggested}" }` }];
  if (typeof range !== 'string' || validRange(range) === null) return [{ pointer: '/engines/dovetail', message: `${JSON.stringify(range)} is not a valid semver range`, hint: `e.g. "${suggested}"` }];
  if (satisfies(hostVersion, range, { includePrerelease: true })) return [];
  if (lines.previous && intersects(range, lines.previous, { includePrerelease: true })) return []; // written for the previous API line: still accepted
  const needs = minVersion(range);
  const accepts = `connectors written for ${lines.current}${lines.previous ? ` or ${lines.previous}` : ''}`;
  const newer = needs !== null && gt(needs, hostVersion);
  return [{
    pointer: '/engines/dovetail',
    message: `needs Dovetail host API ${range}${needs ? ` (at least ${needs.version})` : ''}; this host provides ${hostVersion} and accepts ${accepts}`,
    hint: newer ? `upgrade Dovetail to a version that provides ${needs!.version}, or install an older version of the connector`
      : `the connector was written for an older host API that this Dovetail no longer supports: install a version of it built for "${suggested}"`,
  }];
}

/** Checks a parsed package.json found in folder `dir` against host API `hostVersion`. */
export function checkConnectorPackage(pkg: unknown, dir: string, hostVersion: string): PackageCheck {
  if (typeof pkg !== 'object' || pkg === null || Array.isArray(pkg)) {
    return { issues: [{ pointer: '', message: 'package.json must contain a JSON object', hint: 'see https://docs.npmjs.com/cli/configuring-npm/package-json' }] };
  }
  const p = pkg as ConnectorPackageJson;
  const issues: SchemaIssue[] = [];
  const block = p.dovetail;
  const declaredId = typeof block === 'object' && block !== null && typeof (block as { id?: unknown }).id === 'string'
    ? (block as { id: string }).id : undefined;

  if (block === undefined) {
    issues.push({
      pointer: '/dovetail', message: 'no "dovetail" manifest block: this package is not a Dovetail connector',
      hint: 'add { "dovetail": { "manifestVersion": 1, "id": …, "displayName": …, "main": "./dist/index.js", "entities": {…} } } (schema: schemas/connector-manifest.schema.json)',
    });
  } else if (typeof (block as { manifestVersion?: unknown }).manifestVersion === 'number'
    && !MANIFEST_VERSIONS.includes((block as { manifestVersion: number }).manifestVersion)) {
    const version = (block as { manifestVersion: number }).manifestVersion;
    const newest = Math.max(...MANIFEST_VERSIONS);
    issues.push({
      pointer: '/dovetail/manifestVersion',
      message: `manifest version ${version} ${version > newest ? 'is newer than this Dovetail reads' : 'is no longer read by this Dovetail'} (it reads ${MANIFEST_VERSIONS.join(' and ')})`,
      hint: version > newest ? 'upgrade Dovetail, or install a version of the connector with manifest version ' + newest : 'install a newer version of the connector',
    });
  } else {
    issues.push(...validateManifest(block).map((i) => ({ ...i, pointer: `/dovetail${i.pointer}` })));
    const b = block as { main?: unknown; settings?: unknown; settingsMigration?: unknown };
    for (const key of ['main', 'settings', 'settingsMigration'] as const) {
      const value = b[key];
      if (typeof value === 'string' && value !== '' && !insidePackage(dir, value)) {
        issues.push({ pointer: `/dovetail/${key}`, message: `"${value}" points outside the package folder`, hint: 'use a path relative to the package root, e.g. "./dist/index.js"' });
      }
    }
  }

  issues.push(...engineIssues(p.engines?.dovetail, hostVersion));
  if (p.version !== undefined && (typeof p.version !== 'string' || valid(p.version) === null)) {
    issues.push({ pointer: '/version', message: `${JSON.stringify(p.version)} is not a valid semver version`, hint: 'e.g. "1.0.0"' });
  }
  return issues.length > 0 ? { declaredId, issues } : { manifest: block as ConnectorManifest, declaredId, issues };
}
