/**
 * Stored items → response elements for a given shape, in schema order, with the properties Exchange computes
 * (ItemId, ParentFolderId, CalendarItemType, FirstOccurrence/LastOccurrence, Modified/DeletedOccurrences,
 * HasAttachments, CompleteName, IsComplete, …) and the body converted to the requested BodyType.
 */
import { htmlToText, textToHtml } from './body.js';
import { extendedKey, writeExtended } from './extended.js';
import { ADDRESS_PARTS, DEFAULT_SHAPE, fieldsOf, NOT_IN_ALL_PROPERTIES, type ItemElement } from './fields.js';
import { lastOccurrence } from './recurrence.js';
import type { Shape } from './shape.js';
import { folderChangeKey, type Mailbox, type StoredItem } from './store.js';
import { formatUtc } from './time.js';
import { occurrenceAt, occurrenceView, propMs, seriesOccurrences, seriesZone, type ItemView } from './views.js';
import { el, serialize, textEl, typed, type XNode } from './xml.js';

const ITEM_CLASS_ELEMENT: Record<ItemElement, string> = {
  CalendarItem: 't:CalendarItem', Task: 't:Task', Contact: 't:Contact', Message: 't:Message', Item: 't:Item',
};

function bodyNode(node: XNode, bodyType: Shape['bodyType'], name = 'Body'): XNode {
  const stored = node.a?.BodyType === 'HTML' ? 'HTML' : 'Text';
  const text = node.t ?? '';
  const want = bodyType === 'Best' ? stored : bodyType;
  const out = want === stored ? text : want === 'Text' ? htmlToText(text) : textToHtml(text);
  return el(`t:${name}`, { BodyType: want, IsTruncated: 'false' }, out);
}

function attachmentsNode(item: StoredItem): XNode | undefined {
  if (!item.attachments.length) return undefined;
  return el('t:Attachments', undefined, ...item.attachments.map((a) => el(
    't:FileAttachment', undefined,
    el('t:AttachmentId', { Id: a.id }),
    el('t:Name', undefined, a.name),
    el('t:ContentType', undefined, a.contentType),
    textEl('t:ContentId', a.contentId),
    el('t:Size', undefined, String(a.size)),
    el('t:LastModifiedTime', undefined, a.lastModified.replace(/Z$/, '')),
    el('t:IsInline', undefined, String(a.isInline)),
    el('t:IsContactPhoto', undefined, String(a.isContactPhoto)),
  )));
}

function occurrenceInfo(name: string, view: ItemView): XNode {
  return el(
    `t:${name}`, undefined, el('t:ItemId', { Id: view.id, ChangeKey: view.changeKey }),
    el('t:Start', undefined, view.props.Start?.t ?? ''), el('t:End', undefined, view.props.End?.t ?? ''),
    el('t:OriginalStart', undefined, formatUtc(view.originalStart!)),
  );
}

function completeName(props: Record<string, XNode>): XNode | undefined {
  const t = (k: string) => props[k]?.t;
  const parts: [string, string | undefined][] = [
    ['Title', undefined], ['FirstName', t('GivenName')], ['MiddleName', t('MiddleName')], ['LastName', t('Surname')],
    ['Suffix', t('Generation')], ['Initials', t('Initials')],
    ['FullName', t('DisplayName') ?? [t('GivenName'), t('MiddleName'), t('Surname')].filter(Boolean).join(' ')],
    ['Nickname', t('Nickname')],
  ];
  return el('t:CompleteName', undefined, ...parts.map(([k, v]) => textEl(`t:${k}`, v)));
}

