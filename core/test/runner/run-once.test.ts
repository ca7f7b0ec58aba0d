/**
 * runOnce activates both endpoints while it takes the lock and reads the state (core/src/runner/run-once.ts): a run
 * still fails the same way whichever finishes first — the state's failure before the endpoints', endpoint a's before
 * b's — and leaves the pairing unlocked. Real config, plugin host and state store in a temp folder.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { PluginHost } from '../../src/host/index.js';
import { runOnce } from '../../src/runner/run-once.js';
import { LowdbStateStore } from '../../src/state/index.js';
import { cleanTemp, memoryLogger, repoRoot, tempDir, writeJson } from '../host/helpers.js';

afterAll(cleanTemp);

/** A workspace whose pairing `p` goes from endpoint `a` to `b`, each the given connector (`nope` is unknown). */
async function workspace(connectors: { a: string; b: string }) {
  const dir = await tempDir('dovetail-run-once-');
  await mkdir(path.join(dir, 'left', 'cal'), { recursive: true });
  await mkdir(path.join(dir, 'right', 'cal'), { recursive: true });
  await writeJson(path.join(dir, 'dovetail.json'), {
    endpoints: { a: { connector: connectors.a, settings: { path: './left' } }, b: { connector: connectors.b, settings: { path: './right' } } },
    pairings: { p: { entity: 'event', a: { endpoint: 'a', collection: 'cal' }, b: { endpoint: 'b', collection: 'cal' } } },
  });
  const loaded = await loadConfig(path.join(dir, 'dovetail.json'));
  const host = await PluginHost.create({ loaded, logger: memoryLogger().logger, repoRoot, nodeModulesDirs: [] });
  return { loaded, host, store: new LowdbStateStore(loaded.stateDir) };
}

describe('runOnce: endpoints activate while the state opens', () => {
  it('a locked pairing fails as locked (exit 3) even when an endpoint cannot activate', async () => {
    const { loaded, host, store } = await workspace({ a: 'filesystem', b: 'nope' });
    const held = await store.lock('p');
    try {
      const { entry, exitCode } = await runOnce({ name: 'p', loaded, host, store, trigger: 'cli' });
      expect(entry.failure).toBe('locked');
      expect(exitCode).toBe(3);
    } finally {
      await held.release();
      await host.dispose();
    }
  });

  it('an endpoint that cannot activate fails the run as a config problem naming it, first a then b, and the lock is released', async () => {
    for (const [connectors, named] of [[{ a: 'filesystem', b: 'nope' }, 'b'], [{ a: 'nope', b: 'nope' }, 'a']] as const) {
      const { loaded, host, store } = await workspace(connectors);
      try {
        const { entry, exitCode } = await runOnce({ name: 'p', loaded, host, store, trigger: 'cli' });
        expect(entry.failure).toBe('config');
        expect(exitCode).toBe(3);
        expect(entry.aborted).toContain(`endpoint "${named}": unknown connector "nope"`);
        await (await store.lock('p')).release(); // not left locked
      } finally {
        await host.dispose();
      }
    }
  });

  it('a run of two folders with nothing in them succeeds and records its run', async () => {
    const { loaded, host, store } = await workspace({ a: 'filesystem', b: 'filesystem' });
    try {
      const { entry, exitCode } = await runOnce({ name: 'p', loaded, host, store, trigger: 'cli' });
      expect(exitCode).toBe(0);
      expect(entry.ok).toBe(true);
      expect((await store.runs('p', 5)).length).toBe(1);
    } finally {
      await host.dispose();
    }
  });
});
