/**
 * Support for the CalDAV corpus round trip: splits real third-party .ics files into vdir items (one file per
 * UID), lays them out as one collection per corpus file, writes the CLI config that pushes them folder →
 * server → folder, and attributes the per-item errors of `sync --json` to the items they name.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import ICAL from 'ical.js';
import type { DavServer } from '../support/dav-servers.js';
import type { RunJson } from '../support/workspace.js';

// ---------------------------------------------------------------------------------------------
// Splitting a corpus file into items

/** The entity a VEVENT/VTODO becomes. */
export type ItemKind = 'event' | 'task';

/** One VEVENT/VTODO of a corpus file, its raw lines kept exactly as written (folds, odd lines and all). */
export interface CorpusComponent {
  kind: ItemKind;
  /** UID as written (trimmed); undefined when the component has none. */
  uid?: string;
  /** RECURRENCE-ID as written (params + value), '' for a master. Used to spot repeated (UID, RECURRENCE-ID). */
  recurrenceId: string;
  /** TZIDs its properties (and alarms) refer to. */
  tzids: string[];
  /** False when ical.js refuses the component on its own (the ids above then come from a line scan). */
  parsedByIcalJs: boolean;
  lines: string[];
}

/**
 * One vdir file to write: every component of one UID (master + overrides), wrapped in its VCALENDAR's
 * header lines with the VTIMEZONEs it uses. A corpus file that repeats a (UID, RECURRENCE-ID) — iTIP
 * message collections do — has its n-th repetition in generation n, so every component is synced once.
 */
export interface CorpusPiece {
  kind: ItemKind;
  /** The UID the item has in the vdir and on the server: as written, or the filesystem connector's fallback. */
  uid: string;
  /** True when the corpus gave no UID (the filesystem connector derives one from the file name). */
  uidless: boolean;
  /** 1-based; see above. */
  generation: number;
  fileName: string;
  text: string;
  components: CorpusComponent[];
}

/** What a corpus file splits into. */
export interface CorpusSplit {
  pieces: CorpusPiece[];
  /** Top-level components that are not items (VJOURNAL, VFREEBUSY, unknown X- components), by name. */
  ignored: string[];
}

const BEGIN_END = /^(BEGIN|END):([A-Za-z0-9-]+)[ \t]*$/i;
const ITEM_KIND: Record<string, ItemKind> = { VEVENT: 'event', VTODO: 'task' };

interface RawCalendar {
  /** Calendar-level lines (VERSION, PRODID, METHOD, X-WR-*, …), physical lines as written. */
  headerLines: string[];
  /** False for a bare component that had no VCALENDAR around it. */
  wrapped: boolean;
  timezones: Map<string, string[]>;
  components: CorpusComponent[];
}

/** Logical (unfolded) lines of raw physical lines. */
function unfold(lines: string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && out.length) out[out.length - 1] += line.slice(1);
    else out.push(line);
  }
  return out;
}

function parsedComponent(lines: string[]): ICAL.Component | undefined {
  try {
    return new ICAL.Component(ICAL.parse(lines.join('\r\n') + '\r\n') as unknown[]);
  } catch {
    return undefined;
  }
}

/** TZIDs referred to by `comp` and its subcomponents. */
function tzidsOf(comp: ICAL.Component, into = new Set<string>()): Set<string> {
  for (const prop of comp.getAllProperties()) {
    const tzid = prop.getParameter('tzid');
    if (typeof tzid === 'string') into.add(tzid);
  }
  for (const sub of comp.getAllSubcomponents()) tzidsOf(sub, into);
  return into;
}

