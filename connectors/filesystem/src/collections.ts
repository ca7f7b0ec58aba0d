/**
 * Collections: each direct, non-hidden subfolder of the root. Its optional `displayname` and `color` files
 * (vdirsyncer's metadata, read by khal) name and colour it.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { createExclusive, Invalid, replaceAtomic, type CollectionInfo, type CollectionMetadata, type CollectionSpec, type EntityType } from '@dovetail/core/sdk';
import { componentKinds } from './components.js';
import type { LinkGuard } from './links.js';
import { assertSafeName, isIgnoredFileName } from './names.js';
import { DEFAULT_EXTENSIONS, hasExtension } from './settings.js';
import { errnoCode } from './versions.js';

const ALL_ENTITIES: EntityType[] = ['event', 'task', 'contact'];

/** The trimmed content of a metadata file (`displayname`, `color`), or undefined when absent or empty. */
async function readMeta(dir: string, name: 'displayname' | 'color'): Promise<string | undefined> {
  try {
    const text = (await fsp.readFile(path.join(dir, name), 'utf8')).trim();
    return text.length > 0 ? text : undefined;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'EISDIR') return undefined;
    throw e;
  }
}

/** The folder's own name and colour (its `displayname` and `color` files; a key is left out when its file is). */
export async function readFolderMetadata(dir: string): Promise<CollectionMetadata> {
  const [name, color] = await Promise.all([readMeta(dir, 'displayname'), readMeta(dir, 'color')]);
  return { ...(name !== undefined ? { name } : {}), ...(color !== undefined ? { color } : {}) };
}

/** Writes the `displayname` and/or `color` file (crash-safe: temp file, then rename), as vdirsyncer and khal expect. */
export async function writeFolderMetadata(dir: string, changes: CollectionMetadata): Promise<void> {
  if (changes.name !== undefined) await replaceAtomic(dir, 'displayname', changes.name);
  if (changes.color !== undefined) await replaceAtomic(dir, 'color', changes.color);
}

/** Entity types guessed from a folder's files: by extension, or by content when `fileExtension` is custom. */
async function guessEntities(dir: string, customExtension?: string): Promise<EntityType[]> {
  const names = (await fsp.readdir(dir)).filter((n) => !isIgnoredFileName(n));
  if (customExtension) {
    const sample = names.find((n) => hasExtension(n, customExtension));
    if (sample === undefined) return [...ALL_ENTITIES];
    const kinds = componentKinds(await fsp.readFile(path.join(dir, sample), 'utf8').catch(() => ''));
    if (kinds.has('VCARD')) return ['contact'];
    if (kinds.has('VEVENT') || kinds.has('VTODO')) return ['event', 'task'];
    return [...ALL_ENTITIES];
  }
  const entities = new Set<EntityType>();
  for (const n of names) {
    if (hasExtension(n, DEFAULT_EXTENSIONS.event)) { entities.add('event'); entities.add('task'); }
    if (hasExtension(n, DEFAULT_EXTENSIONS.contact)) entities.add('contact');
  }
  return entities.size > 0 ? ALL_ENTITIES.filter((e) => entities.has(e)) : [...ALL_ENTITIES];
}

/** Describes the collection folder `root/id`. */
export async function describeCollection(root: string, id: string, customExtension?: string): Promise<CollectionInfo> {
  const dir = path.join(root, id);
  const [name, color, entities] = await Promise.all([
    readMeta(dir, 'displayname'), readMeta(dir, 'color'), guessEntities(dir, customExtension),
  ]);
  const info: CollectionInfo = { id, name: name ?? id, entities };
  if (color !== undefined) info.color = color;
  return info;
}

/** Every collection under `root`, sorted by id; linked folders that lead out of the root are left out. */
export async function discoverCollections(root: string, customExtension: string | undefined, links: LinkGuard): Promise<CollectionInfo[]> {
  const entries = await fsp.readdir(root, { withFileTypes: true });
  const ids: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const dir = path.join(root, e.name);
    if (e.isDirectory() || (e.isSymbolicLink() && (await fsp.stat(dir).then((s) => s.isDirectory(), () => false)) && !(await links.collectionRefusal(dir)))) {
      ids.push(e.name);
    }
  }
  ids.sort();
  return Promise.all(ids.map((id) => describeCollection(root, id, customExtension)));
}

/**
 * Creates the collection folder `root/spec.id` with its `displayname` and `color` files. Idempotent: an
 * existing folder is kept, and metadata files that already exist are never overwritten.
 */
export async function createCollectionFolder(root: string, spec: CollectionSpec, customExtension?: string): Promise<CollectionInfo> {
  assertSafeName(spec.id, 'collection');
  const dir = path.join(root, spec.id);
  try {
    await fsp.mkdir(dir);
  } catch (e) {
    if (errnoCode(e) !== 'EEXIST') throw e;
    if (!(await fsp.stat(dir)).isDirectory()) throw new Invalid(`${dir} exists and is not a folder`);
  }
  if (spec.name !== undefined && spec.name !== spec.id) await createExclusive(dir, ['displayname'], spec.name);
  if (spec.color !== undefined) await createExclusive(dir, ['color'], spec.color);
  const info = await describeCollection(root, spec.id, customExtension);
  // A new, empty folder cannot tell its entities yet; report what it was created for.
  const isEmpty = (await fsp.readdir(dir)).every((n) => isIgnoredFileName(n) || n === 'displayname' || n === 'color');
  return isEmpty ? { ...info, entities: [...spec.entities] } : info;
}
