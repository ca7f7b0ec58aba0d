/**
 * Readiness notification for systemd (`Type=notify`): when NOTIFY_SOCKET is set, `READY=1`, `STATUS=…` and
 * `STOPPING=1` are sent with systemd's own `systemd-notify` tool. Node cannot send Unix datagrams without a native
 * addon; systemd-notify ships with systemd wherever NOTIFY_SOCKET can be set, and it stamps the message with our
 * PID (`--pid`), so the unit works with `NotifyAccess=all` (and with `main` when the service runs as root).
 */
import { execFile } from 'node:child_process';

/** Longest wait for systemd-notify (it waits until systemd has read the message). */
const NOTIFY_TIMEOUT_MS = 5_000;

/** Sends `fields` (e.g. `{ READY: '1', STATUS: 'serving' }`) when NOTIFY_SOCKET is set; resolves with an error message or undefined. */
export function notifySystemd(fields: Record<string, string>, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (!env.NOTIFY_SOCKET) return Promise.resolve(undefined);
  const args = [`--pid=${process.pid}`, ...Object.entries(fields).map(([k, v]) => `${k}=${v.replace(/\n/g, ' ')}`)];
  return new Promise((resolve) => {
    execFile('systemd-notify', args, { timeout: NOTIFY_TIMEOUT_MS, env }, (error, _stdout, stderr) => {
      if (!error) return resolve(undefined);
      const code = (error as NodeJS.ErrnoException).code;
      resolve(code === 'ENOENT' ? 'NOTIFY_SOCKET is set but systemd-notify was not found on PATH' : `systemd-notify failed: ${stderr.trim() || error.message}`);
    });
  });
}
