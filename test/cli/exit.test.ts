/**
 * The CLI exits as soon as its command has finished and stdout/stderr have taken what was written
 * (core/bin/dovetail.js): a report far larger than a pipe's buffer still arrives whole when the reader is slow,
 * and the exit code is the command's.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { Workspace } from '../support/workspace.js';

const bin = fileURLToPath(new URL('../../core/bin/dovetail.js', import.meta.url));
let ws: Workspace;
afterEach(() => ws?.cleanup());

/** Runs the CLI with stdout on a pipe that is not read for the first `stallMs`. */
function runSlowReader(args: string[], cwd: string, stallMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), stallMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

it('a --json report of 1,200 items reaches a slow reader whole, with the exit code of the run', async () => {
  ws = new Workspace();
  ws.pairing();
  // Long titles: a report keeps the lines of the first 1,000 routine items, and these make them ~300 KiB.
  for (let i = 0; i < 1200; i++) ws.put('left', { uid: `exit-${i}@test`, summary: `Event ${i} ${'long title '.repeat(20)}` });
  const r = await runSlowReader(['sync', '--json'], ws.dir, 500);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout.length).toBeGreaterThan(192 * 1024); // three times a pipe's buffer (64 KiB)
  const report = JSON.parse(r.stdout) as { runs: Array<{ ok: boolean; b: { created: number }; items: unknown[]; itemsOmitted?: number }> };
  expect(report.runs[0].ok).toBe(true);
  expect(report.runs[0].b.created).toBe(1200);
  expect(report.runs[0].items).toHaveLength(1000);
  expect(report.runs[0].itemsOmitted).toBe(200);
  expect(ws.items('right').size).toBe(1200);

  // a usage error still exits 2 with its message on stderr
  const bad = await runSlowReader(['sync', 'nope'], ws.dir, 0);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/unknown pairing 'nope'/);
});
