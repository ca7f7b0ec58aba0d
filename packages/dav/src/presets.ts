/**
 * Provider presets for CalDAV/CardDAV servers, kept as data in ../presets.json:
 * start URLs (with {server}/{username} placeholders), preferred auth schemes and
 * known server quirks. This module validates that file once at load and fills URLs.
 */
import presetsData from '../presets.json' with { type: 'json' };

/** Which DAV protocol a URL or quirk set is for. */
export type DavProtocol = 'caldav' | 'carddav';

/** An HTTP authentication scheme a server accepts. */
export type DavAuthScheme = 'basic' | 'digest' | 'bearer';

/** How a server refuses a resource whose UID already exists in the collection. */
export type DavUidClash = '409' | '412' | '207-412' | '403';

/**
 * Known server behaviour that differs from what the RFCs let a client assume.
 * Every key is optional: an absent key means "unknown", and DEFAULT_QUIRKS applies.
 */
export interface DavQuirks {
  /** false = never use RFC 6578 sync-collection, even if the server advertises it. */
  syncCollection?: boolean;
  /** false = do not trust server time-range filters for recurring items: list all and filter on the client. */
  timeRangeExpandsRecurrences?: boolean;
  /** true = a successful PUT returns the new ETag (otherwise it must be fetched afterwards). */
  putReturnsEtag?: boolean;
  /** Maximum number of hrefs to send in one calendar-multiget / addressbook-multiget REPORT. */
  maxMultiget?: number;
  /** true = expect 429/503 responses with Retry-After and pace requests. */
  rateLimited?: boolean;
  /** How a duplicate UID is refused: 409, 412, 412 inside a 207 multistatus, or 403 (precondition element). */
  uidClash?: DavUidClash;
  /** Which collection colour property the server stores: Apple's calendar-color, or none. */
  colorProperty?: 'apple' | 'none';
  /** true = collections may be created (MKCALENDAR / extended MKCOL). */
  createCollection?: boolean;
  /** true = the server keeps VTODO in collections separate from VEVENT. */
  eventsAndTasksSeparate?: boolean;
}

/** A start URL for one protocol, with quirks that apply only to that protocol. */
export interface DavPresetEndpoint {
  /** Discovery/start URL; may contain {server} and {username} placeholders. */
  url: string;
  /** Quirks for this protocol only; they override the preset-wide quirks. */
  quirks?: DavQuirks;
}

/** One provider preset, as stored in presets.json (keyed by id). */
export interface DavPreset {
  /** Stable id, e.g. "nextcloud". */
  id: string;
  /** Human-readable provider name. */
  displayName: string;
  /** CalDAV start URL, when the provider offers CalDAV. */
  caldav?: DavPresetEndpoint;
  /** CardDAV start URL, when the provider offers CardDAV. */
  carddav?: DavPresetEndpoint;
  /** Accepted auth schemes, most preferred first (never empty). */
  auth: DavAuthScheme[];
  /** Quirks for both protocols. */
  quirks: DavQuirks;
  /** Setup hints (e.g. app-specific password needed) and what is unknown. */
  notes?: string;
}

/**
 * Defaults used when no preset applies: all capabilities assumed, maxMultiget 200 (the engine loads 200 items at a
 * time, so one multiget per load; a server refusing that many is met by smaller multigets, see multiget.ts).
 */
export const DEFAULT_QUIRKS: Required<DavQuirks> = Object.freeze({
  syncCollection: true,
  timeRangeExpandsRecurrences: true,
  putReturnsEtag: true,
  maxMultiget: 200,
  rateLimited: false,
  uidClash: '409',
  colorProperty: 'apple',
  createCollection: true,
  eventsAndTasksSeparate: false,
});

