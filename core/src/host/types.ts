/** What discovery and the plugin host hand out. */
import type { Connector, ConnectorDefinition } from '../sdk/connector.js';
import type { ConnectorManifest } from '../sdk/manifest.js';
import type { SchemaIssue } from '../config/schema-issues.js';

/** Where a connector package was found (earlier sources win when two packages share an id). */
export type ConnectorSource = 'repo' | 'connectorDirs' | 'node_modules';

/** A package that could not be loaded: the file, the place inside it (JSON pointer) and why. */
export interface HostProblem {
  /** The file the problem is in (a package.json or a settings schema). */
  path: string;
  /** JSON pointer inside that file, e.g. `/dovetail/entities`; `` for the whole file. */
  pointer: string;
  message: string;
  /** How to fix it, when there is something to say. */
  hint?: string;
  /** The connector id the package declares, when it could be read. */
  connectorId?: string;
}

/** Outcome of validating settings against a connector's schema. */
export type SettingsCheck =
  | { ok: true; /** Validated, defaults applied, deep-frozen. */ settings: Readonly<Record<string, unknown>>; /** The connector's settings migration changed them. */ migrated?: boolean }
  | { ok: false; /** Pointers relative to the settings object (`/path`). */ issues: SchemaIssue[] };

/** A connector package whose manifest and settings schema are valid. No code of it has run. */
export interface DiscoveredConnector {
  id: string;
  displayName: string;
  /** Package version. */
  version: string;
  packageName: string;
  /** Absolute package folder. */
  dir: string;
  packageJsonPath: string;
  source: ConnectorSource;
  manifest: ConnectorManifest;
  /** The settings JSON Schema as the author wrote it (`{ type: 'object', additionalProperties: false }` when none). */
  settingsSchema: Record<string, unknown>;
  /** Dotted settings keys marked `"x-secret": true`. */
  secretKeys: string[];
  /** Validates settings (a copy; the input is untouched). Secret keys accept a string, `{env}` or `{file}`. */
  checkSettings(settings: unknown): SettingsCheck;
  /**
   * Why an endpoint with these (validated) settings is read-only by the manifest's `readOnlyWhen`, or undefined
   * when it is not.
   */
  readOnlyReason(settings: unknown): string | undefined;
}

export interface DiscoveryResult {
  connectors: DiscoveredConnector[];
  problems: HostProblem[];
}

/** A connector bound to one endpoint of the config. */
export interface ActiveEndpoint {
  /** Endpoint name in the config. */
  name: string;
  connectorId: string;
  manifest: ConnectorManifest;
  connector: Connector;
  /** Why the endpoint is read-only by its settings (manifest `readOnlyWhen`); undefined when it can be written. */
  readOnly?: string;
  /** `process`: the connector runs as a child process (JSON-RPC over stdio); `in-process`: its module was imported. */
  mode: 'in-process' | 'process';
  /** Aborts the endpoint's signal, calls `connector.close()`, and forgets the activation. Idempotent. */
  dispose(): Promise<void>;
}

/** Activation failed: unknown endpoint/connector, invalid settings, entry not loadable, bad export, process quarantined. */
export class ActivationError extends Error {
  constructor(
    message: string,
    readonly endpoint: string,
    readonly reason: 'unknown-endpoint' | 'unknown-connector' | 'invalid-settings' | 'unsupported' | 'load-failed' | 'create-failed' | 'quarantined',
    readonly issues: SchemaIssue[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ActivationError';
  }
}

export type { ConnectorDefinition };
