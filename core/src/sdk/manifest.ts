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
  /** Path of the settings JSON Schema, relative to the package root. */
  settings?: string;
  /** Module whose default export is `defineSettingsMigration(...)`, relative to the package root; run before settings are validated. */
  settingsMigration?: string;
}