const AUTH_SCHEMES: readonly DavAuthScheme[] = ['basic', 'digest', 'bearer'];
const UID_CLASH_VALUES: readonly DavUidClash[] = ['409', '412', '207-412', '403'];
const COLOR_PROPERTY_VALUES: readonly string[] = ['apple', 'none'];
const BOOLEAN_QUIRKS = [
  'syncCollection',
  'timeRangeExpandsRecurrences',
  'putReturnsEtag',
  'rateLimited',
  'createCollection',
  'eventsAndTasksSeparate',
] as const;
const QUIRK_KEYS: readonly string[] = [...BOOLEAN_QUIRKS, 'maxMultiget', 'uidClash', 'colorProperty'];
const PRESET_KEYS: readonly string[] = ['displayName', 'caldav', 'carddav', 'auth', 'quirks', 'notes'];
const PLACEHOLDER = /\{([^{}]*)\}/g;
const KNOWN_PLACEHOLDERS: readonly string[] = ['server', 'username'];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rejectUnknownKeys(value: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new Error(`${where}: unknown key "${key}" (allowed: ${allowed.join(', ')})`);
  }
}

/** Checks a quirks object against the fixed vocabulary; throws naming the bad key. */
export function parseQuirks(value: unknown, where: string): DavQuirks {
  if (!isPlainObject(value)) throw new Error(`${where}: must be an object`);
  rejectUnknownKeys(value, QUIRK_KEYS, where);
  const quirks: DavQuirks = {};
  for (const key of BOOLEAN_QUIRKS) {
    if (value[key] === undefined) continue;
    if (typeof value[key] !== 'boolean') throw new Error(`${where}.${key}: must be true or false`);
    quirks[key] = value[key];
  }
  if (value.maxMultiget !== undefined) {
    const max = value.maxMultiget;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
      throw new Error(`${where}.maxMultiget: must be a positive integer`);
    }
    quirks.maxMultiget = max;
  }
  if (value.uidClash !== undefined) {
    if (!UID_CLASH_VALUES.includes(value.uidClash as DavUidClash)) {
      throw new Error(`${where}.uidClash: must be one of ${UID_CLASH_VALUES.join(', ')}`);
    }
    quirks.uidClash = value.uidClash as DavUidClash;
  }
  if (value.colorProperty !== undefined) {
    if (!COLOR_PROPERTY_VALUES.includes(value.colorProperty as string)) {
      throw new Error(`${where}.colorProperty: must be one of ${COLOR_PROPERTY_VALUES.join(', ')}`);
    }
    quirks.colorProperty = value.colorProperty as 'apple' | 'none';
  }
  return quirks;
}

function parseEndpoint(value: unknown, where: string): DavPresetEndpoint {
  if (!isPlainObject(value)) throw new Error(`${where}: must be an object with a "url"`);
  rejectUnknownKeys(value, ['url', 'quirks'], where);
  if (typeof value.url !== 'string' || value.url.trim() === '') throw new Error(`${where}.url: must be a non-empty string`);
  for (const [, name] of value.url.matchAll(PLACEHOLDER)) {
    if (!KNOWN_PLACEHOLDERS.includes(name)) {
      throw new Error(`${where}.url: unknown placeholder {${name}} (allowed: {server}, {username})`);
    }
  }
  if (value.url.includes('{server}') && !value.url.startsWith('{server}')) {
    throw new Error(`${where}.url: {server} may only appear at the start of the URL`);
  }
  const endpoint: DavPresetEndpoint = { url: value.url };
  if (value.quirks !== undefined) endpoint.quirks = parseQuirks(value.quirks, `${where}.quirks`);
  return endpoint;
}

function parsePreset(id: string, value: unknown): DavPreset {
  const where = `preset "${id}"`;
  if (!isPlainObject(value)) throw new Error(`${where}: must be an object`);
  rejectUnknownKeys(value, PRESET_KEYS, where);
  if (typeof value.displayName !== 'string' || value.displayName.trim() === '') {
    throw new Error(`${where}.displayName: must be a non-empty string`);
  }
  if (value.caldav === undefined && value.carddav === undefined) {
    throw new Error(`${where}: needs a "caldav" or "carddav" URL`);
  }
  const auth = value.auth;
  if (!Array.isArray(auth) || auth.length === 0) throw new Error(`${where}.auth: must be a non-empty array`);
  for (const scheme of auth) {
    if (!AUTH_SCHEMES.includes(scheme)) throw new Error(`${where}.auth: "${String(scheme)}" is not one of ${AUTH_SCHEMES.join(', ')}`);
  }
  if (new Set(auth).size !== auth.length) throw new Error(`${where}.auth: lists a scheme twice`);
  if (value.notes !== undefined && typeof value.notes !== 'string') throw new Error(`${where}.notes: must be a string`);

  const preset: DavPreset = {
    id,
    displayName: value.displayName,
    auth: auth as DavAuthScheme[],
    quirks: parseQuirks(value.quirks ?? {}, `${where}.quirks`),
  };
  if (value.caldav !== undefined) preset.caldav = parseEndpoint(value.caldav, `${where}.caldav`);
  if (value.carddav !== undefined) preset.carddav = parseEndpoint(value.carddav, `${where}.carddav`);
  if (typeof value.notes === 'string') preset.notes = value.notes;
  return preset;
}

