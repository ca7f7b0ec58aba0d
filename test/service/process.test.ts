/** `dovetail serve` as a real process: start-up checks, SIGTERM, SIGHUP, systemd readiness over NOTIFY_SOCKET. */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnServe, TOKEN, until, writeServiceConfig, type ServeProcess } from '../support/service.js';
import { Workspace } from '../support/workspace.js';

let ws: Workspace;
let proc: ServeProcess | undefined;
beforeEach(() => { ws = new Workspace('dovetail-serve-'); });
afterEach(async () => {
  if (proc && proc.child.exitCode === null) { proc.child.kill('SIGKILL'); await proc.exited; }
  proc = undefined;
  ws.cleanup();
});

const folders = { left: { connector: 'filesystem', settings: { path: './left' } }, right: { connector: 'filesystem', settings: { path: './right' } } };
function pairing(collection: string, extra: Record<string, unknown> = {}) {
  mkdirSync(ws.path('left', collection), { recursive: true });
  mkdirSync(ws.path('right', collection), { recursive: true });
  return { entity: 'event', a: { endpoint: 'left', collection }, b: { endpoint: 'right', collection }, ...extra };
}
const get = (url: string) => fetch(url, { headers: { Authorization: `Bearer ${TOKEN}` } }).then((r) => r.json());

