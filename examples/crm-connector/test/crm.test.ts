/**
 * The example CRM connector: the SDK's conformance suite in process (both collections), its settings migration,
 * and the example config — CRM next steps and contract dates synced to a real Radicale calendar through mapping
 * tables, out of process as its manifest says, with a calendar edit flowing back into the CRM's own fields.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformanceSuite, testContext } from '@dovetail/core/testing';
import { rawGet, rawList, rawPut, startDavServer, type DavServer } from '../../../test/support/dav-servers.js';
import { runCli, type RunJson } from '../../../test/support/workspace.js';
import definition from '../src/index.js';
import migration from '../src/migrate-settings.js';
import type { CrmData } from '../src/crm-file.js';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).dovetail;
const temp: string[] = [];
const tempDir = () => { const d = mkdtempSync(path.join(tmpdir(), 'dovetail-crm-')); temp.push(d); return d; };
afterAll(() => Promise.all(temp.map((d) => rm(d, { recursive: true, force: true }))));

for (const collection of ['next-step', 'contract']) {
  runConformanceSuite(`example-crm ${collection}`, async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'crm.json'), JSON.stringify({ cases: [] }));
    return { connector: await definition.create(testContext({ database: './crm.json' }, { baseDir: dir })), collection };
  }, { describe, it, expect, entities: ['event'], manifest, invalidItems: false, corpusItems: 4 });
}

describe('example-crm settings', () => {
  it('migrates the 0.x names and leaves current settings unchanged', () => {
    expect(migration.migrate({ file: './crm.json', token: { env: 'T' } })).toEqual({ database: './crm.json', accessToken: { env: 'T' } });
    const current = { database: './crm.json', contractMinutes: 90 };
    expect(migration.migrate({ ...current })).toEqual(current);
  });

  it('refuses a locked file without the right token, opens it with it', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'crm.json'), JSON.stringify({ accessToken: 'open-sesame', cases: [] }));
    const without = await definition.create(testContext({ database: './crm.json' }, { baseDir: dir }));
    expect(await without.check()).toEqual({ ok: false, message: 'the CRM file is locked: set "accessToken"' });
    const err = await without.list('next-step', { entity: 'event' }).catch((e) => e);
    expect(err.code).toBe('AuthFailed');
    const withToken = await definition.create(testContext({ database: './crm.json', accessToken: { env: 'X' } }, { baseDir: dir, secrets: { accessToken: 'open-sesame' } }));
    expect((await withToken.check()).ok).toBe(true);
  });
});

describe('the example config: CRM dates to a CalDAV calendar through mapping tables', () => {
  let server: DavServer;
  let dir: string;
  beforeAll(async () => {
    server = await startDavServer('radicale');
    dir = tempDir();
    cpSync(path.join(pkgDir, 'example'), dir, { recursive: true });
    const config = JSON.parse(readFileSync(path.join(dir, 'dovetail.json'), 'utf8'));
    delete config.$schema;
    config.connectorDirs = [pkgDir];
    config.endpoints.calendar.settings = { url: server.url, username: server.username, password: { env: 'DAV_PASSWORD' } };
    for (const p of Object.values(config.pairings) as { b: { collection: string } }[]) p.b.collection = p.b.collection.replace('/sales/', `/${server.username}/`);
    writeFileSync(path.join(dir, 'dovetail.json'), JSON.stringify(config, null, 2));
  });
  afterAll(() => server.dispose());

  const sync = async () => {
    const r = await runCli(['sync', '--json'], dir, { DAV_PASSWORD: server.password });
    return { code: r.code, runs: new Map((r.json?.runs as RunJson[] ?? []).map((x) => [x.pairing, x])), stderr: r.stderr };
  };
  const calendar = async (name: string) => {
    const out = new Map<string, { href: string; text: string }>();
    for (const { href } of await rawList(server, `/${server.username}/${name}/`)) {
      const text = (await rawGet(server, href)).body.replace(/\r?\n[ \t]/g, '');
      out.set(/^SUMMARY:(.*?)\r?$/m.exec(text)?.[1] ?? '', { href, text });
    }
    return out;
  };

  it('puts next steps and contract dates in the calendar with the mapped fields; edits flow back; a second run writes nothing', async () => {
    const first = await sync();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.runs.get('crm-next-steps')?.b).toEqual({ created: 2, updated: 0, deleted: 0 });
    expect(first.runs.get('crm-contracts')?.b).toEqual({ created: 2, updated: 0, deleted: 0 });

    const steps = await calendar('crm-next-steps');
    expect([...steps.keys()].sort()).toEqual(['Call about the renewal offer', 'Send the pilot contract']);
    const call = steps.get('Call about the renewal offer')!.text;
    expect(call).toMatch(/^DTSTART:20260304T093000Z\r?$/m);
    expect(call).toMatch(/^DTEND:20260304T100000Z\r?$/m);
    expect(call).toMatch(/^LOCATION:Müller GmbH\\, Hamburg\r?$/m);
    expect(call).toMatch(/^DESCRIPTION:Wants a 3-year term\\; decision by the board in March\.\r?$/m);
    expect(call).toMatch(/^ATTENDEE;CN=Anna Müller:mailto:anna\.mueller@mueller\.example\r?$/m);
    expect(steps.get('Send the pilot contract')!.text).toMatch(/^DESCRIPTION:\(no notes in the CRM\)\r?$/m);
    expect(steps.get('Send the pilot contract')!.text).toMatch(/^DTSTART;VALUE=DATE:20260306\r?$/m);
    const contracts = await calendar('crm-contracts');
    expect([...contracts.keys()].sort()).toEqual(['Contract: Renewal Müller GmbH', 'Contract: Support contract Kaya Logistik']);
    expect(contracts.get('Contract: Support contract Kaya Logistik')!.text).toMatch(/^DTSTART;VALUE=DATE:20260515\r?$/m);

    // Someone moves the call in the calendar, renames it and writes a note there.
    const { href, text } = steps.get('Call about the renewal offer')!;
    const edited = text.replace(/^SUMMARY:.*$/m, 'SUMMARY:Call Anna about the 3-year offer').replace(/^DTSTART:.*$/m, 'DTSTART:20260305T140000Z')
      .replace(/^DTEND:.*$/m, 'DTEND:20260305T150000Z').replace(/^DESCRIPTION:.*$/m, 'DESCRIPTION:calendar note').replace(/^LAST-MODIFIED:.*$/m, 'LAST-MODIFIED:20260301T120000Z');
    expect((await rawPut(server, href, edited)).status).toBeLessThan(300);
    const second = await sync();
    expect(second.runs.get('crm-next-steps')?.a).toEqual({ created: 0, updated: 1, deleted: 0 });
    const crm = JSON.parse(readFileSync(path.join(dir, 'crm.json'), 'utf8')) as CrmData;
    const renewal = crm.cases.find((c) => c.caseId === 'C-1001')!;
    expect(renewal).toMatchObject({ nextStep: 'Call Anna about the 3-year offer', nextStepDate: '2026-03-05T14:00:00.000Z', nextStepMinutes: 60, contractDate: '2026-04-01' });
    expect(renewal.notes).toBe('Wants a 3-year term; decision by the board in March.'); // notes flow only CRM → calendar

    const third = await sync();
    for (const run of third.runs.values()) {
      expect([run.a, run.b]).toEqual([{ created: 0, updated: 0, deleted: 0 }, { created: 0, updated: 0, deleted: 0 }]);
    }
  });
});