/**
 * Validates the contents of a presets file (an object keyed by preset id) and
 * returns the presets in file order. Throws an Error naming the first bad field.
 */
export function parsePresets(data: unknown): DavPreset[] {
  if (!isPlainObject(data)) throw new Error('presets.json: must be an object keyed by preset id');
  return Object.entries(data).map(([id, value]) => {
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id)) throw new Error(`presets.json: id "${id}" must be lower-case letters, digits and dashes`);
    return parsePreset(id, value);
  });
}

const PRESETS: ReadonlyMap<string, DavPreset> = new Map(
  parsePresets(presetsData as unknown).map((preset) => [preset.id, deepFreeze(preset)]),
);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Ids of all presets, in file order. */
export const PRESET_IDS: readonly string[] = Object.freeze([...PRESETS.keys()]);

/** The preset with this id, or undefined for an unknown id. */
export function getPreset(id: string): DavPreset | undefined {
  return PRESETS.get(id);
}

/** All presets, in file order. */
export function listPresets(): DavPreset[] {
  return [...PRESETS.values()];
}

/**
 * Normalises a server value to "scheme://host[:port][/sub/folder]" without a
 * trailing slash: a bare host gets https://, query and fragment are dropped, a
 * sub-folder path (e.g. Nextcloud installed under /cloud) is kept.
 */
function normaliseServer(server: string, presetId: string): string {
  const trimmed = server.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new Error(`preset "${presetId}": server "${server}" is not a valid host or URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`preset "${presetId}": server "${server}" must be an http(s) URL`);
  }
  if (url.username || url.password) {
    throw new Error(`preset "${presetId}": server "${server}" must not contain credentials`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * The start URL for a preset: fills {server} (settings.server or the URL's origin)
 * and {username} (percent-encoded); throws Error with a clear message when a needed
 * placeholder has no value or the preset has no URL for the protocol.
 */
export function presetUrl(preset: DavPreset, protocol: DavProtocol, values: { server?: string; username?: string }): string {
  const template = preset[protocol]?.url;
  if (!template) throw new Error(`preset "${preset.id}" (${preset.displayName}) has no ${protocol} URL`);
  const filled = template.replace(PLACEHOLDER, (_match, name: string) => {
    if (name === 'server') {
      if (!values.server?.trim()) {
        throw new Error(`preset "${preset.id}": the ${protocol} URL needs a server: set "server" (e.g. "https://dav.example.com")`);
      }
      return normaliseServer(values.server, preset.id);
    }
    if (name === 'username') {
      if (!values.username) throw new Error(`preset "${preset.id}": the ${protocol} URL needs a username: set "username"`);
      return encodeURIComponent(values.username);
    }
    throw new Error(`preset "${preset.id}": unknown placeholder {${name}} in the ${protocol} URL`);
  });
  let url: URL;
  try {
    url = new URL(filled);
  } catch {
    throw new Error(`preset "${preset.id}": the ${protocol} URL "${filled}" is not a valid URL`);
  }
  return url.href;
}

/**
 * Quirks to use: DEFAULT_QUIRKS, then the preset's quirks, then (when a protocol is
 * given) the preset's per-protocol quirks, then the caller's overrides. Overrides
 * are validated; an invalid override throws.
 */
export function effectiveQuirks(preset?: DavPreset, overrides?: DavQuirks, protocol?: DavProtocol): Required<DavQuirks> {
  const fromProtocol = protocol ? preset?.[protocol]?.quirks : undefined;
  const checked = overrides === undefined ? {} : parseQuirks(overrides, 'quirk overrides');
  return { ...DEFAULT_QUIRKS, ...preset?.quirks, ...fromProtocol, ...checked };
}
