/**
 * UpdateItem: SetItemField, AppendToItemField and DeleteItemField on plain, indexed and extended properties, with
 * ChangeKey checks by ConflictResolution. A stale ChangeKey: NeverOverwrite fails with ErrorIrresolvableConflict;
 * AutoResolve (the default) succeeds only when none of the properties being written changed since that version;
 * AlwaysOverwrite writes anyway. A missing ChangeKey is refused unless AlwaysOverwrite is asked for. Updating one
 * occurrence of a series makes (or changes) an exception stored on the master, whose ChangeKey changes.
 */
import type { RequestContext } from '../context.js';
import { deleteExtended, readExtendedProperty, setExtended } from '../extended.js';
import { fieldByUri, type ItemElement } from '../fields.js';
import { ITEM_ELEMENTS, checkRecurrence, checkZone, readValue } from '../item-read.js';
import { applyRules } from '../item-rules.js';
import { sortAddressParts, writeItem } from '../item-write.js';
import { requestVersion, resolveItem, type ResolvedItem } from '../resolve.js';
import { readPath, type PropertyPath } from '../shape.js';
import { EwsError, schemaError } from '../soap.js';
import type { ExtendedProp, StoredItem } from '../store.js';
import { zoneOf } from '../time.js';
import { masterView, occurrenceAt, occurrenceView } from '../views.js';
import { child, el, NS, toNode, type XmlElement, type XNode } from '../xml.js';
import { perElement, respond, type Handler } from './common.js';
import { deliverMeeting } from '../meetings.js';

const INVITATIONS = ['SendToNone', 'SendOnlyToAll', 'SendOnlyToChanged', 'SendToAllAndSaveCopy', 'SendToChangedAndSaveCopy'];
const APPENDABLE = ['Body', 'RequiredAttendees', 'OptionalAttendees', 'Resources', 'Categories'];
const REQUIRED = ['Start', 'End'];

export const conflict = () => new EwsError('ErrorIrresolvableConflict',
  'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.');

/** One update of an ItemChange, parsed. */
interface Change {
  op: 'Set' | 'Append' | 'Delete';
  path: PropertyPath;
  /** The item element holding the new value (Set/Append). */
  value?: XmlElement;
}

function readChanges(updates: XmlElement): Change[] {
  return updates.children.map((u) => {
    const op = u.local === 'SetItemField' ? 'Set' : u.local === 'AppendToItemField' ? 'Append' : u.local === 'DeleteItemField' ? 'Delete' : undefined;
    if (!op) throw schemaError(`The element '${u.local}' is not a valid item change.`, u.line, u.column);
    const pathEl = u.children.find((c) => /FieldURI$/.test(c.local));
    if (!pathEl) throw schemaError(`The element '${u.local}' has incomplete content.`, u.line, u.column);
    const value = u.children.find((c) => ITEM_ELEMENTS[c.local] !== undefined);
    if (op !== 'Delete' && !value) throw schemaError(`The element '${u.local}' has incomplete content: an item element is required.`, u.line, u.column);
    return { op, path: readPath(pathEl), ...(value ? { value } : {}) };
  });
}

/** The property names a change touches (for AutoResolve's per-property comparison). */
function touched(c: Change): string {
  if (c.path.type === 'field') return c.path.element;
  if (c.path.type === 'indexed') return c.path.container;
  return `ext:${JSON.stringify(c.path.uri)}`;
}

interface Target {
  cls: ItemElement;
  props: Record<string, XNode>;
  extended: ExtendedProp[];
}

function singleValue(value: XmlElement): XmlElement {
  if (value.children.length !== 1) {
    throw new EwsError('ErrorIncorrectUpdatePropertyCount', 'An object within a change description must contain one and only one property to modify.');
  }
  return value.children[0]!;
}

