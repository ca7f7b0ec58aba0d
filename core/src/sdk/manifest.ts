/** The `dovetail` block of a connector package's package.json (schemas/connector-manifest.schema.json). */
import type { EntityType } from './entities.js';

export interface EntityCapability {
  read: boolean;
  write: boolean;
  delete: boolean;
  /** How changes are detected, best first: `sync-token`, `etag`, `mtime`, `sync-state`, `poll`. */
  changes?: string[];
  /** Canonical field names this connector can store for the entity (mapping rules are validated against it); absent = all. */
  fields?: string[];
}

/** When an endpoint is read-only although the connector can write (manifest `readOnlyWhen`). */
export interface ReadOnlyRule {
  /** JSON Schema (draft-07) matched against the endpoint's validated settings; a match makes the endpoint read-only. */
  settings: Record<string, unknown>;
  /** Why, completing "endpoint X is read-only: …" (e.g. `it subscribes to a feed ("url"), which cannot be written`). */
  reason: string;
}

export interface ConnectorManifest {
  manifestVersion: 1;
  id: string;
  displayName: string;
  description?: string;
  /** In-process entry, relative to the package root. */
  main?: string;
  /** Optional out-of-process entry (JSON-RPC over stdio). */
  process?: { command: string; args?: string[] };
  activation?: string[];
  entities: Partial<Record<EntityType, EntityCapability>>;
  capabilities?: string[];
  /**
   * `single`: an endpoint is itself its one collection (a feed, a file) and pairing sides may leave `collection`
   * out; the host then uses the one collection `discover()` returns. Default `many`.
   */
  collections?: 'many' | 'single';
  /** Settings that make an endpoint read-only (validate refuses pairings that would write to it). */
  readOnlyWhen?: ReadOnlyRule;
  /** Path of the settings JSON Schema, relative to the package root. */
  settings?: string;
  /** Module whose default export is `defineSettingsMigration(...)`, relative to the package root; run before settings are validated. */
  settingsMigration?: string;
}
