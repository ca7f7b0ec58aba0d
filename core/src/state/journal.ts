import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { hasCode, syncDirectory, writeFully } from './durable-fs.js';
import { metaProblem, relationProblem } from './state-shape.js';
import { StateCorrupt, type PairingMeta, type Relation } from './types.js';
import path from 'node:path';

/** One committed batch as journaled: `unset` lists meta keys the batch cleared. */
export interface JournalBatch {
  put?: Relation[];
  delete?: string[];
  meta?: Partial<PairingMeta>;
  unset?: string[];
}

/** A journal line: the batch and its sequence number (consecutive across snapshot and journal). */
export interface JournalEntry {
  seq: number;
  batch: JournalBatch;
}

/** What a journal file holds: its good entries, how many bytes they span, and how many torn bytes follow. */
export interface JournalContents {
  entries: JournalEntry[];
  validBytes: number;
  tornBytes: number;
  /** Why the torn tail could not be read (`unterminated line`, `checksum mismatch`, …), when there is one. */
  tornReason?: string;
}

/**
 * Line format: `{"seq":N,"crc":"xxxxxxxx","batch":<payload>}` — valid JSON whose checksum (CRC-32)
 * covers the exact payload bytes, so a line is verified without re-serialising it.
 */
const LINE = /^\{"seq":(\d+),"crc":"([0-9a-f]{8})","batch":(.*)\}$/s;

function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}

/** Encodes one journal line, newline included, from the batch's JSON text. */
export function encodeJournalLine(seq: number, batchJson: string): Buffer {
  const payload = Buffer.from(batchJson, 'utf8');
  const head = Buffer.from(`{"seq":${seq},"crc":"${hex(crc32(payload))}","batch":`, 'utf8');
  return Buffer.concat([head, payload, Buffer.from('}\n', 'utf8')]);
}

function batchProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'batch is not an object';
  const batch = value as Record<string, unknown>;
  if (batch.put !== undefined) {
    if (!Array.isArray(batch.put)) return 'put is not an array';
    for (const relation of batch.put) {
      const problem = relationProblem(relation);
      if (problem) return problem;
    }
  }
  for (const list of ['delete', 'unset'] as const) {
    if (batch[list] !== undefined && (!Array.isArray(batch[list]) || !(batch[list] as unknown[]).every((k) => typeof k === 'string'))) {
      return `${list} is not an array of strings`;
    }
  }
  return batch.meta === undefined ? undefined : metaProblem(batch.meta);
}

/** Decodes one line; a string result is the reason it is unreadable (torn or corrupt). */
function decodeLine(bytes: Buffer): { seq: number; payload: unknown } | string {
  const text = bytes.toString('utf8');
  const match = LINE.exec(text);
  if (!match) return 'not a journal line';
  const head = text.length - match[3].length - 1;
  const payloadBytes = bytes.subarray(head, bytes.length - 1);
  if (hex(crc32(payloadBytes)) !== match[2]) return 'checksum mismatch';
  try {
    return { seq: Number(match[1]), payload: JSON.parse(match[3]) };
  } catch (error) {
    return `invalid JSON (${(error as Error).message})`;
  }
}

/**
 * Reads and verifies a journal. A bad or unterminated LAST line is a torn append (it never
 * committed) and is reported in `tornBytes`; any other bad line, a malformed batch or
 * non-consecutive sequence numbers throw `StateCorrupt`. A missing file is an empty journal.
 */
export async function readJournal(file: string): Promise<JournalContents> {
  let buffer: Buffer;
  try {
    buffer = await readFile(file);
  } catch (error) {
    if (hasCode(error, 'ENOENT')) return { entries: [], validBytes: 0, tornBytes: 0 };
    throw error;
  }
  const entries: JournalEntry[] = [];
  let start = 0;
  let lineNumber = 0;
  while (start < buffer.length) {
    lineNumber += 1;
    const newline = buffer.indexOf(10, start);
    const end = newline === -1 ? buffer.length : newline;
    const isLast = newline === -1 || newline === buffer.length - 1;
    const decoded = newline === -1 ? 'unterminated line' : decodeLine(buffer.subarray(start, end));
    if (typeof decoded === 'string') {
      if (isLast) return { entries, validBytes: start, tornBytes: buffer.length - start, tornReason: decoded };
      throw new StateCorrupt(file, `line ${lineNumber}: ${decoded}`);
    }
    const problem = batchProblem(decoded.payload);
    if (problem) throw new StateCorrupt(file, `line ${lineNumber}: ${problem}`);
    const previous = entries[entries.length - 1];
    if (previous && decoded.seq !== previous.seq + 1) {
      throw new StateCorrupt(file, `line ${lineNumber}: sequence ${decoded.seq} follows ${previous.seq}`);
    }
    entries.push({ seq: decoded.seq, batch: decoded.payload as JournalBatch });
    start = end + 1;
  }
  return { entries, validBytes: buffer.length, tornBytes: 0 };
}

/** An open journal for appending: every append is flushed to disk before it resolves. */
export class JournalAppender {
  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
    private bytes: number,
    private lineCount: number,
  ) {}

  private unusable = false;

  /**
   * Opens the journal for appending, first cutting it to `validBytes` (dropping a torn tail).
   * `lines` is how many good lines precede.
   */
  static async open(file: string, validBytes: number, lines: number): Promise<JournalAppender> {
    let existed = true;
    try {
      await stat(file);
    } catch (error) {
      if (!hasCode(error, 'ENOENT')) throw error;
      existed = false;
    }
    const handle = await open(file, 'a');
    try {
      if (!existed) {
        await syncDirectory(path.dirname(file));
      } else if ((await handle.stat()).size !== validBytes) {
        await handle.truncate(validBytes);
        await handle.datasync();
      }
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    return new JournalAppender(file, handle, validBytes, lines);
  }

  /** Bytes in the journal. */
  get size(): number {
    return this.bytes;
  }

  /** Lines in the journal. */
  get lines(): number {
    return this.lineCount;
  }

  /**
   * Appends one encoded line and flushes it. On failure the journal is cut back to its previous
   * end (else the next append would follow a torn line and the journal would read as corrupt);
   * if even that fails, the appender refuses further writes.
   */
  async append(line: Buffer): Promise<void> {
    if (this.unusable) throw new Error(`journal ${this.file} cannot be written after a failed write; reopen the state`);
    try {
      await writeFully(this.handle, line);
      await this.handle.datasync();
    } catch (error) {
      try {
        await this.handle.truncate(this.bytes);
        await this.handle.datasync();
      } catch {
        this.unusable = true;
      }
      throw error;
    }
    this.bytes += line.length;
    this.lineCount += 1;
  }

  /** Empties the journal (after its content was saved in a snapshot) and flushes that. */
  async clear(): Promise<void> {
    await this.handle.truncate(0);
    await this.handle.datasync();
    this.bytes = 0;
    this.lineCount = 0;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
