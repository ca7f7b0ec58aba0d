/**
 * Contactbox ("deleted locally is never re-imported") end to end through the CLI on real folders: a one-off import
 * with `once: add` remembers what it imported; only `once: recreate` brings everything back. And the counts a
 * person reads: unchanged items in `once` runs, changes a read-only side holds back.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../support/workspace.js';
import { putCard, removeItem, uidsIn } from '../support/folder-items.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

function setup(pairing: Record<string, unknown>): Workspace {
  ws = new Workspace('dovetail-contactbox-');
  ws.config({ box: { entity: 'contact', a: { endpoint: 'left', collection: 'contacts' }, b: { endpoint: 'right', collection: 'contacts', create: true }, ...pairing } });
  for (const [uid, name] of [['c-1', 'Ada Lovelace'], ['c-2', 'Alan Turing'], ['c-3', 'Grace Hopper']]) putCard(ws.path('left', 'contacts'), uid, [`FN:${name}`]);
  return ws;
}

function setMode(pairing: Record<string, unknown>): void {
  const config = JSON.parse(readFileSync(ws.path('dovetail.json'), 'utf8'));
  Object.assign(config.pairings.box, pairing);
  writeFileSync(ws.path('dovetail.json'), JSON.stringify(config));
}

/** khard (Debian's package) with a config of its own: the cards of the workspace's `right/contacts`, one `uid<TAB>name` line each. */
function khard(): Promise<string[]> {
  writeFileSync(ws.path('khard.conf'), `[addressbooks]\n[[imported]]\npath = ${ws.path('right', 'contacts')}\n[general]\ndebug = no\ndefault_action = list\neditor = /bin/false\nmerge_editor = /bin/false\n`);
  return new Promise((resolve, reject) => {
    execFile('khard', ['-c', ws.path('khard.conf'), 'list', '--parsable'], { env: { ...process.env, HOME: ws.dir }, timeout: 60_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`khard: ${stderr || err.message}`)) : resolve(stdout.trim().split('\n').map((l) => l.split('\t').slice(0, 2).join('\t')).sort())));
  });
}

describe('Contactbox: once remembers what it imported', () => {
  it('does not re-import a card deleted on the target; counts unchanged cards; recreate brings it back', async () => {
    setup({ mode: 'once', once: 'add' });
    const first = await ws.sync();
    expect(first.report.b.created).toBe(3);
    // khard reads the cards we wrote.
    expect(await khard()).toEqual(['c-1\tAda Lovelace', 'c-2\tAlan Turing', 'c-3\tGrace Hopper']);
    const second = await ws.sync();
    expect(second.report.b.created).toBe(0);
    expect(second.report.unchanged).toBe(3);

    removeItem(ws.path('right', 'contacts'), 'c-2');
    putCard(ws.path('left', 'contacts'), 'c-4', ['FN:Katherine Johnson']);
    const third = await ws.run(['sync']);
    expect(third.code).toBe(0);
    expect(third.stdout).toContain('b: +1 ~0 -0  unchanged 2');
    expect(third.stdout).toContain('1 change on a not synced: imported by an earlier run and deleted on b since (only once: recreate brings it back)');
    expect(uidsIn(ws.path('right', 'contacts'))).toEqual(['c-1', 'c-3', 'c-4']);

    // `update` remembers too.
    setMode({ once: 'update' });
    expect((await ws.sync()).report.b.created).toBe(0);
    expect(uidsIn(ws.path('right', 'contacts'))).toEqual(['c-1', 'c-3', 'c-4']);

    setMode({ once: 'recreate' });
    const recreate = await ws.sync();
    expect(recreate.report.b.created).toBe(1);
    expect(uidsIn(ws.path('right', 'contacts'))).toEqual(['c-1', 'c-2', 'c-3', 'c-4']);
  });
});

describe('counts: a read-only side', () => {
  it('reports the changes a read-only side holds back, in the summary and in --json', async () => {
    setup({ mode: 'two-way', a: { endpoint: 'left', collection: 'contacts', readOnly: true } });
    await ws.sync();
    putCard(ws.path('right', 'contacts'), 'c-9', ['FN:New on b']);
    putCard(ws.path('right', 'contacts'), 'c-1', ['FN:Ada King']);
    removeItem(ws.path('right', 'contacts'), 'c-3');
    const r = await ws.run(['sync']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3 changes on b not synced: side a is read-only');
    const again = await ws.sync();
    expect(again.report.notSynced).toBeUndefined(); // each change is reported once
    expect(uidsIn(ws.path('left', 'contacts'))).toEqual(['c-1', 'c-2', 'c-3']);
  });
});
