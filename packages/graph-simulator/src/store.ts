/**
 * The simulator's mailboxes: calendars with events (series with their modified and cancelled occurrences),
 * Microsoft To Do lists with tasks, contact folders with contacts; every change numbered for delta queries.
 * Both the REST routes and the out-of-band API change the store through these methods only.
 */
import { createHash, randomBytes } from 'node:crypto';
import { occurrenceDates, patternProblem, type PatternedRecurrence } from './recurrence.js';
import { ianaOf, instantOf, instantOfGraph, utcIso } from './zones.js';

export type Kind = 'event' | 'task' | 'contact';
export type Json = Record<string, unknown>;

/**
 * Outlook's named calendar colours (`calendarColor`) and the `hexColor` a calendar reports once one is picked. `auto`
 * and `maxColor` have no hex: `hexColor` stays empty, as for a calendar whose colour nobody picked.
 */
export const CALENDAR_COLOURS: Readonly<Record<string, string>> = {
  auto: '', lightBlue: '#A6D1F5', lightGreen: '#87D28F', lightOrange: '#FCAB73', lightGray: '#C0C0C0',
  lightYellow: '#F0E16C', lightTeal: '#8CD5D0', lightPink: '#F5A3C5', lightBrown: '#CAB398', lightRed: '#F5919C', maxColor: '',
};

/** The `calendarColor` member `value` names (Graph reads enum members case-insensitively); 400 for another value. */
export function calendarColor(value: unknown): string {
  const hit = Object.keys(CALENDAR_COLOURS).find((k) => typeof value === 'string' && k.toLowerCase() === value.toLowerCase());
  if (!hit) throw new GraphError(400, 'BadRequest', `Requested value '${String(value)}' was not found.`);
  return hit;
}

export interface Folder {
  id: string;
  kind: Kind;
  name: string;
  isDefault: boolean;
  color?: string;
  hexColor?: string;
  /** Mailbox-wide folder: To Do's wellknownListName, a calendar's canEdit, … */
  extra: Json;
}

/** A modified occurrence of a series. */
export interface Exception {
  id: string;
  /** UTC `…Z` start the occurrence had in the pattern. */
  originalStart: string;
  /** The fields that differ from the master (subject, body, start, end, location, showAs, …). */
  fields: Json;
  changeKey: string;
  lastModified: string;
}

export interface Item {
  id: string;
  kind: Kind;
  folderId: string;
  /** Stored properties, as a client sent them (normalised). */
  fields: Json;
  changeKey: string;
  created: string;
  lastModified: string;
  /** Change number of the last change (delta queries). */
  seq: number;
  /** Series only. */
  exceptions: Map<string, Exception>;
  cancelled: Set<string>;
  /** Contacts: photo bytes and type. */
  photo?: { data: Buffer; type: string };
}

export interface Tombstone {
  id: string;
  kind: Kind;
  folderId: string;
  seq: number;
  /** The deleted item (a deleted series' occurrences are reported as removed too). */
  item: Item;
}

export class GraphError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

export interface Mailbox {
  id: string;
  email: string;
  displayName: string;
  folders: Map<string, Folder>;
  items: Map<string, Item>;
  tombstones: Tombstone[];
  /** Created events by transactionId (idempotent creation). */
  transactions: Map<string, string>;
  seq: number;
}

export const EXTENDED_STRING = /^String \{[0-9a-f-]{36}\} Name .+$|^String 0x[0-9a-f]{4}$/i;

const newId = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;
const newChangeKey = () => randomBytes(12).toString('base64');
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** A series occurrence's id: stable for (master, original start), as Exchange's are. */
export function occurrenceId(masterId: string, originalStart: string): string {
  return `OCC${Buffer.from(`${masterId}|${originalStart}`).toString('base64url')}`;
}

export function parseOccurrenceId(id: string): { masterId: string; originalStart: string } | undefined {
  if (!id.startsWith('OCC')) return undefined;
  const [masterId, originalStart] = Buffer.from(id.slice(3), 'base64url').toString('utf8').split('|');
  return masterId && originalStart ? { masterId, originalStart } : undefined;
}

