/** Plain-text rendering for the CLI: aligned tables and run summaries. */
import type { RunReport } from '../engine/report.js';
import type { PlanOutline } from '../engine/plan-types.js';
import type { PairingConfig } from '../config/types.js';
import type { PendingWork } from '../runner/run-entry.js';

/** Left-aligned columns separated by two spaces; long cells are cut with an ellipsis. */
export function table(headers: string[], rows: string[][], maxCell = 48): string {
  const cut = (s: string) => (s.length > maxCell ? `${s.slice(0, maxCell - 1)}…` : s);
  const all = [headers, ...rows].map((r) => r.map((c) => cut(c ?? '')));
  const widths = headers.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}

/** A run's summary: one line of counts, then why it stopped, what waits, and its first errors. */
export function summary(r: Omit<RunReport, 'failure'> & { pending?: PendingWork }): string {
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
  const waiting = r.pending?.retrying ?? 0;
  if (waiting && !r.dryRun) {
    lines.push(`  waiting: ${waiting} item${waiting === 1 ? '' : 's'} to retry after failures, ${r.pending?.nextRetryAt ? `next at ${r.pending.nextRetryAt}` : 'on the next run'} (see dovetail status)`);
  }
  if (r.repaired) lines.push(`  repaired: ${r.repaired} item${r.repaired > 1 ? 's' : ''} the server refused as they were went through repaired (${repairNames(r)}); the source is unchanged`);
  if (r.altered) lines.push(`  altered by the server: ${r.altered} item${r.altered > 1 ? 's' : ''} stored otherwise than sent (${alteredNames(r)}; see --json items[].altered)`);
  for (const e of r.errors.slice(0, 20)) lines.push(`  error: ${e.message}`);
  if (r.errors.length > 20) lines.push(`  … and ${r.errors.length - 20} more errors (see --json)`);
  return lines.join('\n');
}

/** The repair rules used in a run, with how many items each made go through. */
function repairNames(r: RunReport): string {
  const counts = new Map<string, number>();
  for (const i of r.items) for (const name of i.repaired ?? []) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].map(([name, n]) => `${name} ×${n}`).join(', ');
}

/** The properties servers altered in a run, with how many items each. */
function alteredNames(r: RunReport): string {
  const counts = new Map<string, number>();
  for (const i of r.items) for (const p of new Set((i.altered ?? []).map((a) => a.property))) counts.set(p, (counts.get(p) ?? 0) + 1);
  const list = [...counts].sort((x, y) => y[1] - x[1]);
  return list.slice(0, 8).map(([p, n]) => `${p} ×${n}`).join(', ') + (list.length > 8 ? `, … ${list.length - 8} more` : '');
}

/** The dry-run plan as a table: one row per action, then the counts per side. */
export function planTable(plan: PlanOutline): string {
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
