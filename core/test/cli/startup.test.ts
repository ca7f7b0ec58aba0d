/**
 * What the CLI loads before it runs a command: `--version` and `--help` load none of the command code and no
 * package, a folder-only `validate` or `sync` loads no process runner (execa) and no HTML converter. Measured by
 * a module-load hook in a real `dovetail` process.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/dovetail.js', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'dovetail-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A loader hook that names every module (ESM or CommonJS through ESM) the process loads, one line each on stderr.
writeFileSync(path.join(dir, 'hooks.mjs'), "export async function load(url, context, next) { process.stderr.write(`LOADED ${url}\\n`); return next(url, context); }\n");
writeFileSync(path.join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)});\n`);

/** The modules a `dovetail ...args` run loads (file URLs), and its stdout. */
function loaded(args: string[], cwd = dir): { modules: string[]; stdout: string } {
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(path.join(dir, 'register.mjs')).href, bin, ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`dovetail ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { modules: r.stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice(7)), stdout: r.stdout };
}

const packages = (modules: string[]) => [...new Set(modules.filter((m) => m.includes('/node_modules/')).map((m) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(m)![1]))];

describe('CLI start-up', () => {
  it('--version and --help load no command code and no package', () => {
    for (const args of [['--version'], ['--help']]) {
      const { modules, stdout } = loaded(args);
      expect(stdout).toMatch(args[0] === '--version' ? /^\d+\.\d+\.\d+/ : /^dovetail — sync calendars/);
      expect(packages(modules)).toEqual([]);
      expect(modules.filter((m) => /\/cli\/commands\.js$/.test(m))).toEqual([]);
      expect(modules.length).toBeLessThan(10);
    }
  });

  it('a folder-only validate and sync load neither execa nor html-to-text (they load when a process connector or an HTML description needs them)', () => {
    const cwd = path.join(dir, 'cfg');
    mkdirSync(path.join(cwd, 'left', 'cal'), { recursive: true });
    mkdirSync(path.join(cwd, 'right'), { recursive: true });
    writeFileSync(path.join(cwd, 'dovetail.json'), JSON.stringify({
      endpoints: { l: { connector: 'filesystem', settings: { path: './left' } }, r: { connector: 'filesystem', settings: { path: './right' } } },
      pairings: { p: { entity: 'event', a: { endpoint: 'l', collection: 'cal' }, b: { endpoint: 'r', collection: 'cal', create: true }, mode: 'two-way' } },
    }));
    for (const args of [['validate'], ['sync']]) {
      const { modules } = loaded(args, cwd);
      const pkgs = packages(modules);
      expect(pkgs).toContain('ajv'); // it did load what it needs
      expect(pkgs.filter((p) => ['execa', 'html-to-text', 'htmlparser2'].includes(p))).toEqual([]);
    }
  });
});
