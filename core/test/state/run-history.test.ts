import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LowdbStateStore, StateCorrupt, STATE_FILES, type RunRecord } from '../../src/state/index.js';
import { tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

function run(i: number, ok = true): RunRecord {
  return { pairing: 'work', startedAt: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(), ok, durationMs: i * 10, a: { created: i, updated: 0, deleted: 0 } };
}

describe('run history', () => {
  it('returns runs newest first, with a limit, readable without opening the state', async () => {
    const store = new LowdbStateStore(dir);
    const state = await store.open('work');
    for (let i = 0; i < 5; i += 1) await state.recordRun(run(i, i !== 3));
    expect((await state.runs()).map((r) => r.durationMs)).toEqual([40, 30, 20, 10, 0]);
    expect(await state.runs(2)).toEqual([run(4), run(3, false)]);
    await state.close();
    expect(await store.runs('work', 3)).toEqual([run(4), run(3, false), run(2)]);
    expect(await store.runs('never-ran')).toEqual([]);
  });

  it('keeps the newest 200 runs once the file grows past twice that', async () => {
    const store = new LowdbStateStore(dir);
    const state = await store.open('work');
    for (let i = 0; i < 401; i += 1) await state.recordRun(run(i));
    const file = path.join(store.pairingDir('work'), STATE_FILES.runs);
    const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    expect(lines).toHaveLength(200);
    const all = await store.runs('work', 1000);
    expect(all).toHaveLength(200);
    expect(all[0]).toEqual(run(400));
    expect(all[199]).toEqual(run(201));
    await state.close();
  });

  it('ignores a torn last line when reading and repairs it before the next append', async () => {
    const store = new LowdbStateStore(dir);
    const state = await store.open('work');
    await state.recordRun(run(1));
    await state.close();
    const file = path.join(store.pairingDir('work'), STATE_FILES.runs);
    await appendFile(file, '{"pairing":"work","startedAt":"2024-');
    expect(await store.runs('work')).toEqual([run(1)]);
    const again = await store.open('work');
    await again.recordRun(run(2));
    expect(await store.runs('work')).toEqual([run(2), run(1)]);
    await again.close();
  });

  it('throws StateCorrupt for a bad line before the end, and refuses an invalid record', async () => {
    const store = new LowdbStateStore(dir);
    const state = await store.open('work');
    await expect(state.recordRun({ pairing: 'work', ok: 'yes' } as unknown as RunRecord)).rejects.toThrow(/startedAt is not a string/);
    await state.recordRun(run(1));
    await state.recordRun(run(2));
    await state.close();
    const file = path.join(store.pairingDir('work'), STATE_FILES.runs);
    const text = await readFile(file, 'utf8');
    await writeFile(file, `{oops\n${text}`);
    const error = await store.runs('work').then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(StateCorrupt);
    expect((error as StateCorrupt).message).toContain(file);
    expect((error as StateCorrupt).message).toContain('line 1');
  });
});
