/**
 * The EWS backend: folders, SyncFolderItems listings (the SyncState is the cursor), GetItem loads (with the
 * exceptions of a series and contact photos), and CreateItem / UpdateItem / DeleteItem conditional on the
 * ChangeKey. Meeting invitations and cancellations are never sent: a sync must not e-mail anyone.
 */
import {
  Invalid, isDovetailError, NotFound, PreconditionFailed, ruleInstants,
  type CheckResult, type DovetailError, type EntityType, type Logger,
} from '@dovetail/core/sdk';
import * as ews from 'ews-javascript-api';
import type { ExchangeBackend, ExFolder, ExListing, ExLoaded, ExRef, ExWriteOp, ExWriteResult } from '../backend.js';
import {
  exTimeInstant,
  type ExContact, type ExEvent, type ExException, type ExItem, type ExTask,
} from '../model/index.js';
import { rruleOf } from '../model/recurrence.js';
import { fromExTime } from '../model/zones.js';
import { codeName, errorForCode, backOffOf } from './errors.js';
import { Folders } from './folders.js';
import {
  contactOf, contactPhotoAttachment, eventOf, exceptionOf, modifiedOccurrences, prop, taskOf, utcOf,
} from './read.js';
import { exceptionProperties, ITEM_CLASS, itemProperties, listingProperties } from './schema.js';
import type { EwsService } from './service.js';
import { applyContact, applyEvent, applyTask, instantValue, writeStamp } from './write.js';

/** SyncFolderItems' largest page. */
const SYNC_PAGE = 512;
const CURSOR_PREFIX = 'ews1:';
/** Characters XML 1.0 cannot carry. */
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** The first character XML cannot carry in any string of `value`, if there is one. */
function xmlInvalidChar(value: unknown): string | undefined {
  if (typeof value === 'string') return XML_INVALID.exec(value)?.[0];
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) {
      const bad = xmlInvalidChar(v);
      if (bad) return bad;
    }
  }
  return undefined;
}

export interface EwsBackendOptions {
  ews: EwsService;
  logger: Logger;
  /** The mailbox synced (undefined: the signed-in user's own). */
  mailbox?: string;
  sharedMailboxes: string[];
  /** Windows zone of the mailbox (task dates are midnight there). */
  mailboxZone: string;
  deleteMode: ews.DeleteMode;
  batchSize: number;
  /** Most items one listing may hold (the `maxListItems` setting); more fails the listing naming it. */
  maxListItems: number;
  /** Where `check` sends its one request. */
  url: string;
}

interface Cursor { f?: string; s: string }