function applyChange(ctx: RequestContext, target: Target, c: Change): void {
  const { props } = target;
  if (c.path.type === 'extended') {
    if (c.op === 'Delete') deleteExtended(target.extended, c.path.uri);
    else if (c.op === 'Append') throw new EwsError('ErrorInvalidPropertyAppend', 'This property does not support append.');
    else setExtended(target.extended, readExtendedProperty(singleValue(c.value!)));
    return;
  }
  if (c.path.type === 'indexed') {
    const { container, key, part } = c.path;
    const current = props[container] ?? { n: container, c: [] };
    const entries = (current.c ?? []).filter((e) => e.a?.Key !== key);
    const existing = (current.c ?? []).find((e) => e.a?.Key === key);
    if (c.op === 'Append') throw new EwsError('ErrorInvalidPropertyAppend', 'This property does not support append.');
    if (c.op === 'Delete') {
      if (part && existing) {
        const left = (existing.c ?? []).filter((x) => x.n !== part);
        if (left.length) entries.push({ ...existing, c: left });
      }
    } else {
      const holder = singleValue(c.value!);
      if (holder.local !== container) throw new EwsError('ErrorIncorrectUpdatePropertyCount', `The value must be in ${container}.`);
      const entry = holder.children[0];
      if (!entry || entry.attrs.Key !== key) {
        throw new EwsError('ErrorIndexedPagingParametersInvalid', `The entry's Key must be ${key}.`);
      }
      const node = toNode(entry);
      if (part) entries.push(sortAddressParts({ ...(existing ?? { n: 'Entry', a: { Key: key } }), c: [...(existing?.c ?? []).filter((x) => x.n !== part), ...(node.c ?? [])] }));
      else entries.push(node);
    }
    if (entries.length) props[container] = { ...current, c: entries };
    else delete props[container];
    return;
  }
  const def = fieldByUri(c.path.uri);
  if (!def || def.readOnly) throw new EwsError('ErrorInvalidPropertySet', `Property ${c.path.uri} can't be set on this item.`);
  if (c.op === 'Delete') {
    if (REQUIRED.includes(def.element) && target.cls === 'CalendarItem') {
      throw new EwsError('ErrorInvalidPropertyDelete', `Property ${def.uri} can't be deleted.`);
    }
    delete props[def.element];
    return;
  }
  const e = singleValue(c.value!);
  if (e.local !== def.element) throw new EwsError('ErrorIncorrectUpdatePropertyCount', `The value element must be ${def.element}.`);
  let zone = ctx.zone;
  if (def.element === 'Start' || def.element === 'End') zone = zoneOf(props[def.element === 'Start' ? 'StartTimeZone' : 'EndTimeZone'] ?? props.StartTimeZone);
  const node = readValue(def, e, zone);
  if (def.element === 'Recurrence') checkRecurrence(node, target.cls);
  if (/TimeZone$/.test(def.element)) checkZone(node);
  if (c.op === 'Append') {
    if (!APPENDABLE.includes(def.element)) throw new EwsError('ErrorInvalidPropertyAppend', 'This property does not support append.');
    const old = props[def.element];
    props[def.element] = def.element === 'Body'
      ? { ...(old ?? node), t: (old?.t ?? '') + (node.t ?? '') }
      : { ...(old ?? node), c: [...(old?.c ?? []), ...(node.c ?? [])] };
    return;
  }
  props[def.element] = node;
}

