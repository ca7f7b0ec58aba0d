import { open, readFile, rename, truncate } from 'node:fs/promises';
import { TextFile } from 'lowdb/node';
import { hasCode, syncFile, writeFully } from './durable-fs.js';
import { StateCorrupt, type RunRecord } from './types.js';

/** Runs kept after trimming `runs.jsonl`. */
export const RUNS_KEPT = 200;

function runProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const run = value as Record<string, unknown>;
  if (typeof run.pairing !== 'string') return 'pairing is not a string';
  if (typeof run.startedAt !== 'string') return 'startedAt is not a string';
  if (typeof run.ok !== 'boolean') return 'ok is not a boolean';
  return undefined;
}

interface RunLines {
  runs: RunRecord[];
  /** Bytes of complete lines; anything after is a torn append. */
  validBytes: number;
  totalBytes: number;
}

/** Parses `runs.jsonl`: a bad last line is a torn append and ignored; a bad line before it is corruption. */
async function parseRuns(file: string): Promise<RunLines> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (hasCode(error, 'ENOENT')) return { runs: [], validBytes: 0, totalBytes: 0 };
    throw error;
  }
  const runs: RunRecord[] = [];
  let start = 0;
  let validBytes = 0;
  let lineNumber = 0;
  while (start < text.length) {
    lineNumber += 1;
    const newline = text.indexOf('\n', start);
    const isLast = newline === -1 || newline === text.length - 1;
    let problem: string | undefined = newline === -1 ? 'unterminated line' : undefined;
    let value: unknown;
    if (!problem) {
      try {
        value = JSON.parse(text.slice(start, newline));
        problem = runProblem(value);
      } catch (error) {
        problem = `invalid JSON (${(error as Error).message})`;
      }
    }
    if (problem) {
      if (isLast) break;
      throw new StateCorrupt(file, `line ${lineNumber}: ${problem}`);
    }
    runs.push(value as RunRecord);
    validBytes += Buffer.byteLength(text.slice(start, newline + 1), 'utf8');
    start = newline + 1;
  }
  return { runs, validBytes, totalBytes: Buffer.byteLength(text, 'utf8') };
}

/** Told when a corrupt history file was set aside (the message names both files). */
export type HistoryWarning = (message: string) => void;

/**
 * Moves a corrupt history file out of the way (`runs.jsonl.corrupt-<UTC time>`) so syncing goes on with a fresh
 * history: run history is a record, not sync state, and must never block a run. Another process may have
 * moved it already; that is fine.
 */
async function setAside(file: string, error: StateCorrupt, warn: HistoryWarning): Promise<void> {
  const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  try {
    await rename(file, aside);
  } catch (e) {
    if (!hasCode(e, 'ENOENT')) throw e;
    return;
  }
  warn(`${error.message.replace(/\. Restore it .*$/, '')}; moved it to ${aside} and started a new run history`);
}

/** Parses the history; a corrupt file is set aside (with a warning) and reads as empty. */
async function parseOrSetAside(file: string, warn: HistoryWarning): Promise<RunLines> {
  try {
    return await parseRuns(file);
  } catch (error) {
    if (!(error instanceof StateCorrupt)) throw error;
    await setAside(file, error, warn);
    return { runs: [], validBytes: 0, totalBytes: 0 };
  }
}

const warnOnStderr: HistoryWarning = (message) => process.emitWarning(message, 'DovetailWarning');

/**
 * The newest `limit` runs of a history file, newest first. Safe to call while another process appends.
 * A corrupt file is set aside and `warn` is told (default: a process warning on stderr).
 */
export async function readRuns(file: string, limit = RUNS_KEPT, warn: HistoryWarning = warnOnStderr): Promise<RunRecord[]> {
  const { runs } = await parseOrSetAside(file, warn);
  return runs.slice(Math.max(0, runs.length - limit)).reverse();
}

/**
 * Appends runs to `runs.jsonl` durably; trims it to the newest `RUNS_KEPT` once it holds twice as many.
 * A corrupt file is set aside with a warning and a new history is started.
 */
export class RunHistoryWriter {
  private lines: number | undefined;

  constructor(readonly file: string, private readonly warn: HistoryWarning = warnOnStderr) {}

  async append(run: RunRecord): Promise<void> {
    const problem = runProblem(run);
    if (problem) throw new TypeError(`invalid run record: ${problem}`);
    if (this.lines === undefined) {
      const parsed = await parseOrSetAside(this.file, this.warn);
      if (parsed.validBytes !== parsed.totalBytes) await truncate(this.file, parsed.validBytes);
      this.lines = parsed.runs.length;
    }
    const handle = await open(this.file, 'a');
    try {
      await writeFully(handle, Buffer.from(`${JSON.stringify(run)}\n`, 'utf8'));
      await handle.datasync();
    } finally {
      await handle.close();
    }
    this.lines += 1;
    if (this.lines > 2 * RUNS_KEPT) await this.trim();
  }

  /** Rewrites the history with its newest runs (atomically: lowdb's temp file + rename). */
  private async trim(): Promise<void> {
    const { runs } = await parseOrSetAside(this.file, this.warn);
    const kept = runs.slice(Math.max(0, runs.length - RUNS_KEPT));
    await new TextFile(this.file).write(kept.map((run) => `${JSON.stringify(run)}\n`).join(''));
    await syncFile(this.file);
    this.lines = kept.length;
  }
}
