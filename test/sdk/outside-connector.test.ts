/**
 * The "done when": a connector written from docs/connectors.md alone — its files are taken from the guide's
 * code blocks — in a folder outside the repository is discovered through connectorDirs, validated, passes
 * `dovetail conformance` in process and out of process, and syncs; a crash inside a connector built on it
 * (`process.exit` during write, an endless loop in list) quarantines only that connector while the other pairings
 * of the same run complete, and its stderr lines reach our logs with the secret masked.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ics, repoRoot, runCli, type RunJson } from '../support/workspace.js';

const SECRET = 'club-key-7d1f0c2e-not-for-logs';
let root: string;
let connectors: string;

/** The files of the guide's example: each fenced block after a `<!-- file: NAME -->` line. */
function guideFiles(): Map<string, string> {
  const guide = readFileSync(path.join(repoRoot, 'docs', 'connectors.md'), 'utf8');
  const files = new Map<string, string>();
  for (const m of guide.matchAll(/<!-- file: ([^ ]+) -->\n```[a-z]*\n([\s\S]*?)\n```/g)) files.set(m[1]!, `${m[2]}\n`);
  return files;
}

/** A package that wraps the guide's connector with a bug chosen by its `bug` setting, and logs its secret. */
function writeBuggyPackage(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'dovetail-connector-club-buggy', version: '0.0.1', type: 'module', keywords: ['dovetail-connector'],
    engines: { dovetail: '^0.1.0' },
    dovetail: {
      manifestVersion: 1, id: 'club-buggy', displayName: 'Club events with a bug',
      process: { command: 'node', args: ['./stdio.js'] },
      entities: { event: { read: true, write: true, delete: true } }, settings: './settings.schema.json',
    },
  }, null, 2));
  writeFileSync(path.join(dir, 'settings.schema.json'), JSON.stringify({
    type: 'object', additionalProperties: false, required: ['file', 'bug'],
    properties: { file: { type: 'string' }, bug: { enum: ['exit-on-write', 'loop-on-list'] }, apiKey: { type: 'string', 'x-secret': true } },
  }));
  writeFileSync(path.join(dir, 'stdio.js'), `
import { defineConnector, runStdio } from '@dovetail/core/sdk';
import club from '../club-events/index.js';

await runStdio(defineConnector(async (ctx) => {
  const key = await ctx.secrets.get('apiKey');
  ctx.logger.warn({ key }, 'opened the club file with key ' + key);
  process.stderr.write('raw stderr: key=' + key + '\\n');
  const inner = await club.create(ctx);
  return {
    ...inner,
    async list(collection, options) {
      if (ctx.settings.bug === 'loop-on-list') for (;;) { /* a bug: never returns */ }
      return inner.list(collection, options);
    },
    async write(collection, ops) {
      if (ctx.settings.bug === 'exit-on-write') process.exit(3);
      return inner.write(collection, ops);
    },
  };
}));
`);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'dovetail-outside-'));
  connectors = path.join(root, 'my-connectors');
  const club = path.join(connectors, 'club-events');
  mkdirSync(club, { recursive: true });
  for (const [name, text] of guideFiles()) writeFileSync(path.join(club, name), text);
  // What `npm install @dovetail/core` gives the package: the SDK, here this checkout's build.
  mkdirSync(path.join(root, 'node_modules', '@dovetail'), { recursive: true });
  symlinkSync(path.join(repoRoot, 'core'), path.join(root, 'node_modules', '@dovetail', 'core'), 'dir');
  writeBuggyPackage(path.join(connectors, 'club-buggy'));
  for (const f of ['club.json', 'buggy.json']) writeFileSync(path.join(root, f), JSON.stringify({ events: [], apiKey: SECRET }));
  writeFileSync(path.join(root, 'club-settings.json'), JSON.stringify({ file: './club.json', apiKey: { env: 'CLUB_KEY' } }));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const env = { CLUB_KEY: SECRET, DOVETAIL_LOG_LEVEL: 'info' };

/** Folders with events for the folder sides of the pairings. */
function seed(name: string, count: number): void {
  mkdirSync(path.join(root, 'folders', name), { recursive: true });
  for (let i = 1; i <= count; i++) {
    writeFileSync(path.join(root, 'folders', name, `${name}-${i}.ics`), ics({ uid: `${name}-${i}@test`, summary: `${name} ${i}`, start: '20260310T090000Z', end: '20260310T100000Z' }));
  }
}

