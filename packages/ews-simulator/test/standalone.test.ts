/** The standalone simulator: the bin (and the root npm script) print the URL first, persist state, stop on signals. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = join(ROOT, 'packages/ews-simulator/bin/ews-simulator.js');
const children: ChildProcessWithoutNullStreams[] = [];
let dir: string | undefined;

afterEach(() => {
  for (const c of children.splice(0)) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    try {
      process.kill(-c.pid!, 'SIGKILL'); // a detached child leads its own group (npm and the simulator)
    } catch {
      c.kill('SIGKILL');
    }
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function start(cmd: string, args: string[], detached = false): Promise<{ child: ChildProcessWithoutNullStreams; firstLine: string }> {
  const child = spawn(cmd, args, { cwd: ROOT, detached });
  children.push(child);
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (firstLine) => resolve({ child, firstLine }));
    child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
}

const auth = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

async function createTask(url: string, subject: string): Promise<number> {
  const body = '<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
    + `<s:Body><m:CreateItem><m:Items><t:Task><t:Subject>${subject}</t:Subject></t:Task></m:Items></m:CreateItem></s:Body></s:Envelope>`;
  return (await fetch(url, { method: 'POST', body, headers: { authorization: auth('b@example.org', 'q') } })).status;
}

describe('ews-simulator command', () => {
  it('prints the EWS URL as its first line, serves several users, saves state and reloads it after SIGTERM', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ews-sim-'));
    const state = join(dir, 'state.json');
    const args = [BIN, '--port', '0', '--user', 'a@example.org', '--password', 'p', '--user', 'b@example.org', '--password', 'q', '--state', state];
    const first = await start(process.execPath, args);
    expect(first.firstLine).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/EWS\/Exchange\.asmx$/);
    expect(await createTask(first.firstLine, 'persisted')).toBe(200);
    const exited = new Promise<number | null>((r) => first.child.once('exit', r));
    first.child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const second = await start(process.execPath, args);
    const items = await fetch(second.firstLine.replace('/EWS/Exchange.asmx', '/_simulator/items'), {
      method: 'POST', body: JSON.stringify({ mailbox: 'b@example.org', folder: 'tasks' }), headers: { authorization: auth('b@example.org', 'q') },
    });
    const { result } = (await items.json()) as { result: { props: { Subject: { t: string } } }[] };
    expect(result.map((i) => i.props.Subject.t)).toEqual(['persisted']);
    const stopped = new Promise<number | null>((r) => second.child.once('exit', r));
    second.child.kill('SIGINT');
    expect(await stopped).toBe(0);
  });

  it('is started by the root script (npm run -s ews-simulator) with the URL first', async () => {
    // Its own process group, so the signal reaches npm and the simulator together, as Ctrl-C in a terminal does.
    const { child, firstLine } = await start('npm', ['run', '-s', 'ews-simulator', '--', '--port', '0', '--user', 'a@example.org', '--password', 'p'], true);
    expect(firstLine).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/EWS\/Exchange\.asmx$/);
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
    await expect(fetch(firstLine, { method: 'POST' })).rejects.toThrow();
  });

  it('explains bad command lines', () => {
    expect(() => parseArgs([])).toThrow(/at least one --user/);
    expect(() => parseArgs(['--user', 'a@x.org'])).toThrow(/one --password per --user/);
    expect(() => parseArgs(['--port', 'x', '--user', 'a@x.org', '--password', 'p'])).toThrow(/--port must be/);
    expect(() => parseArgs(['--colour', 'red'])).toThrow(/unknown option --colour/);
    expect(parseArgs(['--user', 'a@x.org', '--password', 'p', '--port', '8080'])).toEqual({ port: 8080, users: [{ email: 'a@x.org', password: 'p' }] });
  });
});
