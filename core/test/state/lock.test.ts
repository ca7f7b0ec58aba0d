import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LowdbStateStore, StateLocked, STATE_FILES } from '../../src/state/index.js';
import { processStartTicks } from '../../src/sdk/process-alive.js';
import { tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

async function lockedError(promise: Promise<unknown>): Promise<StateLocked> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(StateLocked);
  return error as StateLocked;
}

/** Writes a lock file as another process would have. */
async function plantLock(store: LowdbStateStore, pairing: string, holder: { pid: number; hostname: string; startedAt: string; startTicks?: number }): Promise<string> {
  const release = await store.lock(pairing); // creates the folder
  await release.release();
  const file = path.join(store.pairingDir(pairing), STATE_FILES.lock);
  await writeFile(file, JSON.stringify(holder));
  return file;
}

describe('pairing lock', () => {
  it('is exclusive: a second lock throws StateLocked naming the holder pid and time, until released', async () => {
    const store = new LowdbStateStore(dir);
    const first = await store.lock('work');
    const error = await lockedError(store.lock('work'));
    expect(error.pairing).toBe('work');
    expect(error.message).toContain(`pid ${process.pid} since `);
    expect(error.message).toMatch(/since \d{4}-\d{2}-\d{2}T/);
    // Other pairings are independent.
    const other = await store.lock('home');
    await other.release();
    await first.release();
    await first.release(); // idempotent
    const again = await store.lock('work');
    await again.release();
  });

  it('records pid, host and start time in the lock file and removes it on release', async () => {
    const store = new LowdbStateStore(dir);
    const lock = await store.lock('work');
    const file = path.join(store.pairingDir('work'), STATE_FILES.lock);
    const holder = JSON.parse(await readFile(file, 'utf8'));
    expect(holder.pid).toBe(process.pid);
    expect(holder.hostname).toBe(hostname());
    expect(Date.parse(holder.startedAt)).toBeGreaterThan(Date.now() - 60_000);
    await lock.release();
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('takes over a stale lock left by a process that died', async () => {
    const store = new LowdbStateStore(dir);
    const child = spawnSync(process.execPath, ['-e', 'process.exit(0)']);
    expect(child.status).toBe(0);
    const file = await plantLock(store, 'work', { pid: child.pid, hostname: hostname(), startedAt: '2024-01-01T00:00:00.000Z' });

    const lock = await store.lock('work');
    expect(JSON.parse(await readFile(file, 'utf8')).pid).toBe(process.pid);
    await lockedError(store.lock('work'));
    await lock.release();
  });

  it('takes over a lock whose process was killed but not yet reaped (a zombie)', async () => {
    // `sh` starts a child and execs `sleep`, which never reaps it: once the child exits it is a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 20'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zombie = Number(await new Promise<string>((resolve) => parent.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()))));
      for (let i = 0; i < 50 && !(await readFile(`/proc/${zombie}/stat`, 'utf8')).match(/\) Z /); i++) await new Promise((r) => setTimeout(r, 20));
      expect(await readFile(`/proc/${zombie}/stat`, 'utf8')).toMatch(/\) Z /);
      expect(() => process.kill(zombie, 0)).not.toThrow(); // still "exists" for kill(0): that alone called it alive
      const store = new LowdbStateStore(dir);
      await plantLock(store, 'work', { pid: zombie, hostname: hostname(), startedAt: '2026-01-01T00:00:00.000Z' });
      const lock = await store.lock('work');
      await lock.release();
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('lets exactly one of several concurrent callers take over a stale lock', async () => {
    const store = new LowdbStateStore(dir);
    const child = spawnSync(process.execPath, ['-e', 'process.exit(0)']);
    await plantLock(store, 'work', { pid: child.pid, hostname: hostname(), startedAt: '2024-01-01T00:00:00.000Z' });
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => store.lock('work')));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(StateLocked);
    await (won[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
  });

  it('does not take over a lock held by a live process', async () => {
    const store = new LowdbStateStore(dir);
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      await plantLock(store, 'work', { pid: child.pid!, hostname: hostname(), startedAt: '2024-01-01T00:00:00.000Z' });
      const error = await lockedError(store.lock('work'));
      expect(error.message).toContain(`pid ${child.pid} since 2024-01-01T00:00:00.000Z`);
    } finally {
      child.kill();
    }
  });

  it('does not take over a lock from another host, whose pid cannot be checked', async () => {
    const store = new LowdbStateStore(dir);
    const child = spawnSync(process.execPath, ['-e', 'process.exit(0)']);
    await plantLock(store, 'work', { pid: child.pid, hostname: `not-${hostname()}`, startedAt: '2024-01-01T00:00:00.000Z' });
    const error = await lockedError(store.lock('work'));
    expect(error.message).toContain(`on host not-${hostname()}`);
  });

  it('treats an unreadable lock file as held while fresh and as stale once old', async () => {
    const store = new LowdbStateStore(dir);
    const file = await plantLock(store, 'work', { pid: 1, hostname: hostname(), startedAt: 'x' });
    await writeFile(file, ''); // a holder died between creating and writing it
    await lockedError(store.lock('work'));
    const old = new Date(Date.now() - 60_000);
    await utimes(file, old, old);
    const lock = await store.lock('work');
    await lock.release();
  });
  it('records when its holder started (clock ticks since boot) where /proc has it', async () => {
    const store = new LowdbStateStore(dir);
    const lock = await store.lock('work');
    const holder = JSON.parse(await readFile(path.join(store.pairingDir('work'), STATE_FILES.lock), 'utf8'));
    expect(holder.startTicks).toBe(processStartTicks(process.pid));
    expect(Number.isSafeInteger(holder.startTicks)).toBe(true);
    await lock.release();
  });

  describe('whose pid a new process has since (a container restarted after a kill)', () => {
    it('is taken over when that new process is the one asking', async () => {
      const store = new LowdbStateStore(dir);
      const ticks = processStartTicks(process.pid)!;
      await plantLock(store, 'work', { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), startTicks: ticks - 1 });
      (await store.lock('work')).release();
      // Written without start ticks (an older version), it is stale when taken before this process started.
      await plantLock(store, 'work', { pid: process.pid, hostname: hostname(), startedAt: '2024-01-01T00:00:00.000Z' });
      (await store.lock('work')).release();
      // Taken by this process itself, it holds.
      await plantLock(store, 'work', { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), startTicks: ticks });
      await lockedError(store.lock('work'));
    });

    it('is taken over when another live process has the pid, and holds while the holder is that process', async () => {
      const store = new LowdbStateStore(dir);
      const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
      try {
        await new Promise((resolve) => child.once('spawn', resolve));
        const ticks = processStartTicks(child.pid!)!;
        const file = await plantLock(store, 'work', { pid: child.pid!, hostname: hostname(), startedAt: new Date().toISOString(), startTicks: ticks });
        expect((await lockedError(store.lock('work'))).message).toContain(`pid ${child.pid} since`);
        await writeFile(file, JSON.stringify({ pid: child.pid!, hostname: hostname(), startedAt: new Date().toISOString(), startTicks: ticks - 100 }));
        (await store.lock('work')).release();
      } finally {
        child.kill();
      }
    });
  });

  it('is never left empty or half-written by a process killed while taking it (SIGKILL at random points)', async () => {
    // A child takes and releases the lock in a loop and is killed at a random moment; the next taker must
    // get the lock at once. An O_EXCL file killed between its creation and its write stayed unreadable,
    // and every run waited out the grace period ("a process that is still writing").
    const stateIndex = fileURLToPath(new URL('../../dist/state/index.js', import.meta.url));
    const script = `const { LowdbStateStore } = await import(${JSON.stringify(stateIndex)});
      const store = new LowdbStateStore(${JSON.stringify(dir)});
      process.stdout.write('ready\\n');
      for (;;) { const l = await store.lock('work'); await l.release(); }`;
    const store = new LowdbStateStore(dir);
    for (let round = 0; round < 40; round++) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 30));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      const lock = await store.lock('work');
      await lock.release();
    }
  }, 60_000);

  it('removes the temp files of takers killed before they linked them, and keeps those of live ones', async () => {
    const store = new LowdbStateStore(dir);
    const file = await plantLock(store, 'work', { pid: 1, hostname: hostname(), startedAt: 'x' });
    await (await import('node:fs/promises')).unlink(file);
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']);
    const killed = path.join(path.dirname(file), `.${STATE_FILES.lock}.${dead.pid}.deadbeef.tmp`);
    const live = path.join(path.dirname(file), `.${STATE_FILES.lock}.${process.pid}.cafebabe.tmp`);
    await writeFile(killed, '{}');
    await writeFile(live, '{}');
    const lock = await store.lock('work');
    expect(existsSync(killed)).toBe(false);
    expect(existsSync(live)).toBe(true);
    await lock.release();
  });
  describe('a takeover claim left beside a stale lock', () => {
    /** Plants a stale lock of a dead process of this host and a claim on it with `claimContent`; gives the claim's path. */
    async function plantClaim(store: LowdbStateStore, claimContent: string): Promise<string> {
      const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']);
      const file = await plantLock(store, 'work', { pid: dead.pid, hostname: hostname(), startedAt: '2024-01-01T00:00:00.000Z' });
      const claim = `${file}.takeover-${createHash('sha1').update(await readFile(file, 'utf8')).digest('hex').slice(0, 16)}`;
      await writeFile(claim, claimContent);
      return claim;
    }

    it('is removed at once when its maker died mid-takeover (SIGKILL), and the lock is taken', async () => {
      const store = new LowdbStateStore(dir);
      const killed = spawnSync(process.execPath, ['-e', 'process.exit(0)']);
      const claim = await plantClaim(store, JSON.stringify({ pid: killed.pid, hostname: hostname(), startedAt: new Date().toISOString() }));
      const lock = await store.lock('work');
      expect(existsSync(claim)).toBe(false);
      await lock.release();
    });

    it('blocks while its maker is alive, or on another host', async () => {
      const store = new LowdbStateStore(dir);
      const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
      try {
        await new Promise((resolve) => child.once('spawn', resolve));
        const claim = await plantClaim(store, JSON.stringify({ pid: child.pid, hostname: hostname(), startedAt: new Date().toISOString() }));
        expect((await lockedError(store.lock('work'))).message).toContain('taking over a stale lock');
        const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']);
        await writeFile(claim, JSON.stringify({ pid: dead.pid, hostname: `not-${hostname()}`, startedAt: new Date().toISOString() }));
        expect((await lockedError(store.lock('work'))).message).toContain('taking over a stale lock');
      } finally {
        child.kill();
      }
    });

    it('that cannot be read (an older bare pid) blocks while fresh and is removed once old', async () => {
      const store = new LowdbStateStore(dir);
      const claim = await plantClaim(store, '12345');
      await lockedError(store.lock('work'));
      const old = new Date(Date.now() - 60_000);
      await utimes(claim, old, old);
      const lock = await store.lock('work');
      await lock.release();
    });
  });
});
