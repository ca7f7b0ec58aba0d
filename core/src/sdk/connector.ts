/**
 * The connector interface (DESIGN §3). A connector package's entry exports `defineConnector(...)`
 * as its default export; the host calls the factory once per endpoint at activation.
 */
import type { Entity, EntityType } from './entities.js';
import type { DovetailError } from './errors.js';

/** A structured logger (pino-compatible subset); every line already carries the connector and endpoint. */
export interface Logger {
  trace(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** Resolves settings marked `"x-secret": true` (string, `{env}` or `{file}` in the config). */
export interface Secrets {
  /** The secret at a settings key (e.g. `password`); throws a clear error when unset or unreadable. */
  get(key: string): Promise<string>;
  /** Like `get`, but `undefined` when the key is absent from the settings. */
  maybe(key: string): Promise<string | undefined>;
}

/**
 * A secret file of the endpoint's own in the state folder (`credentials/ENDPOINT.json`, mode 0600 in a folder of
 * mode 0700): for credentials a connector obtains itself, such as an OAuth 2.0 refresh token after an interactive
 * sign-in. Its content is never logged by the host; a connector must not log it either.
 */
export interface CredentialStore {
  /** The file's content, or undefined when nothing was stored yet. */
  read(): Promise<string | undefined>;
  /** Replaces the content (written to a temporary file, then renamed; mode 0600). */
  write(text: string): Promise<void>;
  /** Removes the file. */
  clear(): Promise<void>;
  /** Where the file is, for messages. */
  readonly location: string;
}

/**
 * A small cache of the endpoint's own that outlives the process: facts that are slow to learn again and cheap to
 * check, such as what a local file holds at a given version (`mtime:size:inode`). Entries are strings under a key,
 * grouped in scopes (a collection, a folder); a connector reads and replaces a whole scope at a time (`read` /
 * `write`), or opens a scope and changes entries one by one (`scope`, for a scope with an entry per item).
 *
 * The host keeps it in the state folder (`cache/ENDPOINT.json`), loads it on first use, and writes it after a run
 * (atomically, and only when a scope changed). It is a cache, never a store: a missing, corrupt or oversized file
 * reads as empty, a connector must give the same results (only slower) when it is empty, and every entry must carry
 * what proves it still holds (a version) — the files it describes may change between runs.
 */
export interface ConnectorCache {
  /** The entries last written under `scope`; `{}` when there are none, or the cache is unavailable. Never throws. */
  read(scope: string): Promise<Record<string, string>>;
  /**
   * Replaces every entry under `scope` with `entries` (`{}` removes the scope). Leave out what is no longer needed
   * (entries of deleted files), so the cache stays as small as what it describes. Never throws; a cache grown past the
   * host's bound (a 32 MiB file) is not saved, and out of process a write larger than the host accepts is dropped.
   */
  write(scope: string, entries: Readonly<Record<string, string>>): Promise<void>;
  /**
   * The entries under `scope`, opened to read and change one at a time (added 2026-12; `read` and `write` are
   * unchanged). In process the handle is the host's own copy, kept compact outside the JavaScript heap: nothing is
   * copied per call or per run, which matters for a scope with an entry per item (tens of thousands). Changes are the
   * host's at once and saved after the run. Out of process (`runStdio`) the SDK reads the scope once (`cache.read`)
   * into a table of the child's and sends it back whole (`cache.write`) on `flush()`: the messages between child and
   * host are the same as before, so a connector using `scope` runs under an older host and the reverse.
   * A `write` of the same scope replaces what an open handle holds. Never throws: an unavailable cache gives a handle
   * that keeps its entries in memory only.
   */
  scope(scope: string): Promise<CacheScope>;
}

/**
 * One scope of a `ConnectorCache`, opened with `scope()`: a map of strings. Keys and values are kept as UTF-8; a
 * string with a lone surrogate (not valid Unicode) cannot be kept exactly and is ignored by `set`.
 */
export interface CacheScope {
  /** Number of entries. */
  readonly size: number;
  get(key: string): string | undefined;
  /** Sets an entry (a value equal to the one held changes nothing). */
  set(key: string, value: string): void;
  /** Removes an entry; true when there was one. */
  delete(key: string): boolean;
  /** The keys in first-insertion order; an entry may be deleted while iterating (drop entries of deleted files). */
  keys(): IterableIterator<string>;
  /**
   * Hands the changes to the host where it is another process (one `cache.write` of the whole scope, dropped when
   * larger than the host accepts); in process a no-op, the host holds the changes already. Call it where a `write`
   * would go (after a listing, and in `close()`). Never throws.
   */
  flush(): Promise<void>;
}

/**
 * How a connector talks to the person during `dovetail auth ENDPOINT` (capability `sign-in`): `show` prints one
 * line to them (a device code and the page to enter it on); `signal` aborts when they press Ctrl-C.
 */
export interface SignInPrompt {
  show(line: string): void;
  signal: AbortSignal;
}

/** What a connector factory receives. Settings are validated against the manifest's schema and frozen. */
export interface ConnectorContext<S = Record<string, unknown>> {
  /** The endpoint's name in the config. */
  endpoint: string;
  settings: Readonly<S>;
  logger: Logger;
  secrets: Secrets;
  /** Aborted when the run is cancelled or the service shuts down. */
  signal: AbortSignal;
  /** Folder where the config lives; relative paths in settings resolve against it. */
  baseDir: string;
  /** The endpoint's secret file in the state folder (see `CredentialStore`). */
  credentials: CredentialStore;
  /** The endpoint's cache that outlives the process (see `ConnectorCache`). */
  cache: ConnectorCache;
}

export interface CheckResult {
  ok: boolean;
  /** One line a person can act on ("401 Unauthorized: check username and password"). */
  message: string;
}

/** A collection (calendar, task list, address book, folder). */
export interface CollectionInfo {
  /** Stable id the pairing's `collection` names (href, folder name, EWS folder id). */
  id: string;
  name: string;
  entities: EntityType[];
  color?: string;
  readOnly?: boolean;
}

export interface CollectionSpec {
  id: string;
  /** The name people see (the source collection's name when the engine creates a paired collection). */
  name?: string;
  /** `#RRGGBB` (the source collection's colour when the engine creates a paired collection). */
  color?: string;
  entities: EntityType[];
}

/**
 * A collection's name and colour (capability `collection-metadata`). A key left out is unknown or not set; `color` is
 * `#RRGGBB` (upper case).
 */
export interface CollectionMetadata {
  name?: string;
  color?: string;
}

/** An item's identity and change marker as listed. */
export interface ItemRef {
  /** Connector-opaque, stable id (href, file name, EWS ItemId). Never derived from a UID by the engine. */
  id: string;
  /** Opaque change marker (ETag, mtime+size, ChangeKey). Different value = the item may have changed. */
  version: string;
}

export interface ListOptions {
  entity: EntityType;
  /** The cursor the previous list returned; absent on a first or full listing. */
  cursor?: string;
  /** Only items that may overlap [start, end) are needed; a connector may ignore this and list everything. */
  window?: { start: Date; end: Date };
}

/**
 * A listing. `full`: every item in the collection (within the window, if honoured).
 * `changes`: only what changed since `ListOptions.cursor`. Throw `CursorInvalid` when the cursor is stale.
 */
export type ListResult = (
  | { kind: 'full'; items: ItemRef[]; cursor?: string }
  | { kind: 'changes'; changed: ItemRef[]; deleted: string[]; cursor: string }
) & {
  /**
   * The collection's name and colour, when the listing learned them at no extra cost (a local folder reads two small
   * files). The engine then does not call `collectionMetadata`.
   */
  metadata?: CollectionMetadata;
};

export interface LoadOptions {
  entity: EntityType;
}

/** One loaded item, or why it could not be loaded/parsed (the rest still loads). */
export type LoadResult =
  | { ok: true; id: string; version: string; item: Entity }
  | { ok: false; id: string; error: DovetailError };

/** A write. `ifVersion` makes it conditional (If-Match / ChangeKey); create is always "only if absent". */
export type WriteOp =
  | { op: 'create'; item: Entity; /** Suggested id (file name, href tail); the connector may choose another. */ hint?: string }
  | { op: 'update'; id: string; ifVersion?: string; item: Entity }
  | { op: 'delete'; id: string; ifVersion?: string };

/** A property the target lost or changed when it stored an item (the server's rewrite, found by reading it back). */
export interface Alteration {
  /** The property (`ORG`, `EXDATE`, `VALARM TRIGGER`, `item1.X-ABLABEL`). */
  property: string;
  /** The content line as sent (unfolded). */
  sent: string;
  /** The content line the server holds instead; absent when it dropped the property. */
  stored?: string;
}

/**
 * Per-op outcome, in the order of the ops. `version` may be absent when the server did not return one.
 * `stored` is the item as the target holds it when that differs from what was asked (a repaired copy, or the
 * server's own rewrite): the engine records its hash, so the difference never echoes back as an edit.
 */
export type WriteResult =
  | {
    ok: true; id: string; version?: string; stored?: Entity;
    /** Names of the repair rules that made a refused item go through (the source is never touched). */
    repaired?: string[];
    /** Properties the server lost or changed when it stored the item. */
    altered?: Alteration[];
  }
  | { ok: false; error: DovetailError };

export interface WatchHandle {
  close(): Promise<void>;
}

/** A running connector bound to one endpoint. Optional members are advertised by capabilities. */
export interface Connector {
  /** Connect and authenticate; never throws for an expected failure, returns ok:false with a message. */
  check(): Promise<CheckResult>;
  discover(): Promise<CollectionInfo[]>;
  list(collection: string, options: ListOptions): Promise<ListResult>;
  /** Loads items by id. May be called with many ids; the connector chunks its own requests. */
  load(collection: string, ids: string[], options: LoadOptions): Promise<LoadResult[]>;
  /** Applies ops in order; one result per op. Throws only when nothing could be attempted (auth, network down). */
  write(collection: string, ops: WriteOp[]): Promise<WriteResult[]>;
  createCollection?(spec: CollectionSpec): Promise<CollectionInfo>;
  /**
   * The collection's current name and colour (capability `collection-metadata`), in one cheap request: the engine
   * asks at most hourly, to carry a change to the paired collection.
   */
  collectionMetadata?(collection: string): Promise<CollectionMetadata>;
  /**
   * Sets a collection's name and/or colour (capability `collection-metadata`); keys left out stay as they are. A store
   * that holds only one of them sets that one and ignores the other. May return the name and colour the collection
   * holds afterwards, when the store could not take a value as given (a colour rounded to the store's palette, a name
   * kept as it is): the engine remembers and reports those, so it does not carry them back as a change.
   */
  updateCollection?(collection: string, changes: CollectionMetadata): Promise<CollectionMetadata | void>;
  /** Calls `onChange` when the collection may have changed (push, poll, file watch). */
  watch?(collection: string, onChange: () => void): Promise<WatchHandle>;
  /**
   * Interactive sign-in for `dovetail auth ENDPOINT` (manifest capability `sign-in`): talks to the person through
   * `prompt`, keeps what it obtains in `context.credentials`, and says how it went (ok:false for a refusal or time-out).
   */
  signIn?(prompt: SignInPrompt): Promise<CheckResult>;
  /** Releases sockets, timers and handles. */
  close?(): Promise<void>;
}

/** What a connector module exports as default. */
export interface ConnectorDefinition<S = Record<string, unknown>> {
  readonly kind: 'dovetail-connector';
  readonly apiVersion: 1;
  create(context: ConnectorContext<S>): Connector | Promise<Connector>;
}

/**
 * Declares a connector. Export the result as the module's default:
 * ```ts
 * export default defineConnector<MySettings>((ctx) => ({ check, discover, list, load, write }));
 * ```
 */
export function defineConnector<S = Record<string, unknown>>(
  create: (context: ConnectorContext<S>) => Connector | Promise<Connector>,
): ConnectorDefinition<S> {
  return Object.freeze({ kind: 'dovetail-connector', apiVersion: 1, create });
}

/** True when a module's default export is a connector definition. */
export function isConnectorDefinition(v: unknown): v is ConnectorDefinition {
  return typeof v === 'object' && v !== null && (v as ConnectorDefinition).kind === 'dovetail-connector'
    && typeof (v as ConnectorDefinition).create === 'function';
}
