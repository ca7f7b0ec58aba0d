/**
 * How an endpoint's connector runs: in the host's process (the manifest's `main`) or as a child process (the
 * manifest's `process` command, or — for a connector with only `main` — the SDK's launcher running `main` through
 * `runStdio`). The manifest decides by default (a `process` entry runs out of process); the endpoint's `process`
 * key overrides it and tunes the limits.
 */
import { parseDuration } from '../../runner/settings.js';
import type { SchemaIssue } from '../../config/schema-issues.js';
import type { ConnectorManifest } from '../../sdk/manifest.js';

/** The endpoint's `process` key: `true`/`false`, or limits (which imply `true`). */
export type EndpointProcessOption = boolean | {
  /** A request unanswered this long kills the child (counted as a crash); default `2m`. */
  requestTimeout?: string;
  /** Interval of heartbeats; a heartbeat unanswered for this long kills the child; default `10s`. */
  heartbeat?: string;
  /** Time to start and answer `initialize`; default `30s`. */
  startTimeout?: string;
  /** Largest protocol message in either direction, bytes; default 64 MiB. */
  maxMessageBytes?: number;
};

export interface ProcessLimits {
  requestTimeoutMs: number;
  heartbeatMs: number;
  startTimeoutMs: number;
  maxMessageBytes: number;
  /** Longest stderr line logged (longer lines are cut). */
  maxLogLineBytes: number;
}

export const PROCESS_DEFAULTS = { requestTimeout: '2m', heartbeat: '10s', startTimeout: '30s', maxMessageBytes: 64 * 1024 * 1024 } as const;

/** Bounds of the durations (ms) and of maxMessageBytes. */
export const PROCESS_BOUNDS = {
  requestTimeout: [100, 3_600_000], heartbeat: [50, 600_000], startTimeout: [100, 600_000], maxMessageBytes: [65_536, 1_073_741_824],
} as const;

export type RunMode = { mode: 'in-process' } | { mode: 'process'; limits: ProcessLimits };

/** Problems with an endpoint's `process` key for this manifest (pointer relative to the endpoint). */
export function processOptionIssues(option: unknown, manifest: ConnectorManifest): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  if (option === false && manifest.main === undefined) {
    issues.push({ pointer: '/process', message: `connector "${manifest.id}" has no in-process entry ("main"); it can only run as a process`, hint: 'remove "process": false' });
  }
  if (typeof option === 'object' && option !== null) {
    for (const key of ['requestTimeout', 'heartbeat', 'startTimeout'] as const) {
      const text = (option as Record<string, unknown>)[key];
      if (text === undefined) continue;
      const ms = parseDuration(text as string);
      const [min, max] = PROCESS_BOUNDS[key];
      if (ms === undefined) continue; // not a duration: the config schema's pattern reports it
      if (ms < min || ms > max) issues.push({ pointer: `/process/${key}`, message: `${String(text)} is out of range`, hint: `from ${min} ms to ${max / 1000} s` });
    }
  }
  return issues;
}

/** The run mode of an endpoint (its `process` key already validated). */
export function runModeOf(option: EndpointProcessOption | undefined, manifest: ConnectorManifest): RunMode {
  const outOfProcess = option === undefined ? manifest.main === undefined || manifest.process !== undefined : option !== false;
  if (!outOfProcess) return { mode: 'in-process' };
  const o = typeof option === 'object' ? option : {};
  const d = (value: string | undefined, fallback: string) => parseDuration(value) ?? parseDuration(fallback)!;
  return {
    mode: 'process',
    limits: {
      requestTimeoutMs: d(o.requestTimeout, PROCESS_DEFAULTS.requestTimeout),
      heartbeatMs: d(o.heartbeat, PROCESS_DEFAULTS.heartbeat),
      startTimeoutMs: d(o.startTimeout, PROCESS_DEFAULTS.startTimeout),
      maxMessageBytes: o.maxMessageBytes ?? PROCESS_DEFAULTS.maxMessageBytes,
      maxLogLineBytes: 16 * 1024,
    },
  };
}
