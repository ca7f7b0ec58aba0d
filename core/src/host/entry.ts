/** Loads a connector package's in-process entry and checks its default export. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isConnectorDefinition, type Connector, type ConnectorDefinition } from '../sdk/connector.js';
import type { DiscoveredConnector } from './types.js';

/** Why an entry could not be used; `reason` tells the host which ActivationError to raise. */
export class EntryError extends Error {
  constructor(message: string, readonly reason: 'unsupported' | 'load-failed', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EntryError';
  }
}

/** Imports `manifest.main` (the first time this runs, the connector's code runs) and returns its definition. */
export async function importConnectorDefinition(c: DiscoveredConnector): Promise<ConnectorDefinition> {
  const main = c.manifest.main;
  if (main === undefined) {
    throw new EntryError(`connector "${c.id}" (${c.packageJsonPath}) declares only an out-of-process entry ("process"); out-of-process connectors are not supported yet`, 'unsupported');
  }
  const entry = path.resolve(c.dir, main);
  if (!existsSync(entry)) {
    const build = c.source === 'repo' ? ' (run `npm run build` in the repository)' : '';
    throw new EntryError(`connector "${c.id}": entry ${entry} does not exist${build}`, 'load-failed');
  }
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(entry).href)) as { default?: unknown };
  } catch (e) {
    throw new EntryError(`connector "${c.id}": loading ${entry} failed: ${(e as Error).message}`, 'load-failed', { cause: e });
  }
  const def = mod.default;
  if (!isConnectorDefinition(def)) {
    throw new EntryError(`connector "${c.id}": ${entry} does not export a connector definition as default (use \`export default defineConnector(...)\`)`, 'load-failed');
  }
  if (def.apiVersion !== 1) {
    throw new EntryError(`connector "${c.id}": definition apiVersion ${String(def.apiVersion)} is not supported (this host speaks 1)`, 'load-failed');
  }
  return def;
}

const REQUIRED_METHODS = ['check', 'discover', 'list', 'load', 'write'] as const;

/** The methods a created connector lacks (empty when it is usable). */
export function missingConnectorMethods(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return [...REQUIRED_METHODS];
  return REQUIRED_METHODS.filter((m) => typeof (value as Record<string, unknown>)[m] !== 'function');
}

export type { Connector };
