/**
 * Item versions: `mtimeNs:size:inode` from a bigint stat. Nanosecond mtimes survive fast successive writes,
 * the size catches most same-tick edits, and the inode changes on every atomic (rename) write, ours or an editor's.
 */
import { promises as fsp, type BigIntStats } from 'node:fs';

/**
 * The version string of a file's stat, built by `join` as one flat string: a template literal would make a rope of
 * its five parts, about four times the memory, and a listing keeps one version per file (100,000 in a large folder).
 */
export function versionOf(stat: BigIntStats): string {
  return [stat.mtimeNs, stat.size, stat.ino].join(':');
}

/** The current version of the file at `file`, or undefined when it does not exist. */
export async function currentVersion(file: string): Promise<string | undefined> {
  try {
    return versionOf(await fsp.stat(file, { bigint: true }));
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** The `code` of a Node system error (`ENOENT`, `EEXIST`, …), if any. */
export function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string'
    ? (e as { code: string }).code : undefined;
}
