/**
 * `dovetail conformance` against every built-in connector — the filesystem connector (in process and out of
 * process), CalDAV and CardDAV on real Radicale and Xandikos servers, the iCal feed connector (a published feed),
 * the Exchange connector on the EWS and the Graph simulators — and the example CRM connector in both modes;
 * and its exit codes: 1 with FAIL rows for a connector that breaks the contract, 2 for a package or settings problem.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EwsSimulator } from '@dovetail/ews-simulator';
import { startDavServer, type DavServer, type DavServerKind } from '../support/dav-servers.js';
import { caFileOf, CLIENT_ID, SECRET, startGraph, TENANT, USER as GRAPH_USER } from '../../connectors/exchange/test/graph/helpers.js';
import { repoRoot, runCli } from '../support/workspace.js';

interface Outcome { connector: string; mode: string; passed: number; failed: number; corpus: string | null; results: { suite: string; name: string; ok: boolean; error?: string }[] }

const dir = mkdtempSync(path.join(tmpdir(), 'dovetail-conformance-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Runs the command with `settings` written to a file; returns the parsed --json output and the exit code. */
async function conformance(pkg: string, settings: unknown, extra: string[] = [], env: Record<string, string> = {}) {
  const file = path.join(dir, `settings-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(settings));
  const r = await runCli(['conformance', pkg, '--settings', file, '--json', ...extra], dir, env);
  return { code: r.code, out: r.json as unknown as Outcome, stderr: r.stderr, stdout: r.stdout };
}

const failures = (o: Outcome) => o.results.filter((t) => !t.ok).map((t) => `${t.suite} › ${t.name}: ${t.error}`);

describe('dovetail conformance on the built-in connectors', () => {
  it('filesystem passes in process and out of process, entity types event, task and contact', async () => {
    for (const mode of ['--in-process', '--process']) {
      const { code, out } = await conformance(path.join(repoRoot, 'connectors', 'filesystem'), { path: `./vdir${mode}`, createRoot: true }, [mode]);
      expect(failures(out)).toEqual([]);
      expect(code).toBe(0);
      expect(out.mode).toBe(mode === '--process' ? 'out-of-process' : 'in-process');
      expect(new Set(out.results.map((t) => t.suite))).toEqual(new Set(['event', 'task', 'contact'].map((e) => `filesystem conformance: ${e}`)));
      expect(out.corpus).not.toBeNull(); // the corpus round trip ran
      expect(out.passed).toBe(out.results.length);
    }
  });

  for (const kind of ['radicale', 'xandikos'] as DavServerKind[]) {
    describe(`on ${kind}`, () => {
      let server: DavServer;
      beforeAll(async () => { server = await startDavServer(kind); });
      afterAll(() => server.dispose());
      const settings = () => (kind === 'radicale' ? { url: server.url, username: server.username, password: { env: 'DAV_PASSWORD' } } : { url: server.url });

      it('caldav passes (event, task)', async () => {
        const { code, out } = await conformance(path.join(repoRoot, 'connectors', 'caldav'), settings(), [], { DAV_PASSWORD: server.password });
        expect(failures(out)).toEqual([]);
        expect(code).toBe(0);
        expect(new Set(out.results.map((t) => t.suite.replace(/^.*: /, '')))).toEqual(new Set(['event', 'task']));
      });

      it('carddav passes (contact), out of process', async () => {
        const { code, out } = await conformance(path.join(repoRoot, 'connectors', 'carddav'), settings(), ['--process'], { DAV_PASSWORD: server.password });
        expect(failures(out)).toEqual([]);
        expect(code).toBe(0);
        expect(out.mode).toBe('out-of-process');
      });
    });
  }
});

describe('dovetail conformance on the iCal feed and Exchange connectors', () => {
  it('ical-feed passes as a published feed (event, task)', async () => {
    const { code, out } = await conformance(path.join(repoRoot, 'connectors', 'ical-feed'), { path: './published/team.ics' });
    expect(failures(out)).toEqual([]);
    expect(code).toBe(0);
  });

  it('exchange passes on the EWS simulator (event, task, contact), with its password from the environment', async () => {
    const sim = await EwsSimulator.start({ users: [{ email: 'conf@example.com', password: 'Conf-pw-1' }] });
    try {
      const { code, out } = await conformance(path.join(repoRoot, 'connectors', 'exchange'),
        { url: sim.url, username: 'conf@example.com', password: { env: 'EX_PASSWORD' }, timeZone: 'Europe/Berlin' }, [], { EX_PASSWORD: 'Conf-pw-1' });
      expect(failures(out)).toEqual([]);
      expect(code).toBe(0);
      expect(new Set(out.results.map((t) => t.suite.replace(/^.*: /, '')))).toEqual(new Set(['event', 'task', 'contact']));
    } finally {
      await sim.stop();
    }
  });

  it('exchange passes on the Graph simulator (app-only sign-in)', async () => {
    const sim = await startGraph();
    try {
      const { code, out } = await conformance(path.join(repoRoot, 'connectors', 'exchange'), {
        backend: 'graph', tenant: TENANT, clientId: CLIENT_ID, clientSecret: { env: 'GRAPH_SECRET' }, mailbox: GRAPH_USER, timeZone: 'Europe/Berlin',
        authority: sim.authorityHost, graphUrl: sim.baseUrl, caFile: caFileOf(sim),
      }, [], { GRAPH_SECRET: SECRET });
      expect(failures(out)).toEqual([]);
      expect(code).toBe(0);
    } finally {
      await sim.stop();
    }
  });
});

describe('dovetail conformance on the example CRM connector', () => {
  it('passes on both collections, out of process (its manifest) and in process', async () => {
    const crm = path.join(dir, 'crm.json');
    writeFileSync(crm, JSON.stringify({ cases: [] }));
    for (const [collection, mode] of [['next-step', []], ['contract', ['--in-process']]] as const) {
      const { code, out } = await conformance(path.join(repoRoot, 'examples', 'crm-connector'), { database: crm }, ['--collection', collection, ...mode]);
      expect(failures(out)).toEqual([]);
      expect(code).toBe(0);
      expect(out.mode).toBe(mode.length ? 'in-process' : 'out-of-process');
    }
  });
});

describe('dovetail conformance exit codes and output', () => {
  it('prints a table and exits 1 when the connector breaks the contract', async () => {
    const file = path.join(dir, 'forgetful.json');
    writeFileSync(file, JSON.stringify({ mode: 'forgetful' })); // writes claim success and store nothing
    const r = await runCli(['conformance', path.join(repoRoot, 'core', 'test', 'fixtures', 'connectors', 'stdio-js'), '--settings', file, '--corpus', path.join(dir, 'no-corpus')], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^entity\s+test\s+result\s+time$/m);
    expect(r.stdout).toMatch(/^event\s+check\(\) succeeds with a message\s+pass\s+\d+ ms$/m);
    expect(r.stdout).toMatch(/^event\s+a fresh collection lists empty\s+pass\s+\d+ ms$/m);
    expect(r.stdout).toMatch(/^event\s+create: the item is listed with the returned version and loads back\s+FAIL\s+\d+ ms$/m);
    expect(r.stdout).toContain("FAIL event › create: the item is listed with the returned version and loads back\n     expected [] to equal [ 'forgotten' ]");
    expect(r.stdout).toMatch(/^\d+ passed, \d+ failed$/m);
    expect(r.stdout).toContain(`note: the corpus round trip was left out: no interop corpus at ${path.join(dir, 'no-corpus')}`);
  });

  it('exits 2 for a folder that is not a connector, missing or invalid settings', async () => {
    const notPackage = await runCli(['conformance', dir, '--settings', 'x.json'], dir);
    expect(notPackage.code).toBe(2);
    expect(notPackage.stderr).toContain('is not a usable connector package');
    const noSettings = await runCli(['conformance', path.join(repoRoot, 'connectors', 'filesystem')], dir);
    expect(noSettings.code).toBe(2);
    expect(noSettings.stderr).toContain('usage: dovetail conformance PACKAGE-DIR --settings FILE');
    const bad = await conformance(path.join(repoRoot, 'connectors', 'filesystem'), { path: 5 });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/settings-\w+\.json is not valid for connector "filesystem":\n  \/path: must be a string, not an integer/);
  });
});
