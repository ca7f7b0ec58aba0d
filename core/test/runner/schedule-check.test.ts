import { describe, expect, it } from 'vitest';
import { scheduleIssues } from '../../src/runner/schedule-check.js';
import { pairingHosts, parseDuration, remoteHost, resolveSchedule, resolveService } from '../../src/runner/settings.js';
import type { ConfigFile, PairingConfig } from '../../src/config/types.js';

const side = (endpoint: string) => ({ endpoint, collection: 'c' });

describe('service settings', () => {
  it('parses durations and resolves the defaults stated in the schema and README', () => {
    expect([parseDuration('1500ms'), parseDuration('30s'), parseDuration('5m'), parseDuration('2h'), parseDuration('1d')]).toEqual([1500, 30_000, 300_000, 7_200_000, 86_400_000]);
    expect(parseDuration('5 m')).toBeUndefined();
    expect(parseDuration('1w')).toBeUndefined();
    const config: ConfigFile = { endpoints: {}, pairings: {} };
    const pairing = { entity: 'event', a: side('x'), b: side('y') } as PairingConfig;
    expect(resolveService(config)).toEqual({ host: '127.0.0.1', port: 8787, concurrency: 4, perHost: 2, shutdownTimeoutMs: 30_000, watchDebounceMs: 2_000 });
    expect(resolveSchedule(pairing, config)).toEqual({ enabledInConfig: true, everyMs: undefined, cron: undefined, timezone: undefined, jitterMs: 0, watch: false, maxFailures: 5, retryInitialMs: 30_000, retryMaxMs: 900_000 });
    expect(resolveSchedule({ ...pairing, enabled: false, schedule: { every: '5m', maxFailures: 10 } }, { ...config, service: { maxFailures: 3 } })).toMatchObject({ enabledInConfig: false, everyMs: 300_000, maxFailures: 10 });
    expect(resolveSchedule(pairing, { ...config, service: { maxFailures: 3 } }).maxFailures).toBe(3);
  });

  it('derives the remote host of an endpoint from url, server or domain', () => {
    expect(remoteHost({ connector: 'caldav', settings: { url: 'https://DAV.example.com:8443/cal/' } })).toBe('dav.example.com:8443');
    expect(remoteHost({ connector: 'caldav', settings: { preset: 'nextcloud', server: 'https://cloud.example.org' } })).toBe('cloud.example.org');
    expect(remoteHost({ connector: 'caldav', settings: { domain: 'ann@example.net' } })).toBe('example.net');
    expect(remoteHost({ connector: 'filesystem', settings: { path: './cal' } })).toBeUndefined();
    expect(remoteHost({ connector: 'x', settings: { url: 'file:///tmp/a.ics' } })).toBeUndefined();
    const config = { endpoints: { a: { connector: 'caldav', settings: { url: 'https://h.example/' } }, b: { connector: 'carddav', settings: { url: 'https://h.example/card/' } }, f: { connector: 'filesystem', settings: { path: '.' } } }, pairings: {} } as ConfigFile;
    expect(pairingHosts({ entity: 'event', a: side('a'), b: side('b') } as PairingConfig, config)).toEqual(['h.example']);
    expect(pairingHosts({ entity: 'event', a: side('a'), b: side('f') } as PairingConfig, config)).toEqual(['h.example']);
  });
});

describe('schedule checks', () => {
  it('reports durations out of range, bad cron expressions and zones, jitter above the interval, retry initial above max', () => {
    const issues = scheduleIssues({
      service: { shutdownTimeout: '11m', watchDebounce: '10ms' },
      pairings: {
        a: { schedule: { every: '500ms' } },
        b: { schedule: { every: '1m', jitter: '2m' } },
        c: { schedule: { cron: '61 * * * *' } },
        d: { schedule: { cron: '*/5 * * * *', timezone: 'Mars/Base' } },
        e: { schedule: { every: '1m', timezone: 'UTC' } },
        f: { schedule: { retry: { initial: '1h', max: '1m' } } },
        ok: { schedule: { cron: '0 7-19 * * 1-5', timezone: 'Europe/Berlin', jitter: '30s', retry: { initial: '10s', max: '1h' } } },
      },
    });
    expect(issues.map((i) => [i.pointer, i.message])).toEqual([
      ['/service/shutdownTimeout', '11m is out of range'],
      ['/service/watchDebounce', '10ms is out of range'],
      ['/pairings/a/schedule/every', '500ms is out of range'],
      ['/pairings/b/schedule/jitter', 'jitter 2m is longer than the interval 1m'],
      ['/pairings/c/schedule/cron', 'Invalid value for minute: 61'],
      ['/pairings/d/schedule/timezone', 'unknown time zone "Mars/Base" (use an IANA name such as Europe/Berlin or UTC)'],
      ['/pairings/e/schedule/timezone', '`timezone` only applies to `cron`'],
      ['/pairings/f/schedule/retry', 'retry.initial 1h is longer than retry.max 1m'],
    ]);
  });
});
