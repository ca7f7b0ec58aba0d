// The speed and memory targets, each printed beside the ratio measured in the same run. A bench calls
// `reportTargets` once; `bench/run.mjs` sets DOVETAIL_BENCH_TARGETS to a file and prints every bench's targets
// together at the end (one JSON line per target is appended there). Targets are reported, not asserted: a
// bench exits non-zero only for a broken run (wrong item or request counts, a no-change run that writes).
import { appendFileSync } from 'node:fs';
import { table } from './report.mjs';

/**
 * @typedef {object} Target
 * @property {string} target     what must hold, as the issue words it (e.g. "no change ≤ 1.5× raw")
 * @property {string} [scale]    the size it was measured at (e.g. "5,000 events")
 * @property {number} [ratio]    the measured ratio (compared with `limit`); undefined when only `holds` is known
 * @property {number} [limit]    the ratio the target allows (ratio ≤ limit holds)
 * @property {boolean} [holds]   set when there is no ratio (counts, "one request per collection")
 * @property {number} [floor]    the same ratio for the least any client on the same stack must do (e.g. a Node process
 *                               sending only the protocol's requests); a target whose floor is above `limit` cannot hold
 * @property {string} measured   the figures behind the ratio, in words
 */

/** Whether `t` holds: `holds` when given, else ratio ≤ limit; undefined when it was not measured. */
export function targetHolds(t) {
  if (t.holds !== undefined) return t.holds;
  return t.ratio === undefined || t.limit === undefined ? undefined : t.ratio <= t.limit;
}

const verdict = (t) => {
  const holds = targetHolds(t);
  if (holds === false && t.floor !== undefined && t.limit !== undefined && t.floor > t.limit) return 'MISSES (floor above limit)';
  return ({ true: 'holds', false: 'MISSES', undefined: 'not measured' })[String(holds)];
};
const ratioText = (t) => (t.ratio === undefined ? '' : `${t.ratio.toFixed(2)}×`);

/** Prints `targets` as a table and records them for bench/run.mjs's summary. */
export function reportTargets(bench, targets) {
  console.log('\nTargets (reported, not asserted):');
  printTargets(targets);
  const file = process.env.DOVETAIL_BENCH_TARGETS;
  if (file) for (const t of targets) appendFileSync(file, `${JSON.stringify({ bench, ...t })}\n`);
}

/** The targets as a table: target, scale, ratio, limit, verdict, figures. */
export function printTargets(targets, withBench = false) {
  table([...(withBench ? ['bench'] : []), 'target', 'at', 'ratio', 'floor', 'limit', 'verdict', 'measured'], targets.map((t) => [
    ...(withBench ? [t.bench] : []), t.target, t.scale ?? '', ratioText(t), t.floor === undefined ? '' : `${t.floor.toFixed(2)}×`,
    t.limit === undefined ? '' : `≤ ${t.limit}×`, verdict(t), t.measured,
  ]));
}
