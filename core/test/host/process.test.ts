/**
 * Out-of-process connectors through the plugin host, with real child processes (the stdio-js fixture serves a
 * connector with runStdio; its settings choose a misbehaviour): typed errors and RateLimited.retryAfterMs across
 * the boundary, secrets only on request and masked in its stderr lines, a minimal environment, crashes, restarts
 * and quarantine, hangs caught by the heartbeat, garbage and oversized lines on stdout, cancellation and watch.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ActivationError, PluginHost } from '../../src/host/index.js';
import { ConnectorCrashed, ConnectorQuarantined } from '../../src/host/process/index.js';
import type { EventEntity } from '../../src/sdk/index.js';
import { cleanTemp, fixturesDir, memoryLogger, tempDir, writeJson } from './helpers.js';

const SECRET = 'sk-live-4f9a-very-secret-token';
const hosts: PluginHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.dispose()));
  await cleanTemp();
});

/** A host whose endpoints are stdio-js connectors with the given settings (and `process` options). */
async function setup(endpoints: Record<string, { settings?: Record<string, unknown>; process?: unknown }>, crashes = { backoffInitialMs: 10 }) {
  const dir = await tempDir();
  await writeJson(path.join(dir, 'dovetail.json'), {
    connectorDirs: [path.join(fixturesDir, 'stdio-js')],
    endpoints: Object.fromEntries(Object.entries(endpoints).map(([name, e]) => [name, { connector: 'stdio-js', ...e }])),
    pairings: {},
  });
  const loaded = await loadConfig(path.join(dir, 'dovetail.json'));
  const log = memoryLogger('debug');
  const host = await PluginHost.create({
    loaded, logger: log.logger, repoRoot: path.join(dir, 'no-repo'), nodeModulesDirs: [], secrets: log.secrets,
    env: { ...process.env, STDIO_TOKEN: SECRET, HOST_ONLY_VARIABLE: 'must-not-reach-the-child' }, crashes,
  });
  hosts.push(host);
  return { dir, host, log };
}

const event = (summary: string): EventEntity => ({ type: 'event', uid: `${summary}@test`, summary, start: { kind: 'utc', value: '2026-03-02T09:00:00Z' } });

