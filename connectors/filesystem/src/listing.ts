/**
 * Lists the item files of one collection folder with their versions: one readdir, then one synchronous `lstat` per
 * file in batches that yield to the event loop between them. When the extension is shared by several entity types
 * (`.ics` holds events and tasks) each file's components are sniffed, cached by version in the endpoint's connector
 * cache, so a listing reads only files that changed since the last one (of this run or an earlier one).
 */
import { lstatSync, promises as fsp, type BigIntStats } from 'node:fs';
import path from 'node:path';
import { mapLimit, nextTurn, type EntityType, type ItemRef } from '@dovetail/core/sdk';
import type { ComponentCache } from './component-cache.js';
import { holdsEntity, type ComponentKind } from './components.js';
import { isIgnoredFileName } from './names.js';
import { hasExtension } from './settings.js';
import type { LinkGuard } from './links.js';
import { errnoCode, versionOf } from './versions.js';

/** Parallel link stats and sniffs in flight while listing. */
const LIST_CONCURRENCY = 64;

/**
 * Files `lstat`ed synchronously per turn of the event loop. A synchronous `lstat` costs a third of the CPU of one
 * through libuv's thread pool (5,000 files: 42–66 ms against 140–190 ms here); a batch blocks the loop ~2–4 ms, so a
 * service running other pairings (or a request in flight) waits at most that long.
 */
const STAT_BATCH = 256;

export interface ListFilesOptions {
  extension: string;
  entity: EntityType;
  /** Sniff file contents to keep only files holding `entity` (needed when the extension is shared). */
  sniff: boolean;
  cache: ComponentCache;
  links: LinkGuard;
}

/** Components of a file; an unreadable file counts as "unknown" so it is listed and its load reports why. */
async function sniff(cache: ComponentCache, dir: string, name: string, file: string, version: string): Promise<ReadonlySet<ComponentKind>> {
  try {
    return await cache.kindsOf(dir, name, file, version);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') throw e;
    return new Set();
  }
}

/** The listing entry of `name` from its own `lstat` (undefined: not an item file, or deleted since the readdir). */
async function itemRef(dir: string, name: string, own: BigIntStats | undefined, options: ListFilesOptions): Promise<ItemRef | undefined> {
  if (own === undefined) return undefined; // deleted since the readdir
  const file = path.join(dir, name);
  try {
    // One stat for a file that is not a link (its lstat is its stat); a link goes through the guard.
    const where = own.isSymbolicLink() ? await options.links.item(file) : { path: file };
    // A refused link is listed (by the link's own stat, never its target's) so that loading it reports why.
    if ('refused' in where) return { id: name, version: `link:${versionOf(own)}` };
    const stat = own.isSymbolicLink() ? await fsp.stat(where.path, { bigint: true }) : own;
    if (!stat.isFile()) return undefined;
    const version = versionOf(stat);
    if (options.sniff && !holdsEntity(await sniff(options.cache, dir, name, where.path, version), options.entity)) return undefined;
    return { id: name, version };
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined; // deleted while listing
    throw e;
  }
}

/** Item files of the folder `dir` (not recursive), sorted by name; a file that vanishes mid-listing is skipped. */
export async function listItemFiles(dir: string, options: ListFilesOptions): Promise<ItemRef[]> {
  const entries = await fsp.readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && !isIgnoredFileName(e.name) && hasExtension(e.name, options.extension))
    .map((e) => e.name)
    .sort();
  const refs: (ItemRef | undefined)[] = [];
  const known = options.sniff ? await options.cache.lookup(dir) : undefined;
  // A batch of synchronous stats per turn of the event loop, each batch finished (links, sniffing) before the next
  // is stated: only one batch's stats are held at a time (a BigIntStats is ~1 KB; 100,000 of them would be 100 MB).
  // The common case (a plain file whose components the cache knows at this version) is settled at once; only links
  // and files to be read go through `itemRef`, a promise each (a profile of 5,000 unchanged files: the listing took
  // 165 ms of CPU with a promise per file, 129 ms without, ~90 ms of it the stats).
  for (let from = 0; from < names.length; from += STAT_BATCH) {
    if (from > 0) await nextTurn();
    const batch = names.slice(from, from + STAT_BATCH);
    const rest: { name: string; stat: BigIntStats | undefined; at: number }[] = [];
    for (const name of batch) {
      const stat = lstatSync(path.join(dir, name), { bigint: true, throwIfNoEntry: false });
      if (stat?.isFile()) {
        const version = versionOf(stat);
        const kinds = known?.(name, version);
        if (!known || kinds) {
          if (!kinds || holdsEntity(kinds, options.entity)) refs.push({ id: name, version });
          continue;
        }
      } else if (stat && !stat.isSymbolicLink()) {
        continue; // neither a file nor a link (any more)
      }
      rest.push({ name, stat, at: refs.push(undefined) - 1 });
    }
    const resolved = await mapLimit(rest, LIST_CONCURRENCY, (r) => itemRef(dir, r.name, r.stat, options));
    rest.forEach((r, i) => { refs[r.at] = resolved[i]; });
  }
  if (options.sniff) await options.cache.commit(dir, new Set(names));
  return refs.filter((r): r is ItemRef => r !== undefined);
}
