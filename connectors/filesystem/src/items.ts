/**
 * Reading and writing the item files of one collection folder: load with per-item errors, and creates,
 * conditional updates and deletes that are atomic and never clobber.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import {
  createExclusiveFile, decodeText, Invalid, mapLimit, NotFound, PreconditionFailed, replaceAtomic, Unavailable,
  type EntityType, type LoadResult, type WriteOp, type WriteResult,
} from '@dovetail/core/sdk';
import { toDovetailError } from './fs-errors.js';
import { parseItemFile, serializeItem } from './item-codec.js';
import { alternativeFileName, assertSafeName, preferredFileName } from './names.js';
import { extensionFor, type FilesystemSettings } from './settings.js';
import { READ_NO_FOLLOW, type LinkGuard } from './links.js';
import { currentVersion, versionOf } from './versions.js';

/** Files read in parallel while loading. */
const LOAD_CONCURRENCY = 32;
/** Ops applied in parallel while writing (ops on the same id still run in order). */
const WRITE_CONCURRENCY = 8;
/** Numbered alternatives tried when a new item's preferred file name is taken. */
const NAME_ATTEMPTS = 100;

/**
 * Reads one file's bytes and its version from the same open handle, so the version matches the content. The file
 * is opened without following a link, so one swapped in after the checks is refused, not read.
 */
async function readWithVersion(file: string): Promise<{ bytes: Buffer; version: string }> {
  const handle = await fsp.open(file, READ_NO_FOLLOW);
  try {
    const stat = await handle.stat({ bigint: true });
    if (!stat.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
    return { bytes: await handle.readFile(), version: versionOf(stat) };
  } finally {
    await handle.close();
  }
}

/**
 * Loads `ids` from the folder `dir` as items of `entity`; one result per id, in order. Files that are not UTF-8
 * are read in their own charset (see the SDK's `decodeText`; `charset` is the folder's fallback); a file that
 * cannot be read without damage fails alone.
 */
export async function loadItems(dir: string, collection: string, ids: string[], entity: EntityType, links: LinkGuard, charset?: string): Promise<LoadResult[]> {
  return mapLimit(ids, LOAD_CONCURRENCY, async (id): Promise<LoadResult> => {
    const file = path.join(dir, id);
    try {
      assertSafeName(id, 'item');
      const where = await links.item(file);
      if ('refused' in where) return { ok: false, id, error: new Invalid(where.refused) };
      const { bytes, version } = await readWithVersion(where.path);
      const { text } = decodeText(bytes, { name: id, fallback: charset });
      return { ok: true, id, version, item: parseItemFile(text, id, entity, file) };
    } catch (e) {
      const error = toDovetailError(e, 'read', file);
      if (error.code === 'NotFound') return { ok: false, id, error: new NotFound(`item ${id} not found in collection ${collection}`) };
      return { ok: false, id, error };
    }
  });
}

/** The version of `file` now; NotFound when gone, PreconditionFailed when it differs from `expected`. */
async function checkVersion(file: string, id: string, expected?: string): Promise<string> {
  const now = await currentVersion(file);
  if (now === undefined) throw new NotFound(`item ${id} does not exist`);
  if (expected !== undefined && now !== expected) {
    throw new PreconditionFailed(`item ${id} changed since it was read (expected version ${expected}, found ${now})`);
  }
  return now;
}

/** Candidate names for a new item: preferred, then numbered alternatives. */
function* candidateNames(preferred: string, extension: string): Generator<string> {
  yield preferred;
  for (let n = 1; n <= NAME_ATTEMPTS; n++) yield alternativeFileName(preferred, extension, n);
}

/** Told of each file a create or update wrote: its name in the folder, its version after the write, its content. */
export type OnStored = (name: string, version: string, content: string) => void | Promise<void>;

async function applyOp(dir: string, op: WriteOp, settings: FilesystemSettings, links: LinkGuard, onStored?: OnStored): Promise<WriteResult> {
  if (op.op === 'create') {
    const extension = extensionFor(settings, op.item.type);
    const content = serializeItem(op.item, settings.vcardVersion);
    const preferred = preferredFileName(extension, op.item.uid, op.hint);
    const created = await createExclusiveFile(dir, candidateNames(preferred, extension), content);
    if (created === undefined) throw new Unavailable(`no free file name near ${preferred} in ${dir}`);
    // The version of the content written (another writer's later change is then seen as a change).
    const version = versionOf(created.stat);
    await onStored?.(created.name, version, content);
    return { ok: true, id: created.name, version };
  }
  assertSafeName(op.id, 'item');
  const file = path.join(dir, op.id);
  // A link is never overwritten: refused, or (inside-root) its target is written and the link stays.
  const where = await links.item(file);
  if ('refused' in where) throw new Invalid(`${where.refused}; not changed`);
  if (op.op === 'update') {
    await checkVersion(where.path, op.id, op.ifVersion);
    const content = serializeItem(op.item, settings.vcardVersion);
    const written = await replaceAtomic(path.dirname(where.path), path.basename(where.path), content, async () => {
      if (where.link !== (await fsp.lstat(file)).isSymbolicLink()) throw new PreconditionFailed(`item ${op.id} was replaced since it was read`);
      await checkVersion(where.path, op.id, op.ifVersion);
    });
    const version = versionOf(written);
    await onStored?.(op.id, version, content);
    return { ok: true, id: op.id, version };
  }
  await checkVersion(where.path, op.id, op.ifVersion);
  await fsp.unlink(file); // the item's file, or its link (never the link's target)
  return { ok: true, id: op.id };
}

function opFile(dir: string, op: WriteOp): string {
  return op.op === 'create' ? dir : path.join(dir, op.id);
}

/**
 * Applies `ops` to the folder `dir`; one result per op, in order. Independent ops run a few at a time;
 * ops on the same id run in the order given. Once `signal` aborts, the remaining ops are not attempted. `onStored` is
 * told of each file written.
 */
export async function writeItems(
  dir: string, ops: WriteOp[], settings: FilesystemSettings, links: LinkGuard, signal?: AbortSignal, onStored?: OnStored,
): Promise<WriteResult[]> {
  const previousOnId = new Map<string, Promise<unknown>>();
  return mapLimit(ops, WRITE_CONCURRENCY, async (op): Promise<WriteResult> => {
    const run = async (): Promise<WriteResult> => {
      if (signal?.aborted) return { ok: false, error: new Unavailable('cancelled before this write was attempted') };
      try {
        return await applyOp(dir, op, settings, links, onStored);
      } catch (e) {
        return { ok: false, error: toDovetailError(e, op.op === 'delete' ? 'delete' : 'write', opFile(dir, op)) };
      }
    };
    if (op.op === 'create') return run();
    const result = (previousOnId.get(op.id) ?? Promise.resolve()).then(run);
    previousOnId.set(op.id, result);
    return result;
  });
}
