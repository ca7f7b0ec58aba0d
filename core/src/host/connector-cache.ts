/**
 * The cache an endpoint's connector keeps between runs (SDK `ConnectorCache`): `STATE/cache/ENDPOINT.json`, loaded
 * on first use, written (temp file, then rename) by `save()` only when a scope changed. A file that is missing,
 * unreadable, too large, corrupt or written for another connector reads as empty: a cache never fails a run.
 *
 * Each scope is kept in a `StringTable` (UTF-8 outside the JavaScript heap, see sdk/string-table.ts): a scope with an
 * entry per file of a 100,000-file folder costs 10.5 MiB there instead of ~4 MiB of heap (plus the connector's own
 * copy) that V8 lets grow 3–4× before it collects. `scope()` hands the connector that table itself; `save()` writes the file in pieces of a few hundred
 * entries, never as one string.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { removeStaleTempFiles, replaceAtomic } from '../sdk/atomic-write.js';
import { tableOf, tableScope } from '../sdk/cache-scope.js';
import type { CacheScope, ConnectorCache, Logger } from '../sdk/connector.js';
import type { StringTable } from '../sdk/string-table.js';

/** Largest cache file in bytes: a larger file is ignored when read, and a cache grown past it is not written. */
export const MAX_CACHE_BYTES = 32 * 1024 * 1024;

/** Version of the file's shape `{ format, connector, scopes: { SCOPE: { KEY: VALUE } } }`. */
const FORMAT = 1;

/** Entries serialised per piece while the file is written (a few tens of KiB of text at a time). */
const ENTRIES_PER_PIECE = 512;

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

/** True when `table` holds exactly `entries` (those a table can keep). */
function sameEntries(table: StringTable | undefined, entries: StringTable): boolean {
  if (table === undefined) return entries.size === 0;
  if (table.size !== entries.size) return false;
  for (const [key, value] of entries.entries()) if (table.get(key) !== value) return false;
  return true;
}

/** Thrown by the file's pieces when the text grows past the bound (the temp file is dropped, the old file kept). */
class TooLarge extends Error {}

/**
 * The cache file's text in pieces: `{"format":1,"connector":…,"scopes":{"SCOPE":{"KEY":"VALUE",…},…}}`, empty scopes
 * left out, `ENTRIES_PER_PIECE` entries per piece. Throws `TooLarge` once more than `maxBytes` bytes were given.
 */
function* cacheFilePieces(connectorId: string, scopes: Map<string, StringTable>, maxBytes: number): Generator<string> {
  let bytes = 0;
  const piece = (text: string) => {
    bytes += Buffer.byteLength(text, 'utf8');
    if (bytes > maxBytes) throw new TooLarge(`more than ${maxBytes} bytes`);
    return text;
  };
  const head = JSON.stringify({ format: FORMAT, connector: connectorId, scopes: {} });
  let scopeSep = '';
  yield piece(head.slice(0, -2)); // up to and including `"scopes":{`
  for (const [scope, table] of scopes) {
    if (table.size === 0) continue;
    let batch: string[] = [];
    let open = `${scopeSep}${JSON.stringify(scope)}:{`;
    scopeSep = ',';
    for (const [key, value] of table.entries()) {
      batch.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
      if (batch.length < ENTRIES_PER_PIECE) continue;
      yield piece(open + batch.join(','));
      open = ',';
      batch = [];
    }
    yield piece(`${batch.length > 0 ? open + batch.join(',') : open === ',' ? '' : open}}`);
  }
  yield piece('}}');
}

/** The cache of endpoint `endpoint` in `stateDir/cache/`. */
export function endpointCache(o: EndpointCacheOptions): EndpointCache {
  const dir = path.join(o.stateDir, 'cache');
  const name = `${encodeURIComponent(o.endpoint)}.json`;
  const file = path.join(dir, name);
  const maxBytes = o.maxBytes ?? MAX_CACHE_BYTES;
  let loaded: Promise<Map<string, StringTable>> | undefined;
  let dirty = false;
  const changed = () => { dirty = true; };

  /** The scopes in the file; empty (and a debug line) when there is no usable file. */
  async function load(): Promise<Map<string, StringTable>> {
    const ignore = (why: string) => {
      o.logger.debug({ file }, `connector cache ignored: ${why}`);
      return new Map<string, StringTable>();
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
    const scopes = new Map<string, StringTable>();
    for (const [scope, value] of Object.entries(parsed.scopes)) {
      const entries = asEntries(value);
      if (!entries) return ignore(`scope ${JSON.stringify(scope)} is not an object of strings`);
      scopes.set(scope, tableOf(Object.entries(entries)));
    }
    return scopes;
  }

  const scopes = () => (loaded ??= load());

  /** The table of `scope`, created (empty) when there is none. */
  async function tableFor(scope: string): Promise<StringTable> {
    const all = await scopes();
    let table = all.get(scope);
    if (!table) {
      table = tableOf([]);
      all.set(scope, table);
    }
    return table;
  }

  return {
    location: file,
    maxBytes,

    async read(scope) {
      const table = (await scopes()).get(String(scope));
      return table ? Object.fromEntries(table.entries()) : {};
    },

    async write(scope, entries) {
      const given = asEntries(entries);
      if (!given) {
        o.logger.debug({ scope }, 'connector cache: a write that is not an object of strings was dropped');
        return;
      }
      const next = tableOf(Object.entries(given));
      const table = (await scopes()).get(String(scope));
      if (sameEntries(table, next)) return;
      // Refilled in place, so that a handle `scope()` gave sees the new entries.
      const target = await tableFor(String(scope));
      target.clear();
      for (const [key, value] of next.entries()) target.set(key, value);
      dirty = true;
    },

    async scope(scope): Promise<CacheScope> {
      return tableScope(await tableFor(String(scope)), changed);
    },

    async save() {
      if (!dirty || !loaded) return;
      // Cleared before writing: a change made while the pieces are written (the service runs pairings side by side)
      // sets it again, and the next save writes it; the file holds each entry as it was when its piece was made.
      dirty = false;
      const all = await loaded;
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        await removeStaleTempFiles(dir, name);
        await replaceAtomic(dir, name, cacheFilePieces(o.connectorId, all, maxBytes));
      } catch (e) {
        const why = e instanceof TooLarge ? `${e.message}; the next run rebuilds what it needs` : (e as Error).message;
        o.logger.warn(e instanceof TooLarge ? { file } : { file, err: e }, `connector cache not saved: ${why}`);
      }
    },
  };
}
