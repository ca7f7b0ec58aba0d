/**
 * A minimal test runner for the conformance suite outside vitest (the `dovetail conformance` command): it provides
 * the `describe`/`it`/`expect` the suite registers with, runs the tests one after another with a timeout each, and
 * returns one outcome per test.
 */
import { inspect, isDeepStrictEqual } from 'node:util';
import type { ConformanceAssertion, ConformanceTestApi } from './conformance.js';

/** The result of one test. */
export interface TestOutcome {
  /** The describe block (e.g. `my-crm conformance: event`). */
  suite: string;
  name: string;
  ok: boolean;
  durationMs: number;
  /** The first line of the failure. */
  error?: string;
}

const show = (v: unknown) => inspect(v, { depth: 4, breakLength: Infinity, maxStringLength: 200 });

function assertion(actual: unknown, negated = false): ConformanceAssertion {
  const check = (pass: boolean, text: string) => {
    if (pass === negated) throw new Error(`expected ${show(actual)} ${negated ? 'not ' : ''}${text}`);
  };
  return {
    toBe: (expected) => check(Object.is(actual, expected), `to be ${show(expected)}`),
    toEqual: (expected) => check(isDeepStrictEqual(actual, expected), `to equal ${show(expected)}`),
    toContain: (item) => check((Array.isArray(actual) || typeof actual === 'string') && actual.includes(item as never), `to contain ${show(item)}`),
    toHaveLength: (length) => check((actual as { length?: unknown })?.length === length, `to have length ${length}`),
    get not() { return assertion(actual, !negated); },
  };
}

interface Registered { suite: string; name: string; body: () => Promise<void>; timeoutMs?: number }

export interface TableRunner {
  /** Pass this to `runConformanceSuite`. */
  api: ConformanceTestApi;
  /** Runs what was registered, in order; `onResult` is told after each test. */
  run(options?: { timeoutMs?: number; onResult?: (o: TestOutcome) => void }): Promise<TestOutcome[]>;
}

export function tableRunner(): TableRunner {
  const tests: Registered[] = [];
  const suites: string[] = [];
  const api: ConformanceTestApi = {
    describe(name, body) {
      suites.push(name);
      try { body(); } finally { suites.pop(); }
    },
    it(name, body, timeoutMs) {
      tests.push({ suite: suites.join(' › '), name, body, timeoutMs });
    },
    expect: (actual) => assertion(actual),
  };
  return {
    api,
    async run(options = {}) {
      const out: TestOutcome[] = [];
      for (const t of tests) {
        const started = Date.now();
        const limit = t.timeoutMs ?? options.timeoutMs ?? 60_000;
        let timer: NodeJS.Timeout | undefined;
        let error: string | undefined;
        try {
          await Promise.race([t.body(), new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${limit} ms`)), limit);
          })]);
        } catch (e) {
          error = (e instanceof Error ? e.message : String(e)).split('\n')[0];
        } finally {
          clearTimeout(timer);
        }
        const outcome: TestOutcome = { suite: t.suite, name: t.name, ok: error === undefined, durationMs: Date.now() - started, ...(error ? { error } : {}) };
        out.push(outcome);
        options.onResult?.(outcome);
      }
      return out;
    },
  };
}
