/**
 * `dovetail auth ENDPOINT` end to end against the Graph simulator: the device code is printed, the person
 * approves it, the refresh token lands in the state folder (0600) and `dovetail check` then signs in with it;
 * a connector without the sign-in capability is refused with exit 2.
 */
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { main } from '../../core/src/cli/main.js';
import type { GraphSimulator } from '@dovetail/graph-simulator';
import { caFileOf, CLIENT_ID, startGraph, TENANT, USER } from '../../connectors/exchange/test/graph/helpers.js';

let sim: GraphSimulator;
beforeAll(async () => { sim = await startGraph(); });
afterAll(async () => { await sim?.stop(); });

it('dovetail auth: device code on stderr, token file 0600 in the state folder, then check succeeds', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dovetail-auth-'));
  const config = path.join(dir, 'dovetail.json');
  writeFileSync(config, JSON.stringify({
    endpoints: {
      me: { connector: 'exchange', settings: { backend: 'graph', tenant: TENANT, clientId: CLIENT_ID, auth: 'delegated', authority: sim.authorityHost, graphUrl: sim.baseUrl, caFile: caFileOf(sim), timeZone: 'Europe/Berlin' } },
      local: { connector: 'filesystem', settings: { path: './cal' } },
    },
    pairings: {},
  }));
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
  const running = main(['auth', 'me', '-c', config], io);
  for (let i = 0; i < 100 && !err.length; i++) await new Promise((r) => setTimeout(r, 50));
  const [code] = sim.api.pendingUserCodes();
  expect(err.join('\n')).toContain(code);
  sim.api.approveDevice(code, USER);
  expect(await running).toBe(0);
  expect(out.join('\n')).toMatch(new RegExp(`ok +me: signed in as ${USER}`));
  const file = path.join(dir, '.dovetail', 'credentials', 'me.json');
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
  const checked: string[] = [];
  expect(await main(['check', 'me', '-c', config], { out: (s) => checked.push(s), err: () => undefined })).toBe(0);
  expect(checked.join('\n')).toMatch(/delegated.*ann@/);
  const refused: string[] = [];
  expect(await main(['auth', 'local', '-c', config], { out: () => undefined, err: (s) => refused.push(s) })).toBe(2);
  expect(refused.join('\n')).toMatch(/has no interactive sign-in/);
});

it('dovetail validate names the missing Graph settings', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dovetail-validate-'));
  const config = path.join(dir, 'dovetail.json');
  writeFileSync(config, JSON.stringify({
    endpoints: {
      noTenant: { connector: 'exchange', settings: { backend: 'graph', clientId: CLIENT_ID, auth: 'delegated' } },
      appNoSecret: { connector: 'exchange', settings: { backend: 'graph', tenant: TENANT, clientId: CLIENT_ID, auth: 'app', mailbox: USER } },
      ewsNoUrl: { connector: 'exchange', settings: { backend: 'ews', username: USER } },
      neither: { connector: 'exchange', settings: { mailbox: 'ann@example.com' } },
    },
    pairings: {},
  }));
  const err: string[] = [];
  expect(await main(['validate', '-c', config], { out: () => undefined, err: (s) => err.push(s) })).toBe(2);
  const text = err.join('\n');
  expect(text).toMatch(/\/endpoints\/noTenant\/settings\/tenant: required property "tenant" is missing/);
  expect(text).toMatch(/\/endpoints\/appNoSecret\/settings\/clientSecret: required property "clientSecret" is missing/);
  expect(text).toMatch(/\/endpoints\/ewsNoUrl\/settings\/url: required property "url" is missing/);
  expect(text).toMatch(/\/endpoints\/neither\/settings/);
});
