// `dovetail serve` for the benches: started in a workspace, its URL read from its start line, stopped by SIGTERM.
import { spawn } from 'node:child_process';

/**
 * Starts `node CLI serve` in `dir`, whose dovetail.json sets `service.port` 0 and `service.token` `token` (`node`: the
 * Node to run it with, default the one running the bench; `env`: variables added to the environment); resolves
 * once it listens, with { url, api(method, path), metrics(), stop() } — `api` sends the bearer token and resolves to
 * { status, body } (body parsed as JSON); `stop` resolves to the exit code.
 */
export function serve(cli, dir, token, { node = process.execPath, env } = {}) {
  const child = spawn(node, [cli, 'serve'], { cwd: dir, env: env ? { ...process.env, ...env } : undefined, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const auth = { Authorization: `Bearer ${token}` };
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`dovetail serve exited (${code}):\n${err.slice(0, 2000)}`)));
    child.stderr.on('data', (d) => {
      err += d;
      const m = /serving \d+ pairings? on (http:\/\/\S+) /.exec(err);
      if (!m) return;
      const url = m[1];
      resolve({
        url,
        async api(method, route) {
          const res = await fetch(`${url}${route}`, { method, headers: auth });
          const text = await res.text();
          return { status: res.status, body: text ? JSON.parse(text) : undefined };
        },
        metrics: async () => (await fetch(`${url}/metrics`, { headers: auth })).text(),
        stop: () => new Promise((done) => { child.removeAllListeners('exit'); child.once('exit', (code) => done(code)); child.kill('SIGTERM'); }),
      });
    });
  });
}
