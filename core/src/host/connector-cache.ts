/**
 * The cache an endpoint's connector keeps between runs (SDK `ConnectorCache`): `STATE/cache/ENDPOINT.json`, loaded
 * on first use, written (temp file, then rename) by `save()` only when a scope changed. A file that is missing,
 * unreadable, too large, corrupt or written for another connector reads as empty: a cache never fails a run.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { removeStaleTempFiles, replaceAtomic } from '../sdk/atomic-write.js';
import type { ConnectorCache, Logger } from '../sdk/connector.js';

/** Largest cache file in bytes: a larger file is ignored when read, and a cache grown past it is not written. */
export const MAX_CACHE_BYTES = 32 * 1024 * 1024;

/** Version of the file's shape `{ format, connector, scopes: { SCOPE: { KEY: VALUE } } }`. */
const FORMAT = 1;

type Entries = Record<string, string>;

/** The host's side of a `ConnectorCache`: the SDK interface, plus saving. */
export interface EndpointCache extends ConnectorCache {
  /** The cache file, for messages. */
  readonly location: string;
  /** Largest cache file in bytes (a scope larger than this can never be kept). */
  readonly maxBytes: number;
  /** Writes the file when a scope changed since it was loaded or last saved. Never throws: a failure is logged. */
  save(): Promise<void>;
}

export interface EndpointCacheOptions {
  stateDir: string;
  endpoint: string;
  /** The endpoint's connector: a cache file written for another connector is ignored (and replaced on save). */
  connectorId: string;
  /** Where "ignored" and "not saved" are told (debug and warn level). */
  logger: Logger;
  /** Largest cache file in bytes (default `MAX_CACHE_BYTES`). */
  maxBytes?: number;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `v` as entries when it is an object of strings, else undefined. */
function asEntries(v: unknown): Entries | undefined {
  if (!isPlainObject(v)) return undefined;
  return Object.values(v).every((x) => typeof x === 'string') ? v as Entries : undefined;
}

function sameEntries(a: Entries | undefined, b: Entries): boolean {
  const keys = Object.keys(b);
  if (a === undefined) return keys.length === 0;
  return Object.keys(a).length === keys.length && keys.every((k) => Object.prototype.hasOwnProperty.call(a, k) && a[k] === b[k]);
}

/** The cache of endpoint `endpoint` in `stateDir/cache/`. */
export function endpointCache(o: EndpointCacheOptions): EndpointCache {
  const dir = path.join(o.stateDir, 'cache');
  const name = `${encodeURIComponent(o.endpoint)}.json`;
  const file = path.join(dir, name);
  const maxBytes = o.maxBytes ?? MAX_CACHE_BYTES;
  let loaded: Promise<Map<string, Entries>> | undefined;
  let dirty = false;

  /** The scopes in the file; empty (and a debug line) when there is no usable file. */
  async function load(): Promise<Map<string, Entries>> {
    const ignore = (why: string) => {
      o.logger.debug({ file }, `connector cache ignored: ${why}`);
      return new Map<string, Entries>();
    };
    let text: string;
    try {
      const size = (await stat(file)).size;
      if (size > maxBytes) return ignore(`${size} bytes, more than ${maxBytes}`);
      text = await readFile(file, 'utf8');
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ENOENT' ? new Map() : ignore((e as Error).message);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return ignore('not JSON');
    }
    if (!isPlainObject(parsed) || parsed.format !== FORMAT || !isPlainObject(parsed.scopes)) return ignore(`not a cache file of format ${FORMAT}`);
    if (parsed.connector !== o.connectorId) return ignore(`written for connector ${JSON.stringify(parsed.connector)}`);
    const scopes = new Map<string, Entries>();
    for (const [scope, value] of Object.entries(parsed.scopes)) {
      const entries = asEntries(value);
      if (!entries) return ignore(`scope ${JSON.stringify(scope)} is not an object of strings`);
      scopes.set(scope, entries);
    }
    return scopes;
  }

  const scopes = () => (loaded ??= load());

  return {
    location: file,
    maxBytes,

    async read(scope) {
      const entries = (await scopes()).get(String(scope));
      return entries ? { ...entries } : {};
    },

    async write(scope, entries) {
      const all = await scopes();
      const given = asEntries(entries);
      if (!given) {
        o.logger.debug({ scope }, 'connector cache: a write that is not an object of strings was dropped');
        return;
      }
      const copy = Object.fromEntries(Object.entries(given));
      if (sameEntries(all.get(String(scope)), copy)) return;
      if (Object.keys(copy).length === 0) all.delete(String(scope));
      else all.set(String(scope), copy);
      dirty = true;
    },

    async save() {
      if (!dirty || !loaded) return;
      dirty = false;
      const text = JSON.stringify({ format: FORMAT, connector: o.connectorId, scopes: Object.fromEntries(await loaded) });
      if (Buffer.byteLength(text) > maxBytes) {
        o.logger.warn({ file }, `connector cache not saved: ${Buffer.byteLength(text)} bytes, more than ${maxBytes}; the next run rebuilds what it needs`);
        return;
      }
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        await removeStaleTempFiles(dir, name);
        await replaceAtomic(dir, name, text);
      } catch (e) {
        o.logger.warn({ file, err: e }, `connector cache not saved: ${(e as Error).message}`);
      }
    },
  };
}
