// Radicale for the benches: started on a free loopback port with a storage folder, stopped by PID.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts `radicale` (the program's path) on a free loopback port with `storageDir` as its storage, any Basic login
 * accepted (`auth` is one, for the readiness probe); resolves once it answers. Its output goes to `radicale.log`
 * beside the storage folder (`logFile`). `stop()` ends it (SIGTERM, then SIGKILL); `exit()` says how it ended on its
 * own, or null while it runs (so a caller whose request failed can tell a dead server from a slow one).
 */
export async function startRadicale(radicale, storageDir, auth) {
  const port = await freePort();
  const logFile = path.join(path.dirname(storageDir), 'radicale.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(radicale, ['--config', '', '--server-hosts', `127.0.0.1:${port}`, '--auth-type', 'none',
    '--rights-type', 'owner_only', '--storage-filesystem-folder', storageDir], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited = false;
  let exitStatus = null;
  let stopping = false;
  const gone = new Promise((resolve) => child.once('exit', (code, signal) => {
    exited = true;
    if (!stopping) exitStatus = signal ? `killed by ${signal}` : `exited with code ${code}`;
    resolve();
  }));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited) throw new Error(`radicale exited before it was ready:\n${await readFile(logFile, 'utf8').catch(() => '')}`);
    try {
      const res = await fetch(`${url}/`, { method: 'OPTIONS', headers: { Authorization: auth } });
      await res.arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error('radicale did not answer within 20 s');
      await sleep(100);
    }
  }
  const stop = async () => {
    if (exited) return;
    stopping = true;
    child.kill('SIGTERM');
    const timer = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, 5000);
    await gone;
    clearTimeout(timer);
  };
  return { port, url, stop, pid: child.pid, logFile, exit: () => exitStatus };
}

