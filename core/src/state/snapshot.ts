import { rename } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import { DataFile, TextFile } from 'lowdb/node';
import { syncDirectory, syncFile } from './durable-fs.js';
import { metaProblem, relationProblem } from './state-shape.js';
import { StateCorrupt, type PairingMeta, type Relation } from './types.js';

/** Snapshot format version written by this code. */
export const SNAPSHOT_FORMAT = 1;

/** `snapshot.json`: the whole state of a pairing as of journal sequence `seq`. */
export interface SnapshotData {
  format: number;
  /** The pairing name (folder names may be encoded or hashed; this is the original). */
  pairing: string;
  /** Last journal sequence number folded into this snapshot; lines up to it are skipped on replay. */
  seq: number;
  meta: PairingMeta;
  relations: Relation[];
}

/**
 * A lowdb data file (steno underneath: write to a temp file, then rename over the target) holding
 * compact JSON — lowdb's `JSONFile` pretty-prints, which makes a large state a third bigger and
 * twice as slow to write. Records the size of the last write.
 */
class CompactJSONFile<T> extends DataFile<T> {
  lastBytes = 0;
  constructor(file: string) {
    super(file, {
      parse: JSON.parse,
      stringify: (data: T) => {
        const text = JSON.stringify(data);
        this.lastBytes = Buffer.byteLength(text, 'utf8');
        return text;
      },
    });
  }
}

function shapeProblem(value: unknown, pairing: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const data = value as Record<string, unknown>;
  if (data.format !== SNAPSHOT_FORMAT) return `unknown format ${JSON.stringify(data.format)} (expected ${SNAPSHOT_FORMAT})`;
  if (data.pairing !== pairing) return `it belongs to pairing ${JSON.stringify(data.pairing)}, not ${JSON.stringify(pairing)}`;
  if (typeof data.seq !== 'number' || !Number.isSafeInteger(data.seq) || data.seq < 0) return 'seq is not a non-negative integer';
  const meta = metaProblem(data.meta);
  if (meta) return meta;
  if (!Array.isArray(data.relations)) return 'relations is not an array';
  const seen = new Set<string>();
  for (const relation of data.relations) {
    const problem = relationProblem(relation);
    if (problem) return problem;
    const key = (relation as Relation).key;
    if (seen.has(key)) return `relation key "${key}" appears twice`;
    seen.add(key);
  }
  return undefined;
}

/** Reads and checks a snapshot; undefined when the file does not exist, `StateCorrupt` when it is unreadable. */
export async function readSnapshot(file: string, pairing: string): Promise<SnapshotData | undefined> {
  // Raw text first: lowdb's data adapters read a file holding `null` the same as a missing one.
  const text = await new TextFile(file).read();
  if (text === null) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new StateCorrupt(file, `invalid JSON (${(error as Error).message})`);
  }
  const problem = shapeProblem(data, pairing);
  if (problem) throw new StateCorrupt(file, problem);
  return data as SnapshotData;
}

/**
 * Writes a snapshot atomically and durably; returns the bytes written. lowdb writes `<file>.next`
 * (steno: temp file + rename), which is flushed to disk before it is renamed over `file`: steno does
 * not fsync, and a rename that overtakes the data could leave an empty snapshot after a power cut.
 */
export async function writeSnapshot(file: string, data: SnapshotData): Promise<number> {
  const next = `${file}.next`;
  const adapter = new CompactJSONFile<SnapshotData>(next);
  const db = new Low<SnapshotData>(adapter, data);
  await db.write();
  await syncFile(next);
  await rename(next, file);
  await syncDirectory(path.dirname(file));
  return adapter.lastBytes;
}