/** Applies a list of changes to an item (or one occurrence), after the ChangeKey check. */
export function updateOne(ctx: RequestContext, r: ResolvedItem, changes: Change[], resolution: string): StoredItem {
  const { mb, item, view } = r;
  const names = changes.map(touched);
  const current = item.version;
  if (r.changeKey === undefined) {
    if (resolution !== 'AlwaysOverwrite') {
      throw new EwsError('ErrorChangeKeyRequiredForWriteOperations', 'When making a request that uses write operations, you must include the change key of the item.');
    }
  } else {
    const v = requestVersion(r);
    if (v === undefined) throw new EwsError('ErrorInvalidChangeKey', 'ChangeKey is invalid.');
    if (v > current) throw new EwsError('ErrorInvalidChangeKey', 'ChangeKey is invalid.');
    if (v < current && resolution === 'NeverOverwrite') throw conflict();
    if (v < current && resolution === 'AutoResolve') {
      const versions = view.originalStart !== undefined
        ? item.exceptions[String(view.originalStart)]?.fieldVersions ?? {}
        : item.fieldVersions;
      const recurrenceChanged = view.originalStart === undefined ? false : (item.fieldVersions.Recurrence ?? 0) > v;
      if (recurrenceChanged || names.some((n) => (versions[n] ?? 0) > v)) throw conflict();
    }
  }
  if (view.originalStart !== undefined) {
    // An occurrence: write into its exception.
    const key = String(view.originalStart);
    const ex = item.exceptions[key] ?? { props: {}, fieldVersions: {}, extended: [], modified: '' };
    const target: Target = { cls: item.element, props: { ...view.props }, extended: [...view.extended] };
    for (const c of changes) {
      if (c.path.type === 'field' && c.path.element === 'Recurrence') {
        throw new EwsError('ErrorInvalidPropertySet', 'Recurrence can only be set on the recurring master.');
      }
      applyChange(ctx, target, c);
    }
    applyRules(item.element, target.props, mb, false, names);
    for (const n of names) {
      if (n.startsWith('ext:')) continue;
      if (target.props[n] !== undefined) ex.props[n] = target.props[n]!;
      else ex.props[n] = { n, t: '' };
    }
    for (const k of ['Start', 'End']) ex.props[k] = target.props[k]!;
    ex.extended = target.extended.filter((p) => !item.extended.includes(p));
    ctx.store.touchItem(mb, item, ['ModifiedOccurrences']);
    for (const n of names) ex.fieldVersions[n] = item.version;
    ex.modified = item.modified;
    item.exceptions[key] = ex;
    return item;
  }
  const target: Target = { cls: item.element, props: { ...item.props }, extended: [...item.extended] };
  for (const c of changes) applyChange(ctx, target, c);
  applyRules(item.element, target.props, mb, false, names, item.responses);
  if (names.includes('Recurrence') || (names.includes('Start') && target.props.Recurrence)) {
    // A new pattern (or a moved series) drops the exceptions and deleted occurrences, as Exchange does.
    item.exceptions = {};
    item.deletedOccurrences = [];
  }
  item.props = target.props;
  item.extended = target.extended;
  const derived = ['Status', 'PercentComplete', 'CompleteDate', 'IsMeeting', 'DisplayName', 'FileAs'];
  ctx.store.touchItem(mb, item, [...names, ...derived.filter((d) => item.element !== 'CalendarItem' || d === 'IsMeeting')]);
  return item;
}

export const updateItem: Handler = (op, ctx) => {
  const resolution = op.attrs.ConflictResolution ?? 'AutoResolve';
  if (!['NeverOverwrite', 'AutoResolve', 'AlwaysOverwrite'].includes(resolution)) {
    throw schemaError(`The 'ConflictResolution' attribute is invalid - The value '${resolution}' is invalid according to its datatype.`, op.line, op.column);
  }
  const invitations = op.attrs.SendMeetingInvitationsOrCancellations;
  if (invitations !== undefined && !INVITATIONS.includes(invitations)) {
    throw schemaError(`The 'SendMeetingInvitationsOrCancellations' attribute is invalid - The value '${invitations}' is invalid according to its datatype.`, op.line, op.column);
  }
  const changesEl = child(op, 'ItemChanges', NS.M);
  if (!changesEl?.children.length) throw schemaError("The element 'UpdateItem' has incomplete content: ItemChanges is required.", op.line, op.column);
  const msgs = perElement(ctx, changesEl.children, (ic) => {
    const idEl = ic.children.find((c) => /ItemId$/.test(c.local));
    const updates = child(ic, 'Updates');
    if (!idEl || !updates) throw schemaError("The element 'ItemChange' has incomplete content.", ic.line, ic.column);
    const changes = readChanges(updates);
    const r = resolveItem(ctx, idEl, 'Editor');
    if (r.item.element === 'CalendarItem' && invitations === undefined) {
      throw new EwsError('ErrorSendMeetingInvitationsOrCancellationsRequired', 'SendMeetingInvitationsOrCancellations attribute is required for Calendar items.');
    }
    const item = updateOne(ctx, r, changes, resolution);
    if (item.element === 'CalendarItem' && invitations !== 'SendToNone' && item.props.IsMeeting?.t === 'true') deliverMeeting(ctx, r.mb, item);
    let view = masterView(item);
    if (r.view.originalStart !== undefined) {
      const occ = occurrenceAt(item, r.view.originalStart);
      if (occ) view = occurrenceView(item, occ);
    }
    return [
      el('m:Items', undefined, writeItem(view, r.mb, { base: 'IdOnly', bodyType: 'Best', additional: [] })),
      el('m:ConflictResults', undefined, el('t:Count', undefined, '0')),
    ];
  }, [el('m:Items')]);
  return respond(ctx, 'UpdateItem', msgs);
};
