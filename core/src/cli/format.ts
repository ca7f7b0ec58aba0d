/** Plain-text rendering for the CLI: aligned tables and run summaries. */
import type { RunReport } from '../engine/report.js';
import type { Plan } from '../engine/plan-types.js';
import type { PairingConfig } from '../config/types.js';

/** Left-aligned columns separated by two spaces; long cells are cut with an ellipsis. */
export function table(headers: string[], rows: string[][], maxCell = 48): string {
  const cut = (s: string) => (s.length > maxCell ? `${s.slice(0, maxCell - 1)}…` : s);
  const all = [headers, ...rows].map((r) => r.map((c) => cut(c ?? '')));
  const widths = headers.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}

export function summary(r: RunReport): string {
  const side = (n: string, c: RunReport['a']) => `${n}: +${c.created} ~${c.updated} -${c.deleted}`;
  const head = `${r.pairing}: ${r.dryRun ? 'dry run, would change' : r.ok ? 'done' : 'done with problems'} — ${side('a', r.a)}  ${side('b', r.b)}  unchanged ${r.unchanged}`
    + (r.conflicts ? `  conflicts ${r.conflicts}` : '') + (r.skipped ? `  skipped ${r.skipped}` : '') + (r.failed ? `  failed ${r.failed}` : '')
    + `  (${(r.durationMs / 1000).toFixed(2)} s)`;
  const lines = [head];
  for (const n of r.notSynced ?? []) lines.push(`  ${n.count} ${n.count === 1 ? 'change' : 'changes'} on ${n.side} not synced: ${n.reason}`);
  for (const c of r.collections ?? []) {
    const what = [
      c.name === undefined ? '' : c.asked?.name !== undefined ? `name "${c.name}" (kept; not "${c.asked.name}")` : `name "${c.name}"`,
      c.color === undefined ? '' : c.asked?.color !== undefined ? `colour ${c.color} (nearest to ${c.asked.color})` : `colour ${c.color}`,
    ].filter(Boolean).join(', ');
    lines.push(`  collection on ${c.side}: ${r.dryRun ? 'would set' : 'set'} ${what}`);
  }
  if (r.blocked) lines.push(`  stopped: ${r.blocked}`);
  if (r.aborted) lines.push(`  aborted: ${r.aborted}`);
  for (const e of r.errors.slice(0, 20)) lines.push(`  error: ${e.message}`);
  if (r.errors.length > 20) lines.push(`  … and ${r.errors.length - 20} more errors (see --json)`);
  return lines.join('\n');
}

/** The dry-run plan as a table: one row per action, then the counts per side. */
export function planTable(plan: Plan): string {
  if (!plan.actions.length) return '  nothing to do';
  const rows = plan.actions.map((a) => [a.kind, a.target, a.title, a.reason]);
  return table(['action', 'side', 'item', 'why'], rows).split('\n').map((l) => `  ${l}`).join('\n');
}

/** Proposed pairings (`discover --pair-with`): one row per pairing, from side A's collection to side B's new one. */
export function pairPlanTable(proposed: { name: string; source: { id: string; name: string }; pairing: PairingConfig }[]): string {
  return table(['pairing', 'entity', 'from collection', 'name', 'to collection', 'mode'], proposed.map((p) => [
    p.name, p.pairing.entity, p.pairing.a.collection ?? '', p.source.name,
    `${p.pairing.b.collection}${p.pairing.b.create ? ' (new)' : ''}`, `${p.pairing.mode ?? 'two-way'}${p.pairing.a.readOnly ? ' (a read-only)' : ''}`,
  ]));
}
