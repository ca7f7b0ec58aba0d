// What every bench script does around its measurements: a scratch folder removed at the end (also on
// failure), aligned plain-text tables, and a non-zero exit listing what misbehaved.
import { mkdir, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';

/** Prints `rows` under `header`: the first column left-aligned, the others right-aligned. */
export function table(header, rows) {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells) => cells.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

/** Runs `body` with `work` created; removes it afterwards, and its parent (bench/.work) when that is empty. */
export async function inWorkDir(work, body) {
  await mkdir(work, { recursive: true });
  try {
    return await body();
  } finally {
    await rm(work, { recursive: true, force: true });
    await rmdir(path.dirname(work)).catch(() => undefined);
  }
}

/**
 * The first run of a `dovetail sync --json` child (`runChild`'s result); throws, naming `label`, when the
 * child printed no report or the run failed.
 */
export function syncReport(r, label) {
  let report;
  try {
    report = JSON.parse(r.stdout).runs[0];
  } catch {
    throw new Error(`dovetail sync (${label}) printed no JSON report (exit ${r.code}):\n${r.stderr.slice(0, 2000)}`);
  }
  if (r.code !== 0 || !report.ok) throw new Error(`dovetail sync (${label}) failed, exit ${r.code}: ${JSON.stringify(report.errors ?? []).slice(0, 1000)}`);
  return report;
}

/** Exits 1 listing `failures` when there are any. */
export function exitOnFailures(failures) {
  if (!failures.length) return;
  console.error(`\nFAILED:\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
