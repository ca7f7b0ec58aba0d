/**
 * File and folder names: which ids are safe to touch, which files are items, and how a new item is named.
 * An id is a plain file name inside its collection folder; anything that could reach outside is refused.
 */
import { createHash } from 'node:crypto';
import { Invalid } from '@dovetail/core/sdk';

/** Characters a generated file name may contain (vdirsyncer and khal accept these everywhere). */
const SAFE_NAME = /^[A-Za-z0-9._@-]+$/;
/** Longest generated base name (ext excluded), well below the usual 255-byte limit. */
const MAX_GENERATED_BASE = 120;
/** Longest id accepted at all, in UTF-8 bytes (NAME_MAX on Linux and macOS). */
const MAX_NAME_BYTES = 255;

/** Why `name` cannot be used as a file or folder name inside the vdir, or undefined when it can. */
export function unsafeNameReason(name: string): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'is empty';
  if (name.includes('\0')) return 'contains a NUL character';
  if (name.includes('/') || name.includes('\\')) return 'contains a path separator';
  if (name === '.' || name === '..') return 'is a relative path';
  if (name.startsWith('.')) return 'starts with a dot (hidden and temporary files are not items)';
  if (process.platform === 'win32' && /[:<>"|?*]/.test(name)) return 'contains a character Windows refuses in file names';
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) return `is longer than ${MAX_NAME_BYTES} bytes`;
  return undefined;
}

/** Throws `Invalid` when `name` (an item or collection id) is not a plain name inside its folder. */
export function assertSafeName(name: string, what: 'item' | 'collection'): void {
  const reason = unsafeNameReason(name);
  if (reason !== undefined) throw new Invalid(`${what} id ${JSON.stringify(name)} ${reason}; refused`);
}

/** True for names that never are items: dotfiles (our temp files included), editor backups and temp files. */
export function isIgnoredFileName(name: string): boolean {
  return name.startsWith('.') || name.endsWith('~') || name.endsWith('.tmp') || name.endsWith('.swp')
    || name.startsWith('#');
}

function hashHex(text: string, length: number): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, length);
}

/**
 * The preferred file name for a new item: the hint, else the UID, when it only holds `[A-Za-z0-9._@-]`
 * (and does not start with a dot); a hash of the UID otherwise. Always ends with `extension`.
 */
export function preferredFileName(extension: string, uid: string, hint?: string): string {
  const ext = extension.toLowerCase();
  for (const candidate of [hint, uid]) {
    if (!candidate) continue;
    const base = candidate.toLowerCase().endsWith(ext) ? candidate.slice(0, -ext.length) : candidate;
    if (base.length > 0 && base.length <= MAX_GENERATED_BASE && SAFE_NAME.test(base) && !base.startsWith('.')) {
      return base + extension;
    }
  }
  return hashHex(uid || hint || String(Math.random()), 32) + extension;
}

/** The n-th alternative (n ≥ 1) when `preferred` is taken: `name-1.ics`, `name-2.ics`, … */
export function alternativeFileName(preferred: string, extension: string, n: number): string {
  const base = preferred.slice(0, preferred.length - extension.length);
  return `${base}-${n}${extension}`;
}

/**
 * The UID given to an item whose file has none: a hash of its file name, so it is the same on every run
 * (no duplicates) and different for every file. Written into the file the next time the item is saved.
 */
export function uidForFileName(fileName: string): string {
  return `dovetail-fs-${hashHex(fileName, 32)}`;
}
