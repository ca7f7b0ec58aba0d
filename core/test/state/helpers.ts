import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Relation } from '../../src/state/index.js';

/** A fresh temp folder and its removal. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dovetail-state-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A realistic relation; `rev` changes versions and hashes so updates are visible. */
export function relation(i: number, rev = 0): Relation {
  return {
    key: `uid-${i}@example.com`,
    uid: `uid-${i}@example.com`,
    status: 'synced',
    a: { id: `/calendars/alice/work/uid-${i}.ics`, version: `"etag-${i}-${rev}"`, hash: `a${i.toString(16)}r${rev}` },
    b: { id: `AAMkADU${i}=`, version: `CQAAABYAAA${i}-${rev}`, hash: `b${i.toString(16)}r${rev}` },
  };
}

/** Relations of a state, sorted by key, for comparing two loads. */
export function sortedRelations(relations: Iterable<Relation>): Relation[] {
  return [...relations].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
}
