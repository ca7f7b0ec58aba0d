/**
 * What an Exchange protocol backend (EWS today, Microsoft Graph next) provides to the connector. Backends speak
 * in backend-neutral Exchange items (model/types.ts); the connector maps them to canonical entities, keeps the
 * carry right and decides what a sync needs.
 */
import type { CheckResult, CollectionMetadata, DovetailError, EntityType } from '@dovetail/core/sdk';
import type { ExItem } from './model/index.js';

/** A folder that holds one kind of item. */
export interface ExFolder {
  /** The collection id pairings name: `calendar` / `tasks` / `contacts`, a folder id, either maybe `mailbox/…`. */
  id: string;
  name: string;
  entity: EntityType;
  color?: string;
  readOnly?: boolean;
}

/** An item as listed: id, change marker and — for calendar items — when it happens, so a window can be applied. */
export interface ExRef {
  id: string;
  version: string;
  /** UTC ISO-8601 start and end of a single event, or of a series' first occurrence. */
  start?: string;
  end?: string;
  /** A series master: in every window until its pattern says otherwise (the engine expands it). */
  recurring?: boolean;
}

export type ExListing =
  | { kind: 'full'; items: ExRef[]; cursor: string }
  | { kind: 'changes'; changed: ExRef[]; deleted: string[]; cursor: string };

export type ExLoaded = { ok: true; id: string; version: string; item: ExItem } | { ok: false; id: string; error: DovetailError };

export type ExWriteOp =
  | { op: 'create'; item: ExItem }
  /** `previous` is the item as last read (its native raw), so only what changed is sent; absent: every mapped field is set. */
  | { op: 'update'; id: string; ifVersion?: string; item: ExItem; previous?: ExItem }
  | { op: 'delete'; id: string; ifVersion?: string }
  /** Only Dovetail's stamp (uid + carry) changes. */
  | { op: 'stamp'; id: string; ifVersion: string; item: ExItem };

export type ExWriteResult = { ok: true; id: string; version: string } | { ok: false; error: DovetailError };

export interface ExchangeBackend {
  check(): Promise<CheckResult>;
  /** Every folder of the mailbox(es) that holds events, tasks or contacts. */
  folders(): Promise<ExFolder[]>;
  /** Creates the folder at path `name` (`calendar/Team`); `color` (#RRGGBB) where the backend can colour it (the result's `color`: as it took it). */
  createFolder(name: string, entity: EntityType, color?: string): Promise<ExFolder>;
  /** A folder's name and colour (Graph); a backend without it (EWS) carries no collection metadata. */
  folderMetadata?(collection: string, entity: EntityType): Promise<CollectionMetadata>;
  /**
   * Sets what it can of a folder's name and colour. `held`: the name and colour the folder holds afterwards (a colour
   * may be the nearest the server offers); `kept`: what it left as it is, each with why.
   */
  updateFolder?(collection: string, entity: EntityType, changes: CollectionMetadata): Promise<{ held: CollectionMetadata; kept: string[] }>;
  /**
   * A full listing (no cursor, or a stale one: throws CursorInvalid) or the changes since `cursor`. `window` is
   * the pairing's time window, if any (a backend may use it to bound what it asks the server for).
   */
  list(collection: string, entity: EntityType, cursor?: string, window?: { start: Date; end: Date }): Promise<ExListing>;
  load(collection: string, ids: string[], entity: EntityType): Promise<ExLoaded[]>;
  /** One result per op, in order; throws only when nothing could be attempted (auth, server down). */
  write(collection: string, ops: ExWriteOp[], entity: EntityType): Promise<ExWriteResult[]>;
  /**
   * What the server keeps of an item this backend writes, when that is less than the item (Graph: no attendees,
   * no To Do percent complete): the carry is predicted from it. Absent: everything is kept.
   */
  stored?(item: ExItem): ExItem;
  close(): Promise<void>;
}
