/**
 * Validates a connector package.json: the `dovetail` block against schemas/connector-manifest.schema.json,
 * `engines.dovetail` against the host API version, and that entry/settings paths stay inside the package.
 */
import path from 'node:path';
import semver from 'semver';
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
  } else {
    issues.push(...validateManifest(block).map((i) => ({ ...i, pointer: `/dovetail${i.pointer}` })));
    const b = block as { main?: unknown; settings?: unknown };
    for (const key of ['main', 'settings'] as const) {
      const value = b[key];
      if (typeof value === 'string' && value !== '' && !insidePackage(dir, value)) {
        issues.push({ pointer: `/dovetail/${key}`, message: `"${value}" points outside the package folder`, hint: 'use a path relative to the package root, e.g. "./dist/index.js"' });
      }
    }
  }

  const range = p.engines?.dovetail;
  const major = semver.major(hostVersion);
  const suggested = major === 0 ? `^0.${semver.minor(hostVersion)}.0` : `^${major}.0.0`;
  if (range === undefined) {
    issues.push({ pointer: '/engines/dovetail', message: 'missing: the host API range the connector was written for', hint: `add "engines": { "dovetail": "${suggested}" }` });
  } else if (typeof range !== 'string' || semver.validRange(range) === null) {
    issues.push({ pointer: '/engines/dovetail', message: `${JSON.stringify(range)} is not a valid semver range`, hint: `e.g. "${suggested}"` });
  } else if (!semver.satisfies(hostVersion, range, { includePrerelease: true })) {
    issues.push({
      pointer: '/engines/dovetail', message: `requires Dovetail host API ${range}, but this host provides ${hostVersion}`,
      hint: 'install a version of the connector built for this Dovetail, or upgrade Dovetail',
    });
  }
  if (p.version !== undefined && (typeof p.version !== 'string' || semver.valid(p.version) === null)) {
    issues.push({ pointer: '/version', message: `${JSON.stringify(p.version)} is not a valid semver version`, hint: 'e.g. "1.0.0"' });
  }
  return issues.length > 0 ? { declaredId, issues } : { manifest: block as ConnectorManifest, declaredId, issues };
}
