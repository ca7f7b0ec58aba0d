import { createHash } from 'node:crypto';
import { readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { hostname } from 'node:os';
import { hasCode } from './durable-fs.js';
import { createExclusive, removeStaleTempFiles } from '../sdk/atomic-write.js';
import { StateLocked } from './types.js';
import { processStartTicks, recordHolderRunning } from '../sdk/process-alive.js';

/** What a lock file records about its holder. */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** ISO time the lock was taken. */
  startedAt: string;
  /** Where /proc has it: when the holder started, in clock ticks since boot; with the pid it names the process. */
  startTicks?: number;
}

/** A held lock. */
export interface HeldLock {
  readonly holder: LockHolder;
  release(): Promise<void>;
}

/**
 * An unreadable lock or takeover claim younger than this may still be being written by a live process (an older
 * version created it empty first; where there are no hard links it is copied into place).
 */
const WRITE_GRACE_MS = 10_000;
const MAX_ATTEMPTS = 5;

function parseHolder(raw: string): LockHolder | undefined {
  try {
    const value = JSON.parse(raw) as Partial<LockHolder>;
    if (Number.isSafeInteger(value.pid) && (value.pid as number) > 0 && typeof value.hostname === 'string' && typeof value.startedAt === 'string'
      && (value.startTicks === undefined || Number.isSafeInteger(value.startTicks))) {
      return value as LockHolder;
    }
  } catch {
    // falls through: not a lock we can read
  }
  return undefined;
}

/** Whether the holder of a lock or claim still runs: on another host it cannot be checked, so it counts as running. */
function holderRunning(holder: LockHolder): boolean {
  if (holder.hostname !== hostname()) return true;
  return recordHolderRunning({ pid: holder.pid, startedAtMs: Date.parse(holder.startedAt), startTicks: holder.startTicks });
}

function describe(holder: LockHolder): string {
  const host = holder.hostname === hostname() ? '' : ` on host ${holder.hostname}`;
  return `pid ${holder.pid}${host} since ${holder.startedAt}`;
}

/**
 * Creates `file` with `content` only if it does not exist; false when it does. The SDK writes the content to a temp
 * file, fsyncs it and hard-links it into place, so the file appears whole: a process killed at any point never leaves
 * an empty or half-written lock that others must wait out.
 */
async function createWhole(file: string, content: string): Promise<boolean> {
  return (await createExclusive(path.dirname(file), [path.basename(file)], content)) !== undefined;
}

async function readIfPresent(file: string): Promise<{ raw: string; mtimeMs: number } | undefined> {
  try {
    const [raw, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    return { raw, mtimeMs: info.mtimeMs };
  } catch (error) {
    if (hasCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

/**
 * Removes a stale lock whose content is `staleRaw`. The removal is guarded by an exclusive claim
 * named after that content, so of several processes finding the same stale lock only one removes
 * it, and it re-reads the lock under the claim so a fresh lock taken meanwhile is never removed.
 * The claim records its maker as a lock does (`claimRaw`): a claim left by a process of this host that
 * died mid-takeover (SIGKILL) is removed at once, not after the grace period, so it never blocks the
 * next runs; a claim that cannot be read (being written, or left by an older version that wrote a bare
 * pid) waits out the grace period.
 */
async function removeStale(file: string, staleRaw: string, claimRaw: string, pairing: string): Promise<void> {
  const claim = `${file}.takeover-${createHash('sha1').update(staleRaw).digest('hex').slice(0, 16)}`;
  if (!(await createWhole(claim, claimRaw))) {
    const existing = await readIfPresent(claim);
    if (!existing) return; // that takeover has finished: try again
    const claimer = parseHolder(existing.raw);
    const abandoned = claimer ? !holderRunning(claimer) : Date.now() - existing.mtimeMs > WRITE_GRACE_MS;
    if (abandoned) {
      await unlink(claim).catch(() => undefined); // left by a process that died mid-takeover
      return;
    }
    throw new StateLocked(pairing, 'another process is taking over a stale lock');
  }
  try {
    const current = await readIfPresent(file);
    if (current?.raw === staleRaw) await unlink(file);
  } finally {
    await unlink(claim).catch(() => undefined);
  }
}

/**
 * Takes the exclusive lock `file` for `pairing`. A lock held by a live process (or by any process on
 * another host, which cannot be checked) throws `StateLocked` naming it; a lock left by a dead
 * process on this host (e.g. after SIGKILL, also while it is a zombie not yet reaped, or whose pid another process
 * has since, as in a container restarted after a kill) is stale and taken over.
 */
export async function acquireLock(file: string, pairing: string): Promise<HeldLock> {
  const startTicks = processStartTicks(process.pid);
  const holder: LockHolder = {
    pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), ...(startTicks === undefined ? {} : { startTicks }),
  };
  const raw = JSON.stringify(holder);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    if (await createWhole(file, raw)) {
      await removeStaleTempFiles(path.dirname(file)); // those of takers killed before they linked theirs
      return heldLock(file, holder, raw);
    }
    const existing = await readIfPresent(file);
    if (!existing) continue; // released meanwhile
    const other = parseHolder(existing.raw);
    if (!other) {
      if (Date.now() - existing.mtimeMs < WRITE_GRACE_MS) {
        throw new StateLocked(pairing, `a process that is still writing ${file}`);
      }
    } else if (holderRunning(other)) {
      throw new StateLocked(pairing, describe(other));
    }
    await removeStale(file, existing.raw, raw, pairing);
  }
  throw new StateLocked(pairing, `lock ${file} is contended; retry`);
}

function heldLock(file: string, holder: LockHolder, raw: string): HeldLock {
  let released = false;
  return {
    holder,
    async release() {
      if (released) return;
      released = true;
      const current = await readIfPresent(file);
      if (current?.raw === raw) await unlink(file);
    },
  };
}
