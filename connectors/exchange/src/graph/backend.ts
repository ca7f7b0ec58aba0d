/**
 * The Microsoft Graph backend (Exchange Online, Outlook.com): folders, delta-query listings (the deltaLink is the
 * cursor), batched loads with a series' exceptions and cancelled occurrences read from its instances, and
 * writes conditional on `@odata.etag`, batched with `$batch`. Attendees are never written: Graph would send
 * them invitations, and a sync must not e-mail anyone (they are carried instead).
 */
import { createHash } from 'node:crypto';
import {
  canonicalJson, CursorInvalid, Invalid, isDovetailError, ruleInstants, Unavailable,
  type CheckResult, type EntityType, type Logger,
} from '@dovetail/core/sdk';
import type { ExchangeBackend, ExFolder, ExListing, ExLoaded, ExRef, ExWriteOp, ExWriteResult } from '../backend.js';
import { exTimeInstant, utcIso, type ExContact, type ExEvent, type ExException, type ExItem, type ExTask } from '../model/index.js';
import { rruleOf } from '../model/recurrence.js';
import { fromExTime } from '../model/zones.js';
import { subError, type GraphClient, type GraphRequest, type GraphResponse, type Json } from './client.js';
import { GraphFolders, type GraphFolder } from './folders.js';
import {
  changedProps, CONTACT_EXPAND, contactFromGraph, contactJson, contactPhoneProps, EVENT_EXPAND, eventFromGraph, eventJson,
  exceptionFromGraph, exceptionJson, stampProps, storedByGraph, TASK_EXPAND, TASK_EXTENSION, taskFromGraph, taskJson, utcOf,
} from './map.js';

const CURSOR_PREFIX = 'graph1:';
const UTC = { prefer: 'outlook.timezone="UTC"' };
const DELTA_PAGE = 'odata.maxpagesize=200';
const DAY = 86_400_000;
/** How far ahead a series without an end is read for cancelled occurrences. */
const SERIES_HORIZON_MS = 2 * 365 * DAY;

export interface GraphBackendOptions {
  client: GraphClient;
  logger: Logger;
  /** The mailbox synced (`/users/{mailbox}`); undefined: the signed-in user (`/me`, delegated only). */
  mailbox?: string;
  sharedMailboxes: string[];
  /** Windows zone of the mailbox (task dates are days there). */
  mailboxZone: string;
  /** How `check` describes the sign-in. */
  signIn: 'app' | 'delegated';
}

const enc = encodeURIComponent;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const etagOf = (j: unknown) => String((j as Json)?.['@odata.etag'] ?? (j as Json)?.changeKey ?? '');

function encodeCursor(deltaLink: string): string {
  return CURSOR_PREFIX + Buffer.from(JSON.stringify({ d: deltaLink })).toString('base64url');
}

function decodeCursor(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const c = text.startsWith(CURSOR_PREFIX) ? JSON.parse(Buffer.from(text.slice(CURSOR_PREFIX.length), 'base64url').toString('utf8')) as { d?: string } : undefined;
    if (typeof c?.d === 'string') return c.d;
  } catch {
    // fall through
  }
  throw new CursorInvalid('the cursor was not written by the Graph backend');
}

