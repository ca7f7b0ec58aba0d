import { open, readFile, truncate } from 'node:fs/promises';
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

/** The newest `limit` runs of a history file, newest first. Safe to call while another process appends. */
export async function readRuns(file: string, limit = RUNS_KEPT): Promise<RunRecord[]> {
  const { runs } = await parseRuns(file);
  return runs.slice(Math.max(0, runs.length - limit)).reverse();
}

/** Appends runs to `runs.jsonl` durably; trims it to the newest `RUNS_KEPT` once it holds twice as many. */
export class RunHistoryWriter {
  private lines: number | undefined;

  constructor(readonly file: string) {}

  async append(run: RunRecord): Promise<void> {
    const problem = runProblem(run);
    if (problem) throw new TypeError(`invalid run record: ${problem}`);
    if (this.lines === undefined) {
      const parsed = await parseRuns(this.file);
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
    const { runs } = await parseRuns(this.file);
    const kept = runs.slice(Math.max(0, runs.length - RUNS_KEPT));
    await new TextFile(this.file).write(kept.map((run) => `${JSON.stringify(run)}\n`).join(''));
    await syncFile(this.file);
    this.lines = kept.length;
  }
}
