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

/** The state letter of /proc/PID/stat (R, S, D, Z, …), or undefined where there is no /proc. */
function linuxProcessState(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "PID (comm) S …": comm may hold spaces and parentheses, so the state follows the last ")".
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) || undefined;
}