/** Unquoted TZID parameter values found by a line scan (for components ical.js refuses). */
function scannedTzids(lines: string[]): string[] {
  const out = new Set<string>();
  for (const line of unfold(lines)) {
    for (const m of line.matchAll(/;TZID=("([^"]*)"|[^;:]*)/gi)) out.add(m[2] ?? m[1]!);
  }
  return [...out];
}

function scannedValue(lines: string[], name: string): string | undefined {
  const re = new RegExp(`^${name}([;:].*)$`, 'i');
  for (const line of unfold(lines)) {
    const m = re.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

function readComponent(name: string, lines: string[]): CorpusComponent {
  const kind = ITEM_KIND[name]!;
  const comp = parsedComponent(lines);
  if (comp) {
    const uid = comp.getFirstPropertyValue('uid');
    const rid = comp.getFirstProperty('recurrence-id');
    return {
      kind, lines, parsedByIcalJs: true,
      uid: typeof uid === 'string' && uid.trim() ? uid.trim() : undefined,
      recurrenceId: rid ? rid.toICALString().replace(/^RECURRENCE-ID/i, '') : '',
      tzids: [...tzidsOf(comp)],
    };
  }
  const uid = scannedValue(lines, 'UID')?.replace(/^[^:]*:/, '').trim();
  return { kind, lines, parsedByIcalJs: false, uid: uid || undefined, recurrenceId: scannedValue(lines, 'RECURRENCE-ID') ?? '', tzids: scannedTzids(lines) };
}

function timezoneId(lines: string[]): string | undefined {
  const tzid = parsedComponent(lines)?.getFirstPropertyValue('tzid');
  if (typeof tzid === 'string') return tzid;
  return scannedValue(lines, 'TZID')?.replace(/^[^:]*:/, '');
}

/**
 * Cuts a text into its VCALENDARs (or bare components) and their top-level components by BEGIN/END lines,
 * keeping every physical line; tolerant of LF/CR/CRLF, a BOM, several VCALENDARs and a missing final END.
 */
function readCalendars(text: string, ignored: string[]): RawCalendar[] {
  const calendars: RawCalendar[] = [];
  let calendar: RawCalendar | undefined;
  let block: { name: string; lines: string[]; depth: number } | undefined;
  const closeBlock = () => {
    if (!block || !calendar) return;
    if (block.name === 'VTIMEZONE') {
      const tzid = timezoneId(block.lines);
      if (tzid !== undefined && !calendar.timezones.has(tzid)) calendar.timezones.set(tzid, block.lines);
    } else if (ITEM_KIND[block.name]) {
      calendar.components.push(readComponent(block.name, block.lines));
    } else {
      ignored.push(block.name);
    }
    block = undefined;
    if (!calendar.wrapped) calendar = undefined;
  };
  for (const line of text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/)) {
    const m = BEGIN_END.exec(line.trim());
    const name = m?.[2]!.toUpperCase();
    if (block) {
      block.lines.push(line);
      if (m && m[1]!.toUpperCase() === 'BEGIN') block.depth++;
      else if (m && --block.depth === 0) closeBlock();
      continue;
    }
    if (m && m[1]!.toUpperCase() === 'BEGIN' && name === 'VCALENDAR') {
      calendars.push((calendar = { headerLines: [], wrapped: true, timezones: new Map(), components: [] }));
    } else if (m && m[1]!.toUpperCase() === 'BEGIN') {
      if (!calendar) calendars.push((calendar = { headerLines: [], wrapped: false, timezones: new Map(), components: [] }));
      block = { name: name!, lines: [line], depth: 1 };
    } else if (m && name === 'VCALENDAR') {
      calendar = undefined;
    } else if (calendar && line.trim() !== '') {
      calendar.headerLines.push(line);
    }
  }
  closeBlock();
  return calendars;
}

const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** The UID the filesystem connector gives a file without one (its README: `dovetail-fs-` + sha256(name)[:32]). */
export function fallbackUidForFile(fileName: string): string {
  return `dovetail-fs-${sha(fileName).slice(0, 32)}`;
}

/** Splits a corpus text into vdir pieces: one per (kind, UID, generation); a component without UID is its own piece. */
export function splitCorpusText(text: string): CorpusSplit {
  const ignored: string[] = [];
  const calendars = readCalendars(text, ignored);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const fileTimezones = new Map<string, string[]>();
  for (const cal of calendars) for (const [tzid, lines] of cal.timezones) if (!fileTimezones.has(tzid)) fileTimezones.set(tzid, lines);

  const pieces = new Map<string, { piece: Omit<CorpusPiece, 'text'>; calendar: RawCalendar }>();
  const seen = new Map<string, number>();
  let uidless = 0;
  for (const calendar of calendars) {
    for (const comp of calendar.components) {
      let key: string;
      let generation = 1;
      let fileName: string;
      if (comp.uid === undefined) {
        key = `nouid-${++uidless}`;
        fileName = `nouid-${comp.kind}-${uidless}.ics`;
      } else {
        const occurrence = `${comp.kind}\u0000${comp.uid}\u0000${comp.recurrenceId}`;
        generation = (seen.get(occurrence) ?? 0) + 1;
        seen.set(occurrence, generation);
        key = `${comp.kind}\u0000${comp.uid}\u0000${generation}`;
        fileName = `${comp.kind}-${sha(comp.uid).slice(0, 24)}.ics`;
      }
      const entry = pieces.get(key);
      if (entry) {
        entry.piece.components.push(comp);
        continue;
      }
      pieces.set(key, {
        calendar,
        piece: {
          kind: comp.kind, uid: comp.uid ?? fallbackUidForFile(fileName), uidless: comp.uid === undefined,
          generation, fileName, components: [comp],
        },
      });
    }
  }
  return {
    ignored,
    pieces: [...pieces.values()].map(({ piece, calendar }) => ({ ...piece, text: pieceText(piece.components, calendar, fileTimezones, eol) })),
  };
}

/** The vdir file: the VCALENDAR header of the first component's calendar, the VTIMEZONEs used, the components. */
function pieceText(components: CorpusComponent[], calendar: RawCalendar, fileTimezones: Map<string, string[]>, eol: string): string {
  const body = components.flatMap((c) => c.lines);
  if (!calendar.wrapped) return body.join(eol) + eol;
  const tzids = new Set(components.flatMap((c) => c.tzids));
  const zones = [...tzids].flatMap((tzid) => calendar.timezones.get(tzid) ?? fileTimezones.get(tzid) ?? []);
  return ['BEGIN:VCALENDAR', ...calendar.headerLines, ...zones, ...body, 'END:VCALENDAR'].join(eol) + eol;
}

// ---------------------------------------------------------------------------------------------
// Collections: one per corpus file, kind and generation

/** The corpus .ics files, sorted. */
export function corpusIcalFiles(corpusDir: string): string[] {
  const dir = join(corpusDir, 'ical');
  return readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.ics')).sort().map((f) => join(dir, f));
}

/** The items of one kind and generation of one corpus file: a folder collection and a server calendar. */
export interface CorpusCollection {
  /** Corpus file name, e.g. `khal__event_rrule_recuid.ics`. */
  corpusFile: string;
  kind: ItemKind;
  generation: number;
  /** Collection (folder) name in src/ and dst/, and the last segment of the calendar's href. */
  name: string;
  pieces: CorpusPiece[];
}

function slug(fileName: string): string {
  return basename(fileName, '.ics').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** Groups a corpus file's pieces into collections (`ev-<file>`, `td-<file>`, `-g2`… for later generations). */
export function collectionsOf(corpusFile: string, split: CorpusSplit): CorpusCollection[] {
  const byName = new Map<string, CorpusCollection>();
  for (const piece of split.pieces) {
    const name = `${piece.kind === 'event' ? 'ev' : 'td'}-${slug(corpusFile)}${piece.generation > 1 ? `-g${piece.generation}` : ''}`;
    let c = byName.get(name);
    if (!c) byName.set(name, (c = { corpusFile: basename(corpusFile), kind: piece.kind, generation: piece.generation, name, pieces: [] }));
    c.pieces.push(piece);
  }
  return [...byName.values()];
}

/** Writes each collection's pieces as files into `<srcRoot>/<collection name>/`. */
export function writeSourceFolders(srcRoot: string, collections: CorpusCollection[]): void {
  for (const c of collections) {
    mkdirSync(join(srcRoot, c.name), { recursive: true });
    for (const p of c.pieces) writeFileSync(join(srcRoot, c.name, p.fileName), p.text);
  }
}

// ---------------------------------------------------------------------------------------------
// The CLI config

/** The calendar href on `server` for a collection name (Radicale `/user/NAME/`, Xandikos `/user/calendars/NAME/`). */
export function calendarHref(server: DavServer, name: string): string {
  return server.kind === 'radicale' ? `/user/${name}/` : `/user/calendars/${name}/`;
}

/** Pairing names of a collection: `up-…` (src → dav) and `down-…` (dav → dst). */
export const upPairing = (c: CorpusCollection) => `up-${c.name}`;
export const downPairing = (c: CorpusCollection) => `down-${c.name}`;

/** dovetail.json: every `up-*` pairing first, then every `down-*` (pairings run in config order). */
export function roundTripConfig(server: DavServer, collections: CorpusCollection[]): object {
  const dav = server.kind === 'radicale'
    ? { url: server.url, username: server.username, password: server.password }
    : { url: server.url };
  const pairings: Record<string, object> = {};
  for (const c of collections) {
    pairings[upPairing(c)] = {
      entity: c.kind, mode: 'push-a-to-b',
      a: { endpoint: 'src', collection: c.name }, b: { endpoint: 'dav', collection: calendarHref(server, c.name), create: true },
    };
  }
  for (const c of collections) {
    pairings[downPairing(c)] = {
      entity: c.kind, mode: 'push-a-to-b',
      a: { endpoint: 'dav', collection: calendarHref(server, c.name) }, b: { endpoint: 'dst', collection: c.name, create: true },
    };
  }
  return {
    endpoints: {
      dav: { connector: 'caldav', settings: dav },
      src: { connector: 'filesystem', settings: { path: './src', createRoot: true } },
      dst: { connector: 'filesystem', settings: { path: './dst', createRoot: true } },
    },
    pairings,
  };
}

// ---------------------------------------------------------------------------------------------
// Reading results

/** uid → file text of every .ics in a folder (missing folder: empty). Throws on a repeated UID. */
export function folderItemsByUid(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.ics'));
  } catch {
    return out;
  }
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    const uids = new Set(unfold(text.split(/\r\n|\n|\r/)).flatMap((l) => {
      const m = /^UID[;:](?:[^:]*:)?(.*)$/i.exec(l);
      return m ? [m[1]!.trim()] : [];
    }));
    if (uids.size !== 1) throw new Error(`${join(dir, f)} holds ${uids.size} UIDs`);
    const [uid] = uids;
    if (out.has(uid!)) throw new Error(`UID ${uid} twice in ${dir}`);
    out.set(uid!, text);
  }
  return out;
}

/** One error of a run report. */
export type RunError = RunJson['errors'][number] & { uid?: string; side?: string };

/**
 * The pieces of `c` an error names: by UID, by the vdir file name, or by the server href the error names
 * (`hrefToUid` maps the calendar's member hrefs to UIDs, read independently with raw requests).
 */
export function piecesNamedBy(error: RunError, c: CorpusCollection, hrefToUid: Map<string, string>): CorpusPiece[] {
  const words = [error.uid ?? '', error.message];
  return c.pieces.filter((p) => words.some((w) => w && (w === p.uid || w === p.fileName
    || w.includes(`/${p.fileName}`) || w.startsWith(`${p.fileName}:`)
    || [...hrefToUid].some(([href, uid]) => uid === p.uid && (w === href || w.includes(href))))));
}
