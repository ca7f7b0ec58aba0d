/** The shape of `dovetail.json` (schemas/config.schema.json is the user-facing twin of these types). */
import type { EndpointProcessOption } from '../host/process/options.js';
import type { EntityType } from '../sdk/entities.js';

/** A secret: a literal string, an environment variable or a file (trailing newline trimmed). */
export type SecretRef = string | { env: string } | { file: string };

export interface EndpointConfig {
  /** Connector id from a manifest (`filesystem`, `caldav`, …). */
  connector: string;
  /** Validated against the connector's settings schema. */
  settings?: Record<string, unknown>;
  /** Run the connector as a child process (`true`, or limits), or in process (`false`); default: the manifest decides. */
  process?: EndpointProcessOption;
}

export interface SideConfig {
  endpoint: string;
  /**
   * Collection id as the connector's `discover` names it. May be left out when the endpoint's connector has a
   * single collection per endpoint (manifest `collections: "single"`); the engine then uses that one.
   */
  collection?: string;
  /** Create the collection when it does not exist. */
  create?: boolean;
  /** Read-only side: the engine never writes to it, whatever the mode. */
  readOnly?: boolean;
}

export type SyncMode =
  | 'two-way' | 'two-way-existing'
  | 'mirror-a-to-b' | 'mirror-b-to-a'
  | 'push-a-to-b' | 'push-b-to-a'
  | 'export-a-to-b' | 'export-b-to-a'
  | 'once';

export type ConflictPolicy = 'a-wins' | 'b-wins' | 'newer-wins' | 'keep-both' | 'manual';

/** What a deletion on the other side does to this side's copy. */
export type DeletePolicy = 'delete' | 'tombstone';

/** For mode `once`: `add` adds missing items only; `update` also overwrites matched ones; `recreate` empties the target first. */
export type OnceStrategy = 'add' | 'update' | 'recreate';

export type Direction = 'both' | 'a-to-b' | 'b-to-a' | 'none';

/** A mapping rule: field `a` on side A corresponds to field `b` on side B. */
export interface MappingRule {
  a: string;
  b: string;
  direction?: Direction;
  /** Built-in transform name, or an object with parameters (see schemas/config.schema.json). */
  transform?: TransformSpec;
  /** Value written when the source value is empty (PROAD writes "." into an empty subject). */
  default?: unknown;
}

export type TransformSpec =
  | 'identity' | 'html-to-text' | 'text-to-html' | 'priority-1-9-to-level' | 'priority-level-to-1-9'
  | { name: 'status-table'; table: 'proad' | Record<string, string> }
  | { name: 'reminders'; policy: 'all' | 'none' | 'upcoming-only' }
  | { name: 'category-color'; table: Record<string, string> }
  | { name: 'constant'; value: unknown }
  | { name: 'template'; template: string }
  | { name: string; [k: string]: unknown };

export interface FilterRule {
  /** Canonical field (`summary`, `location`, `categories`, `emails`, `org.name`, …). */
  field?: string;
  /** `*` wildcards; no `*` = contains; case-insensitive. */
  pattern?: string;
  /**
   * Built-in predicate instead of field/pattern. `category` takes `value`; `selected` is the pairing's selection list
   * (`dovetail select`); `attendee-of` takes `pairing` (an event pairing whose attendees' e-mails select contacts).
   */
  predicate?: 'private' | 'recurring' | 'has-due' | 'category' | 'selected' | 'attendee-of';
  value?: string;
  /** For `attendee-of`: the event pairing. */
  pairing?: string;
  /** Which side's items the rule looks at; default both. */
  side?: 'a' | 'b' | 'both';
}

export interface WindowConfig {
  pastDays?: number;
  futureDays?: number;
  /** ISO date; items ending before it are out of scope. */
  from?: string;
  to?: string;
  /**
   * The window applies only to items coming from this side; whatever the other side holds syncs whatever its date
   * (PROAD's "Komplett" sync). Default: both sides.
   */
  side?: 'a' | 'b';
}

/** How a kept copy shows that the other side deleted it, besides the `X-DOVETAIL-DELETED` property. */
export interface TombstoneLook {
  /** A category added to the item ("Deleted in Exchange"). */
  category?: string;
  /** Text put before the summary (a contact's formatted name), e.g. "[deleted] ". */
  prefix?: string;
}

/** A preset option value (PC CADDIE field groups): `none` keeps each side's own value, `export` flows A → B, `both` both ways. */
export type PresetOptionValue = 'none' | 'export' | 'both';

