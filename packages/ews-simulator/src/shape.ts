/**
 * ItemShape / FolderShape: BaseShape (IdOnly, Default, AllProperties), BodyType and AdditionalProperties with
 * FieldURI, IndexedFieldURI and ExtendedFieldURI paths.
 */
import { readExtendedUri } from './extended.js';
import { SCHEMA_FIELD_URIS } from './field-uris.js';
import { fieldByUri, INDEXED } from './fields.js';
import { schemaError } from './soap.js';
import { child, childText, type XmlElement } from './xml.js';

/** One property path from a request (AdditionalProperties, SetItemField, DeleteItemField, …). */
export type PropertyPath =
  | { type: 'field'; uri: string; element: string }
  | { type: 'indexed'; uri: string; container: string; key: string; part?: string }
  | { type: 'extended'; uri: Record<string, string> };

export interface Shape {
  base: 'IdOnly' | 'Default' | 'AllProperties';
  bodyType: 'Best' | 'HTML' | 'Text';
  additional: PropertyPath[];
}

/** FieldURI values that name folder properties (FolderShape). */
const FOLDER_URIS = new Set(['folder:FolderId', 'folder:ParentFolderId', 'folder:DisplayName', 'folder:UnreadCount',
  'folder:TotalCount', 'folder:ChildFolderCount', 'folder:FolderClass', 'folder:SearchParameters', 'folder:ManagedFolderInformation',
  'folder:PermissionSet', 'folder:EffectiveRights', 'folder:SharingEffectiveRights', 'folder:DistinguishedFolderId',
  'folder:PolicyTag', 'folder:ArchiveTag']);

/** Reads one path element (t:FieldURI, t:IndexedFieldURI, t:ExtendedFieldURI). */
export function readPath(e: XmlElement): PropertyPath {
  if (e.local === 'ExtendedFieldURI') return { type: 'extended', uri: readExtendedUri(e) };
  const uri = e.attrs.FieldURI ?? '';
  if (e.local === 'IndexedFieldURI') {
    const part = uri.startsWith('contacts:PhysicalAddress:') ? uri.slice('contacts:PhysicalAddress:'.length) : undefined;
    const base = part ? 'contacts:PhysicalAddress' : uri;
    const idx = INDEXED[base];
    if (!idx || !e.attrs.FieldIndex) throw schemaError(`The '${uri}' value is not a valid indexed FieldURI.`, e.line, e.column);
    return { type: 'indexed', uri: base, container: idx.container, key: e.attrs.FieldIndex, ...(part ? { part } : {}) };
  }
  if (e.local === 'FieldURI') {
    if (FOLDER_URIS.has(uri)) return { type: 'field', uri, element: uri.slice('folder:'.length) };
    const def = fieldByUri(uri);
    if (!def && SCHEMA_FIELD_URIS.has(uri)) return { type: 'field', uri, element: uri.slice(uri.indexOf(':') + 1) };
    if (!def) throw schemaError(`The 'FieldURI' attribute is invalid - The value '${uri}' is invalid according to its datatype.`, e.line, e.column);
    return { type: 'field', uri, element: def.element };
  }
  throw schemaError(`The element '${e.local}' is not a property path.`, e.line, e.column);
}

/** Reads an ItemShape or FolderShape element. */
export function readShape(e: XmlElement | undefined): Shape {
  const base = childText(e, 'BaseShape') ?? 'Default';
  if (!['IdOnly', 'Default', 'AllProperties'].includes(base)) {
    throw schemaError(`The 'BaseShape' element is invalid - The value '${base}' is invalid according to its datatype.`);
  }
  const bodyType = childText(e, 'BodyType') ?? 'Best';
  if (!['Best', 'HTML', 'Text'].includes(bodyType)) {
    throw schemaError(`The 'BodyType' element is invalid - The value '${bodyType}' is invalid according to its datatype.`);
  }
  const additional = (child(e, 'AdditionalProperties')?.children ?? []).map(readPath);
  return { base: base as Shape['base'], bodyType: bodyType as Shape['bodyType'], additional };
}
