import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LowdbStateStore, StateCorrupt, STATE_FILES, openStateStore } from '../../src/state/index.js';
import { relation, sortedRelations, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

function files(store: LowdbStateStore, pairing: string) {
  const folder = store.pairingDir(pairing);
  return {
    snapshot: path.join(folder, STATE_FILES.snapshot),
    journal: path.join(folder, STATE_FILES.journal),
  };
}

async function expectCorrupt(promise: Promise<unknown>, file: string, reason: RegExp): Promise<void> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(StateCorrupt);
  expect((error as StateCorrupt).file).toBe(file);
  expect((error as StateCorrupt).message).toContain(file);
  expect((error as StateCorrupt).message).toMatch(reason);
}

describe('LowdbStateStore round trip', () => {
  it('starts empty and reads back relations, deletes and meta after reopening', async () => {
    const store = openStateStore(dir);
    const state = await store.open('Work calendar');
    expect(state.size()).toBe(0);
    expect(state.meta()).toEqual({});

    await state.commit({ put: [relation(1), relation(2), relation(3)], meta: { cursorA: 'sync-1', countA: 3 } });
    await state.commit({
      put: [relation(2, 1), { ...relation(4), status: 'conflict', conflict: { detectedAt: '2024-05-01T10:00:00Z', aSummary: 'Lunch' } }],
      delete: [relation(3).key],
      meta: { cursorB: 'AAEAAA==', lastRunAt: '2024-05-01T10:00:00Z' },
    });
    await state.commit({ meta: { cursorA: undefined, countB: 2 } });
    const expected = sortedRelations(state.relations());
    await state.close();

    const reopened = await store.open('Work calendar');
    expect(sortedRelations(reopened.relations())).toEqual(expected);
    expect(reopened.size()).toBe(3);
    expect(reopened.get(relation(2).key)).toEqual(relation(2, 1));
    expect(reopened.get(relation(3).key)).toBeUndefined();
    expect(reopened.get(relation(4).key)?.conflict?.aSummary).toBe('Lunch');
    expect(reopened.meta()).toEqual({ countA: 3, cursorB: 'AAEAAA==', lastRunAt: '2024-05-01T10:00:00Z', countB: 2 });
    await reopened.close();
  });

  it('keeps pairings apart, including names differing only in case', async () => {
    const store = openStateStore(dir);
    const upper = await store.open('Work');
    const lower = await store.open('work');
    await upper.commit({ put: [relation(1)] });
    await lower.commit({ put: [relation(2), relation(3)] });
    await upper.close();
    await lower.close();
    const [upperAgain, lowerAgain] = [await store.open('Work'), await store.open('work')];
    expect(upperAgain.size()).toBe(1);
    expect(lowerAgain.size()).toBe(2);
    await upperAgain.close();
    await lowerAgain.close();
  });

  it('stores its own copy: mutating a committed object does not change the state', async () => {
    const state = await openStateStore(dir).open('p');
    const r = relation(1);
    await state.commit({ put: [r] });
    r.status = 'quarantined';
    expect(state.get(r.key)?.status).toBe('synced');
    await state.close();
  });

  it('refuses a malformed batch before writing anything', async () => {
    const store = new LowdbStateStore(dir);
    const state = await store.open('p');
    await state.commit({ put: [relation(1)] });
    const before = await readFile(files(store, 'p').journal);
    const bad = { ...relation(2), status: 'weird' } as unknown as ReturnType<typeof relation>;
    await expect(state.commit({ put: [relation(3), bad] })).rejects.toThrow(/unknown status "weird"/);
    await expect(state.commit({ meta: { countA: 'many' as unknown as number } })).rejects.toThrow(/countA is not a number/);
    expect(await readFile(files(store, 'p').journal)).toEqual(before);
    expect(state.size()).toBe(1);
    expect(state.writeCount).toBe(1);
    await state.close();
  });

  it('writes nothing for an empty batch and one journal line per batch otherwise', async () => {
    const store = new LowdbStateStore(dir);
    const state = await store.open('p');
    await state.commit({});
    await state.commit({ put: [], delete: [] });
    expect(state.writeCount).toBe(0);
    await state.commit({ put: [relation(1), relation(2)], delete: ['nope'], meta: { countA: 2 } });
    await state.commit({ put: [relation(3)] });
    expect(state.writeCount).toBe(2);
    const lines = (await readFile(files(store, 'p').journal, 'utf8')).split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines.map((line) => JSON.parse(line).seq)).toEqual([1, 2]);
    await state.close();
  });

  it('runs concurrent commits on one handle one after another', async () => {
    const state = await openStateStore(dir).open('p');
    await Promise.all(Array.from({ length: 20 }, (_, i) => state.commit({ put: [relation(i)] })));
    await state.close();
    const reopened = await openStateStore(dir).open('p');
    expect(reopened.size()).toBe(20);
    await reopened.close();
  });
});

