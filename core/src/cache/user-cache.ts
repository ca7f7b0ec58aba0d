/**
 * Dovetail's per-user cache folder (`$XDG_CACHE_HOME/dovetail`, else `~/.cache/dovetail`) and a best-effort atomic
 * write into it. Everything in it can be rebuilt: a missing, unreadable or unwritable cache only costs time.
 */
import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** The cache folder, or undefined when there is no home to put it in. Read from the environment on each call. */
export function userCacheDir(): string | undefined {
  const xdg = process.env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'dovetail');
  let home: string;
  try { home = os.homedir(); } catch { return undefined; }
  return home ? path.join(home, '.cache', 'dovetail') : undefined;
}

/**
 * Writes `text` to `file` through a temporary file and a rename, so a reader sees the old file or the whole new one,
 * never half of it; creates the folder when needed. Private (the default: folder 0700, file 0600) for the user cache;
 * `shared` for build output that every user of an installation reads. Returns false instead of throwing when it cannot.
 */
export function writeFileAtomicSync(file: string, text: string, access: 'private' | 'shared' = 'private'): boolean {
  const shared = access === 'shared';
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: shared ? 0o755 : 0o700 });
    writeFileSync(tmp, text, { mode: shared ? 0o644 : 0o600 });
    renameSync(tmp, file);
    return true;
  } catch {
    try { unlinkSync(tmp); } catch { /* never written */ }
    return false;
  }
}
