/**
 * Extended (MAPI) properties: ExtendedFieldURI with DistinguishedPropertySetId or PropertySetId plus PropertyName or
 * PropertyId, or a PropertyTag; PropertyType says the value's type (`…Array` types carry Values/Value).
 */
import type { ExtendedProp } from './store.js';
import { EwsError } from './soap.js';
import { child, children, el, type XmlElement, type XNode } from './xml.js';

const PROPERTY_SETS = ['Meeting', 'Appointment', 'Common', 'PublicStrings', 'Address', 'InternetHeaders', 'CalendarAssistant',
  'UnifiedMessaging', 'Task', 'Sharing'];

/** Normalised identity of an extended property (two spellings of one property compare equal). */
export function extendedKey(uri: Record<string, string>): string {
  const set = uri.DistinguishedPropertySetId ?? (uri.PropertySetId ? uri.PropertySetId.toLowerCase() : '');
  let name: string;
  if (uri.PropertyTag !== undefined) {
    const t = uri.PropertyTag.trim();
    name = `tag:${/^0x/i.test(t) ? parseInt(t, 16) : Number(t)}`;
  } else if (uri.PropertyId !== undefined) name = `id:${Number(uri.PropertyId)}`;
  else name = `name:${uri.PropertyName ?? ''}`;
  return `${set}|${name}`;
}

/** Reads and checks an ExtendedFieldURI element. */
export function readExtendedUri(e: XmlElement): Record<string, string> {
  const a = { ...e.attrs };
  const hasSet = a.DistinguishedPropertySetId !== undefined || a.PropertySetId !== undefined;
  const hasName = a.PropertyName !== undefined || a.PropertyId !== undefined;
  if (!a.PropertyType) throw new EwsError('ErrorInvalidExtendedProperty', 'The extended property attribute combination is invalid.');
  if (a.PropertyTag !== undefined ? hasSet || hasName : !(hasSet && hasName)) {
    throw new EwsError('ErrorInvalidExtendedProperty', 'The extended property attribute combination is invalid.');
  }
  if (a.DistinguishedPropertySetId && !PROPERTY_SETS.includes(a.DistinguishedPropertySetId)) {
    throw new EwsError('ErrorInvalidExtendedProperty', 'The extended property attribute combination is invalid.');
  }
  return a;
}

/** Reads an ExtendedProperty element of a request item. */
export function readExtendedProperty(e: XmlElement): ExtendedProp {
  const uriEl = child(e, 'ExtendedFieldURI');
  if (!uriEl) throw new EwsError('ErrorInvalidExtendedProperty', 'ExtendedProperty needs an ExtendedFieldURI.');
  const uri = readExtendedUri(uriEl);
  const isArray = /Array$/.test(uri.PropertyType!);
  const valuesEl = child(e, 'Values');
  if (isArray) {
    if (!valuesEl) throw new EwsError('ErrorInvalidExtendedPropertyValue', 'An array property needs Values.');
    return { uri, values: children(valuesEl, 'Value').map((v) => v.text) };
  }
  const value = child(e, 'Value');
  if (!value) throw new EwsError('ErrorInvalidExtendedPropertyValue', 'ExtendedProperty needs a Value.');
  return { uri, value: value.text };
}

/** Sets (replaces) an extended property in a list. */
export function setExtended(list: ExtendedProp[], prop: ExtendedProp): void {
  const key = extendedKey(prop.uri);
  const i = list.findIndex((p) => extendedKey(p.uri) === key);
  if (i >= 0) list[i] = prop;
  else list.push(prop);
}

/** Removes an extended property from a list; true if it was there. */
export function deleteExtended(list: ExtendedProp[], uri: Record<string, string>): boolean {
  const key = extendedKey(uri);
  const i = list.findIndex((p) => extendedKey(p.uri) === key);
  if (i >= 0) list.splice(i, 1);
  return i >= 0;
}

/** The response element for one extended property (the URI as the client named it in its request, when given). */
export function writeExtended(prop: ExtendedProp, asRequested?: Record<string, string>): XNode {
  const uri = asRequested ?? prop.uri;
  return el(
    't:ExtendedProperty', undefined,
    el('t:ExtendedFieldURI', uri),
    prop.values ? el('t:Values', undefined, ...prop.values.map((v) => el('t:Value', undefined, v))) : el('t:Value', undefined, prop.value ?? ''),
  );
}