describe('crash safety and corruption', () => {
  async function threeBatches(store: LowdbStateStore): Promise<void> {
    const state = await store.open('p');
    await state.commit({ put: [relation(1)], meta: { cursorA: 'c1' } });
    await state.commit({ put: [relation(2)], meta: { cursorA: 'c2' } });
    await state.commit({ put: [relation(3)], delete: [relation(1).key], meta: { cursorA: 'c3' } });
    await state.close();
  }

  it('drops a journal line torn mid-append and keeps the batches before it', async () => {
    const store = new LowdbStateStore(dir);
    await threeBatches(store);
    const { journal } = files(store, 'p');
    const text = await readFile(journal, 'utf8');
    const endOfSecond = text.indexOf('\n', text.indexOf('\n') + 1) + 1;
    await truncate(journal, endOfSecond + 25);

    const warnings: string[] = [];
    const state = await new LowdbStateStore(dir, { warn: (m) => warnings.push(m) }).open('p');
    expect(sortedRelations(state.relations()).map((r) => r.key)).toEqual([relation(1).key, relation(2).key]);
    expect(state.meta().cursorA).toBe('c2');
    expect((await stat(journal)).size).toBe(endOfSecond);
    // Not without a word: what was dropped and why.
    expect(warnings).toEqual([`state of pairing "p": the last line of ${journal} is unfinished (unterminated line; 25 bytes after batch 2): a run stopped while writing it, so that batch was never committed; it is dropped and the next run redoes its work`]);
    // The next batch follows on a clean line and survives a reopen.
    await state.commit({ put: [relation(9)] });
    await state.close();
    const again = await store.open('p');
    expect(again.size()).toBe(3);
    expect(again.get(relation(9).key)).toBeDefined();
    await again.close();
  });

  it('drops a complete last line whose checksum does not match', async () => {
    const store = new LowdbStateStore(dir);
    await threeBatches(store);
    const { journal } = files(store, 'p');
    const text = await readFile(journal, 'utf8');
    await writeFile(journal, text.replace('"cursorA":"c3"', '"cursorA":"c4"'));
    const state = await store.open('p');
    expect(state.meta().cursorA).toBe('c2');
    expect(state.get(relation(1).key)).toBeDefined();
    await state.close();
  });

  it('throws StateCorrupt naming the journal for a bad line before the end', async () => {
    const store = new LowdbStateStore(dir);
    await threeBatches(store);
    const { journal } = files(store, 'p');
    const text = await readFile(journal, 'utf8');
    await writeFile(journal, text.replace('"cursorA":"c2"', '"cursorA":"cX"'));
    await expectCorrupt(store.open('p'), journal, /line 2: checksum mismatch/);
    await writeFile(journal, text.replace(/^\{"seq":1/, '{"seq":1x'));
    await expectCorrupt(store.open('p'), journal, /line 1: not a journal line/);
  });

  it('throws StateCorrupt when journal sequence numbers skip', async () => {
    const store = new LowdbStateStore(dir);
    await threeBatches(store);
    const { journal } = files(store, 'p');
    const lines = (await readFile(journal, 'utf8')).split('\n');
    await writeFile(journal, [lines[0], lines[2], ''].join('\n'));
    await expectCorrupt(store.open('p'), journal, /sequence 3 follows 1/);
    await writeFile(journal, [lines[1], lines[2], ''].join('\n'));
    await expectCorrupt(store.open('p'), journal, /snapshot.json is missing: batches are missing/);
  });

  it('throws StateCorrupt naming the snapshot for bad JSON, an empty file or a wrong shape', async () => {
    const store = new LowdbStateStore(dir);
    const state = await store.open('p');
    await state.commit({ put: [relation(1)] });
    await state.compactNow();
    await state.close();
    const { snapshot } = files(store, 'p');
    const good = await readFile(snapshot, 'utf8');

    await writeFile(snapshot, good.slice(0, good.length / 2));
    await expectCorrupt(store.open('p'), snapshot, /invalid JSON/);
    await writeFile(snapshot, '');
    await expectCorrupt(store.open('p'), snapshot, /invalid JSON/);
    await writeFile(snapshot, 'null');
    await expectCorrupt(store.open('p'), snapshot, /not a JSON object/);
    await writeFile(snapshot, good.replace('"relations":[', '"relations":{"x":[').replace(/\]\}$/, ']}}'));
    await expectCorrupt(store.open('p'), snapshot, /relations is not an array/);
    await writeFile(snapshot, good.replace('"status":"synced"', '"status":7'));
    await expectCorrupt(store.open('p'), snapshot, /unknown status 7/);
    await writeFile(snapshot, good.replace('"pairing":"p"', '"pairing":"q"'));
    await expectCorrupt(store.open('p'), snapshot, /belongs to pairing "q"/);

    await writeFile(snapshot, good);
    const restored = await store.open('p');
    expect(restored.size()).toBe(1);
    await restored.close();
  });
});