/** One occurrence or exception of a series, or a single event, in a calendar view. */
export interface Instance {
  id: string;
  type: 'singleInstance' | 'occurrence' | 'exception';
  item: Item;
  exception?: Exception;
  /** UTC `…Z`. */
  originalStart?: string;
  startMs: number;
  endMs: number;
}

export class Store {
  readonly mailboxes = new Map<string, Mailbox>();

  addUser(email: string, displayName = email.split('@')[0]): Mailbox {
    const id = createHash('sha256').update(email.toLowerCase()).digest('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, '$1-$2-$3-$4-$5');
    const mb: Mailbox = { id, email, displayName, folders: new Map(), items: new Map(), tombstones: [], transactions: new Map(), seq: 0 };
    this.mailboxes.set(email.toLowerCase(), mb);
    this.addFolder(mb, 'event', 'Calendar', true, { color: 'auto', hexColor: '' });
    this.addFolder(mb, 'task', 'Tasks', true, { wellknownListName: 'defaultList' });
    this.addFolder(mb, 'contact', 'Contacts', true);
    return mb;
  }

  /** A mailbox by address or user id (case-insensitive address). */
  mailbox(idOrEmail: string): Mailbox | undefined {
    const key = decodeURIComponent(idOrEmail).toLowerCase();
    return this.mailboxes.get(key) ?? [...this.mailboxes.values()].find((m) => m.id === key);
  }

  addFolder(mb: Mailbox, kind: Kind, name: string, isDefault = false, extra: Json = {}): Folder {
    if (!name?.trim()) throw new GraphError(400, 'ErrorInvalidRequest', 'a folder needs a name');
    const clash = [...mb.folders.values()].find((f) => f.kind === kind && f.name.toLowerCase() === name.toLowerCase());
    if (clash) throw new GraphError(409, 'ErrorFolderExists', `A folder with the specified name already exists: ${name}`);
    const { color, hexColor, ...rest } = extra as { color?: string; hexColor?: string };
    const f: Folder = { id: newId(kind === 'event' ? 'CAL' : kind === 'task' ? 'LST' : 'CFD'), kind, name, isDefault, extra: rest, ...(color ? { color } : {}), ...(hexColor !== undefined ? { hexColor } : {}) };
    mb.folders.set(f.id, f);
    return f;
  }

  /** Sets a calendar's named colour; its `hexColor` follows (Graph's is read-only). */
  colourCalendar(f: Folder, color: string): void {
    f.color = calendarColor(color);
    f.hexColor = CALENDAR_COLOURS[f.color];
  }

  /** Renames a folder (a calendar's `name`, a list's or contact folder's `displayName`); 409 when another has it. */
  renameFolder(mb: Mailbox, f: Folder, name: unknown): void {
    if (typeof name !== 'string' || !name.trim()) throw new GraphError(400, 'ErrorInvalidRequest', 'a folder needs a name');
    const clash = [...mb.folders.values()].find((x) => x !== f && x.kind === f.kind && x.name.toLowerCase() === name.toLowerCase());
    if (clash) throw new GraphError(409, 'ErrorFolderExists', `A folder with the specified name already exists: ${name}`);
    f.name = name;
  }

  defaultFolder(mb: Mailbox, kind: Kind): Folder {
    return [...mb.folders.values()].find((f) => f.kind === kind && f.isDefault)!;
  }

  folder(mb: Mailbox, id: string, kind: Kind): Folder {
    const f = mb.folders.get(id);
    if (!f || f.kind !== kind) throw new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    return f;
  }

  item(mb: Mailbox, id: string, kind?: Kind): Item {
    const it = mb.items.get(id);
    if (!it || (kind && it.kind !== kind)) throw new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    return it;
  }

  private touch(mb: Mailbox, it: Item): void {
    it.changeKey = newChangeKey();
    it.lastModified = now();
    it.seq = ++mb.seq;
  }

  /** Creates an item; an event with a `transactionId` seen before returns the event created then. */
  create(mb: Mailbox, kind: Kind, folderId: string, body: Json): Item {
    const folder = this.folder(mb, folderId, kind);
    const tx = kind === 'event' && typeof body.transactionId === 'string' ? body.transactionId : undefined;
    if (tx && mb.transactions.has(tx) && mb.items.has(mb.transactions.get(tx)!)) return mb.items.get(mb.transactions.get(tx)!)!;
    const fields = normalise(kind, body, undefined);
    if (kind === 'event') {
      checkEvent(fields);
      fields.iCalUId ??= `040000008200E00074C5B7101A82E008000000${randomBytes(16).toString('hex').toUpperCase()}`;
      fields.organizer ??= { emailAddress: { name: mb.displayName, address: mb.email } };
    }
    const created = now();
    const it: Item = { id: newId(kind === 'event' ? 'EVT' : kind === 'task' ? 'TSK' : 'CNT'), kind, folderId: folder.id, fields, changeKey: '', created, lastModified: created, seq: 0, exceptions: new Map(), cancelled: new Set() };
    this.touch(mb, it);
    mb.items.set(it.id, it);
    if (tx) mb.transactions.set(tx, it.id);
    return it;
  }

  /** Changes an item (PATCH semantics: the properties given replace theirs). */
  update(mb: Mailbox, id: string, patch: Json, ifMatch?: string): Item {
    const occurrence = parseOccurrenceId(id) ?? this.exceptionById(mb, id);
    if (occurrence) return this.updateOccurrence(mb, occurrence.masterId, occurrence.originalStart, patch, ifMatch);
    const it = this.item(mb, id);
    checkEtag(it.changeKey, ifMatch);
    const before = JSON.stringify([it.fields.recurrence, it.fields.start, it.fields.end, it.fields.isAllDay]);
    it.fields = { ...it.fields, ...normalise(it.kind, patch, it.fields) };
    for (const [k, v] of Object.entries(it.fields)) if (v === null) delete it.fields[k];
    if (it.kind === 'event') {
      checkEvent(it.fields);
      // Exchange drops a series' exceptions when its pattern is written or its times change.
      if ('recurrence' in patch || JSON.stringify([it.fields.recurrence, it.fields.start, it.fields.end, it.fields.isAllDay]) !== before) { it.exceptions.clear(); it.cancelled.clear(); }
    }
    this.touch(mb, it);
    return it;
  }

  delete(mb: Mailbox, id: string, ifMatch?: string): void {
    const occurrence = parseOccurrenceId(id) ?? this.exceptionById(mb, id);
    if (occurrence) { this.cancelOccurrence(mb, occurrence.masterId, occurrence.originalStart, ifMatch); return; }
    const it = this.item(mb, id);
    checkEtag(it.changeKey, ifMatch);
    mb.items.delete(id);
    mb.tombstones.push({ id, kind: it.kind, folderId: it.folderId, seq: ++mb.seq, item: it });
  }

  private exceptionById(mb: Mailbox, id: string): { masterId: string; originalStart: string } | undefined {
    if (!id.startsWith('EXC')) return undefined;
    for (const it of mb.items.values()) {
      for (const x of it.exceptions.values()) if (x.id === id) return { masterId: it.id, originalStart: x.originalStart };
    }
    throw new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  }

  private seriesOccurrence(mb: Mailbox, masterId: string, originalStart: string): Item {
    const master = this.item(mb, masterId, 'event');
    if (!master.fields.recurrence) throw new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    const ms = Date.parse(originalStart);
    if (!this.patternStarts(master, ms + 1).includes(ms) || master.cancelled.has(utcIso(ms))) {
      throw new GraphError(404, 'ErrorItemNotFound', 'The occurrence was not found in the series.');
    }
    return master;
  }

  /** Modifies one occurrence: it becomes an exception of its series. */
  updateOccurrence(mb: Mailbox, masterId: string, originalStart: string, patch: Json, ifMatch?: string): Item {
    const master = this.seriesOccurrence(mb, masterId, originalStart);
    const key = utcIso(Date.parse(originalStart));
    const old = master.exceptions.get(key);
    checkEtag(old?.changeKey ?? master.changeKey, ifMatch);
    const allowed = ['subject', 'body', 'start', 'end', 'location', 'showAs', 'isAllDay', 'importance', 'sensitivity', 'isReminderOn', 'reminderMinutesBeforeStart', 'categories'];
    const bad = Object.keys(patch).find((k) => !allowed.includes(k) && !k.startsWith('@'));
    if (bad) throw new GraphError(400, 'ErrorInvalidPropertyForOperation', `${bad} cannot be changed on an occurrence`);
    const fields = { ...(old?.fields ?? {}), ...normalise('event', patch, master.fields) };
    master.exceptions.set(key, { id: old?.id ?? newId('EXC'), originalStart: key, fields, changeKey: newChangeKey(), lastModified: now() });
    this.touch(mb, master);
    return master;
  }

  cancelOccurrence(mb: Mailbox, masterId: string, originalStart: string, ifMatch?: string): void {
    const master = this.seriesOccurrence(mb, masterId, originalStart);
    const key = utcIso(Date.parse(originalStart));
    checkEtag(master.exceptions.get(key)?.changeKey ?? master.changeKey, ifMatch);
    master.exceptions.delete(key);
    master.cancelled.add(key);
    this.touch(mb, master);
  }

  /** The pattern's occurrence starts (epoch ms) of a series, before `untilMs`. */
  patternStarts(master: Item, untilMs: number): number[] {
    const r = master.fields.recurrence as PatternedRecurrence;
    const start = master.fields.start as { dateTime: string; timeZone: string };
    const allDay = !!master.fields.isAllDay;
    const iana = ianaOf(start.timeZone) ?? 'UTC';
    const time = allDay ? '00:00:00' : start.dateTime.slice(11, 19);
    const until = new Date(untilMs + 2 * 86_400_000).toISOString().slice(0, 10);
    return occurrenceDates(r, until).map((d) => instantOf(`${d}T${time}`, iana)).filter((ms) => ms < untilMs);
  }

  /** Occurrences and exceptions of a series overlapping [fromMs, toMs). */
  instances(master: Item, fromMs: number, toMs: number): Instance[] {
    const startMs = instantOfGraph(master.fields.start as Json);
    const duration = instantOfGraph(master.fields.end as Json) - startMs;
    const out: Instance[] = [];
    for (const ms of this.patternStarts(master, toMs)) {
      const key = utcIso(ms);
      if (master.cancelled.has(key)) continue;
      const x = master.exceptions.get(key);
      const s = x?.fields.start ? instantOfGraph(x.fields.start as Json) : ms;
      const e = x?.fields.end ? instantOfGraph(x.fields.end as Json) : s + duration;
      if (e <= fromMs && !(s === e && s === fromMs)) continue;
      if (s >= toMs) continue;
      out.push({ id: x ? x.id : occurrenceId(master.id, key), type: x ? 'exception' : 'occurrence', item: master, exception: x, originalStart: key, startMs: s, endMs: e });
    }
    return out;
  }

  /** Everything of a calendar in [fromMs, toMs): single events and series instances, by start. */
  calendarView(mb: Mailbox, folderId: string, fromMs: number, toMs: number): Instance[] {
    const out: Instance[] = [];
    for (const it of mb.items.values()) {
      if (it.kind !== 'event' || it.folderId !== folderId) continue;
      out.push(...this.viewOf(it, fromMs, toMs));
    }
    return out.sort((a, b) => a.startMs - b.startMs || a.id.localeCompare(b.id));
  }

  viewOf(it: Item, fromMs: number, toMs: number): Instance[] {
    if (it.fields.recurrence) return this.instances(it, fromMs, toMs);
    const s = instantOfGraph(it.fields.start as Json);
    const e = instantOfGraph(it.fields.end as Json);
    return s < toMs && (e > fromMs || s === fromMs) ? [{ id: it.id, type: 'singleInstance', item: it, startMs: s, endMs: e }] : [];
  }

  /** Items of a folder changed after `seq` (up to `toSeq`), and ids deleted in that span. */
  changesSince(mb: Mailbox, folderId: string, seq: number, toSeq: number): { changed: Item[]; deleted: Tombstone[] } {
    const changed = [...mb.items.values()].filter((i) => i.folderId === folderId && i.seq > seq && i.seq <= toSeq).sort((a, b) => a.seq - b.seq);
    const deleted = mb.tombstones.filter((t) => t.folderId === folderId && t.seq > seq && t.seq <= toSeq);
    return { changed, deleted };
  }
}

function checkEtag(changeKey: string, ifMatch: string | undefined): void {
  if (ifMatch === undefined || ifMatch === '*') return;
  const tag = ifMatch.replace(/^W\//, '').replace(/^"|"$/g, '');
  if (tag !== changeKey) throw new GraphError(412, 'ErrorIrresolvableConflict', 'The change key passed in the request does not match the current change key for the item.');
}

function checkEvent(f: Json): void {
  const s = instantOfGraph(f.start as Json);
  const e = instantOfGraph(f.end as Json);
  if (Number.isNaN(s) || Number.isNaN(e)) throw new GraphError(400, 'ErrorInvalidRequest', 'An event needs a start and an end with a dateTime and a known timeZone.');
  if (e < s) throw new GraphError(400, 'ErrorInvalidRequest', 'The end of an event cannot be before its start.');
  if (f.isAllDay) {
    const wall = (t: Json) => String(t.dateTime);
    if (wall(f.start as Json).slice(11, 19) !== '00:00:00' || wall(f.end as Json).slice(11, 19) !== '00:00:00') {
      throw new GraphError(400, 'ErrorInvalidRequest', 'An all-day event must start and end at midnight.');
    }
  }
  if (f.recurrence) {
    const problem = patternProblem(f.recurrence as PatternedRecurrence);
    if (problem) throw new GraphError(400, 'ErrorInvalidRequest', `Invalid recurrence: ${problem}.`);
  }
}

const READ_ONLY = new Set(['id', 'changeKey', 'createdDateTime', 'lastModifiedDateTime', 'type', 'seriesMasterId', 'originalStart', '@odata.etag', '@odata.context', 'parentFolderId']);

/** A request body as stored: read-only properties dropped, extended properties merged by id. */
function normalise(kind: Kind, body: Json, previous: Json | undefined): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(body ?? {})) {
    if (READ_ONLY.has(k) || k.startsWith('@odata')) continue;
    if (k === 'singleValueExtendedProperties') {
      if (!Array.isArray(v)) throw new GraphError(400, 'ErrorInvalidRequest', 'singleValueExtendedProperties must be an array');
      const merged = new Map<string, string>(((previous?.singleValueExtendedProperties as { id: string; value: string }[]) ?? []).map((p) => [p.id.toLowerCase(), JSON.stringify(p)]));
      for (const p of v as { id?: string; value?: unknown }[]) {
        if (typeof p?.id !== 'string' || !EXTENDED_STRING.test(p.id)) throw new GraphError(400, 'ErrorInvalidProperty', `not a supported extended property id: ${String(p?.id)}`);
        merged.set(p.id.toLowerCase(), JSON.stringify({ id: p.id, value: String(p.value ?? '') }));
      }
      out[k] = [...merged.values()].map((s) => JSON.parse(s));
      continue;
    }
    if (k === 'extensions' && kind === 'task') {
      out[k] = (v as Json[]).map((e) => ({ ...e, id: e.extensionName ?? e.id }));
      continue;
    }
    out[k] = v;
  }
  return out;
}
