/**
 * The out-of-process connector protocol: JSON-RPC 2.0, one message per line over the child's stdin/stdout.
 *
 * Host → child requests: `initialize`, then the Connector methods by name (`check`, `discover`, `list`, `load`,
 * `write`, `createCollection`, `collectionMetadata`, `updateCollection`, `watch`, `unwatch`, `close`) and `$/ping` (heartbeat). Host → child notification:
 * `$/cancel` (the context's signal was aborted). Child → host requests: `secrets.get`, `secrets.maybe`,
 * `credentials.read`, `credentials.write`, `credentials.clear`, `cache.read`, `cache.write`. Child → host
 * notification: `watch.changed`. Typed errors travel as JSON-RPC errors with code {@link TYPED_ERROR_CODE} and the
 * error's JSON (`{ code, message, retryAfterMs? }`) as `data`; per-item errors inside load and write results travel
 * as the same JSON.
 */
import type { CollectionInfo, CollectionMetadata, CollectionSpec, ListResult, LoadResult, WriteOp, WriteResult } from '../sdk/connector.js';
import type { EntityType } from '../sdk/entities.js';
import { errorFromJSON, isDovetailError, type DovetailError, type ErrorCode } from '../sdk/errors.js';

/** Version of this protocol; `initialize` refuses a child speaking another. */
export const PROTOCOL_VERSION = 1;

/** JSON-RPC error code of a typed Dovetail error (its JSON is the error's `data`). */
export const TYPED_ERROR_CODE = -32001;

/** The optional Connector methods a child may implement; `initialize` says which it has. */
export const OPTIONAL_METHODS = ['createCollection', 'collectionMetadata', 'updateCollection', 'watch', 'close'] as const;
export type OptionalMethod = typeof OPTIONAL_METHODS[number];

/** Params of `initialize`. Secret settings are not included: the child asks for them with `secrets.get`. */
export interface InitializeParams {
  protocolVersion: number;
  endpoint: string;
  settings: Record<string, unknown>;
  baseDir: string;
  /** Dotted settings keys that are secrets (present in the config, resolvable with `secrets.get`). */
  secretKeys: string[];
  /** Where the endpoint's credential file is (for messages); read and written with `credentials.*`. */
  credentialsLocation: string;
  /**
   * Largest JSON text of one `cache.write` the host accepts, in bytes; absent when the host keeps no connector cache
   * (the child's `ConnectorCache` then reads `{}` and drops writes).
   */
  cacheMaxBytes?: number;
}

export interface InitializeResult {
  protocolVersion: number;
  /** The optional methods the connector implements. */
  methods: OptionalMethod[];
}

/** A typed error as it crosses the boundary. */
export interface ErrorJSON {
  code: ErrorCode;
  message: string;
  retryAfterMs?: number;
}

/** `list` params: the window's bounds as ISO strings. */
export interface ListParams {
  collection: string;
  options: { entity: EntityType; cursor?: string; window?: { start: string; end: string } };
}

export interface LoadParams { collection: string; ids: string[]; options: { entity: EntityType } }
export interface WriteParams { collection: string; ops: WriteOp[] }
export interface CreateCollectionParams { spec: CollectionSpec }
export interface CollectionMetadataParams { collection: string }
export interface UpdateCollectionParams { collection: string; changes: CollectionMetadata }
export interface WatchParams { collection: string }
export interface WatchResult { watchId: string }
export interface UnwatchParams { watchId: string }
export interface WatchChangedParams { watchId: string }
export interface SecretParams { key: string }
export interface CredentialsWriteParams { text: string }
export interface CacheReadParams { scope: string }
export interface CacheWriteParams { scope: string; entries: Record<string, string> }
export interface CancelParams { reason: string }

export type { CollectionInfo, ListResult };

/** A load result on the wire (the error as JSON). */
export type LoadResultJSON = { ok: true; id: string; version: string; item: unknown } | { ok: false; id: string; error: ErrorJSON };
/** A write result on the wire (a success as the SDK has it: `stored`, `repaired`, `altered` travel as JSON). */
export type WriteResultJSON = Extract<WriteResult, { ok: true }> | { ok: false; error: ErrorJSON };

/** A typed error's wire form; any other error becomes `Unavailable` with its message. */
export function errorJSON(e: unknown): ErrorJSON {
  if (isDovetailError(e)) {
    const j: ErrorJSON = { code: e.code, message: e.message };
    const retry = (e as { retryAfterMs?: unknown }).retryAfterMs;
    if (typeof retry === 'number') j.retryAfterMs = retry;
    return j;
  }
  return { code: 'Unavailable', message: e instanceof Error ? e.message : String(e) };
}

function isErrorJSON(v: unknown): v is ErrorJSON {
  return typeof v === 'object' && v !== null && typeof (v as ErrorJSON).code === 'string' && typeof (v as ErrorJSON).message === 'string';
}

/** Rebuilds a typed error from the wire; malformed data becomes `Unavailable` naming what was wrong. */
export function errorFromWire(v: unknown): DovetailError {
  if (!isErrorJSON(v)) return errorFromJSON({ code: 'Unavailable', message: 'the connector returned a malformed error' });
  return errorFromJSON({ code: v.code, message: v.message, ...(typeof v.retryAfterMs === 'number' ? { retryAfterMs: v.retryAfterMs } : {}) });
}

export function loadResultToWire(r: LoadResult): LoadResultJSON {
  return r.ok ? r : { ok: false, id: r.id, error: errorJSON(r.error) };
}

export function writeResultToWire(r: WriteResult): WriteResultJSON {
  return r.ok ? r : { ok: false, error: errorJSON(r.error) };
}