describe('dovetail serve', () => {
  it('refuses to start without a token, or with a short one, saying how to set one', async () => {
    writeFileSync(ws.path('dovetail.json'), JSON.stringify({ endpoints: folders, pairings: { p: pairing('cal') } }));
    let r = await ws.run(['serve']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs a bearer token for its API \(service\.token\).*DOVETAIL_TOKEN.*openssl rand -hex 32/s);
    writeServiceConfig(ws, { endpoints: folders, pairings: { p: pairing('cal') } }, { token: { env: 'NO_SUCH_VAR_X' } });
    r = await ws.run(['serve']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/service\.token: environment variable NO_SUCH_VAR_X is not set/);
    writeServiceConfig(ws, { endpoints: folders, pairings: { p: pairing('cal') } }, { token: 'short' });
    r = await ws.run(['serve']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/too short/);
    r = await ws.run(['serve', '--port', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--port must be a number/);
    r = await ws.run(['sync', '--port', '1']);
    expect(r.code).toBe(2);
  });

  it('stops on SIGTERM: no new runs, the run in progress finishes its chunk and is recorded, exit 0', async () => {
    // 3,000 items at chunk size 50: the first run takes a while, so SIGTERM lands in the middle of it.
    mkdirSync(ws.path('left', 'cal'), { recursive: true });
    for (let i = 0; i < 3000; i += 1) ws.put('left', { uid: `e${i}`, summary: `Event ${i}` });
    writeServiceConfig(ws, { endpoints: folders, pairings: { p: pairing('cal', { chunkSize: 50, schedule: { every: '1s' } }) } });
    proc = await spawnServe(ws);
    await until(async () => ws.items('right').size > 0, 20_000, 20);
    proc.child.kill('SIGTERM');
    const { code } = await proc.exited;
    expect(code).toBe(0);
    expect(proc.stderr()).toMatch(/SIGTERM: stopping/);
    const status = await ws.run(['status', '--json']);
    const p = (status.json!.pairings as { lastRun: { trigger: string; failure?: string; b: { created: number } } }[])[0]!;
    // The interrupted run is in the history with what it wrote; the folder holds exactly that many items.
    expect(p.lastRun.failure).toBe('interrupted');
    expect(p.lastRun.b.created).toBe(ws.items('right').size);
    expect(ws.items('right').size).toBeLessThan(3000);
    expect(ws.items('right').size % 50).toBe(0);
    // The next sync picks up where it stopped, without duplicates.
    const next = await ws.sync();
    expect(next.report.b.created).toBe(3000 - p.lastRun.b.created);
    expect(ws.items('right').size).toBe(3000);
  });

  it('reloads the config on SIGHUP without dropping runs; a bad config is refused and the running one kept', async () => {
    mkdirSync(ws.path('left', 'cal'), { recursive: true });
    for (let i = 0; i < 2000; i += 1) ws.put('left', { uid: `e${i}`, summary: `Event ${i}` });
    writeServiceConfig(ws, { endpoints: folders, pairings: { one: pairing('cal', { chunkSize: 50, schedule: { every: '1h' } }) } });
    proc = await spawnServe(ws);
    const first = await get(`${proc.url}/api/pairings`);
    expect(first.pairings.map((p: { pairing: string }) => p.pairing)).toEqual(['one']);
    // Reload while the first run of `one` is writing.
    await until(async () => ws.items('right').size > 0, 20_000, 20);
    writeServiceConfig(ws, { endpoints: folders, pairings: { one: pairing('cal', { chunkSize: 50, schedule: { every: '1h' } }), two: pairing('other', { schedule: { every: '1h' } }) } });
    proc.child.kill('SIGHUP');
    const reloaded = await until(async () => {
      const list = await get(`${proc!.url}/api/pairings`);
      return list.pairings.length === 2 ? list : undefined;
    });
    expect(reloaded.pairings.map((p: { pairing: string }) => p.pairing)).toEqual(['one', 'two']);
    await until(async () => (await get(`${proc!.url}/api/pairings/two`)).lastRun);
    const one = await until(async () => (await get(`${proc!.url}/api/pairings/one`)).lastRun, 30_000);
    expect(one).toMatchObject({ ok: true, trigger: 'schedule', b: { created: 2000 } });
    expect(one.failure).toBeUndefined();

    writeFileSync(ws.path('dovetail.json'), '{ "endpoints": ');
    proc.child.kill('SIGHUP');
    await until(() => /config not reloaded, the running one is kept/.test(proc!.stderr()));
    expect((await get(`${proc.url}/api/pairings`)).pairings).toHaveLength(2);
    proc.child.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
  });

  it('tells systemd it is ready (READY=1) and stopping (STOPPING=1) over NOTIFY_SOCKET', async () => {
    const socketPath = ws.path('notify.sock');
    // A Unix datagram socket (Node has none): a few lines of Python print each datagram and close passed fds.
    const receiver = spawn('python3', ['-u', '-c', [
      'import socket, sys, array, os',
      's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
      's.bind(sys.argv[1])',
      'print("BOUND", flush=True)',
      'while True:',
      '    msg, anc, flags, addr = s.recvmsg(4096, socket.CMSG_SPACE(64))',
      '    for level, kind, data in anc:',
      '        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:',
      '            a = array.array("i"); a.frombytes(data[:len(data) - len(data) % 4])',
      '            [os.close(fd) for fd in a]',
      '    print(msg.decode().replace("\\n", "|"), flush=True)',
    ].join('\n'), socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    let received = '';
    receiver.stdout!.on('data', (d: Buffer) => { received += String(d); });
    try {
      await until(() => received.includes('BOUND'), 10_000, 20);
      writeServiceConfig(ws, { endpoints: folders, pairings: { p: pairing('cal') } });
      proc = await spawnServe(ws, { NOTIFY_SOCKET: socketPath });
      const ready = await until(() => received.split('\n').find((l) => l.includes('READY=1')), 10_000, 20);
      expect(ready).toContain(`MAINPID=${proc.child.pid}`);
      expect(ready).toMatch(/STATUS=serving 1 pairings on http:\/\/127\.0\.0\.1:\d+/);
      proc.child.kill('SIGTERM');
      expect((await proc.exited).code).toBe(0);
      expect(received).toContain('STOPPING=1');
    } finally {
      receiver.kill();
    }
  });

  it('listens where --host/--port say', async () => {
    writeServiceConfig(ws, { endpoints: folders, pairings: { p: pairing('cal') } }, { port: 1 });
    const { freePort } = await import('../support/ports.js');
    const port = await freePort();
    proc = await spawnServe(ws, {}, ['--host', '127.0.0.1', '--port', String(port)]);
    expect(proc.url).toBe(`http://127.0.0.1:${port}`);
    expect((await fetch(`${proc.url}/healthz`)).status).toBe(200);
  });
});