export function createGraphBackend(o: GraphBackendOptions): ExchangeBackend {
  const { client } = o;
  const folders = new GraphFolders(client, o.mailbox, o.logger);

  const itemPath = (f: GraphFolder, id: string) => {
    if (f.entity === 'event') return `${f.user}/events/${enc(id)}`;
    if (f.entity === 'task') return `${folders.path(f)}/tasks/${enc(id)}`;
    return `${f.user}/contacts/${enc(id)}`;
  };

  // ---------------------------------------------------------------------------------------------------------
  // Listing

  async function eventRefs(f: GraphFolder): Promise<ExRef[]> {
    const refs: ExRef[] = [];
    await client.pages(`${folders.path(f)}/events?$select=id,type,start,end,isAllDay&$top=500`, UTC, f.mailbox, (values) => {
      for (const v of values) refs.push(eventRef(v));
    });
    return refs;
  }

  function eventRef(v: Json): ExRef {
    const ref: ExRef = { id: String(v.id), version: etagOf(v) };
    const start = utcOf(v.start);
    const end = utcOf(v.end);
    if (start) ref.start = start;
    if (end) ref.end = end;
    if (v.type === 'seriesMaster') ref.recurring = true;
    return ref;
  }

  async function list(collection: string, entity: EntityType, cursorText?: string, window?: { start: Date; end: Date }): Promise<ExListing> {
    const deltaLink = decodeCursor(cursorText);
    const f = await folders.resolve(collection, entity);
    if (entity !== 'event') {
      const first = entity === 'task' ? `${folders.path(f)}/tasks/delta` : f.id ? `${folders.path(f)}/contacts/delta` : `${f.user}/contacts/delta`;
      const changed = new Map<string, ExRef>();
      const deleted = new Set<string>();
      const link = await client.pages(deltaLink ?? first, { prefer: DELTA_PAGE }, f.mailbox, (values) => {
        for (const v of values) {
          const id = String(v.id);
          if (v['@removed']) { changed.delete(id); deleted.add(id); } else { changed.set(id, { id, version: etagOf(v) }); deleted.delete(id); }
        }
      });
      if (!link) throw new Unavailable('the delta round ended without a deltaLink');
      if (!deltaLink) return { kind: 'full', items: [...changed.values()], cursor: encodeCursor(link) };
      return { kind: 'changes', changed: [...changed.values()], deleted: [...deleted], cursor: encodeCursor(link) };
    }
    // Events: calendarView/delta reports occurrences, not series; it tells that something changed and what.
    const now = Date.now();
    const from = window?.start.getTime() ?? now - 365 * DAY;
    const to = window?.end.getTime() ?? now + 2 * 365 * DAY;
    const values: Json[] = [];
    const link = await client.pages(deltaLink ?? `${folders.path(f)}/calendarView/delta?startDateTime=${iso(from)}&endDateTime=${iso(to)}`,
      { prefer: `${UTC.prefer}, ${DELTA_PAGE}` }, f.mailbox, (v) => values.push(...v));
    if (!link) throw new Unavailable('the delta round ended without a deltaLink');
    const cursor = encodeCursor(link);
    // A first round, or something removed (an event, an occurrence of some series, or a change outside the range):
    // the events of the calendar are listed (series masters and single events, a page per 500).
    if (!deltaLink || values.some((v) => v['@removed'])) return { kind: 'full', items: await eventRefs(f), cursor };
    const changed = new Map<string, ExRef>();
    const masters = new Set<string>();
    for (const v of values) {
      if (v.type === 'singleInstance' || v.type === 'seriesMaster') changed.set(String(v.id), eventRef(v));
      else if (v.seriesMasterId) masters.add(String(v.seriesMasterId));
    }
    const deleted: string[] = [];
    const ids = [...masters].filter((id) => !changed.has(id));
    const answers = await client.batch(ids.map((id) => ({ method: 'GET', url: `${f.user}/events/${enc(id)}?$select=id,type,start,end,isAllDay`, headers: UTC })), f.mailbox);
    answers.forEach((r, i) => {
      const error = subError(r, `GET event ${ids[i]}`);
      if (!error) changed.set(ids[i], eventRef(r.body as Json));
      else if (error.code === 'NotFound') deleted.push(ids[i]);
      else throw error;
    });
    return { kind: 'changes', changed: [...changed.values()], deleted, cursor };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Loading

  function getRequest(f: GraphFolder, id: string): GraphRequest {
    const expand = f.entity === 'event' ? EVENT_EXPAND : f.entity === 'task' ? TASK_EXPAND : CONTACT_EXPAND;
    return { method: 'GET', url: `${itemPath(f, id)}?$expand=${enc(expand)}`, headers: UTC };
  }

  /** The pattern's occurrence starts of a master (UTC ISO; all-day series: midnight in the series' zone). */
  function expected(master: ExEvent): { all: string[]; until: number } {
    if (!master.recurrence || !master.start) return { all: [], until: 0 };
    const allDay = !!master.isAllDay;
    const start = fromExTime(master.start, allDay);
    const r = master.recurrence.range;
    const horizon = Date.now() + SERIES_HORIZON_MS;
    const until = r.type === 'endDate' && r.endDate ? Math.min(horizon, Date.parse(`${r.endDate}T23:59:59Z`) + DAY) : horizon;
    const instants = ruleInstants(start, rruleOf(master.recurrence, start), until, 5000);
    const all = instants.map((ms) => (allDay ? utcIso(exTimeInstant({ dateTime: `${new Date(ms).toISOString().slice(0, 10)}T00:00:00`, timeZone: master.start!.timeZone })) : utcIso(ms)));
    return { all, until };
  }

  /** The day of an instant as a series' occurrences are keyed (all-day series: the date in its zone). */
  function occurrenceKey(master: ExEvent, utc: string): string {
    if (!master.isAllDay || !master.start) return utc;
    return utcIso(exTimeInstant({ dateTime: `${utcIso(Date.parse(utc) + 12 * 3_600_000).slice(0, 10)}T00:00:00`, timeZone: master.start.timeZone }));
  }

  /** Exceptions and cancelled occurrences of series masters, from their instances over the pattern's span. */
  async function seriesDetails(f: GraphFolder, masters: { id: string; ex: ExEvent }[]): Promise<Map<string, { exceptions: ExException[]; cancelled: string[] }>> {
    const out = new Map<string, { exceptions: ExException[]; cancelled: string[] }>();
    const spans = masters.map((m) => ({ ...m, exp: expected(m.ex) })).filter((m) => m.exp.all.length);
    const select = 'id,type,originalStart,start,end,subject,body,location,isAllDay,showAs,isCancelled';
    const urls = spans.map((m) => `${f.user}/events/${enc(m.id)}/instances?startDateTime=${iso(Date.parse(m.exp.all[0]) - DAY)}&endDateTime=${iso(Math.max(m.exp.until, Date.parse(m.exp.all.at(-1)!) + 2 * DAY))}&$select=${select}&$top=1000`);
    const answers = await client.batch(urls.map((url) => ({ method: 'GET', url, headers: UTC })), f.mailbox);
    for (const [i, m] of spans.entries()) {
      const error = subError(answers[i], `GET instances of ${m.id}`);
      if (error) throw error;
      const page = answers[i].body as { value?: Json[]; '@odata.nextLink'?: string };
      const instances = [...(page.value ?? [])];
      if (page['@odata.nextLink']) await client.pages(page['@odata.nextLink'], UTC, f.mailbox, (v) => instances.push(...v));
      const zone = m.ex.start!.timeZone;
      const seen = new Set(instances.map((x) => utcOf(x.originalStart)).filter((s): s is string => !!s).map((s) => occurrenceKey(m.ex, s)));
      const exceptions = instances.filter((x) => x.type === 'exception').map((x) => ({ ...exceptionFromGraph(x, zone), originalStart: occurrenceKey(m.ex, utcOf(x.originalStart)!) }));
      const cancelled = m.exp.all.filter((s) => !seen.has(s) && Date.parse(s) <= m.exp.until);
      out.set(m.id, { exceptions, cancelled });
    }
    return out;
  }

  async function photos(f: GraphFolder, ids: string[]): Promise<Map<string, { data: string; mediaType: string }>> {
    const out = new Map<string, { data: string; mediaType: string }>();
    const answers = await client.batch(ids.map((id) => ({ method: 'GET', url: `${f.user}/contacts/${enc(id)}/photo/$value` })), f.mailbox);
    answers.forEach((r, i) => {
      if (r.status === 200 && typeof r.body === 'string') out.set(ids[i], { data: r.body, mediaType: (r.headers['content-type'] ?? 'image/jpeg').split(';')[0] });
      else if (r.status !== 404 && r.status !== 200) o.logger.warn({ id: ids[i], status: r.status }, 'could not read a contact photo');
    });
    return out;
  }

  async function load(collection: string, ids: string[], entity: EntityType): Promise<ExLoaded[]> {
    const f = await folders.resolve(collection, entity);
    const answers = await client.batch(ids.map((id) => getRequest(f, id)), f.mailbox);
    const items = new Map<string, { json: Json; version: string }>();
    const results: ExLoaded[] = [];
    answers.forEach((r, i) => {
      const error = subError(r, `GET ${entity} ${ids[i]}`);
      if (error) results[i] = { ok: false, id: ids[i], error };
      else items.set(ids[i], { json: r.body as Json, version: etagOf(r.body) });
    });
    const masters = entity === 'event'
      ? [...items].filter(([, v]) => v.json.type === 'seriesMaster').map(([id, v]) => ({ id, ex: eventFromGraph(v.json) }))
      : [];
    const series = masters.length ? await seriesDetails(f, masters) : new Map();
    const pictures = entity === 'contact' && items.size ? await photos(f, [...items.keys()]) : new Map();
    ids.forEach((id, i) => {
      const got = items.get(id);
      if (!got) return;
      try {
        let ex: ExItem;
        if (entity === 'event') {
          const s = series.get(id);
          ex = eventFromGraph(got.json, s?.exceptions, s?.cancelled);
        } else if (entity === 'task') ex = taskFromGraph(got.json, o.mailboxZone);
        else {
          ex = contactFromGraph(got.json);
          const photo = pictures.get(id);
          if (photo) (ex as ExContact).photo = photo;
        }
        results[i] = { ok: true, id, version: got.version, item: ex };
      } catch (e) {
        results[i] = { ok: false, id, error: new Invalid(`item ${id} cannot be read: ${(e as Error).message}`) };
      }
    });
    return results;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Writing

  /** A transactionId for creating `item` in `f`: a retry after a lost answer creates nothing twice. */
  function transactionId(f: GraphFolder, item: ExItem): string {
    const h = createHash('sha256').update(`${f.mailbox}\u0000${f.id ?? ''}\u0000${item.stamp?.uid ?? ''}\u0000${canonicalJson(item)}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  }

  function createRequest(f: GraphFolder, item: ExItem): GraphRequest {
    if (item.kind === 'event') {
      return { method: 'POST', url: `${folders.path(f)}/events`, body: { ...eventJson(item), singleValueExtendedProperties: stampProps(item.stamp, undefined), transactionId: transactionId(f, item) } };
    }
    if (item.kind === 'task') {
      const ext = { '@odata.type': 'microsoft.graph.openTypeExtension', extensionName: TASK_EXTENSION, uid: item.stamp?.uid ?? '', carry: item.stamp?.carry ?? '' };
      return { method: 'POST', url: `${folders.path(f)}/tasks`, body: { ...taskJson(item), extensions: [ext] } };
    }
    return { method: 'POST', url: `${folders.path(f)}/contacts`, body: { ...contactJson(item), singleValueExtendedProperties: [...stampProps(item.stamp, undefined), ...contactPhoneProps(item, undefined)] } };
  }

  function json(item: ExItem): Json {
    return item.kind === 'event' ? eventJson(item) : item.kind === 'task' ? taskJson(item) : contactJson(item);
  }

  /** True when the series' exceptions or deletions changed in a way only rewriting the pattern can express. */
  function needsReset(next: ExEvent, prev: ExEvent | undefined): boolean {
    if (!prev?.recurrence || !next.recurrence) return false;
    const nextStarts = new Set((next.exceptions ?? []).map((x) => x.originalStart));
    const nextCancelled = new Set(next.cancelledOccurrences ?? []);
    return (prev.exceptions ?? []).some((x) => !nextStarts.has(x.originalStart) && !nextCancelled.has(x.originalStart))
      || (prev.cancelledOccurrences ?? []).some((c) => !nextCancelled.has(c));
  }

  /** The id of the occurrence of a series that originally started at `originalStart`. */
  async function occurrenceId(f: GraphFolder, master: string, series: ExEvent, originalStart: string): Promise<string | undefined> {
    const at = Date.parse(originalStart);
    const url = `${f.user}/events/${enc(master)}/instances?startDateTime=${iso(at - DAY)}&endDateTime=${iso(at + 2 * DAY)}&$select=id,originalStart,type`;
    let found: string | undefined;
    await client.pages(url, UTC, f.mailbox, (values) => {
      for (const v of values) if (utcOf(v.originalStart) && occurrenceKey(series, utcOf(v.originalStart)!) === occurrenceKey(series, originalStart)) found = String(v.id);
    });
    return found;
  }

  /** Writes the changed and deleted occurrences of a series that differ from `prev` (all after a pattern write). */
  async function applyOccurrences(f: GraphFolder, masterId: string, next: ExEvent, prev: ExEvent | undefined, patternWritten: boolean): Promise<void> {
    const before = patternWritten ? undefined : prev;
    const oldExceptions = new Map((before?.exceptions ?? []).map((x) => [x.originalStart, x]));
    const oldCancelled = new Set(before?.cancelledOccurrences ?? []);
    for (const x of next.exceptions ?? []) {
      const old = oldExceptions.get(x.originalStart);
      const strip = (e: ExException) => canonicalJson({ ...e, id: undefined });
      if (old && strip(old) === strip(x)) continue;
      const id = old?.id ?? await occurrenceId(f, masterId, next, x.originalStart);
      if (!id) throw new Invalid(`${x.originalStart} is not an occurrence of the series; the override cannot be stored`);
      await client.call({ method: 'PATCH', url: `${f.user}/events/${enc(id)}`, body: exceptionJson(x) }, f.mailbox);
    }
    for (const when of next.cancelledOccurrences ?? []) {
      if (oldCancelled.has(when)) continue;
      const id = oldExceptions.get(when)?.id ?? await occurrenceId(f, masterId, next, when);
      if (!id) continue; // already gone
      try {
        await client.call({ method: 'DELETE', url: `${f.user}/events/${enc(id)}` }, f.mailbox);
      } catch (e) {
        if (!isDovetailError(e, 'NotFound')) throw e;
      }
    }
  }

  async function setPhoto(f: GraphFolder, id: string, next: ExContact, prev: ExContact | undefined, fresh: boolean): Promise<void> {
    if (canonicalJson(next.photo ?? null) === canonicalJson(prev?.photo ?? null) && !fresh) return;
    if (next.photo) {
      await client.call({ method: 'PUT', url: `${f.user}/contacts/${enc(id)}/photo/$value`, headers: { 'content-type': next.photo.mediaType }, body: new Uint8Array(Buffer.from(next.photo.data, 'base64')) }, f.mailbox);
    } else if (prev?.photo) {
      await client.call({ method: 'DELETE', url: `${f.user}/contacts/${enc(id)}/photo/$value` }, f.mailbox);
    }
  }

  /** Writes a task's stamp (an open extension: PATCH it, or POST it when the task has none yet). */
  async function writeTaskStamp(f: GraphFolder, id: string, stamp: ExItem['stamp']): Promise<void> {
    const data = { uid: stamp?.uid ?? '', carry: stamp?.carry ?? '' };
    try {
      await client.call({ method: 'PATCH', url: `${itemPath(f, id)}/extensions/${TASK_EXTENSION}`, body: data }, f.mailbox);
    } catch (e) {
      if (!isDovetailError(e, 'NotFound')) throw e;
      await client.call({ method: 'POST', url: `${itemPath(f, id)}/extensions`, body: { '@odata.type': 'microsoft.graph.openTypeExtension', extensionName: TASK_EXTENSION, ...data } }, f.mailbox);
    }
  }

  /** Runs a follow-up step of one item's write; its failure fails that item alone. */
  async function step(results: ExWriteResult[], index: number, what: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (e) {
      if (!isDovetailError(e)) throw e;
      o.logger.warn({ error: e.message }, what);
      results[index] = { ok: false, error: e };
    }
  }

  async function write(collection: string, ops: ExWriteOp[], entity: EntityType): Promise<ExWriteResult[]> {
    const f = await folders.resolve(collection, entity);
    const results: ExWriteResult[] = new Array(ops.length);
    const sends: { index: number; req?: GraphRequest; op: ExWriteOp; patternWritten?: boolean }[] = [];
    ops.forEach((op, index) => {
      if (op.op === 'create') { sends.push({ index, op, req: createRequest(f, op.item) }); return; }
      if (op.op === 'delete') {
        sends.push({ index, op, req: { method: 'DELETE', url: itemPath(f, op.id), headers: op.ifVersion ? { 'if-match': op.ifVersion } : {} } });
        return;
      }
      const ifMatch: Record<string, string> = op.ifVersion ? { 'if-match': op.ifVersion } : {};
      if (op.op === 'stamp') {
        if (entity === 'task') { sends.push({ index, op }); return; }
        sends.push({ index, op, req: { method: 'PATCH', url: itemPath(f, op.id), headers: ifMatch, body: { singleValueExtendedProperties: stampProps(op.item.stamp, undefined) } } });
        return;
      }
      const prev = op.previous?.kind === op.item.kind ? op.previous : undefined;
      const body = changedProps(json(op.item), prev ? json(prev) : undefined);
      if (op.item.kind === 'event' && needsReset(op.item, prev as ExEvent | undefined)) body.recurrence = eventJson(op.item).recurrence;
      const patternWritten = 'recurrence' in body || 'start' in body || 'end' in body || 'isAllDay' in body;
      if (op.item.kind !== 'task') {
        const props = [...stampProps(op.item.stamp, prev?.stamp), ...(op.item.kind === 'contact' ? contactPhoneProps(op.item, prev as ExContact | undefined) : [])];
        if (props.length) body.singleValueExtendedProperties = props;
      }
      sends.push({ index, op, patternWritten, req: Object.keys(body).length ? { method: 'PATCH', url: itemPath(f, op.id), headers: ifMatch, body } : undefined });
    });
    const requests = sends.filter((s) => s.req);
    const answers = requests.length ? await client.batch(requests.map((s) => s.req!), f.mailbox) : [];
    const answerOf = new Map(requests.map((s, i) => [s.index, answers[i]] as [number, GraphResponse]));
    for (const s of sends) {
      const r = answerOf.get(s.index);
      const id = s.op.op === 'create' ? String((r?.body as Json | undefined)?.id ?? '') : s.op.id;
      const error = r ? subError(r, `${s.req!.method} ${entity}`) : undefined;
      if (error) { results[s.index] = { ok: false, error }; continue; }
      results[s.index] = { ok: true, id, version: r ? etagOf(r.body) : s.op.op !== 'create' && s.op.op !== 'delete' ? s.op.ifVersion ?? '' : '' };
      if (s.op.op === 'delete') continue;
      const item = s.op.item;
      const prev = s.op.op === 'update' && s.op.previous?.kind === item.kind ? s.op.previous : undefined;
      if (item.kind === 'task' && (s.op.op === 'stamp' || (s.op.op === 'update' && canonicalJson(item.stamp ?? {}) !== canonicalJson(prev?.stamp ?? {})))) {
        await step(results, s.index, 'could not write the stamp of a task', () => writeTaskStamp(f, id, item.stamp));
      }
      if (s.op.op === 'stamp') continue;
      if (item.kind === 'contact') await step(results, s.index, 'could not write a contact photo', () => setPhoto(f, id, item, prev as ExContact | undefined, s.op.op === 'create'));
      if (item.kind === 'event' && item.recurrence) {
        await step(results, s.index, 'a series was written but some of its changed or deleted occurrences were not',
          () => applyOccurrences(f, id, item, prev as ExEvent | undefined, s.op.op === 'create' || !!s.patternWritten));
      }
    }
    return results;
  }

  // ---------------------------------------------------------------------------------------------------------

  async function check(): Promise<CheckResult> {
    try {
      const user = folders.userPath(undefined);
      const key = (o.mailbox ?? 'me').toLowerCase();
      const [{ body: me }, { body: cal }] = await Promise.all([
        client.call({ method: 'GET', url: `${user}?$select=id,mail,userPrincipalName,displayName` }, key),
        client.call({ method: 'GET', url: `${user}/calendar?$select=id,name` }, key),
      ]);
      const who = String((me as Json).mail ?? (me as Json).userPrincipalName ?? o.mailbox ?? 'the signed-in user');
      return { ok: true, message: `signed in to Microsoft Graph (${o.signIn === 'app' ? 'app-only' : 'delegated'}); mailbox ${who}, calendar "${(cal as Json).name}"` };
    } catch (e) {
      const message = (e as Error)?.message ?? String(e);
      return { ok: false, message: isDovetailError(e, 'NotFound') ? `${message} (check "mailbox")` : message };
    }
  }

  return {
    check,
    folders: (): Promise<ExFolder[]> => folders.list(o.sharedMailboxes),
    createFolder: (name, entity, color) => folders.create(name, entity, color),
    folderMetadata: (collection, entity) => folders.metadata(collection, entity),
    updateFolder: (collection, entity, changes) => folders.update(collection, entity, changes),
    list,
    load,
    write,
    stored: storedByGraph,
    close: async () => undefined,
  };
}