/** Computed properties (undefined if the item has none of that name). */
function computed(view: ItemView, element: string, mb: Mailbox, shape: Shape): XNode | undefined {
  const { item, props } = view;
  switch (element) {
    case 'ItemId': return el('t:ItemId', { Id: view.id, ChangeKey: view.changeKey });
    case 'ParentFolderId': {
      const f = mb.folders[item.folderId];
      return f ? el('t:ParentFolderId', { Id: f.id, ChangeKey: folderChangeKey(f) }) : undefined;
    }
    case 'ItemClass': return el('t:ItemClass', undefined, item.itemClass);
    case 'DateTimeCreated': case 'DateTimeReceived': return el(`t:${element}`, undefined, item.created);
    case 'LastModifiedTime': {
      const ex = view.originalStart !== undefined ? item.exceptions[String(view.originalStart)] : undefined;
      return el('t:LastModifiedTime', undefined, ex?.modified ?? item.modified);
    }
    case 'LastModifiedName': return el('t:LastModifiedName', undefined, mb.displayName);
    case 'Size': return el('t:Size', undefined, String(serialize({ n: 'x', c: Object.values(props) }).length));
    case 'HasAttachments': return el('t:HasAttachments', undefined, String(item.attachments.some((a) => !a.isContactPhoto)));
    case 'Attachments': return attachmentsNode(item);
    case 'IsAssociated': return el('t:IsAssociated', undefined, 'false');
    case 'Body': return props.Body ? bodyNode(props.Body, shape.bodyType) : undefined;
    case 'TextBody': return props.Body ? bodyNode(props.Body, 'Text', 'TextBody') : undefined;
    case 'Culture': return el('t:Culture', undefined, props.Culture?.t ?? 'en-US');
  }
  if (item.element === 'CalendarItem') {
    switch (element) {
      case 'CalendarItemType': return el('t:CalendarItemType', undefined, view.type!);
      case 'IsRecurring': return el('t:IsRecurring', undefined, String(view.type !== 'Single'));
      case 'OriginalStart': return view.originalStart !== undefined ? el('t:OriginalStart', undefined, formatUtc(view.originalStart)) : undefined;
      case 'RecurrenceId': return view.originalStart !== undefined ? el('t:RecurrenceId', undefined, formatUtc(view.originalStart)) : undefined;
      case 'Duration': {
        const mins = Math.round((propMs(props, 'End') - propMs(props, 'Start')) / 60_000);
        return el('t:Duration', undefined, `PT${Math.floor(mins / 60)}H${mins % 60}M`);
      }
      case 'IsMeeting': return el('t:IsMeeting', undefined, String(props.IsMeeting?.t === 'true'));
      case 'IsCancelled': return el('t:IsCancelled', undefined, String(props.IsCancelled?.t === 'true'));
      case 'AppointmentState': return el('t:AppointmentState', undefined, props.IsMeeting?.t === 'true' ? '1' : '0');
    }
    if (view.type === 'RecurringMaster') {
      const live = (o: { originalStart: number }) => !item.deletedOccurrences.includes(o.originalStart);
      switch (element) {
        case 'FirstOccurrence': {
          const first = seriesOccurrences(item, Number.POSITIVE_INFINITY, item.deletedOccurrences.length + 1).find(live);
          return first ? occurrenceInfo('FirstOccurrence', occurrenceView(item, first)) : undefined;
        }
        case 'LastOccurrence': {
          const last = lastOccurrence(props.Recurrence!, propMs(props, 'Start'), seriesZone(item));
          if (!last) return undefined;
          const occs = seriesOccurrences(item, last.originalStart + 1, undefined, last.originalStart - 400 * 86_400_000).filter(live);
          const l = occs[occs.length - 1];
          return l ? occurrenceInfo('LastOccurrence', occurrenceView(item, l)) : undefined;
        }
        case 'ModifiedOccurrences': {
          const keys = Object.keys(item.exceptions).map(Number).sort((a, b) => a - b);
          if (!keys.length) return undefined;
          return el('t:ModifiedOccurrences', undefined, ...keys.map((k) => {
            const occ = occurrenceAt(item, k) ?? { index: 0, originalStart: k };
            return occurrenceInfo('Occurrence', occurrenceView(item, occ));
          }));
        }
        case 'DeletedOccurrences': {
          if (!item.deletedOccurrences.length) return undefined;
          return el('t:DeletedOccurrences', undefined, ...[...item.deletedOccurrences].sort((a, b) => a - b)
            .map((k) => el('t:DeletedOccurrence', undefined, el('t:Start', undefined, formatUtc(k)))));
        }
      }
    }
  }
  if (item.element === 'Task') {
    switch (element) {
      case 'IsComplete': return el('t:IsComplete', undefined, String(props.Status?.t === 'Completed'));
      case 'IsRecurring': return el('t:IsRecurring', undefined, String(props.Recurrence !== undefined));
      case 'ChangeCount': return el('t:ChangeCount', undefined, String(item.version));
      case 'DelegationState': return el('t:DelegationState', undefined, 'NoMatch');
      case 'IsAssignmentEditable': return el('t:IsAssignmentEditable', undefined, '0');
      case 'IsTeamTask': return el('t:IsTeamTask', undefined, 'false');
      case 'Owner': return el('t:Owner', undefined, mb.displayName);
    }
  }
  if (item.element === 'Contact') {
    switch (element) {
      case 'CompleteName': return completeName(props);
      case 'HasPicture': return el('t:HasPicture', undefined, String(item.attachments.some((a) => a.isContactPhoto)));
      case 'ContactSource': return el('t:ContactSource', undefined, 'Store');
    }
  }
  return undefined;
}

