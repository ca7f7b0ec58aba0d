/**
 * Crash-safe file writes for connectors that keep items in local files (the local-folder connector's item
 * files, the iCal feed connector's published feed). Content always goes to a hidden temp file in the target's
 * folder first and is fsynced, so readers only ever see the old file or the complete new one, never a partial
 * write. Temp files are named `.<target>.<pid>.<random>.tmp`: a connector listing a folder should skip dotfiles, and
 * can remove those a killed run left behind with `removeStaleTempFiles`.
 */
import { close, constants as fsConstants, fstatSync, fsync, open, promises as fsp, write, type BigIntStats } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { processRunning } from './process-alive.js';

/** Errors from `link` that mean "this filesystem has no hard links" rather than "name taken". */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/** A hidden temp file name beside `target` (same folder, so the final rename is atomic). */
function tempFileName(target: string): string {
  return `.${target.slice(0, 64)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
}

/** Our temp file names: `.<target>.<pid>.<random>.tmp`, the writer's pid in group 2. */
const TEMP_NAME = /^\.(.+)\.(\d+)\.[a-z0-9]{1,10}\.tmp$/;
/** A temp file this old is left over whatever its pid says (the pid may have been reused); a write takes milliseconds. */
const TEMP_MAX_AGE_MS = 3_600_000;

/**
 * Removes the temp files a killed run left in `dir` (a run killed between writing a temp file and renaming it):
 * those whose writer process no longer runs, or that are older than an hour. `forTarget` limits it to the temp
 * files of one target name (a folder shared with other files). Returns the names removed; never throws.
 */
export async function removeStaleTempFiles(dir: string, forTarget?: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || (forTarget !== undefined && m[1] !== forTarget.slice(0, 64))) continue;
    const pid = Number(m[2]);
    const file = path.join(dir, name);
    try {
      const stat = await fsp.lstat(file);
      if (!stat.isFile()) continue;
      const stale = (pid !== process.pid && !processRunning(pid)) || Date.now() - stat.mtimeMs > TEMP_MAX_AGE_MS;
      if (!stale) continue;
      await fsp.unlink(file);
      removed.push(name);
    } catch {
      // gone meanwhile, or not ours to remove
    }
  }
  return removed;
}

function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string'
    ? (e as { code: string }).code : undefined;
}

/** Removes `file`; gone already is fine. */
async function removeIfPresent(file: string): Promise<void> {
  try {
    await fsp.unlink(file);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
  }
}

// File descriptors rather than FileHandles: a FileHandle costs the event loop about twice as much per call, which
// shows when a run writes thousands of small files.
const openFd = promisify(open);
const writeFd = promisify(write);
const fsyncFd = promisify(fsync);
const closeFd = promisify(close);

/**
 * Writes `content` to a new hidden temp file beside `target` and fsyncs it; returns its path and its stat as
 * written (bigint). The stat is taken from the open file (`fstat` of an inode just written asks nothing of the
 * disk, so it is taken synchronously): a link or a rename keeps the inode, size and mtime it reports.
 */
async function writeTempFile(dir: string, target: string, content: string | Iterable<string>, mode: number): Promise<{ temp: string; stat: BigIntStats }> {
  const temp = path.join(dir, tempFileName(target));
  const fd = await openFd(temp, 'wx', mode);
  let stat: BigIntStats;
  try {
    for (const piece of typeof content === 'string' ? [content] : content) {
      const bytes = Buffer.from(piece, 'utf8');
      for (let at = 0; at < bytes.length;) at += (await writeFd(fd, bytes, at, bytes.length - at)).bytesWritten;
    }
    await fsyncFd(fd);
    stat = fstatSync(fd, { bigint: true });
  } catch (e) {
    await closeFd(fd).catch(() => undefined);
    await removeIfPresent(temp);
    throw e;
  }
  await closeFd(fd);
  return { temp, stat };
}

/** A file written by `createExclusiveFile` or `replaceAtomic`: its name and its stat as written (bigint). */
export interface WrittenFile {
  name: string;
  stat: BigIntStats;
}

/**
 * Creates a file holding `content` under the first of `names` that is free in `dir`: one temp file, then a
 * hard link to each candidate in turn (atomic, never clobbers). Returns the name used, or undefined when every
 * candidate was taken. On filesystems without hard links it falls back to an exclusive copy (still never clobbers).
 */
export async function createExclusive(dir: string, names: Iterable<string>, content: string): Promise<string | undefined> {
  return (await createExclusiveFile(dir, names, content))?.name;
}

/** `createExclusive`, also giving the stat of the file created (its version without another `stat`). */
export async function createExclusiveFile(dir: string, names: Iterable<string>, content: string): Promise<WrittenFile | undefined> {
  const candidates = [...names];
  if (candidates.length === 0) return undefined;
  const { temp, stat } = await writeTempFile(dir, candidates[0], content, 0o666);
  try {
    for (const name of candidates) {
      const placed = await placeWithoutClobbering(temp, path.join(dir, name));
      if (placed === 'linked') return { name, stat };
      if (placed === 'copied') return { name, stat: await fsp.stat(path.join(dir, name), { bigint: true }) };
    }
    return undefined;
  } finally {
    await removeIfPresent(temp);
  }
}

/**
 * Gives `temp`'s content the name `target` unless `target` exists: `linked` (the same inode), `copied` (a new one,
 * where the filesystem has no hard links), or false when `target` exists.
 */
async function placeWithoutClobbering(temp: string, target: string): Promise<'linked' | 'copied' | false> {
  try {
    await fsp.link(temp, target);
    return 'linked';
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'EEXIST') return false;
    if (code === undefined || !NO_HARD_LINKS.has(code)) throw e;
  }
  try {
    await fsp.copyFile(temp, target, fsConstants.COPYFILE_EXCL);
    return 'copied';
  } catch (e) {
    if (errnoCode(e) === 'EEXIST') return false;
    throw e;
  }
}

/**
 * Atomically replaces `dir/name` with `content` (temp file, fsync, rename), keeping the old file's
 * permission bits. `content` may be given in pieces (an iterable of strings, each written as it comes), so a large
 * file is never one string; if the iterable throws, the temp file is removed and the old file stays as it was.
 * `beforeRename` runs after the new content is safely on disk and right before the rename,
 * so a precondition checked there leaves the smallest window; if it throws, nothing changes. Returns the stat of
 * the file as written (bigint).
 */
export async function replaceAtomic(
  dir: string, name: string, content: string | Iterable<string>, beforeRename?: () => Promise<void>,
): Promise<BigIntStats> {
  const target = path.join(dir, name);
  const mode = await fsp.stat(target).then((s) => s.mode & 0o7777, () => 0o666);
  const { temp, stat } = await writeTempFile(dir, name, content, mode);
  try {
    if (beforeRename) await beforeRename();
    await fsp.rename(temp, target);
  } catch (e) {
    await removeIfPresent(temp);
    throw e;
  }
  return stat;
}

/** Flushes a folder's entries (new names, renames, unlinks) to disk; best effort where unsupported. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch {
    // Some platforms and filesystems cannot fsync a directory; the file data itself is already synced.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
