// Running the measured programs: one child process per run, wall time from spawn to exit, peak RSS from
// GNU time (`%M`) when it is installed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

/** The program's path on PATH, or undefined. */
export const which = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim() || undefined;

/** /usr/bin/time when it is GNU time (reports peak RSS), else undefined. */
export const gnuTime = existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%M', 'true'], { encoding: 'utf8' }).status === 0 ? '/usr/bin/time' : undefined;

export const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

/**
 * The Node that runs the measured programs (Dovetail and the `node -e 0` reference alike): `--node PATH` on the
 * bench's command line (e.g. another Node release unpacked beside this one), else the Node running the bench.
 */
export function measuredNode(argv = process.argv) {
  const i = argv.indexOf('--node');
  if (i < 0) return process.execPath;
  const node = argv[i + 1];
  const r = node ? spawnSync(node, ['-p', 'process.version'], { encoding: 'utf8' }) : undefined;
  if (!r || r.status !== 0) throw new Error(`--node ${node ?? ''}: not a Node that runs (${r?.error?.message ?? r?.stderr?.trim() ?? 'no path given'})`);
  return path.resolve(node);
}

/** `node`'s version and whether it has Node's module compile cache (`module.enableCompileCache`, Node ≥ 22.1). */
export function nodeInfo(node) {
  const out = spawnSync(node, ['-p', "process.version + ' ' + typeof require('node:module').enableCompileCache"], { encoding: 'utf8' }).stdout.trim();
  const [version, kind] = out.split(' ');
  return { version, compileCache: kind === 'function' };
}

/**
 * Runs `cmd args` (stdin: `input`; `env`: variables added to this process's environment), keeping GNU time's RSS
 * note in `scratchDir`. Resolves to { code, ms, rssKiB, stdout, stderr }.
 */
export function runChild(scratchDir, cmd, args, { cwd, input, env } = {}) {
  const rssFile = path.join(scratchDir, `rss-${process.hrtime.bigint()}`);
  const [file, argv] = gnuTime ? [gnuTime, ['-f', '%M', '-o', rssFile, cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(file, argv, { cwd, env: env ? { ...process.env, ...env } : undefined, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.stdin.on('error', () => undefined); // a child that never reads its input
    child.stdin.end(input ?? '');
    child.on('close', async (code) => {
      const ms = performance.now() - t0;
      let rssKiB;
      if (gnuTime) {
        const text = await readFile(rssFile, 'utf8').catch(() => '');
        rssKiB = Number(text.trim().split('\n').pop());
        await rm(rssFile, { force: true });
      }
      resolve({ code, ms, rssKiB, stdout, stderr });
    });
  });
}