/** The stored value of a property, filtered to requested indexed entries when only some were asked for. */
function storedNode(view: ItemView, element: string, entries?: { key: string; part?: string }[]): XNode | undefined {
  const node = view.props[element];
  if (!node) return undefined;
  if (!entries) return typed(node);
  const kept = (node.c ?? []).filter((e) => entries.some((x) => x.key === e.a?.Key)).map((e) => {
    const parts = entries.filter((x) => x.key === e.a?.Key).map((x) => x.part);
    if (parts.includes(undefined)) return e;
    return { ...e, c: (e.c ?? []).filter((c) => parts.includes(c.n)) };
  });
  return kept.length ? typed({ ...node, c: kept }) : undefined;
}

/** Writes one item view in the given shape. */
export function writeItem(view: ItemView, mb: Mailbox, shape: Shape): XNode {
  const cls = view.item.element;
  const wanted = new Set<string>(['ItemId']);
  const entries = new Map<string, { key: string; part?: string }[]>();
  const extendedWanted: Record<string, string>[] = [];
  const fields = fieldsOf(cls);
  if (shape.base === 'Default') DEFAULT_SHAPE[cls].forEach((f) => wanted.add(f));
  if (shape.base === 'AllProperties') fields.forEach((f) => { if (!NOT_IN_ALL_PROPERTIES.has(f.element)) wanted.add(f.element); });
  for (const p of shape.additional) {
    if (p.type === 'field') wanted.add(p.element);
    else if (p.type === 'indexed') {
      if (!wanted.has(p.container) || entries.has(p.container)) {
        entries.set(p.container, [...(entries.get(p.container) ?? []), { key: p.key, ...(p.part ? { part: p.part } : {}) }]);
      }
    } else extendedWanted.push(p.uri);
  }
  const out: XNode[] = [];
  for (const f of fields) {
    if (f.element === 'ExtendedProperty') {
      for (const uri of extendedWanted) {
        const found = view.extended.find((x) => extendedKey(x.uri) === extendedKey(uri));
        if (found) out.push(writeExtended(found, uri));
      }
      continue;
    }
    const indexed = entries.get(f.element);
    if (!wanted.has(f.element) && !indexed) continue;
    const node = computed(view, f.element, mb, shape) ?? storedNode(view, f.element, wanted.has(f.element) ? undefined : indexed);
    if (node) out.push(node);
  }
  return el(ITEM_CLASS_ELEMENT[cls], undefined, ...out);
}

/** PhysicalAddress entry parts in schema order (used when an update sets one part). */
export function sortAddressParts(entry: XNode): XNode {
  return { ...entry, c: [...(entry.c ?? [])].sort((a, b) => ADDRESS_PARTS.indexOf(a.n) - ADDRESS_PARTS.indexOf(b.n)) };
}

