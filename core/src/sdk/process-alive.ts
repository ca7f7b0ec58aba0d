/**
 * Whether a process still runs: used to tell a lock or a temp file left by a dead run from one a live run holds.
 * A process that was killed but not yet reaped by its parent (a zombie, `Z` in /proc/PID/stat) runs no code and
 * holds nothing: it counts as dead.
 */
import { readFileSync } from 'node:fs';

/** True unless the process is gone, or on Linux a zombie (killed, not yet reaped) or dead. */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const state = linuxProcessState(pid);
  return state !== 'Z' && state !== 'X' && state !== 'x';
}

/**
 * The fields of /proc/PID/stat after "PID (comm)": [0] is the state letter (R, S, D, Z, …; field 3), [19] the start
 * time in clock ticks since boot (field 22). Undefined where there is no /proc (or no such process). comm may hold
 * spaces and parentheses, so the fields follow the last ")".
 */
function procStatFields(pid: number): string[] | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The state letter of /proc/PID/stat, or undefined where there is no /proc. */
function linuxProcessState(pid: number): string | undefined {
  return procStatFields(pid)?.[0] || undefined;
}

/**
 * When `pid` started, in clock ticks since boot (field 22 of /proc/PID/stat): with the pid, it names one process
 * for as long as the machine runs. Undefined where there is no /proc (or no such process).
 */
export function processStartTicks(pid: number): number | undefined {
  const field = procStatFields(pid)?.[19];
  const ticks = field === undefined ? NaN : Number(field);
  return Number.isSafeInteger(ticks) ? ticks : undefined;
}

/** What a lock or claim records about the process that made it. */
export interface ProcessRecord {
  pid: number;
  /** Epoch ms when it made the record. */
  startedAtMs: number;
  /** Its `processStartTicks`, where /proc has it. */
  startTicks?: number;
}

/**
 * Whether the process that made `record` (on this host) still runs. Its pid alone is not enough: a container
 * restarted after a kill gives its first processes the same pids again, so a lock's dead holder can share its pid
 * with a live process, or with the very process asking. Where the record has a start time in ticks it must match
 * the live process's; without one (written on a system without /proc, or by an older version), a record made
 * before this process started cannot be this process's own.
 */
export function recordHolderRunning(record: ProcessRecord): boolean {
  if (record.startTicks !== undefined) {
    const ticks = processStartTicks(record.pid);
    if (ticks !== undefined) return ticks === record.startTicks && processRunning(record.pid);
  }
  if (record.pid === process.pid) return !(record.startedAtMs < performance.timeOrigin - SAME_PID_CLOCK_MARGIN_MS);
  return processRunning(record.pid);
}

/** Allows for a step of the wall clock between this process's start and its taking a lock. */
const SAME_PID_CLOCK_MARGIN_MS = 1_000;
