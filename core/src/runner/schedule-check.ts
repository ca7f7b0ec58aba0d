/** Checks of the service and run settings a JSON schema cannot express: duration bounds, cron expressions, time zones. */
import type { SchemaIssue } from '../config/schema-issues.js';
import { joinPointer } from '../config/json-pointer.js';
import { cronProblem } from './cron.js';
import { BOUNDS, parseDuration } from './settings.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function text(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** A duration outside [min, max] (ignored when the schema already refused its form). */
function bounded(issues: SchemaIssue[], pointer: string, value: unknown, [min, max]: readonly [number, number]): number | undefined {
  const ms = parseDuration(value as string);
  if (ms === undefined) return undefined;
  if (ms < min || ms > max) issues.push({ pointer, message: `${value as string} is out of range`, hint: `use a duration from ${text(min)} to ${text(max)}` });
  return ms;
}

/** Issues of `service.*` and every `pairings.*.schedule`. */
export function scheduleIssues(config: Record<string, unknown>): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const service = isObject(config.service) ? config.service : {};
  bounded(issues, '/service/shutdownTimeout', service.shutdownTimeout, BOUNDS.shutdownTimeout);
  bounded(issues, '/service/watchDebounce', service.watchDebounce, BOUNDS.watchDebounce);
  const pairings = isObject(config.pairings) ? config.pairings : {};
  for (const [name, pairing] of Object.entries(pairings)) {
    if (isObject(pairing) && isObject(pairing.runBudget)) {
      const at = `${joinPointer('/pairings', name)}/runBudget`;
      bounded(issues, `${at}/failureTime`, pairing.runBudget.failureTime, BOUNDS.failureTime);
      bounded(issues, `${at}/maxPause`, pairing.runBudget.maxPause, BOUNDS.maxPause);
    }
    if (!isObject(pairing) || !isObject(pairing.schedule)) continue;
    const at = `${joinPointer('/pairings', name)}/schedule`;
    const s = pairing.schedule;
    const every = bounded(issues, `${at}/every`, s.every, BOUNDS.every);
    const jitter = bounded(issues, `${at}/jitter`, s.jitter, BOUNDS.jitter);
    if (every !== undefined && jitter !== undefined && jitter > every) {
      issues.push({ pointer: `${at}/jitter`, message: `jitter ${s.jitter as string} is longer than the interval ${s.every as string}`, hint: 'use a jitter no longer than `every`' });
    }
    if (typeof s.cron === 'string') {
      const problem = cronProblem(s.cron, typeof s.timezone === 'string' ? s.timezone : undefined);
      const zone = problem?.startsWith('unknown time zone');
      if (problem) {
        issues.push(zone
          ? { pointer: `${at}/timezone`, message: problem, hint: 'leave it out to use the machine\'s zone' }
          : { pointer: `${at}/cron`, message: problem, hint: 'e.g. "*/5 * * * *" (every 5 minutes) or "0 7-19 * * 1-5" (on the hour, 7 to 19, Monday to Friday)' });
      }
    } else if (s.timezone !== undefined) {
      issues.push({ pointer: `${at}/timezone`, message: '`timezone` only applies to `cron`', hint: 'remove it, or add a `cron` expression' });
    }
    if (isObject(s.retry)) {
      const initial = bounded(issues, `${at}/retry/initial`, s.retry.initial, BOUNDS.retry);
      const max = bounded(issues, `${at}/retry/max`, s.retry.max, BOUNDS.retry);
      if (initial !== undefined && max !== undefined && initial > max) {
        issues.push({ pointer: `${at}/retry`, message: `retry.initial ${s.retry.initial as string} is longer than retry.max ${s.retry.max as string}`, hint: 'make `initial` no longer than `max`' });
      }
    }
  }
  return issues;
}
