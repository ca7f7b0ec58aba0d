/**
 * One vdir file ⇄ one canonical entity, via the SDK's single-resource codec. A file without any UID gets
 * one derived from its file name (see `uidForFileName`), so it is stable across runs.
 */
import { parseSingleItem, serializeSingleItem, withFallbackUid, type Entity, type EntityType } from '@dovetail/core/sdk';
import { uidForFileName } from './names.js';

export { structureProblem } from '@dovetail/core/sdk';

/** `text` with a `UID:` line (derived from the file name) added to each item when the text has no UID at all. */
export function withDerivedUid(text: string, fileName: string): string {
  return withFallbackUid(text, uidForFileName(fileName));
}

/**
 * Parses the content of vdir file `fileName` into the one `entity` item it holds; throws `Invalid` otherwise, naming
 * the file as `shownAs` (its full path, so a person finds it).
 */
export function parseItemFile(text: string, fileName: string, entity: EntityType, shownAs = fileName): Entity {
  return parseSingleItem(text, { name: shownAs, entity, fallbackUid: uidForFileName(fileName) });
}

/** The file content for `item`; throws `Invalid` when the codec refuses it. */
export function serializeItem(item: Entity, vcardVersion?: '3.0' | '4.0'): string {
  return serializeSingleItem(item, vcardVersion);
}