describe('out-of-process connectors', () => {
  it('keep what they sign in with in the endpoint\'s credential file (mode 0600), through the host', async () => {
    const { dir, host } = await setup({ keeper: { settings: { mode: 'credentials' } } });
    const res = JSON.parse((await (await host.activate('keeper')).connector.check()).message) as { before: unknown; after: string; location: string };
    const file = path.join(dir, '.dovetail', 'credentials', 'keeper.json');
    expect(res).toEqual({ before: null, after: JSON.stringify({ refreshToken: 'rt-1' }), location: file });
    expect(readFileSync(file, 'utf8')).toBe(res.after);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('serve the whole interface from a child process, with typed errors crossing the boundary', async () => {
    const { host } = await setup({ ok: {}, slow: { settings: { mode: 'rate-limited' } } });
    const ep = await host.activate('ok');
    expect(ep.mode).toBe('process');
    const c = ep.connector;
    expect((await c.discover()).map((x) => x.id)).toEqual(['c']);
    expect(await c.createCollection!({ id: 'new', entities: ['event'] })).toEqual({ id: 'new', name: 'new', entities: ['event'] });
    const [created] = await c.write('c', [{ op: 'create', item: event('One') }]);
    expect(created).toEqual({ ok: true, id: 'i1', version: 'v1' });
    const stale = await c.write('c', [{ op: 'update', id: 'i1', ifVersion: 'v0', item: event('Two') }, { op: 'delete', id: 'nope' }]);
    expect(stale.map((r) => (r.ok ? 'ok' : [r.error.code, r.error instanceof Error]))).toEqual([['PreconditionFailed', true], ['NotFound', true]]);
    const loaded = await c.load('c', ['i1', 'gone'], { entity: 'event' });
    expect(loaded[0]).toEqual({ ok: true, id: 'i1', version: 'v1', item: event('One') });
    expect(loaded[1]!.ok === false && loaded[1]!.error.code).toBe('NotFound');

    const limited = (await host.activate('slow')).connector;
    const thrown = await limited.list('c', { entity: 'event' }).catch((e) => e);
    expect([thrown.code, thrown.retryAfterMs, thrown.message]).toEqual(['RateLimited', 1234, 'slow down']);
    const [perOp] = await limited.write('c', [{ op: 'delete', id: 'x' }]);
    expect(perOp!.ok === false && [perOp!.error.code, (perOp!.error as { retryAfterMs?: number }).retryAfterMs]).toEqual(['RateLimited', 2500]);
  });

  it('gives the child a minimal environment and secrets only on request, masked in its log lines', async () => {
    const { host, log } = await setup({ ep: { settings: { token: { env: 'STDIO_TOKEN' }, mode: 'ok' } } });
    const check = await (await host.activate('ep')).connector.check();
    const seen = JSON.parse(check.message) as { env: string[]; settings: string[]; token: boolean };
    expect(seen.token).toBe(true);
    expect(seen.settings).toEqual(['mode']); // the secret setting is not sent as a setting
    expect(seen.env).not.toContain('HOST_ONLY_VARIABLE');
    expect(seen.env).not.toContain('STDIO_TOKEN');
    expect(seen.env.every((k) => ['PATH', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR'].includes(k))).toBe(true);
    await new Promise((r) => setTimeout(r, 200)); // stderr lines arrive after the answer
    const lines = log.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const fromChild = lines.filter((l) => l.connector === 'stdio-js' && (l.source === 'connector' || l.source === 'connector-stderr'));
    expect(fromChild.map((l) => l.msg)).toEqual(expect.arrayContaining(['using token [redacted]', 'plain stderr line mentioning [redacted]', 'console.log goes to stderr, not into the protocol']));
    expect(fromChild.find((l) => l.msg === 'using token [redacted]')).toMatchObject({ level: 30, endpoint: 'ep', detail: 'signing in with [redacted]' });
    expect(log.text()).not.toContain(SECRET);
  });

  it('restarts a crashed child with backoff, and quarantines the connector after 3 crashes', async () => {
    const { host, log } = await setup({ crashy: { settings: { mode: 'exit-on-write' } }, other: {} });
    const ep = await host.activate('crashy');
    const pids = new Set<number>();
    for (let i = 1; i <= 3; i++) {
      pids.add(JSON.parse((await ep.connector.check()).message).pid);
      const err = await ep.connector.write('c', [{ op: 'create', item: event(`E${i}`) }]).catch((e) => e);
      expect(err).toBeInstanceOf(ConnectorCrashed);
      expect(err.code).toBe('Unavailable');
      expect(err.message).toContain('the process exited with code 7');
    }
    expect(pids.size).toBe(3); // a new process after each crash
    const quarantined = await ep.connector.check().catch((e) => e);
    expect(quarantined).toBeInstanceOf(ConnectorQuarantined);
    expect(quarantined.message).toMatch(/connector "stdio-js" is quarantined after 3 crashes \(last: the process exited with code 7\); it is started again after /);
    await ep.dispose();
    const again = await host.activate('crashy').catch((e) => e);
    expect(again).toBeInstanceOf(ActivationError);
    expect(again.reason).toBe('quarantined');
    expect(log.text()).toContain('connector quarantined');
  });

  it('kills a child that stops answering heartbeats (an endless loop) and retries the read on a fresh one', async () => {
    const { host } = await setup({ loop: { settings: { mode: 'loop-on-list' }, process: { heartbeat: '100ms' } } }, { backoffInitialMs: 10 });
    const c = (await host.activate('loop')).connector;
    const started = Date.now();
    const err = await c.list('c', { entity: 'event' }).catch((e) => e);
    expect(err).toBeInstanceOf(ConnectorQuarantined); // three hangs in a row, each caught within two heartbeats
    expect(err.quarantine.crashes.map((x: { reason: string }) => x.reason)).toEqual(Array(3).fill('no answer to a heartbeat within 100 ms (busy or hung)'));
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('treats garbage or an oversized line on stdout as a protocol error of the child, not of the host', async () => {
    // Quarantine is per connector: one host per case.
    const first = await setup({ garbage: { settings: { mode: 'garbage-on-list' } } }, { backoffInitialMs: 10 });
    const garbage = await (await first.host.activate('garbage')).connector.list('c', { entity: 'event' }).catch((e) => e);
    expect(garbage.quarantine.crashes[0].reason).toBe('protocol error: it wrote something other than a JSON-RPC message to stdout: "this is not JSON"');
    const second = await setup({ huge: { settings: { mode: 'huge-on-list' }, process: { maxMessageBytes: 65_536 } } }, { backoffInitialMs: 10 });
    const huge = await (await second.host.activate('huge')).connector.list('c', { entity: 'event' }).catch((e) => e);
    expect(huge.quarantine.crashes[0].reason).toBe('protocol error: it wrote a line longer than 65536 bytes to stdout');
    // The host is fine: another endpoint of another host still works.
    expect((await (await (await setup({ ok: {} })).host.activate('ok')).connector.check()).ok).toBe(true);
  });

  it('kills a child that never answers a request within requestTimeout, while its heartbeats still answer', async () => {
    const { host } = await setup({ slow: { settings: { mode: 'hang-on-list' }, process: { requestTimeout: '300ms', heartbeat: '100ms' } } }, { backoffInitialMs: 10 });
    const err = await (await host.activate('slow')).connector.list('c', { entity: 'event' }).catch((e) => e);
    expect(err).toBeInstanceOf(ConnectorQuarantined);
    expect(err.quarantine.crashes[0].reason).toBe('request "list" got no answer within 300 ms');
  });

  it('carries cancellation to the child and closes it on dispose; watch notifications come back', async () => {
    // An absolute marker path: the child's working folder is its package.
    const marker = path.join(await tempDir(), 'aborted.txt');
    const { host, log } = await setup({ ep: { settings: { marker } } });
    const ep = await host.activate('ep');
    let changes = 0;
    const changed = new Promise<void>((resolve) => {
      void ep.connector.watch!('c', () => { changes++; resolve(); });
    });
    await new Promise((r) => setTimeout(r, 100));
    await ep.connector.write('c', [{ op: 'create', item: event('Watched') }]);
    await changed;
    expect(changes).toBe(1);
    expect(existsSync(marker)).toBe(false);
    await ep.dispose();
    expect(readFileSync(marker, 'utf8')).toBe('aborted: endpoint "ep" was disposed');
    expect(log.text()).not.toContain('crashed');
  });
});
