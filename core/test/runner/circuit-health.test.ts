import { describe, expect, it } from 'vitest';
import { CLOSED, circuitFromHistory, nextCircuit } from '../../src/runner/circuit.js';
import { healthOf } from '../../src/runner/health.js';
import type { RunEntry } from '../../src/runner/run-entry.js';

let minute = 0;
function entry(extra: Partial<RunEntry> = {}): RunEntry {
  minute += 1;
  return {
    pairing: 'p', ok: true, dryRun: false, startedAt: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(), durationMs: 5,
    a: { created: 0, updated: 0, deleted: 0 }, b: { created: 0, updated: 0, deleted: 0 }, unchanged: 0, conflicts: 0, skipped: 0, failed: 0,
    errors: [], items: [], ...extra,
  };
}
const down = (extra: Partial<RunEntry> = {}) => entry({ ok: false, aborted: 'connection refused', failure: 'unreachable', ...extra });

describe('circuit breaker', () => {
  it('opens after maxFailures consecutive failed runs and stays open until reset', () => {
    let c = CLOSED;
    for (let i = 0; i < 2; i += 1) c = nextCircuit(c, down(), 3);
    expect(c).toMatchObject({ failures: 2, open: false, lastError: 'connection refused' });
    const third = down();
    c = nextCircuit(c, third, 3);
    expect(c).toMatchObject({ failures: 3, open: true, openedAt: third.startedAt });
    c = nextCircuit(c, entry(), 3);
    expect(c.open).toBe(true); // a success (e.g. a manual CLI run) does not close it: only a reset does
  });

  it('a completed run clears the count; locked, interrupted and dry runs leave it as it is', () => {
    let c = nextCircuit(CLOSED, down(), 5);
    c = nextCircuit(c, down({ failure: 'locked' }), 5);
    c = nextCircuit(c, down({ failure: 'interrupted' }), 5);
    c = nextCircuit(c, down({ dryRun: true }), 5);
    expect(c.failures).toBe(1);
    c = nextCircuit(c, entry({ ok: false, blocked: 'would delete 90%' }), 5);
    expect(c).toEqual(CLOSED);
  });

  it('from history: only runs after the last reset count', () => {
    const runs = [down(), down(), down()];
    const newestFirst = [...runs].reverse();
    expect(circuitFromHistory(newestFirst, undefined, 3)).toMatchObject({ open: true, failures: 3 });
    expect(circuitFromHistory(newestFirst, runs[0]!.startedAt, 3)).toMatchObject({ open: false, failures: 2 });
    expect(circuitFromHistory(newestFirst, runs[2]!.startedAt, 3)).toEqual(CLOSED);
  });
});

describe('health', () => {
  it('is never-run, ok, warning or error with reasons', () => {
    expect(healthOf(undefined, undefined, CLOSED).health).toBe('never-run');
    expect(healthOf(entry(), { retrying: 0, conflicts: 0, quarantined: 0 }, CLOSED)).toEqual({ health: 'ok', reasons: [] });
    const retry = healthOf(entry(), { retrying: 2, nextRetryAt: '2026-01-01T01:00:00.000Z', conflicts: 0, quarantined: 0 }, CLOSED);
    expect(retry.health).toBe('warning');
    expect(retry.reasons[0]).toBe('2 items waiting for a retry (next at 2026-01-01T01:00:00.000Z)');
    expect(healthOf(entry(), { retrying: 0, conflicts: 1, quarantined: 0 }, CLOSED).health).toBe('warning');
    expect(healthOf(entry(), { retrying: 0, conflicts: 0, quarantined: 3 }, CLOSED).reasons[0]).toMatch(/3 items refused/);
    expect(healthOf(entry({ ok: false, failed: 1 }), undefined, CLOSED).health).toBe('warning');
    expect(healthOf(down(), undefined, CLOSED)).toEqual({ health: 'error', reasons: ['last run failed: connection refused'] });
    expect(healthOf(entry({ ok: false, blocked: 'side B is suddenly empty' }), undefined, CLOSED).reasons[0]).toBe('stopped by a guard: side B is suddenly empty');
    expect(healthOf(entry(), undefined, { failures: 5, open: true }).health).toBe('error');
  });
});