describe('compaction', () => {
  it('folds the journal into a snapshot once it is long, and reopens to the same state', async () => {
    const store = new LowdbStateStore(dir, { compactLines: 5 });
    const state = await store.open('p');
    // At most 3 relations, so the line threshold stays max(5, size / 2) = 5.
    for (let i = 0; i < 12; i += 1) {
      await state.commit({ put: [relation(i % 3, i)], delete: i % 4 === 3 ? [relation((i + 1) % 3).key] : [], meta: { cursorA: `c${i}` } });
    }
    const { snapshot, journal } = files(store, 'p');
    const journalLines = (await readFile(journal, 'utf8')).split('\n').filter(Boolean);
    expect(journalLines.length).toBeLessThanOrEqual(5);
    // 12 appends plus two snapshots (after lines 6 and 12).
    expect(state.writeCount).toBe(14);
    const snap = JSON.parse(await readFile(snapshot, 'utf8'));
    expect(snap.seq).toBe(12);
    const expected = sortedRelations(state.relations());
    const meta = state.meta();
    await state.close();

    const reopened = await store.open('p');
    expect(sortedRelations(reopened.relations())).toEqual(expected);
    expect(reopened.meta()).toEqual(meta);
    expect(meta.cursorA).toBe('c11');
    await reopened.close();
  });

  it('survives a crash between writing the snapshot and emptying the journal (replay skips folded lines)', async () => {
    const store = new LowdbStateStore(dir);
    const state = await store.open('p');
    await state.commit({ put: [relation(1), relation(2)], meta: { cursorA: 'old' } });
    await state.commit({ put: [relation(2, 5)], delete: [relation(1).key], meta: { cursorA: 'new' } });
    const { journal } = files(store, 'p');
    const journalBefore = await readFile(journal);
    await state.compactNow();
    expect((await stat(journal)).size).toBe(0);
    const expected = sortedRelations(state.relations());
    await state.close();
    await writeFile(journal, journalBefore); // as if the truncation never happened

    const reopened = await store.open('p');
    expect(sortedRelations(reopened.relations())).toEqual(expected);
    expect(reopened.get(relation(1).key)).toBeUndefined();
    expect(reopened.meta().cursorA).toBe('new');
    expect((await stat(journal)).size).toBe(0); // folded lines cleaned up on open
    await reopened.commit({ put: [relation(3)] });
    await reopened.close();

    const third = await store.open('p');
    expect(third.size()).toBe(2);
    expect(third.get(relation(3).key)).toBeDefined();
    await third.close();
  });

  it('replays lines after a crash that left both folded and newer lines', async () => {
    const store = new LowdbStateStore(dir);
    const state = await store.open('p');
    await state.commit({ put: [relation(1)] });
    const { journal } = files(store, 'p');
    const folded = await readFile(journal);
    await state.compactNow();
    await state.commit({ put: [relation(2)], delete: [relation(1).key] });
    await state.close();
    const newer = await readFile(journal);
    await writeFile(journal, Buffer.concat([folded, newer]));
    const reopened = await store.open('p');
    expect(sortedRelations(reopened.relations()).map((r) => r.key)).toEqual([relation(2).key]);
    await reopened.close();
  });
});

describe('streamed snapshot', () => {
  it('writes a snapshot spanning several write batches that reads back as the same state, leaving no temp file', async () => {
    const store = new LowdbStateStore(dir);
    const state = await store.open('p');
    const odd = { ...relation(7), key: 'ünï "quoted" \\ 😀', uid: 'another uid', lastError: 'line 1\nline 2', range: [1, null] as [number, null] };
    const { b: _b, ...oneSided } = relation(8);
    await state.commit({ put: [...Array.from({ length: 1300 }, (_, i) => relation(100 + i)), odd, oneSided], meta: { cursorA: 'tok', countA: 1302 } });
    await state.commit({ delete: [relation(100).key] });
    await state.compactNow();
    const expected = [...state.relations()];
    await state.close();

    const { snapshot } = files(store, 'p');
    const text = await readFile(snapshot, 'utf8');
    const parsed = JSON.parse(text) as { format: number; seq: number; relations: unknown[] };
    expect(parsed.format).toBe(1);
    expect(parsed.seq).toBe(2);
    expect(parsed.relations).toEqual(expected);
    expect(parsed.relations).toHaveLength(1301);
    await expect(stat(`${snapshot}.next`)).rejects.toMatchObject({ code: 'ENOENT' });
    const reopened = await store.open('p');
    expect([...reopened.relations()]).toEqual(expected);
    expect(reopened.get(odd.key)).toEqual(odd);
    expect(reopened.get(oneSided.key)).toEqual(oneSided);
    expect(reopened.meta()).toEqual({ cursorA: 'tok', countA: 1302 });
    await reopened.close();
  });
});