/**
 * A pairing's preset (core/presets/<entity>/<id>.json): its id, or the id with options. loadConfig expands it
 * into a plain pairing before validation, so the engine never sees it.
 */
export type PresetRef = string | { id: string; options?: Record<string, PresetOptionValue> };

export interface PairingConfig {
  entity: EntityType;
  /** Start from a preset's defaults; keys set here override them (see config/preset-merge.ts). */
  preset?: PresetRef;
  a: SideConfig;
  b: SideConfig;
  mode?: SyncMode;
  /** With mode `once`. */
  once?: OnceStrategy;
  conflict?: ConflictPolicy;
  deletes?: { a?: DeletePolicy; b?: DeletePolicy };
  /** How tombstones kept on A (`a`) and on B (`b`) are shown (see `deletes`). */
  tombstones?: { a?: TombstoneLook; b?: TombstoneLook };
  maxDeleteShare?: number;
  window?: WindowConfig;
  filters?: { include?: FilterRule[]; exclude?: FilterRule[] };
  mapping?: MappingRule[];
  /**
   * How often the collections' names and colours are read from a side whose listing does not report them (CalDAV,
   * CardDAV, Exchange), to carry a change to the other side: a duration, `0s` = every run (default `1h`).
   */
  metadataCheck?: string;
  /** Failed attempts before an item is quarantined (default 5). */
  maxAttempts?: number;
  /** Items loaded and written per chunk (default 200). */
  chunkSize?: number;
  /** `false`: the service does not schedule it and `dovetail sync` without names skips it (default true). */
  enabled?: boolean;
  schedule?: ScheduleConfig;
  /** When a run stops sending to a remote host (defaults: runner/settings.ts RUN_BUDGET_DEFAULTS). */
  runBudget?: RunBudgetConfig;
}

/** A run's per-host limits as configured. */
export interface RunBudgetConfig {
  /** Requests in a row that fail without an answer (time-out, refused, reset) before the run gives the host up (default 3). */
  failures?: number;
  /** A failing streak lasting this long gives the host up too (`20s`). */
  failureTime?: string;
  /** Longest Retry-After a run waits, pausing every request to the host; longer gives it up (`1m`). */
  maxPause?: string;
}

/** When the runner service syncs a pairing (defaults: runner/settings.ts SERVICE_DEFAULTS). */
export interface ScheduleConfig {
  /** Interval between runs (`30s`, `5m`, …); not with `cron`. */
  every?: string;
  /** A cron expression (5 fields, or 6 with seconds); not with `every`. */
  cron?: string;
  /** IANA time zone of `cron` (default: the machine's). */
  timezone?: string;
  /** Up to this much is added at random to each scheduled run (default 0s). */
  jitter?: string;
  /** Also run when a side's connector reports a change (local folders), default false. */
  watch?: boolean;
  /** Consecutive failed runs before the service stops the pairing (default `service.maxFailures`, 5). */
  maxFailures?: number;
  /** Backoff after a failed run: first delay and cap, doubling in between (defaults 30s and 15m). */
  retry?: { initial?: string; max?: string };
}

export interface ServiceConfig {
  /** Listen address (default 127.0.0.1). A token is required on any address but loopback. */
  host?: string;
  /** TCP port (default 8787; 0 picks a free one). */
  port?: number;
  /** Bearer token of the HTTP API. */
  token?: SecretRef;
  /** Runs at once, all pairings together (default 4). */
  concurrency?: number;
  /** Runs at once against one remote host (default 2). */
  perHost?: number;
  /** Default of `schedule.maxFailures` (default 5). */
  maxFailures?: number;
  /** How long SIGTERM waits for running runs to finish their chunk (default 30s). */
  shutdownTimeout?: string;
  /** Quiet period after a change before a watched pairing runs (default 2s). */
  watchDebounce?: string;
}

export interface ConfigFile {
  $schema?: string;
  state?: string;
  connectorDirs?: string[];
  endpoints: Record<string, EndpointConfig>;
  pairings: Record<string, PairingConfig>;
  service?: ServiceConfig;
  log?: { level?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' };
}

/** A config read from disk with its resolved locations. */
export interface LoadedConfig {
  /** Absolute path of the config file. */
  file: string;
  /** Folder of the config file; relative paths resolve against it. */
  baseDir: string;
  /** Absolute state folder. */
  stateDir: string;
  /** The config with presets expanded (each pairing as the engine sees it). */
  config: ConfigFile;
  /** The config as written in the file, before presets were expanded. */
  source?: ConfigFile;
}
