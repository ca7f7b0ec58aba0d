/** The CLI contract as a new user meets it: help, version, connectors, validate, exit codes, locking. */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Workspace, cliPath, repoRoot } from '../support/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

describe('dovetail CLI', () => {
  it('--version prints the package version, --help the commands, an unknown command exits 2', async () => {
    ws = new Workspace();
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'core', 'package.json'), 'utf8'));
    expect((await ws.run(['--version'])).stdout.trim()).toBe(pkg.version);
    const help = await ws.run(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['connectors', 'validate', 'check', 'discover', 'sync', 'status', 'conflicts']) expect(help.stdout).toContain(`dovetail ${c}`);
    const bad = await ws.run(['frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown command 'frobnicate'/);
    expect((await ws.run(['sync', '--bogus'])).code).toBe(2);
  });

  it('output piped into a reader that stops early (`| head -c 100`): the run finishes, exits 0, and prints no stack trace', async () => {
    ws = new Workspace();
    ws.pairing();
    for (let i = 0; i < 1000; i++) ws.put('left', { uid: `pipe-${i}@example.org`, summary: `Item ${i}`, start: '20260110T090000Z' });
    // A real pipe into head, as a shell makes it; bash reports the CLI's own exit status.
    const ended = await new Promise<{ code: number; stderr: string }>((resolve) => {
      const line = `"${process.execPath}" "${cliPath}" sync --json | head -c 100 > /dev/null; echo "status $\{PIPESTATUS[0]}" >&2`;
      const child = spawn('bash', ['-c', line], { cwd: ws.dir, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', () => resolve({ code: Number(/status (\d+)/.exec(stderr)?.[1]), stderr: stderr.replace(/status \d+\s*$/, '') }));
    });
    expect(ended.stderr).not.toMatch(/EPIPE|Error/);
    expect(ended.code).toBe(0);
    expect(readdirSync(ws.path('right', 'cal')).filter((f) => f.endsWith('.ics'))).toHaveLength(1000); // more report than a pipe buffer (64 KiB) holds
    const again = await ws.run(['sync', '--json']);
    expect(again.json!.runs).toEqual([expect.objectContaining({ ok: true, a: { created: 0, updated: 0, deleted: 0 }, b: { created: 0, updated: 0, deleted: 0 } })]);
  });

  it('connectors --json lists the filesystem connector with entities and capabilities; a package in connectorDirs appears', async () => {
    ws = new Workspace();
    const plain = await ws.run(['connectors', '--json']);
    expect(plain.code).toBe(0);
    const fsConn = plain.json!.connectors as { id: string; entities: Record<string, unknown>; capabilities: string[] }[];
    expect(fsConn.find((c) => c.id === 'filesystem')).toMatchObject({ entities: { event: { read: true, write: true }, contact: { read: true } }, capabilities: expect.arrayContaining(['discover', 'create-collection']) });

    // A third-party connector copied into a folder named in connectorDirs shows up with no code change.
    mkdirSync(ws.path('my-connectors'));
    cpSync(join(repoRoot, 'core', 'test', 'fixtures', 'connectors', 'notes-js'), ws.path('my-connectors', 'notes-js'), { recursive: true });
    writeFileSync(ws.path('dovetail.json'), JSON.stringify({ connectorDirs: ['./my-connectors'], endpoints: {}, pairings: {} }));
    const withDir = await ws.run(['connectors', '--json']);
    const ids = (withDir.json!.connectors as { id: string }[]).map((c) => c.id);
    expect(ids).toContain('filesystem');
    expect(ids.length).toBeGreaterThan(1);
  });

  it('validate reports a wrong type, an unknown connector, an unknown endpoint and bad settings, each with its pointer; exit 2', async () => {
    ws = new Workspace();
    writeFileSync(ws.path('dovetail.json'), JSON.stringify({
      endpoints: {
        local: { connector: 'filesystem', settings: { path: 42 } },
        cloud: { connector: 'no-such-connector', settings: {} },
      },
      pairings: {
        p: { entity: 'event', mode: 'sideways', a: { endpoint: 'local', collection: 'x' }, b: { endpoint: 'nowhere', collection: 'y' } },
      },
    }, null, 2));
    const r = await ws.run(['validate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/pairings/p/mode');
    expect(r.stderr).toContain('/endpoints/cloud/connector');
    expect(r.stderr).toContain('/pairings/p/b/endpoint');
    expect(r.stderr).toContain('/endpoints/local/settings/path');
    expect(r.stderr).toMatch(/two-way/); // the hint lists the valid modes
    const json = await ws.run(['validate', '--json']);
    expect(json.code).toBe(2);
    const pointers = (json.json!.issues as { pointer: string; hint?: string }[]).map((i) => i.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/pairings/p/mode', '/endpoints/cloud/connector', '/pairings/p/b/endpoint', '/endpoints/local/settings/path']));
    // sync refuses an invalid config the same way.
    expect((await ws.run(['sync'])).code).toBe(2);
  });

  it('a config that is not JSON names the line and column; a missing config file is a clear exit 2', async () => {
    ws = new Workspace();
    writeFileSync(ws.path('dovetail.json'), '{\n  "endpoints": {,\n}');
    const r = await ws.run(['validate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/dovetail\.json:2:\d+/);
    const missing = await ws.run(['validate', '-c', 'nope.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.json/);
  });

  it('a second run of a pairing while one holds the lock exits 3 with a clear message; a stale lock is taken over', async () => {
    ws = new Workspace();
    ws.pairing();
    ws.put('left', { uid: 'x', summary: 'X' });
    expect((await ws.sync()).code).toBe(0);
    const lockFile = ws.path('.dovetail', 'p-p', 'run.lock');
    // This test process is alive: its lock is held.
    writeFileSync(lockFile, JSON.stringify({ pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() }));
    const locked = await ws.run(['sync']);
    expect(locked.code).toBe(3);
    expect(locked.stderr).toMatch(/already being synced/);
    // A lock left by a process that no longer exists is stale.
    writeFileSync(lockFile, JSON.stringify({ pid: 2 ** 22 + 12345, hostname: hostname(), startedAt: new Date().toISOString() }));
    expect((await ws.run(['sync'])).code).toBe(0);
  });

  it('status shows the last run per pairing', async () => {
    ws = new Workspace();
    ws.pairing();
    ws.put('left', { uid: 's', summary: 'S' });
    await ws.sync();
    const st = await ws.run(['status', '--json']);
    expect(st.code).toBe(0);
    expect((st.json!.pairings as { pairing: string; health: string; lastRun: { b: { created: number } } }[])[0]).toMatchObject({ pairing: 'p', health: 'ok', lastRun: { b: { created: 1 } } });
  });
});