describe('write cost at 100k relations', () => {
  it('opens quickly and commits 10 changes with one journal line, leaving the snapshot untouched', async () => {
    const store = new LowdbStateStore(dir);
    const state = await store.open('big');
    for (let start = 0; start < 100_000; start += 5000) {
      await state.commit({ put: Array.from({ length: 5000 }, (_, i) => relation(start + i)) });
    }
    await state.compactNow();
    await state.close();

    const started = performance.now();
    const reopened = await store.open('big');
    const openMs = performance.now() - started;
    expect(reopened.size()).toBe(100_000);
    expect(openMs).toBeLessThan(4000); // typically ~0.5 s; generous for a shared CI machine
    const { snapshot, journal } = files(store, 'big');
    const snapBefore = await stat(snapshot);
    const writesBefore = reopened.writeCount;

    await reopened.commit({ put: Array.from({ length: 10 }, (_, i) => relation(i * 997, 1)) });

    expect(reopened.writeCount - writesBefore).toBe(1);
    const snapAfter = await stat(snapshot);
    expect(snapAfter.mtimeMs).toBe(snapBefore.mtimeMs);
    expect(snapAfter.size).toBe(snapBefore.size);
    expect((await stat(journal)).size).toBe(reopened.bytesWritten);
    expect(reopened.bytesWritten).toBeLessThan(10_000);
    await reopened.close();
  });
});

describe('relations built after open (prepare)', () => {
  /** A pairing with a snapshot of 600 relations and a journal after it: updates, deletes, a meta key set and unset. */
  async function seeded(store: LowdbStateStore): Promise<{ relations: ReturnType<typeof sortedRelations>; meta: object }> {
    const state = await store.open('p');
    await state.commit({ put: Array.from({ length: 600 }, (_, i) => relation(i)), meta: { cursorA: 'c0', countA: 600 } });
    await state.compactNow();
    await state.commit({ put: Array.from({ length: 300 }, (_, i) => relation(i, 1)), delete: [relation(5).key, relation(400).key], meta: { cursorA: 'c1' } });
    await state.commit({ put: [relation(5, 2), relation(700)], delete: [relation(6).key], meta: { cursorB: 'b1', countA: undefined } });
    const out = { relations: sortedRelations(state.relations()), meta: state.meta() };
    await state.close();
    return out;
  }

  it('reads the same relations and meta through prepare, in several turns of the event loop, as through direct use', async () => {
    const store = new LowdbStateStore(dir);
    const expected = await seeded(store);
    expect(expected.relations).toHaveLength(600 - 2 + 1); // 5 deleted then put again; 400 and 6 deleted; 700 new
    expect(expected.meta).toEqual({ cursorA: 'c1', cursorB: 'b1' });

    const direct = await store.open('p');
    expect(direct.meta()).toEqual(expected.meta);
    expect(direct.size()).toBe(expected.relations.length);
    expect(sortedRelations(direct.relations())).toEqual(expected.relations);
    await direct.close();

    const prepared = await store.open('p');
    expect(prepared.meta()).toEqual(expected.meta); // the meta needs no relations
    let turns = 0;
    let counting = true;
    const count = () => { if (counting) { turns++; setImmediate(count); } };
    setImmediate(count);
    await prepared.prepare!();
    counting = false;
    expect(turns).toBeGreaterThanOrEqual(3); // 1,500 relations and batches, 250 per turn
    expect(sortedRelations(prepared.relations())).toEqual(expected.relations);
    expect(prepared.get(relation(5).key)).toEqual(relation(5, 2));
    expect(prepared.get(relation(400).key)).toBeUndefined();
    await prepared.close();
  });

  it('commits and compacts correctly when the relations were not built yet, and when prepare is still running', async () => {
    const store = new LowdbStateStore(dir);
    const expected = await seeded(store);
    const state = await store.open('p');
    await state.commit({ put: [relation(800)], delete: [relation(1).key], meta: { cursorA: 'c2' } });
    const during = await store.open('p');
    const preparing = during.prepare!();
    expect(during.size()).toBe(expected.relations.length); // finishes the build at once
    await preparing;
    await during.close();
    await state.compactNow();
    await state.close();

    const want = sortedRelations([...expected.relations.filter((r) => r.key !== relation(1).key), relation(800)]);
    const reopened = await store.open('p');
    expect(sortedRelations(reopened.relations())).toEqual(want);
    expect(reopened.meta()).toEqual({ ...expected.meta, cursorA: 'c2' });
    await reopened.close();
  });
});
