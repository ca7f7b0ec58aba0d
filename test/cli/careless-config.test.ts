/**
 * Configs a careless admin writes, through the real CLI: every one is refused by `validate` (and `sync`) with exit 2,
 * its JSON pointer and no stack trace, instead of passing validation and misbehaving at run time; and credentials in
 * URLs never reach the output.
 */
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../support/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

/** Two folders paired, with `extra` merged into the config and `settings` into side A's endpoint. */
function write(extra: Record<string, unknown> = {}, pairing: Record<string, unknown> = {}): void {
  ws = new Workspace('dovetail-config-');
  ws.pairing(pairing);
  const config = JSON.parse(JSON.stringify({
    endpoints: { left: { connector: 'filesystem', settings: { path: './left' } }, right: { connector: 'filesystem', settings: { path: './right' } } },
    pairings: { p: { entity: 'event', a: { endpoint: 'left', collection: 'cal' }, b: { endpoint: 'right', collection: 'cal' }, ...pairing } },
    ...extra,
  }));
  writeFileSync(ws.path('dovetail.json'), JSON.stringify(config, null, 2));
}

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);

describe('configs that used to pass validate and then misbehave', () => {
  it('an unknown log level in the config: exit 2 at /log/level, for validate and sync alike', async () => {
    write({ log: { level: 'verbose' } });
    for (const args of [['validate'], ['sync']]) {
      const r = await ws.run(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/\/log\/level: "verbose" is not an allowed value/);
      noStack(r.stderr);
    }
  });

  it('an unknown DOVETAIL_LOG_LEVEL: exit 2 naming the variable and the levels; a known one overrides the config', async () => {
    write({ log: { level: 'warn' } });
    const bad = await ws.run(['sync'], { DOVETAIL_LOG_LEVEL: 'verbose' });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('dovetail: DOVETAIL_LOG_LEVEL=verbose is not a log level; use one of fatal, error, warn, info, debug, trace (or unset it)');
    const debug = await ws.run(['sync'], { DOVETAIL_LOG_LEVEL: 'debug' });
    expect(debug.code).toBe(0);
    expect(debug.stderr).toMatch(/"level":20,/);
  });

  it('numbers out of range are refused at their pointer: timeoutMs ≥ 2^31 and 1e300, window days ≥ 1e8, chunkSize, maxAttempts', async () => {
    write({}, { window: { pastDays: 100_000_000, futureDays: 1e300 }, chunkSize: 1e9, maxAttempts: 1e6 });
    const config = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(ws.path('dovetail.json'), 'utf8')));
    config.endpoints.feed = { connector: 'ical-feed', settings: { url: 'https://feeds.example.com/a.ics', timeoutMs: 2 ** 31 } };
    config.endpoints.dav = { connector: 'caldav', settings: { url: 'https://dav.example.com/', timeoutMs: 1e300 } };
    writeFileSync(ws.path('dovetail.json'), JSON.stringify(config, null, 2));
    const r = await ws.run(['validate', '--json']);
    expect(r.code).toBe(2);
    const pointers = (JSON.parse(r.stdout) as { issues: { pointer: string }[] }).issues.map((i) => i.pointer).sort();
    expect(pointers).toEqual([
      '/endpoints/dav/settings/timeoutMs', '/endpoints/feed/settings/timeoutMs', '/pairings/p/chunkSize',
      '/pairings/p/maxAttempts', '/pairings/p/window/futureDays', '/pairings/p/window/pastDays',
    ]);
  });

  it('run budget durations out of range are refused at their pointer', async () => {
    write({}, { runBudget: { failures: 0, failureTime: '0s', maxPause: '2h' } });
    const r = await ws.run(['validate', '--json']);
    expect(r.code).toBe(2);
    expect((JSON.parse(r.stdout) as { issues: { pointer: string }[] }).issues.map((i) => i.pointer).sort())
      .toEqual(['/pairings/p/runBudget/failureTime', '/pairings/p/runBudget/failures', '/pairings/p/runBudget/maxPause']);
  });

  it('duplicate keys are refused at their position and pointer (JSON would keep only the last)', async () => {
    write();
    writeFileSync(ws.path('dovetail.json'), [
      '{',
      '  "endpoints": {',
      '    "left": { "connector": "filesystem", "settings": { "path": "./left" } },',
      '    "right": { "connector": "filesystem", "settings": { "path": "./right", "path": "./elsewhere" } }',
      '  },',
      '  "pairings": { "p": { "entity": "event", "a": { "endpoint": "left", "collection": "cal" }, "b": { "endpoint": "right", "collection": "cal" }, "mode": "two-way", "mode": "mirror-a-to-b" } }',
      '}',
    ].join('\n'));
    for (const args of [['validate'], ['sync']]) {
      const r = await ws.run(args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(`dovetail: ${ws.path('dovetail.json')}:4:76: duplicate key at /endpoints/right/settings/path (first at line 4, column 57): `
        + 'JSON would keep only the last value; remove one; also /pairings/p/mode (line 6)');
    }
  });

  it('credentials in a server URL are refused with a pointer to username/password, and never printed', async () => {
    write();
    const config = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(ws.path('dovetail.json'), 'utf8')));
    config.endpoints.dav = { connector: 'caldav', settings: { url: 'https://ann:Secret-Pw-42@dav.example.com/', insecure: true } };
    writeFileSync(ws.path('dovetail.json'), JSON.stringify(config, null, 2));
    const r = await ws.run(['validate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\/endpoints\/dav\/settings\/url: "https:\/\/\[redacted\]@dav\.example\.com\/" does not have the expected form/);
    expect(r.stderr).toMatch(/No user name or password in it: set "username" and "password"/);
    expect(r.stdout + r.stderr).not.toContain('Secret-Pw-42');
  });
});
