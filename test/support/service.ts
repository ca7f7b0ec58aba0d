/** The runner service for tests: in-process (RunnerService on 127.0.0.1:0) or as a real `dovetail serve` process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { createLogger } from '../../core/src/log.js';
import { RunnerService } from '../../core/src/runner/service.js';
import { cliPath, type Workspace } from './workspace.js';

export const TOKEN = 'test-token-0123456789abcdef';

/** Log lines the service wrote (JSON objects), for assertions. */
export class LogSink {
  readonly lines: Record<string, unknown>[] = [];
  readonly raw: string[] = [];
  readonly stream = new Writable({
    write: (chunk, _enc, done) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        this.raw.push(line);
        try { this.lines.push(JSON.parse(line) as Record<string, unknown>); } catch { /* not JSON */ }
      }
      done();
    },
  });
}

/** Writes `config` as the workspace's dovetail.json (with a service block on a free port and the test token). */
export function writeServiceConfig(ws: Workspace, config: Record<string, unknown>, service: Record<string, unknown> = {}): void {
  writeFileSync(ws.path('dovetail.json'), JSON.stringify({ ...config, service: { port: 0, token: TOKEN, ...service } }, null, 2));
}

/** Starts the service in this process on a free port. */
export async function startService(ws: Workspace, level: 'info' | 'debug' | 'warn' = 'info'): Promise<{ service: RunnerService; url: string; log: LogSink; api: (path: string, init?: RequestInit) => Promise<Response> }> {
  const log = new LogSink();
  const service = await RunnerService.start({ configFile: ws.path('dovetail.json'), logger: createLogger({ level, destination: log.stream }) });
  const url = service.url;
  const api = (path: string, init: RequestInit = {}) => fetch(`${url}${path}`, { ...init, headers: { Authorization: `Bearer ${TOKEN}`, ...(init.headers as Record<string, string> | undefined) } });
  return { service, url, log, api };
}

/** A `dovetail serve` child process; resolves once it printed its URL. */
export interface ServeProcess {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnServe(ws: Workspace, env: Record<string, string> = {}, args: string[] = []): Promise<ServeProcess> {
  const child = spawn(process.execPath, [cliPath, 'serve', ...args], { cwd: ws.dir, env: { ...process.env, DOVETAIL_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dovetail serve did not start within 20 s:\n${err}`)), 20_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += String(d);
      const m = /serving \d+ pairings? on (http:\/\/[^\s]+) /.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, stderr: () => err, exited });
      }
    });
    void exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`dovetail serve exited with ${code} before it was ready:\n${err}`)); });
  });
}

/** Polls `check` until it returns a truthy value or `ms` pass. */
export async function until<T>(check: () => Promise<T> | T, ms = 15_000, every = 100): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, every));
  }
}
