/** Where the host finds its own files: the repository root, the bundled JSON schemas, its API version. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** core/ (this file is core/src/host/paths.ts or core/dist/host/paths.js). */
const coreDir = path.resolve(here, '..', '..');

/** The repository (workspace) root: the folder holding `core/`, `connectors/` and `schemas/`. */
export function defaultRepoRoot(): string {
  return path.dirname(coreDir);
}

/** Absolute path of a bundled schema (`config.schema.json`, `connector-manifest.schema.json`). */
export function schemaFile(name: string): string {
  const candidates = [path.join(coreDir, 'schemas', name), path.join(defaultRepoRoot(), 'schemas', name)];
  return candidates.find((c) => existsSync(c)) ?? candidates[candidates.length - 1];
}

let cachedVersion: string | undefined;
/** The host API version: the version of @dovetail/core (core/package.json). */
export function hostApiVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(path.join(coreDir, 'package.json'), 'utf8')) as { version: string }).version;
  return cachedVersion;
}
