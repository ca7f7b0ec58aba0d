/**
 * Hostile folders (real temp folders): item files and collection folders that are symbolic links pointing outside
 * the root or inside it, and temp files a killed run left behind.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connector, Entity, LoadResult } from '@dovetail/core/sdk';
import { eventText, makeConnector, tempDir, writeFiles } from './helpers.js';

let base: string;
let cleanup: () => void;
let root: string;
let outside: string;

beforeEach(async () => {
  ({ dir: base, cleanup } = tempDir());
  root = path.join(base, 'calendars');
  outside = path.join(base, 'private');
  await writeFiles(path.join(root, 'work'), { 'a.ics': eventText('a', 'A') });
  await writeFiles(outside, { 'secret.ics': eventText('secret', 'Not for the server') });
  await symlink(path.join(outside, 'secret.ics'), path.join(root, 'work', 'evil.ics'));
});
afterEach(() => cleanup());

const event = (r: LoadResult): Entity => { if (!r.ok) throw new Error(r.error.message); return r.item; };

describe('symbolic links to item files', () => {
  it('by default a linked item is listed but refused as a per-item error, and never written through', async () => {
    const c = await makeConnector(base, { path: 'calendars' });
    const listed = await c.list('work', { entity: 'event' });
    expect(listed.kind === 'full' && listed.items.map((i) => i.id)).toEqual(['a.ics', 'evil.ics']);
    const [a, evil] = await c.load('work', ['a.ics', 'evil.ics'], { entity: 'event' });
    expect(event(a!).uid).toBe('a');
    expect(evil).toMatchObject({ ok: false, error: { code: 'Invalid', message: expect.stringMatching(/evil\.ics is a symbolic link; links are not followed \(set "symlinks": "inside-root"/) } });

    const version = listed.kind === 'full' ? listed.items[1]!.version : '';
    const [update, del] = await c.write('work', [
      { op: 'update', id: 'evil.ics', ifVersion: version, item: event(a!) },
      { op: 'delete', id: 'evil.ics', ifVersion: version },
    ]);
    expect(update).toMatchObject({ ok: false, error: { code: 'Invalid' } });
    expect(del).toMatchObject({ ok: false, error: { code: 'Invalid' } });
    expect(lstatSync(path.join(root, 'work', 'evil.ics')).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(outside, 'secret.ics'), 'utf8')).toContain('SUMMARY:Not for the server');
  });

  it('inside-root: a link to a file in the root is read and written through (the link stays a link); one leading out is refused', async () => {
    await writeFiles(path.join(root, 'shared'), { 'team.ics': eventText('team', 'Team') });
    await symlink(path.join('..', 'shared', 'team.ics'), path.join(root, 'work', 'team.ics'));
    const c = await makeConnector(base, { path: 'calendars', symlinks: 'inside-root' });
    const listed = await c.list('work', { entity: 'event' });
    const byId = new Map(listed.kind === 'full' ? listed.items.map((i) => [i.id, i.version]) : []);
    const [team, evil] = await c.load('work', ['team.ics', 'evil.ics'], { entity: 'event' });
    expect(event(team!).summary).toBe('Team');
    expect(evil).toMatchObject({ ok: false, error: { message: expect.stringMatching(/evil\.ics is a symbolic link to .*secret\.ics, outside the folder .*calendars; refused/) } });

    const edited = { ...event(team!), summary: 'Team, edited on the server' } as Entity;
    const [res] = await c.write('work', [{ op: 'update', id: 'team.ics', ifVersion: byId.get('team.ics'), item: edited }]);
    expect(res).toMatchObject({ ok: true, id: 'team.ics' });
    expect(lstatSync(path.join(root, 'work', 'team.ics')).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(root, 'shared', 'team.ics'), 'utf8')).toContain('SUMMARY:Team\\, edited on the server');

    const [gone] = await c.write('work', [{ op: 'delete', id: 'team.ics', ifVersion: (res as { version: string }).version }]);
    expect(gone).toMatchObject({ ok: true });
    expect(existsSync(path.join(root, 'work', 'team.ics'))).toBe(false);
    expect(existsSync(path.join(root, 'shared', 'team.ics'))).toBe(true); // the link went, not its target
  });
});

describe('symbolic links to collection folders', () => {
  it('a linked folder inside the root is a collection; one leading out of the root is left out and refused', async () => {
    await symlink(path.join(root, 'work'), path.join(root, 'alias'));
    await symlink(outside, path.join(root, 'escape'));
    const c = await makeConnector(base, { path: 'calendars' });
    expect((await c.discover()).map((x) => x.id)).toEqual(['alias', 'work']);
    await expect(c.list('escape', { entity: 'event' })).rejects.toMatchObject({ code: 'Invalid', message: expect.stringMatching(/collection folder .*escape is a symbolic link to .*private, outside the folder/) });
    await expect(c.write('escape', [{ op: 'delete', id: 'secret.ics' }])).rejects.toMatchObject({ code: 'Invalid' });
    expect(existsSync(path.join(outside, 'secret.ics'))).toBe(true);
  });
});

describe('temp files a killed run left behind', () => {
  it('are removed on the next listing when their writer is gone or they are over an hour old; a live writer\'s fresh one stays', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const dir = path.join(root, 'work');
    const deadTemp = `.a.ics.${dead}.k1ll3d.tmp`;
    const liveTemp = `.b.ics.${process.pid}.wr1t1ng.tmp`;
    const oldTemp = `.c.ics.${process.pid}.0ldf1le.tmp`;
    const notOurs = '.notes.tmp';
    for (const name of [deadTemp, liveTemp, oldTemp, notOurs]) writeFileSync(path.join(dir, name), 'partial');
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(path.join(dir, oldTemp), twoHoursAgo, twoHoursAgo);
    const c: Connector = await makeConnector(base, { path: 'calendars' });
    await c.list('work', { entity: 'event' });
    expect(readdirSync(dir).filter((n) => n.startsWith('.')).sort()).toEqual([liveTemp, notOurs].sort());
  });
});
