/**
 * The out-of-band API: what a test does as "another Outlook user" or as the Exchange administrator, without EWS.
 * Items are given in EWS's own XML for the item (`<t:CalendarItem>…</t:CalendarItem>`, the `t:` prefix bound
 * automatically), so a test writes exactly what a client would send. Every method is also served as
 * `POST /_simulator/<method>` with a JSON body (see server.ts).
 */
import type { RequestContext, RequestLogEntry } from './context.js';
import { fieldByElement } from './fields.js';
import { applyRules } from './item-rules.js';
import { answerInCopy } from './meetings.js';
import { createOne, deleteOccurrence, deleteOne } from './ops/items.js';
import { updateOne } from './ops/update.js';
import { resolveFolder, resolveItem } from './resolve.js';
import { readPath } from './shape.js';
import { EwsError, SoapFault } from './soap.js';
import { itemChangeKey, type DelegateLevel, type Store, type StoredItem } from './store.js';
import { NS, parseXml, type XmlElement } from './xml.js';

/** Where an out-of-band call acts: a mailbox and a folder (a distinguished name like `calendar`, or a folder id). */
export interface FolderRef {
  mailbox: string;
  folder?: string;
}

/** An item by id, or one occurrence of a series by 1-based index. */
export interface ItemRef {
  id?: string;
  masterId?: string;
  index?: number;
}

export type MeetingResponse = 'Accept' | 'Tentative' | 'Decline';
const RESPONSE_TYPE: Record<MeetingResponse, string> = { Accept: 'Accept', Tentative: 'Tentative', Decline: 'Decline' };

/** An error of an out-of-band call (HTTP 400 over the wire). */
export class OobError extends Error {}

function fragment(xml: string): XmlElement {
  const root = parseXml(`<oob xmlns:t="${NS.T}">${xml}</oob>`);
  const e = root.children[0];
  if (!e || e.ns !== NS.T) throw new OobError('expected one element in the EWS types namespace, e.g. <t:CalendarItem>…</t:CalendarItem>');
  return e;
}

function idElement(ref: ItemRef): XmlElement {
  const base = { ns: NS.T, children: [], text: '', line: 0, column: 0 };
  if (ref.masterId !== undefined) {
    return { ...base, local: 'OccurrenceItemId', attrs: { RecurringMasterId: ref.masterId, InstanceIndex: String(ref.index ?? 0) } };
  }
  if (!ref.id) throw new OobError('give id, or masterId and index');
  return { ...base, local: 'ItemId', attrs: { Id: ref.id } };
}

export class OutOfBand {
  constructor(
    private readonly store: Store,
    private readonly logSink: () => RequestLogEntry,
  ) {}

  private ctx(user: string): RequestContext {
    if (!this.store.mailbox(user)) throw new OobError(`no mailbox ${user}`);
    return { user: this.store.mailbox(user)!.email, version: 'Exchange2016', zone: 'UTC', store: this.store, log: this.logSink() };
  }