function config(bug: 'exit-on-write' | 'loop-on-list'): void {
  writeFileSync(path.join(root, 'dovetail.json'), JSON.stringify({
    connectorDirs: ['./my-connectors'],
    endpoints: {
      club: { connector: 'club-events', settings: { file: './club.json', apiKey: { env: 'CLUB_KEY' } } },
      buggy: { connector: 'club-buggy', settings: { file: './buggy.json', bug, apiKey: { env: 'CLUB_KEY' } }, process: { heartbeat: '200ms' } },
      folders: { connector: 'filesystem', settings: { path: './folders' } },
    },
    pairings: {
      'club-in': { entity: 'event', a: { endpoint: 'folders', collection: 'for-club' }, b: { endpoint: 'club', collection: 'events' }, mode: 'push-a-to-b' },
      'buggy-in': { entity: 'event', a: { endpoint: 'folders', collection: 'for-buggy' }, b: { endpoint: 'buggy', collection: 'events' }, mode: 'push-a-to-b', chunkSize: 1 },
      'copy': { entity: 'event', a: { endpoint: 'folders', collection: 'source' }, b: { endpoint: 'folders', collection: 'copy', create: true } },
    },
  }, null, 2));
}

describe('a connector written from the guide, outside the repository', () => {
  it('is discovered through connectorDirs and validated', async () => {
    config('exit-on-write');
    const listed = await runCli(['connectors', '--json'], root, env);
    const found = (listed.json as unknown as { connectors: { id: string; source: string; path: string }[] }).connectors;
    expect(found.find((c) => c.id === 'club-events')).toMatchObject({ source: 'connectorDirs', path: path.join(connectors, 'club-events') });
    const valid = await runCli(['validate'], root, env);
    expect(valid.stderr).toBe('');
    expect(valid.code).toBe(0);
  });

  it('passes the conformance command in process and out of process', async () => {
    for (const mode of ['--in-process', '--process']) {
      const r = await runCli(['conformance', path.join(connectors, 'club-events'), '--settings', 'club-settings.json', '--collection', 'events', mode, '--json'], root, env);
      const out = r.json as unknown as { mode: string; passed: number; failed: number; results: { name: string; ok: boolean }[] };
      expect(out.failed).toBe(0);
      expect(out.passed).toBeGreaterThanOrEqual(19);
      expect(out.mode).toBe(mode === '--process' ? 'out-of-process' : 'in-process');
      expect(out.results.map((t) => t.name)).toContain('a round trip of real items from the interop corpus');
      expect(r.code).toBe(0);
    }
  });

  it('a process.exit during write quarantines only that connector; the other pairings complete; stderr is logged masked', async () => {
    config('exit-on-write');
    seed('for-club', 2);
    seed('for-buggy', 5);
    seed('source', 3);
    const r = await runCli(['sync', '--json'], root, env);
    const runs = new Map((r.json!.runs as (RunJson & { failure?: string; aborted?: string })[]).map((x) => [x.pairing, x]));
    expect(runs.get('club-in')).toMatchObject({ ok: true, b: { created: 2, updated: 0, deleted: 0 } });
    expect(runs.get('copy')).toMatchObject({ ok: true, b: { created: 3, updated: 0, deleted: 0 } });
    const buggy = runs.get('buggy-in')!;
    expect(buggy.failure).toBe('quarantined');
    expect(buggy.aborted).toMatch(/connector "club-buggy" is quarantined after 3 crashes \(last: the process exited with code 3/);
    expect(r.code).toBe(3);
    expect(JSON.parse(readFileSync(path.join(root, 'club.json'), 'utf8')).events).toHaveLength(2);

    const logs = r.stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const child = logs.filter((l) => l.connector === 'club-buggy');
    expect(child.map((l) => l.msg)).toEqual(expect.arrayContaining(['opened the club file with key [redacted]', 'raw stderr: key=[redacted]']));
    expect(child.find((l) => l.msg === 'opened the club file with key [redacted]')).toMatchObject({ level: 40, key: '[redacted]', endpoint: 'buggy' });
    expect(r.stderr).not.toContain(SECRET);
    expect(r.stdout).not.toContain(SECRET);

    const status = await runCli(['status', '--json'], root, env);
    const health = (status.json as unknown as { pairings: { pairing: string; health: string; reasons: string[] }[] }).pairings;
    expect(health.find((p) => p.pairing === 'buggy-in')).toMatchObject({ health: 'error', reasons: [expect.stringMatching(/last run failed: .*quarantined/)] });
    expect(health.find((p) => p.pairing === 'copy')?.health).toBe('ok');
  });

  it('an endless loop is caught by the heartbeat and quarantines only that connector', async () => {
    config('loop-on-list');
    seed('source', 4);
    const started = Date.now();
    const r = await runCli(['sync', '--json'], root, env);
    const runs = new Map((r.json!.runs as (RunJson & { failure?: string; aborted?: string })[]).map((x) => [x.pairing, x]));
    expect(runs.get('buggy-in')).toMatchObject({ ok: false, failure: 'quarantined' });
    expect(runs.get('buggy-in')!.aborted).toContain('no answer to a heartbeat within 200 ms');
    expect(runs.get('copy')).toMatchObject({ ok: true, b: { created: 1, updated: 0, deleted: 0 } });
    expect(runs.get('club-in')?.ok).toBe(true);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
