import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
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

  it('sets a corrupt history aside with a warning and starts a new one; refuses an invalid record', async () => {
    const warnings: string[] = [];
    const store = new LowdbStateStore(dir, { warn: (m) => warnings.push(m) });
    const state = await store.open('work');
    await expect(state.recordRun({ pairing: 'work', ok: 'yes' } as unknown as RunRecord)).rejects.toThrow(/startedAt is not a string/);
    await state.recordRun(run(1));
    await state.recordRun(run(2));
    await state.close();
    const file = path.join(store.pairingDir('work'), STATE_FILES.runs);
    const text = await readFile(file, 'utf8');
    await writeFile(file, `{oops\n${text}`);
    expect(await store.runs('work')).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(file);
    expect(warnings[0]).toContain('line 1');
    const aside = (await readdir(store.pairingDir('work'))).filter((f) => f.startsWith(`${STATE_FILES.runs}.corrupt-`));
    expect(aside).toHaveLength(1);
    expect(await readFile(path.join(store.pairingDir('work'), aside[0]!), 'utf8')).toBe(`{oops\n${text}`);
    // Writing goes on with a fresh history.
    await store.recordRun('work', run(3));
    expect(await store.runs('work')).toEqual([run(3)]);
  });

  it('a writer that finds the history corrupt sets it aside and appends to a new one', async () => {
    const warnings: string[] = [];
    const store = new LowdbStateStore(dir, { warn: (m) => warnings.push(m) });
    await store.recordRun('work', run(1));
    const file = path.join(store.pairingDir('work'), STATE_FILES.runs);
    await writeFile(file, `not json\n${await readFile(file, 'utf8')}`);
    const other = new LowdbStateStore(dir, { warn: (m) => warnings.push(m) });
    await other.recordRun('work', run(2));
    expect(await other.runs('work')).toEqual([run(2)]);
    expect(warnings.join('\n')).toMatch(/moved it to .*runs\.jsonl\.corrupt-/);
  });

  it('keeps totals per UTC day for statistics, failed runs counted apart', async () => {
    const store = new LowdbStateStore(dir);
    await store.recordRun('work', { ...run(1), b: { created: 2, updated: 1, deleted: 0 }, conflicts: 1, failed: 0 });
    await store.recordRun('work', { ...run(2), aborted: 'connection refused' });
    await store.recordRun('work', { ...run(3), startedAt: '2024-01-02T10:00:00.000Z', blocked: 'would delete 80%' });
    const stats = await store.stats('work');
    expect(Object.keys(stats).sort()).toEqual(['2024-01-01', '2024-01-02']);
    expect(stats['2024-01-01']).toMatchObject({ runs: 2, failedRuns: 1, a: { created: 3, updated: 0, deleted: 0 }, b: { created: 2, updated: 1, deleted: 0 }, conflicts: 1, durationMs: 30 });
    expect(stats['2024-01-02']).toMatchObject({ runs: 1, failedRuns: 1 });
    expect(await store.stats('never')).toEqual({});
  });

  it('keeps a control record (reset, runtime disable) that another process reads', async () => {
    const store = new LowdbStateStore(dir);
    expect(await store.control('work')).toEqual({});
    await store.updateControl('work', { disabled: true });
    const reread = await new LowdbStateStore(dir).control('work');
    expect(reread.disabled).toBe(true);
    expect(typeof reread.changedAt).toBe('string');
    const next = await store.updateControl('work', { disabled: undefined, resetAt: '2024-01-01T00:00:00.000Z' });
    expect(next).toMatchObject({ resetAt: '2024-01-01T00:00:00.000Z' });
    expect('disabled' in next).toBe(false);
  });
});