  private wrap<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof EwsError || e instanceof SoapFault) throw new OobError(`${e.code}: ${e.message}`);
      throw e;
    }
  }

  private folderEl(ref: FolderRef): XmlElement {
    const name = ref.folder ?? 'calendar';
    const base = { ns: NS.T, text: '', line: 0, column: 0 };
    if (/^[a-z]+$/.test(name)) {
      const mailbox = { ...base, local: 'Mailbox', attrs: {}, children: [{ ...base, local: 'EmailAddress', attrs: {}, children: [], text: ref.mailbox }] };
      return { ...base, local: 'DistinguishedFolderId', attrs: { Id: name }, children: [mailbox] };
    }
    return { ...base, local: 'FolderId', attrs: { Id: name }, children: [] };
  }

  /** Creates an item as the mailbox owner; returns its id and ChangeKey. */
  createItem(ref: FolderRef & { xml: string }): { id: string; changeKey: string } {
    return this.wrap(() => {
      const ctx = this.ctx(ref.mailbox);
      const { mb, folder } = resolveFolder(ctx, this.folderEl(ref), 'Editor');
      const item = createOne(ctx, mb, folder, fragment(ref.xml), 'SendToNone');
      return { id: item.id, changeKey: itemChangeKey(item) };
    });
  }

  /**
   * Sets properties of an item or of one occurrence (which becomes an exception) as its owner would in Outlook:
   * each child of the given item element replaces that property. Returns the new ChangeKey of the stored item.
   */
  updateItem(ref: ItemRef & { mailbox: string; xml: string }): { id: string; changeKey: string } {
    return this.wrap(() => {
      const ctx = this.ctx(ref.mailbox);
      const r = resolveItem(ctx, idElement(ref));
      const value = fragment(ref.xml);
      const changes = value.children.map((c) => {
        if (c.local === 'ExtendedProperty') {
          const uri = c.children.find((x) => x.local === 'ExtendedFieldURI')!;
          return { op: 'Set' as const, path: readPath(uri), value: { ...value, children: [c] } };
        }
        const pathEl: XmlElement = { ns: NS.T, local: 'FieldURI', attrs: { FieldURI: fieldUri(r.item, c) }, children: [], text: '', line: 0, column: 0 };
        return { op: 'Set' as const, path: readPath(pathEl), value: { ...value, children: [c] } };
      });
      const item = updateOne(ctx, r, changes, 'AlwaysOverwrite');
      return { id: item.id, changeKey: itemChangeKey(item) };
    });
  }

  /** Deletes an item, or one occurrence of a series (a DeletedOccurrence on the master). */
  deleteItem(ref: ItemRef & { mailbox: string }): void {
    this.wrap(() => {
      const ctx = this.ctx(ref.mailbox);
      const r = resolveItem(ctx, idElement(ref));
      if (r.view.originalStart !== undefined) deleteOccurrence(ctx, r.mb, r.item, r.view.originalStart);
      else deleteOne(ctx, r.mb, r.item, 'HardDelete');
    });
  }

  /** An attendee answers a meeting: their ResponseType on the organizer's item changes (and its ChangeKey). */
  respondToMeeting(ref: { mailbox: string; id: string; attendee: string; response: MeetingResponse }): { changeKey: string } {
    return this.wrap(() => {
      if (!RESPONSE_TYPE[ref.response]) throw new OobError('response must be Accept, Tentative or Decline');
      const ctx = this.ctx(ref.mailbox);
      const r = resolveItem(ctx, idElement({ id: ref.id }));
      const email = ref.attendee.toLowerCase();
      const listed = ['RequiredAttendees', 'OptionalAttendees', 'Resources'].some((k) =>
        (r.item.props[k]?.c ?? []).some((a) => a.c?.find((m) => m.n === 'Mailbox')?.c?.find((x) => x.n === 'EmailAddress')?.t?.toLowerCase() === email));
      if (!listed) throw new OobError(`${ref.attendee} is not an attendee of this meeting`);
      r.item.responses = { ...(r.item.responses ?? {}), [email]: RESPONSE_TYPE[ref.response] };
      for (const k of ['RequiredAttendees', 'OptionalAttendees', 'Resources']) {
        const list = r.item.props[k];
        if (!list) continue;
        r.item.props[k] = {
          ...list,
          c: (list.c ?? []).map((a) => {
            const addr = a.c?.find((m) => m.n === 'Mailbox')?.c?.find((x) => x.n === 'EmailAddress')?.t?.toLowerCase();
            return addr === email ? { ...a, c: (a.c ?? []).filter((c) => c.n !== 'ResponseType') } : a;
          }),
        };
      }
      applyRules(r.item.element, r.item.props, r.mb, false, [], r.item.responses);
      ctx.store.touchItem(r.mb, r.item, ['RequiredAttendees', 'OptionalAttendees', 'Resources']);
      answerInCopy(ctx, r.item, ref.attendee, ref.response);
      return { changeKey: itemChangeKey(r.item) };
    });
  }

  /** Grants (level None: revokes) a delegate access to distinguished folders (`calendar`, `tasks`, `contacts`, `*`). */
  grantDelegate(ref: { owner: string; delegate: string; folders: Record<string, DelegateLevel> }): void {
    const owner = this.store.mailbox(ref.owner);
    if (!owner) throw new OobError(`no mailbox ${ref.owner}`);
    for (const level of Object.values(ref.folders)) {
      if (!['None', 'Reviewer', 'Author', 'Editor'].includes(level)) throw new OobError(`'${level}' is not None, Reviewer, Author or Editor`);
    }
    this.store.grant(owner, ref.delegate, ref.folders);
  }

  /** Invalidates SyncStates of one folder (by id) or of all folders. */
  invalidateSyncStates(ref: { folderId?: string } = {}): void {
    this.store.invalidateSyncStates(ref.folderId);
  }

  /** The raw stored items of a folder (or a whole mailbox), deleted ones left out. */
  items(ref: FolderRef): StoredItem[] {
    const mb = this.store.mailbox(ref.mailbox);
    if (!mb) throw new OobError(`no mailbox ${ref.mailbox}`);
    const folderId = ref.folder
      ? (/^[a-z]+$/.test(ref.folder) ? this.store.distinguished(mb, ref.folder)?.id : ref.folder)
      : undefined;
    if (ref.folder && !folderId) throw new OobError(`no folder ${ref.folder}`);
    return Object.values(mb.items).filter((i) => !i.deleted && (!folderId || i.folderId === folderId));
  }

  /** A folder id by distinguished name. */
  folderId(ref: FolderRef): string {
    const mb = this.store.mailbox(ref.mailbox);
    const f = mb ? this.store.distinguished(mb, ref.folder ?? 'calendar') : undefined;
    if (!f) throw new OobError(`no folder ${ref.folder ?? 'calendar'} in ${ref.mailbox}`);
    return f.id;
  }
}

function fieldUri(item: StoredItem, e: XmlElement): string {
  const def = fieldByElement(item.element, e.local);
  if (!def) throw new OobError(`${e.local} is not a property of ${item.element}`);
  return def.uri;
}
