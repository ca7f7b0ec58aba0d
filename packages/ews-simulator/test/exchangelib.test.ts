/**
 * The independent client: Debian's python3-exchangelib 4.9 (installed by .ci/run) runs test/exchangelib/client_check.py
 * against a simulator — folders, calendar CRUD, a recurring series with a modified and a deleted occurrence, a task,
 * a contact, a sync_items loop and delegate access to a shared calendar — over Basic and over NTLM.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EwsSimulator } from '../src/index.js';

const SCRIPT = fileURLToPath(new URL('./exchangelib/client_check.py', import.meta.url));
const STEPS = ['ok folders', 'ok calendar item CRUD', 'ok recurring series', 'ok task', 'ok contact', 'ok sync_items', 'ok delegate', 'all steps passed'];

let sim: EwsSimulator;
beforeAll(async () => {
  sim = await EwsSimulator.start({ users: [{ email: 'basic@example.org', password: 'b-secret' }, { email: 'ntlm@example.org', password: 'n-secret' },
    { email: 'shared@example.org', password: 's-secret' }] });
  for (const delegate of ['basic@example.org', 'ntlm@example.org']) {
    sim.api.grantDelegate({ owner: 'shared@example.org', delegate, folders: { calendar: 'Editor' } });
  }
});
afterAll(async () => { await sim.stop(); });

async function run(user: string, password: string, auth: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('/usr/bin/python3', [SCRIPT, sim.url, user, password, auth, 'shared@example.org'], { timeout: 120_000 });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

describe('exchangelib 4.9 against the simulator', () => {
  it('passes every step over Basic auth', async () => {
    const { code, out } = await run('basic@example.org', 'b-secret', 'basic');
    expect(out.trim().split('\n').filter((l) => l.startsWith('ok') || l.startsWith('all'))).toEqual(STEPS);
    expect(code).toBe(0);
    expect(new Set(sim.requests().filter((r) => r.user === 'basic@example.org').map((r) => r.authScheme))).toEqual(new Set(['Basic']));
  });

  it('passes every step over NTLM', async () => {
    const { code, out } = await run('ntlm@example.org', 'n-secret', 'ntlm');
    expect(out.trim().split('\n').filter((l) => l.startsWith('ok') || l.startsWith('all'))).toEqual(STEPS);
    expect(code).toBe(0);
    const schemes = sim.requests().filter((r) => r.user === 'ntlm@example.org' && r.status === 200).map((r) => r.authScheme);
    expect(schemes.length).toBeGreaterThan(10);
    expect(new Set(schemes)).toEqual(new Set(['NTLM']));
  });

  it('fails with a wrong password (the client sees the 401)', async () => {
    const { code, out } = await run('basic@example.org', 'wrong', 'basic');
    expect(code).toBe(1);
    expect(out).toMatch(/Unauthorized|401|credentials/i);
  });
});
