import { open, rename } from 'node:fs/promises';
import path from 'node:path';
import { TextFile } from 'lowdb/node';
import { syncDirectory, writeFully } from './durable-fs.js';
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

/** A snapshot's header: everything but its relations. */
export type SnapshotHeader = Omit<SnapshotData, 'relations'>;

/** Relations serialised per write while a snapshot is streamed out (a few hundred KiB of text at a time). */
const RELATIONS_PER_WRITE = 512;

/**
 * Writes a snapshot atomically and durably; returns the bytes written. The JSON text is streamed into
 * `<file>.next` a few hundred relations at a time (never the whole state as one string), flushed to disk, then
 * renamed over `file` and the directory flushed: a crash at any point leaves the old snapshot or the new one,
 * never a torn one — a rename that overtook unflushed data could leave an empty snapshot after a power cut.
 */
export async function writeSnapshot(file: string, header: SnapshotHeader, relations: Iterable<Relation>): Promise<number> {
  const next = `${file}.next`;
  const handle = await open(next, 'w');
  let bytes = 0;
  try {
    const write = async (text: string) => {
      const data = Buffer.from(text, 'utf8');
      await writeFully(handle, data);
      bytes += data.length;
    };
    const head = JSON.stringify({ format: header.format, pairing: header.pairing, seq: header.seq, meta: header.meta, relations: [] });
    await write(head.slice(0, -2)); // up to and including `"relations":[`
    let batch: string[] = [];
    let first = true;
    for (const relation of relations) {
      batch.push(JSON.stringify(relation));
      if (batch.length < RELATIONS_PER_WRITE) continue;
      await write((first ? '' : ',') + batch.join(','));
      first = false;
      batch = [];
    }
    await write((first || batch.length === 0 ? '' : ',') + batch.join(',') + ']}');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(next, file);
  await syncDirectory(path.dirname(file));
  return bytes;
}
