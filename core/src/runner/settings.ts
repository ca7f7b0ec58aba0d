/**
 * The service's settings with their defaults resolved: `service.*` and each pairing's `schedule`. The same defaults
 * are stated in schemas/config.schema.json and the README; durations are `<number><ms|s|m|h|d>`.
 */
import type { ConfigFile, EndpointConfig, PairingConfig } from '../config/types.js';
import type { RunBudgetLimits } from '../sdk/run-budget.js';

/** Defaults of `service.*` and `pairings.*.schedule.*`. */
export const SERVICE_DEFAULTS = {
  host: '127.0.0.1',
  port: 8787,
  concurrency: 4,
  perHost: 2,
  maxFailures: 5,
  shutdownTimeout: '30s',
  watchDebounce: '2s',
  retryInitial: '30s',
  retryMax: '15m',
  jitter: '0s',
} as const;

/** Defaults of `pairings.*.runBudget.*` (the same as the SDK's DEFAULT_RUN_BUDGET). */
export const RUN_BUDGET_DEFAULTS = {
  failures: 3,
  failureTime: '20s',
  maxPause: '1m',
} as const;

/** Bounds checked by `validateConfig` (durations in ms). */
export const BOUNDS = {
  failureTime: [1_000, 600_000],
  maxPause: [0, 3_600_000],
  every: [1_000, 31 * 86_400_000],
  jitter: [0, 86_400_000],
  retry: [1_000, 86_400_000],
  shutdownTimeout: [0, 600_000],
  watchDebounce: [50, 600_000],
} as const;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration such as `30s`, `5m`, `1500ms`; undefined when it is not one. */
export function parseDuration(text: string | undefined): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^([0-9]{1,9})(ms|s|m|h|d)$/.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : undefined;
}

/** A pairing's schedule as the scheduler uses it. */
export interface ResolvedSchedule {
  /** `enabled: false` in the config. */
  enabledInConfig: boolean;
  /** Interval between run starts (ms), or undefined. */
  everyMs?: number;
  /** A cron expression (5 or 6 fields), or undefined. */
  cron?: string;
  /** IANA zone for `cron` (default: the machine's). */
  timezone?: string;
  /** Up to this many ms are added at random to each scheduled run. */
  jitterMs: number;
  /** Run when a side's connector reports a change. */
  watch: boolean;
  maxFailures: number;
  retryInitialMs: number;
  retryMaxMs: number;
}

export function resolveSchedule(pairing: PairingConfig, config: ConfigFile): ResolvedSchedule {
  const s = pairing.schedule ?? {};
  const svc = config.service ?? {};
  const d = (value: string | undefined, fallback: string) => parseDuration(value) ?? parseDuration(fallback)!;
  return {
    enabledInConfig: pairing.enabled !== false,
    everyMs: parseDuration(s.every),
    cron: s.cron,
    timezone: s.timezone,
    jitterMs: d(s.jitter, SERVICE_DEFAULTS.jitter),
    watch: s.watch === true,
    maxFailures: s.maxFailures ?? svc.maxFailures ?? SERVICE_DEFAULTS.maxFailures,
    retryInitialMs: d(s.retry?.initial, SERVICE_DEFAULTS.retryInitial),
    retryMaxMs: d(s.retry?.max, SERVICE_DEFAULTS.retryMax),
  };
}

/** `service.*` resolved. */
export interface ResolvedService {
  host: string;
  port: number;
  concurrency: number;
  perHost: number;
  shutdownTimeoutMs: number;
  watchDebounceMs: number;
}

export function resolveService(config: ConfigFile): ResolvedService {
  const s = config.service ?? {};
  return {
    host: s.host ?? SERVICE_DEFAULTS.host,
    port: s.port ?? SERVICE_DEFAULTS.port,
    concurrency: s.concurrency ?? SERVICE_DEFAULTS.concurrency,
    perHost: s.perHost ?? SERVICE_DEFAULTS.perHost,
    shutdownTimeoutMs: parseDuration(s.shutdownTimeout) ?? parseDuration(SERVICE_DEFAULTS.shutdownTimeout)!,
    watchDebounceMs: parseDuration(s.watchDebounce) ?? parseDuration(SERVICE_DEFAULTS.watchDebounce)!,
  };
}

/** Settings keys read for an endpoint's remote host, in order. */
const HOST_KEYS = ['url', 'server', 'domain'] as const;

/**
 * The remote host an endpoint talks to (`host[:port]`, lower case), for the per-host limit: the first of the
 * settings `url`, `server` (http/https URLs) or `domain`; undefined for local endpoints (folders). Generic on
 * purpose: every network connector here names its server in one of these settings.
 */
export function remoteHost(endpoint: EndpointConfig | undefined): string | undefined {
  const settings = endpoint?.settings ?? {};
  for (const key of HOST_KEYS) {
    const value = settings[key];
    if (typeof value !== 'string' || value === '') continue;
    if (key === 'domain') return value.toLowerCase().replace(/^.*@/, '');
    try {
      const url = new URL(value);
      if (url.protocol === 'http:' || url.protocol === 'https:') return url.host.toLowerCase();
    } catch {
      // not a URL: try the next key
    }
  }
  return undefined;
}

/** The distinct remote hosts of a pairing's two endpoints. */
export function pairingHosts(pairing: PairingConfig, config: ConfigFile): string[] {
  const hosts = [pairing.a.endpoint, pairing.b.endpoint].map((e) => remoteHost(config.endpoints?.[e])).filter((h): h is string => !!h);
  return [...new Set(hosts)];
}

/** A pairing's run budget in milliseconds, defaults filled in. */
export function resolveRunBudget(pairing: PairingConfig): RunBudgetLimits {
  const b = pairing.runBudget ?? {};
  return {
    failures: b.failures ?? RUN_BUDGET_DEFAULTS.failures,
    failureTimeMs: parseDuration(b.failureTime) ?? parseDuration(RUN_BUDGET_DEFAULTS.failureTime)!,
    maxPauseMs: parseDuration(b.maxPause) ?? parseDuration(RUN_BUDGET_DEFAULTS.maxPause)!,
  };
}