function encodeCursor(c: Cursor): string {
  return CURSOR_PREFIX + Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(text: string | undefined): Cursor | undefined {
  if (!text?.startsWith(CURSOR_PREFIX)) return undefined;
  try {
    const c = JSON.parse(Buffer.from(text.slice(CURSOR_PREFIX.length), 'base64url').toString('utf8')) as Cursor;
    return typeof c?.s === 'string' ? c : undefined;
  } catch {
    return undefined;
  }
}

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** The typed error of one failed response of a batch. */
function responseError(r: ews.ServiceResponse): DovetailError {
  return errorForCode(codeName(r.ErrorCode) ?? 'ErrorInternalServerError', r.ErrorMessage ?? '', backOffOf(r.ErrorDetails));
}

const ok = (r: ews.ServiceResponse) => r.Result === ews.ServiceResult.Success || r.Result === ews.ServiceResult.Warning;

export function createEwsBackend(o: EwsBackendOptions): ExchangeBackend {
  const folders = new Folders(o.ews, o.mailbox, o.logger);
  const call = o.ews.call.bind(o.ews);

  async function folderOf(collection: string, entity: EntityType, cursor?: Cursor): Promise<ews.FolderId> {
    if (cursor?.f) return new ews.FolderId(cursor.f);
    return folders.resolve(collection, entity);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Listing

  function refOf(item: ews.Item, entity: EntityType): ExRef | undefined {
    const itemClass = prop<string>(item, ews.ItemSchema.ItemClass);
    if (itemClass && !itemClass.toLowerCase().startsWith(ITEM_CLASS[entity].toLowerCase())) return undefined;
    const ref: ExRef = { id: item.Id.UniqueId, version: item.Id.ChangeKey };
    if (entity === 'event') {
      const start = utcOf(prop(item, ews.AppointmentSchema.Start));
      const end = utcOf(prop(item, ews.AppointmentSchema.End));
      if (start) ref.start = start;
      if (end) ref.end = end;
      if (prop<number>(item, ews.AppointmentSchema.AppointmentType) === ews.AppointmentType.RecurringMaster) ref.recurring = true;
    }
    return ref;
  }

  async function list(collection: string, entity: EntityType, cursorText?: string): Promise<ExListing> {
    const cursor = decodeCursor(cursorText);
    const folder = await folderOf(collection, entity, cursor);
    const changed = new Map<string, ExRef>();
    const deleted = new Set<string>();
    let state = cursor?.s ?? '';
    const props = listingProperties(entity);
    // A server that keeps saying "more changes" (with or without changes) cannot make a listing endless.
    const maxPages = Math.ceil(o.maxListItems / SYNC_PAGE) + 10;
    const tooMany = () => new Invalid(`listing ${collection} holds more than ${o.maxListItems} items; raise "maxListItems" in the endpoint's settings if the folder really is that large`);
    for (let pages = 1; ; pages++) {
      if (pages > maxPages) throw tooMany();
      const page = await call('SyncFolderItems', (s) => s.SyncFolderItems(folder, props, null as unknown as ews.ItemId[], SYNC_PAGE, ews.SyncFolderItemsScope.NormalItems, state));
      for (const change of page.GetEnumerator()) {
        const id = change.ItemId?.UniqueId ?? change.Item?.Id?.UniqueId;
        if (!id) continue;
        if (change.ChangeType === ews.ChangeType.Delete) { changed.delete(id); deleted.add(id); continue; }
        if (change.ChangeType !== ews.ChangeType.Create && change.ChangeType !== ews.ChangeType.Update) continue;
        const ref = change.Item ? refOf(change.Item, entity) : undefined;
        if (ref) { changed.set(id, ref); deleted.delete(id); } else if (change.ChangeType === ews.ChangeType.Update) { changed.delete(id); }
      }
      if (changed.size + deleted.size > o.maxListItems) throw tooMany();
      state = page.SyncState;
      if (!page.MoreChangesAvailable) break;
    }
    const next = encodeCursor({ ...(cursor?.f ? { f: cursor.f } : folder.UniqueId ? { f: folder.UniqueId } : {}), s: state });
    if (!cursor) return { kind: 'full', items: [...changed.values()], cursor: next };
    return { kind: 'changes', changed: [...changed.values()], deleted: [...deleted], cursor: next };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Loading

  /** GetItem in batches; each requested id with its response (EWS answers in request order). */
  async function bind(ids: string[], props: ews.PropertySet): Promise<{ id: string; response: ews.GetItemResponse }[]> {
    const out: { id: string; response: ews.GetItemResponse }[] = [];
    for (const part of chunks(ids, o.batchSize)) {
      const batch = await call('GetItem', (s) => s.BindToItems(part.map((id) => new ews.ItemId(id)), props));
      batch.Responses.forEach((response, i) => out.push({ id: part[i], response }));
    }
    return out;
  }

  /** The modified occurrences of the masters, read in batches. */
  async function exceptionsOf(masters: ews.Appointment[]): Promise<Map<string, ExException[]>> {
    const wanted = masters.flatMap((m) => modifiedOccurrences(m).map((x) => ({ master: m, ...x })));
    const result = new Map<string, ExException[]>();
    if (!wanted.length) return result;
    const byId = new Map(wanted.map((w) => [w.id, w]));
    for (const { id, response: r } of await bind(wanted.map((w) => w.id), exceptionProperties())) {
      {
        const w = byId.get(id);
        if (!w || !ok(r) || !r.Item) continue;
        const zone = prop<ews.TimeZoneInfo>(w.master, ews.AppointmentSchema.StartTimeZone)?.Id || 'UTC';
        const list = result.get(w.master.Id.UniqueId) ?? [];
        list.push(exceptionOf(r.Item as ews.Appointment, w.originalStart, zone));
        result.set(w.master.Id.UniqueId, list);
      }
    }
    return result;
  }

  async function photosOf(contacts: ews.Contact[]): Promise<Map<string, { data: string; mediaType: string }>> {
    const wanted = contacts.map((c) => ({ contact: c, attachment: contactPhotoAttachment(c) })).filter((w) => w.attachment);
    const result = new Map<string, { data: string; mediaType: string }>();
    if (!wanted.length) return result;
    const responses = await call('GetAttachment', (s) => s.GetAttachments(wanted.map((w) => w.attachment!), null as unknown as ews.BodyType, null as unknown as ews.PropertyDefinitionBase[]));
    responses.Responses.forEach((r, i) => {
      const a = r.Attachment as ews.FileAttachment | undefined;
      const data = a?.Base64Content;
      if (ok(r) && data) result.set(wanted[i].contact.Id.UniqueId, { data, mediaType: a?.ContentType || 'image/jpeg' });
    });
    return result;
  }

  async function load(_collection: string, ids: string[], entity: EntityType): Promise<ExLoaded[]> {
    const responses = await bind(ids, itemProperties(entity));
    const items = responses.filter((r) => ok(r.response) && r.response.Item).map((r) => r.response.Item);
    const exceptions = entity === 'event' ? await exceptionsOf(items as ews.Appointment[]) : new Map<string, ExException[]>();
    const photos = entity === 'contact' ? await photosOf(items as ews.Contact[]) : new Map<string, { data: string; mediaType: string }>();
    return responses.map(({ id, response }): ExLoaded => {
      const item = response.Item;
      if (!ok(response) || !item) return { ok: false, id, error: responseError(response) };
      try {
        let ex: ExItem;
        if (entity === 'event') ex = eventOf(item as ews.Appointment, exceptions.get(id) ?? []);
        else if (entity === 'task') ex = taskOf(item as ews.Task, o.mailboxZone);
        else {
          ex = contactOf(item as ews.Contact);
          const photo = photos.get(id);
          if (photo) (ex as ExContact).photo = photo;
        }
        return { ok: true, id, version: item.Id.ChangeKey, item: ex };
      } catch (e) {
        return { ok: false, id, error: new Invalid(`item ${id} cannot be read: ${(e as Error).message}`) };
      }
    });
  }

  // ---------------------------------------------------------------------------------------------------------
  // Writing

  function newItem(entity: EntityType): ews.Item {
    if (entity === 'event') return new ews.Appointment(o.ews.service);
    if (entity === 'task') return new ews.Task(o.ews.service);
    return new ews.Contact(o.ews.service);
  }

  /** Sets an item's properties; true when a series pattern was (re)written. */
  function apply(item: ews.Item, next: ExItem, prev: ExItem | undefined): boolean {
    const bad = xmlInvalidChar(next);
    if (bad) throw new Invalid(`the item contains the control character U+${bad.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}, which XML (and so EWS) cannot carry`);
    if (next.kind === 'event') return applyEvent(item as ews.Appointment, next, prev as ExEvent | undefined);
    if (next.kind === 'task') applyTask(item as ews.Task, next, prev as ExTask | undefined);
    else applyContact(item as ews.Contact, next, prev as ExContact | undefined);
    return false;
  }

  /** Items bound with their current ChangeKey; a differing `ifVersion` is PreconditionFailed before anything is written. */
  async function bindCurrent(targets: { id: string; ifVersion?: string }[]): Promise<Map<string, ews.Item | DovetailError>> {
    const result = new Map<string, ews.Item | DovetailError>();
    if (!targets.length) return result;
    const props = new ews.PropertySet(ews.BasePropertySet.IdOnly, [ews.ItemSchema.ItemClass]);
    const got = new Map((await bind(targets.map((t) => t.id), props)).map((r) => [r.id, r.response]));
    for (const t of targets) {
      const r = got.get(t.id);
      const item = r && ok(r) ? r.Item : undefined;
      if (!item) result.set(t.id, r && !ok(r) ? responseError(r) : new NotFound(`item ${t.id} is not in Exchange any more`));
      else if (t.ifVersion && item.Id.ChangeKey !== t.ifVersion) result.set(t.id, new PreconditionFailed(`item ${t.id} changed in Exchange since it was read`));
      else result.set(t.id, item);
    }
    return result;
  }

  /** The instant index (1-based, as EWS counts occurrences) of `originalStart` in the series of `ex`. */
  function occurrenceIndex(ex: ExEvent, originalStart: string): number | undefined {
    if (!ex.recurrence || !ex.start) return undefined;
    const start = fromExTime(ex.start, !!ex.isAllDay);
    const target = Date.parse(originalStart);
    const instants = ruleInstants(start, rruleOf(ex.recurrence, start), target);
    const i = instants.indexOf(target);
    return i < 0 ? undefined : i + 1;
  }

  /** Writes the modified and deleted occurrences of a series that differ from `prev` (all of them after a pattern change). */
  async function applyOccurrences(masterId: string, next: ExEvent, prev: ExEvent | undefined, patternWritten: boolean): Promise<void> {
    const before = patternWritten ? undefined : prev;
    const oldExceptions = new Map((before?.exceptions ?? []).map((x) => [x.originalStart, x]));
    const oldCancelled = new Set(before?.cancelledOccurrences ?? []);
    const occurrence = async (originalStart: string, known?: string): Promise<ews.Appointment> => {
      if (known) return call('GetItem', (s) => ews.Appointment.Bind(s, new ews.ItemId(known), new ews.PropertySet(ews.BasePropertySet.IdOnly)));
      const index = occurrenceIndex(next, originalStart);
      if (!index) throw new Invalid(`${originalStart} is not an occurrence of the series; the override or deletion cannot be stored`);
      return call('GetItem', (s) => ews.Appointment.BindToOccurrence(s, new ews.ItemId(masterId), index, new ews.PropertySet(ews.BasePropertySet.IdOnly)));
    };
    for (const x of next.exceptions ?? []) {
      const old = oldExceptions.get(x.originalStart);
      const { id: _id, ...nextFields } = x;
      void _id;
      if (old) {
        const { id: _old, ...oldFields } = old;
        void _old;
        if (JSON.stringify(oldFields) === JSON.stringify(nextFields)) continue;
      }
      const item = await occurrence(x.originalStart, old?.id);
      if (x.subject !== undefined) item.Subject = x.subject;
      if (x.body) item.Body = new ews.MessageBody(x.body.contentType === 'html' ? ews.BodyType.HTML : ews.BodyType.Text, x.body.content);
      if (x.location !== undefined) item.Location = x.location;
      if (x.start && x.end) {
        const s = exTimeInstant(x.start);
        const e = exTimeInstant(x.end);
        if (Number.isNaN(s) || Number.isNaN(e)) throw new Invalid(`the override of ${x.originalStart} has a time in an unknown zone`);
        item.Start = instantValue(s);
        item.End = instantValue(e);
      }
      await call('UpdateItem', () => item.Update(ews.ConflictResolutionMode.AlwaysOverwrite, ews.SendInvitationsOrCancellationsMode.SendToNone));
    }
    for (const when of next.cancelledOccurrences ?? []) {
      if (oldCancelled.has(when)) continue;
      const known = oldExceptions.get(when)?.id;
      let item: ews.Appointment;
      try {
        item = await occurrence(when, known);
      } catch (e) {
        if (isDovetailError(e, 'NotFound')) continue; // already gone
        throw e;
      }
      await call('DeleteItem', () => item.Delete(ews.DeleteMode.HardDelete, ews.SendCancellationsMode.SendToNone));
    }
  }

  /**
   * Sets (or removes) a contact's photo: a file attachment flagged as the contact photo, which EWS creates with
   * CreateAttachment after the item exists. A failure fails that contact's write alone.
   */
  async function setPhoto(id: string, next: ExContact, results: ExWriteResult[], index: number): Promise<void> {
    try {
      const contact = await call('GetItem', (s) => ews.Contact.Bind(s, new ews.ItemId(id), new ews.PropertySet(ews.BasePropertySet.IdOnly, [ews.ItemSchema.Attachments])));
      if (next.photo) contact.SetContactPicture(next.photo.data, `ContactPicture.${next.photo.mediaType.split('/')[1] ?? 'jpg'}`);
      else if (!contact.GetContactPictureAttachment()) return;
      else contact.RemoveContactPicture();
      await call('CreateAttachment', () => contact.Update(ews.ConflictResolutionMode.AlwaysOverwrite));
    } catch (e) {
      if (!isDovetailError(e)) throw e;
      results[index] = { ok: false, error: e };
    }
  }

  /** True when the series' exceptions or deletions changed in a way only rewriting the pattern can express. */
  function needsReset(next: ExEvent, prev: ExEvent | undefined): boolean {
    if (!prev?.recurrence || !next.recurrence) return false;
    const nextStarts = new Set((next.exceptions ?? []).map((x) => x.originalStart));
    const nextCancelled = new Set(next.cancelledOccurrences ?? []);
    // A modified occurrence that should be plain again, or a deleted one that should come back.
    return (prev.exceptions ?? []).some((x) => !nextStarts.has(x.originalStart) && !nextCancelled.has(x.originalStart))
      || (prev.cancelledOccurrences ?? []).some((c) => !nextCancelled.has(c));
  }

  async function creates(folder: ews.FolderId, ops: { index: number; item: ExItem }[], entity: EntityType, results: ExWriteResult[]): Promise<void> {
    for (const part of chunks(ops, o.batchSize)) {
      const built: { index: number; item: ews.Item; ex: ExItem }[] = [];
      for (const op of part) {
        try {
          const item = newItem(entity);
          apply(item, op.item, undefined);
          built.push({ index: op.index, item, ex: op.item });
        } catch (e) {
          if (!isDovetailError(e)) throw e;
          results[op.index] = { ok: false, error: e };
        }
      }
      if (!built.length) continue;
      const invitations = entity === 'event' ? ews.SendInvitationsMode.SendToNone : null as unknown as ews.SendInvitationsMode;
      const responses = await call('CreateItem', (s) => s.CreateItems(built.map((b) => b.item), folder, null as unknown as ews.MessageDisposition, invitations));
      for (const [i, r] of responses.Responses.entries()) {
        const b = built[i];
        if (!ok(r)) { results[b.index] = { ok: false, error: responseError(r) }; continue; }
        results[b.index] = { ok: true, id: b.item.Id.UniqueId, version: b.item.Id.ChangeKey };
        if (b.ex.kind === 'contact' && b.ex.photo) await setPhoto(b.item.Id.UniqueId, b.ex, results, b.index);
        if (b.ex.kind === 'event' && b.ex.recurrence) {
          try {
            await applyOccurrences(b.item.Id.UniqueId, b.ex, undefined, true);
          } catch (e) {
            if (!isDovetailError(e)) throw e;
            o.logger.warn({ id: b.item.Id.UniqueId, error: e.message }, 'a series was created but some of its changed or deleted occurrences were not');
          }
        }
      }
    }
  }

  async function updates(ops: { index: number; id: string; ifVersion?: string; item: ExItem; previous?: ExItem; stampOnly?: boolean }[], entity: EntityType, results: ExWriteResult[]): Promise<void> {
    const current = await bindCurrent(ops);
    const ready: { index: number; item: ews.Item; op: (typeof ops)[number]; patternWritten: boolean }[] = [];
    for (const op of ops) {
      const c = current.get(op.id)!;
      if (!(c instanceof ews.Item)) { results[op.index] = { ok: false, error: c }; continue; }
      try {
        if (op.stampOnly) {
          writeStamp(c, op.item.stamp);
          ready.push({ index: op.index, item: c, op, patternWritten: false });
          continue;
        }
        let prev = op.previous && op.previous.kind === op.item.kind ? op.previous : undefined;
        // Reverting an occurrence or restoring a deleted one: rewrite the pattern, then every exception again.
        if (prev && prev.kind === 'event' && needsReset(op.item as ExEvent, prev)) prev = { ...prev, recurrence: undefined };
        const patternWritten = apply(c, op.item, prev);
        ready.push({ index: op.index, item: c, op, patternWritten });
      } catch (e) {
        if (!isDovetailError(e)) throw e;
        results[op.index] = { ok: false, error: e };
      }
    }
    for (const part of chunks(ready, o.batchSize)) {
      const dirty = part.filter((p) => p.item.IsDirty);
      const clean = part.filter((p) => !p.item.IsDirty);
      for (const p of clean) results[p.index] = { ok: true, id: p.item.Id.UniqueId, version: p.item.Id.ChangeKey };
      if (dirty.length) {
        const invitations = entity === 'event' ? ews.SendInvitationsOrCancellationsMode.SendToNone : null as unknown as ews.SendInvitationsOrCancellationsMode;
        const responses = await call('UpdateItem', (s) => s.UpdateItems(dirty.map((p) => p.item), null as unknown as ews.FolderId, ews.ConflictResolutionMode.NeverOverwrite, null as unknown as ews.MessageDisposition, invitations));
        responses.Responses.forEach((r, i) => {
          const p = dirty[i];
          results[p.index] = ok(r) ? { ok: true, id: p.item.Id.UniqueId, version: p.item.Id.ChangeKey } : { ok: false, error: responseError(r) };
        });
      }
      for (const p of part) {
        const r = results[p.index];
        if (r?.ok && p.op.item.kind === 'contact' && !p.op.stampOnly) {
          const prevPhoto = p.op.previous?.kind === 'contact' ? p.op.previous.photo : undefined;
          if (!p.op.previous || JSON.stringify(prevPhoto ?? null) !== JSON.stringify(p.op.item.photo ?? null)) {
            if (p.op.item.photo || prevPhoto || !p.op.previous) await setPhoto(p.item.Id.UniqueId, p.op.item, results, p.index);
          }
        }
        if (!r?.ok || p.op.item.kind !== 'event' || p.op.stampOnly) continue;
        const next = p.op.item as ExEvent;
        const prev = p.op.previous?.kind === 'event' ? p.op.previous : undefined;
        if (!next.recurrence) continue;
        try {
          await applyOccurrences(p.item.Id.UniqueId, next, prev, p.patternWritten);
        } catch (e) {
          if (!isDovetailError(e)) throw e;
          results[p.index] = { ok: false, error: e };
        }
      }
    }
  }

  async function deletes(ops: { index: number; id: string; ifVersion?: string }[], results: ExWriteResult[]): Promise<void> {
    const conditional = ops.filter((op) => op.ifVersion);
    const current = await bindCurrent(conditional);
    const go: typeof ops = [];
    for (const op of ops) {
      const c = current.get(op.id);
      if (c && !(c instanceof ews.Item)) results[op.index] = { ok: false, error: c };
      else go.push(op);
    }
    for (const part of chunks(go, o.batchSize)) {
      const responses = await call('DeleteItem', (s) => s.DeleteItems(part.map((p) => new ews.ItemId(p.id)), o.deleteMode, ews.SendCancellationsMode.SendToNone, ews.AffectedTaskOccurrence.AllOccurrences));
      responses.Responses.forEach((r, i) => {
        const p = part[i];
        results[p.index] = ok(r) ? { ok: true, id: p.id, version: '' } : { ok: false, error: responseError(r) };
      });
    }
  }

  async function write(collection: string, ops: ExWriteOp[], entity: EntityType): Promise<ExWriteResult[]> {
    const results: ExWriteResult[] = new Array(ops.length);
    const c: { index: number; item: ExItem }[] = [];
    const u: { index: number; id: string; ifVersion?: string; item: ExItem; previous?: ExItem; stampOnly?: boolean }[] = [];
    const d: { index: number; id: string; ifVersion?: string }[] = [];
    ops.forEach((op, index) => {
      if (op.op === 'create') c.push({ index, item: op.item });
      else if (op.op === 'update') u.push({ index, id: op.id, ifVersion: op.ifVersion, item: op.item, previous: op.previous });
      else if (op.op === 'stamp') u.push({ index, id: op.id, ifVersion: op.ifVersion, item: op.item, stampOnly: true });
      else d.push({ index, id: op.id, ifVersion: op.ifVersion });
    });
    if (c.length) await creates(await folders.resolve(collection, entity), c, entity, results);
    if (u.length) await updates(u, entity, results);
    if (d.length) await deletes(d, results);
    return results;
  }

  // ---------------------------------------------------------------------------------------------------------

  async function check(): Promise<CheckResult> {
    try {
      const folder = await call('GetFolder', (s) => ews.Folder.Bind(s, o.mailbox ? new ews.FolderId(ews.WellKnownFolderName.Calendar, new ews.Mailbox(o.mailbox)) : new ews.FolderId(ews.WellKnownFolderName.Calendar), new ews.PropertySet(ews.BasePropertySet.IdOnly, [ews.FolderSchema.DisplayName])));
      const version = o.ews.service.ServerInfo;
      const server = version ? ` (Exchange ${version.MajorVersion}.${version.MinorVersion}.${version.MajorBuildNumber})` : '';
      return { ok: true, message: `signed in; mailbox ${o.mailbox ?? 'of the signed-in user'}, calendar "${folder.DisplayName}"${server}` };
    } catch (e) {
      return { ok: false, message: checkMessage(e, o.url) };
    }
  }

  return {
    check,
    folders: (): Promise<ExFolder[]> => folders.all(o.sharedMailboxes),
    createFolder: (name, entity) => folders.create(name, entity),
    // Names only (EWS keeps no folder colour), and never set: renaming a folder named by its path (calendar/Team)
    // would change the collection id the pairing names. So no updateFolder: Dovetail does not carry names here.
    folderMetadata: async (collection, entity) => {
      const id = await folders.resolve(collection, entity);
      const folder = await call('GetFolder', (s) => ews.Folder.Bind(s, id, new ews.PropertySet(ews.BasePropertySet.IdOnly, [ews.FolderSchema.DisplayName])));
      return folder.DisplayName ? { name: folder.DisplayName } : {};
    },
    list,
    load,
    write,
    close: async () => undefined,
  };
}

/** One line a person can act on, for `dovetail check`. */
function checkMessage(e: unknown, url: string): string {
  const message = (e as Error)?.message ?? String(e);
  if (isDovetailError(e, 'AuthFailed')) return message;
  if (/DOCTYPE|html/i.test(message) || /invalid soap message|Unexpected|not well-formed|parse/i.test(message)) {
    return `${new URL(url).host} did not answer as Exchange Web Services; check the URL (…/EWS/Exchange.asmx): ${message}`;
  }
  if (isDovetailError(e, 'NotFound')) return `${message} (check "mailbox")`;
  return message;
}
