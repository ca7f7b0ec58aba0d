/**
 * Crash safety: a 5,000-item two-way local-folder sync is killed with SIGKILL at 24 points (start-up, listing,
 * loading, writing, state commits); each restart picks up where the last left off, and the end state has
 * every item exactly once on both sides.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { Workspace, cliPath, writes } from '../support/workspace.js';

const N = 5000;
const KILLS = 24;
const ws = new Workspace('dovetail-crash-');
afterAll(() => ws.cleanup());

function count(dir: string): number {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.ics')).length;
  } catch {
    return 0;
  }
}

/** Starts a sync and kills it when `until()` holds (or after `ms`); resolves with how it ended. */
function syncAndKill(until: () => boolean, ms: number): Promise<'killed' | `exit ${number}`> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, 'sync', '--json'], { cwd: ws.dir, stdio: 'ignore' });
    const started = Date.now();
    let done = false;
    const timer = setInterval(() => {
      if (done) return;
      if (until() || Date.now() - started >= ms) {
        child.kill('SIGKILL');
      }
    }, 5);
    child.on('exit', (code, signal) => {
      done = true;
      clearInterval(timer);
      resolve(signal === 'SIGKILL' ? 'killed' : `exit ${code ?? -1}`);
    });
  });
}

describe('crash safety', () => {
  it(`SIGKILL at ${KILLS} points of a ${N}-item run: every restart converges, no duplicates, no loss`, async () => {
    ws.pairing({ mode: 'two-way', chunkSize: 100 });
    for (let i = 0; i < N; i++) {
      const side = i % 5 === 0 ? 'right' : 'left'; // items start on both sides
      ws.put(side, { uid: `crash-${i}@example.org`, summary: `Item ${i}`, start: `2026${String(1 + (i % 12)).padStart(2, '0')}10T090000Z` });
    }
    const right = ws.path('right', 'cal');
    const left = ws.path('left', 'cal');
    let kills = 0;
    const outcomes: string[] = [];
    for (let k = 0; k < KILLS; k++) {
      const before = count(right) + count(left);
      // A third of the kills land early (start-up, listing, loading); the rest after some writes.
      const outcome = k % 3 === 0
        ? await syncAndKill(() => false, 150 + k * 25)
        : await syncAndKill(() => count(right) + count(left) >= before + 150, 60_000);
      outcomes.push(outcome);
      if (outcome === 'killed') kills++;
      // Whatever the kill left behind, no UID is ever on one side twice.
      expect(() => ws.items('left')).not.toThrow();
      expect(() => ws.items('right')).not.toThrow();
    }
    // A run that ends by itself instead (exit 3: the pairing is locked) means a kill left the pairing blocked.
    expect(kills, `how the runs ended: ${outcomes.join(', ')}`).toBeGreaterThanOrEqual(20);

    const final = await ws.sync();
    expect(final.code).toBe(0);
    const l = ws.items('left');
    const r = ws.items('right');
    expect(l.size).toBe(N);
    expect(r.size).toBe(N);
    for (let i = 0; i < N; i++) {
      expect(l.get(`crash-${i}@example.org`)).toBe(`Item ${i}`);
      expect(r.get(`crash-${i}@example.org`)).toBe(`Item ${i}`);
    }
    const again = await ws.sync();
    expect(writes(again.report)).toBe(0);
    expect(again.report.unchanged).toBe(N);
  }, 600_000);
});
