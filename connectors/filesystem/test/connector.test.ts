/** The connector's folder handling: check, discover, collections, listing, versions, deletes and path safety. */
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connector } from '@dovetail/core/sdk';
import { cardText, eventText, makeConnector, taskText, tempDir, writeFiles } from './helpers.js';

let base: string;
let cleanup: () => void;
let root: string;
let connector: Connector;

beforeEach(async () => {
  ({ dir: base, cleanup } = tempDir());
  root = path.join(base, 'calendars');
  await mkdir(root);
  connector = await makeConnector(base, { path: 'calendars' });
});
afterEach(() => cleanup());

describe('check', () => {
  it('accepts an existing, writable root and counts its collections', async () => {
    await mkdir(path.join(root, 'home'));
    const res = await connector.check();
    expect(res).toEqual({ ok: true, message: `${root}: 1 collection(s)` });
  });

  it('reports a missing root without creating it', async () => {
    const missing = await makeConnector(base, { path: 'nowhere' });
    const res = await missing.check();
    expect(res.ok).toBe(false);
    expect(res.message).toContain(path.join(base, 'nowhere'));
    expect(res.message).toContain('does not exist');
    expect(existsSync(path.join(base, 'nowhere'))).toBe(false);
  });

  it('creates a missing root when createRoot is set', async () => {
    const creating = await makeConnector(base, { path: 'new/deep', createRoot: true });
    expect((await creating.check()).ok).toBe(true);
    expect(existsSync(path.join(base, 'new/deep'))).toBe(true);
  });

  it('reports a root that is a file', async () => {
    writeFileSync(path.join(base, 'file'), 'x');
    const res = await (await makeConnector(base, { path: 'file' })).check();
    expect(res.ok).toBe(false);
    expect(res.message).toContain('not a folder');
  });
});

describe('discover and createCollection', () => {
  it('lists subfolders with displayname, color and entities guessed from extensions', async () => {
    await writeFiles(path.join(root, 'work'), { displayname: 'Work calendar\n', color: '#ff8800\n', 'a.ics': eventText('a', 'A') });
    await writeFiles(path.join(root, 'contacts'), { 'x.vcf': cardText('x', 'X') });
    await writeFiles(path.join(root, 'mixed'), { 'a.ics': eventText('a', 'A'), 'x.vcf': cardText('x', 'X') });
    await mkdir(path.join(root, 'empty'));
    await mkdir(path.join(root, '.hidden'));
    writeFileSync(path.join(root, 'stray.ics'), eventText('s', 'S'));
    await symlink(path.join(root, 'work'), path.join(root, 'linked'));
    expect(await connector.discover()).toEqual([
      { id: 'contacts', name: 'contacts', entities: ['contact'] },
      { id: 'empty', name: 'empty', entities: ['event', 'task', 'contact'] },
      { id: 'linked', name: 'Work calendar', entities: ['event', 'task'], color: '#ff8800' },
      { id: 'mixed', name: 'mixed', entities: ['event', 'task', 'contact'] },
      { id: 'work', name: 'Work calendar', entities: ['event', 'task'], color: '#ff8800' },
    ]);
  });

  it('guesses entities from content when a custom extension is set', async () => {
    await writeFiles(path.join(root, 'cards'), { 'x.txt': cardText('x', 'X') });
    await writeFiles(path.join(root, 'cal'), { 'a.txt': eventText('a', 'A') });
    const custom = await makeConnector(base, { path: 'calendars', fileExtension: '.txt' });
    expect((await custom.discover()).map((c) => [c.id, c.entities])).toEqual([['cal', ['event', 'task']], ['cards', ['contact']]]);
  });

  it('creates a folder with displayname and color files that discover reads back', async () => {
    const info = await connector.createCollection!({ id: 'family', name: 'Family', color: '#00aa00', entities: ['event'] });
    expect(info).toEqual({ id: 'family', name: 'Family', color: '#00aa00', entities: ['event'] });
    expect(readFileSync(path.join(root, 'family', 'displayname'), 'utf8')).toBe('Family');
    expect(readFileSync(path.join(root, 'family', 'color'), 'utf8')).toBe('#00aa00');
    expect((await connector.discover()).find((c) => c.id === 'family')?.name).toBe('Family');
  });

  it('keeps an existing folder and its metadata when created again', async () => {
    await writeFiles(path.join(root, 'home'), { displayname: 'Mine', 'a.ics': eventText('a', 'A') });
    const info = await connector.createCollection!({ id: 'home', name: 'Other name', entities: ['event'] });
    expect(info.name).toBe('Mine');
    expect(readdirSync(path.join(root, 'home')).sort()).toEqual(['a.ics', 'displayname']);
  });

  it('refuses collection ids that would leave the root', async () => {
    for (const id of ['..', '../outside', 'a/b', '/tmp/x', '.git']) {
      await expect(connector.createCollection!({ id, entities: ['event'] })).rejects.toMatchObject({ code: 'Invalid' });
      await expect(connector.list(id, { entity: 'event' })).rejects.toMatchObject({ code: 'Invalid' });
    }
    expect(readdirSync(base)).toEqual(['calendars']);
  });

  it('discover on a missing root is NotFound, naming the folder', async () => {
    const missing = await makeConnector(base, { path: 'nowhere' });
    await expect(missing.discover()).rejects.toMatchObject({ code: 'NotFound', message: expect.stringContaining('nowhere') });
  });
});

describe('list', () => {
  it('lists item files only: no dotfiles, temp files, metadata, folders or other extensions', async () => {
    const dir = path.join(root, 'cal');
    await writeFiles(dir, {
      'a.ics': eventText('a', 'A'), 'B.ICS': eventText('b', 'B'), '.a.ics.123.tmp': 'partial', '.hidden.ics': eventText('h', 'H'),
      'a.ics~': 'backup', 'note.txt': 'x', 'x.vcf': cardText('x', 'X'), displayname: 'Cal', color: '#fff',
    });
    await mkdir(path.join(dir, 'sub.ics'));
    const res = await connector.list('cal', { entity: 'event' });
    expect(res.kind).toBe('full');
    if (res.kind !== 'full') return;
    expect(res.items.map((i) => i.id)).toEqual(['B.ICS', 'a.ics']);
    expect(res.items.every((i) => /^\d+:\d+:\d+$/.test(i.version))).toBe(true);
    const contacts = await connector.list('cal', { entity: 'contact' });
    expect(contacts.kind === 'full' && contacts.items.map((i) => i.id)).toEqual(['x.vcf']);
  });

  it('splits a shared folder into events and tasks by content, listing unknown content under both', async () => {
    await writeFiles(path.join(root, 'shared'), {
      'e.ics': eventText('e', 'E'), 't.ics': taskText('t', 'T'), 'broken.ics': 'garbage',
      'j.ics': 'BEGIN:VCALENDAR\r\nBEGIN:VJOURNAL\r\nUID:j\r\nEND:VJOURNAL\r\nEND:VCALENDAR\r\n',
    });
    const ids = async (entity: 'event' | 'task') => {
      const res = await connector.list('shared', { entity });
      return res.kind === 'full' ? res.items.map((i) => i.id) : [];
    };
    expect(await ids('event')).toEqual(['broken.ics', 'e.ics']);
    expect(await ids('task')).toEqual(['broken.ics', 't.ics']);
    // A file that turns from an event into a task moves between the listings.
    await writeFile(path.join(root, 'shared', 'e.ics'), taskText('e', 'now a task, longer content'));
    expect(await ids('event')).toEqual(['broken.ics']);
    expect(await ids('task')).toEqual(['broken.ics', 'e.ics', 't.ics']);
  });

  it('changes an item version when the file is edited externally, even with the same size and mtime', async () => {
    const file = path.join(root, 'cal', 'a.ics');
    await writeFiles(path.join(root, 'cal'), { 'a.ics': eventText('a', 'First') });
    const version = async () => {
      const res = await connector.list('cal', { entity: 'event' });
      return res.kind === 'full' ? res.items[0].version : '';
    };
    const v1 = await version();
    expect(await version()).toBe(v1);
    writeFileSync(file, eventText('a', 'Other'));              // same size, written in place
    const v2 = await version();
    expect(v2).not.toBe(v1);
    utimesSync(file, new Date('2020-01-01'), new Date('2020-01-01'));
    const v3 = await version();
    expect(v3).not.toBe(v2);
    writeFileSync(`${file}.new`, eventText('a', 'Third'));     // an editor's save-by-rename, mtime forced equal
    utimesSync(`${file}.new`, new Date('2020-01-01'), new Date('2020-01-01'));
    const { renameSync } = await import('node:fs');
    renameSync(`${file}.new`, file);
    expect(await version()).not.toBe(v3);
  });

  it('lists 10,000 files', async () => {
    const dir = path.join(root, 'big');
    await mkdir(dir);
    const names = Array.from({ length: 10_000 }, (_, i) => `item-${String(i).padStart(5, '0')}.vcf`);
    for (let i = 0; i < names.length; i += 500) {
      await Promise.all(names.slice(i, i + 500).map((n) => writeFile(path.join(dir, n), cardText(n, n))));
    }
    const started = performance.now();
    const res = await connector.list('big', { entity: 'contact' });
    const ms = performance.now() - started;
    expect(res.kind === 'full' && res.items.map((i) => i.id)).toEqual(names);
    const events = await makeConnector(base, { path: 'calendars', fileExtension: '.vcf' });
    const sniffStarted = performance.now();
    const sniffed = await events.list('big', { entity: 'event' });
    const sniffMs = performance.now() - sniffStarted;
    expect(sniffed.kind === 'full' && sniffed.items).toEqual([]);
    console.info(`10,000 files: plain listing ${ms.toFixed(0)} ms, listing with content sniffing ${sniffMs.toFixed(0)} ms`);
  });

  it('keeps each file\'s own stat across stat batches: links, folders and files past the first few hundred', async () => {
    const dir = path.join(root, 'batches');
    await mkdir(dir);
    const names = Array.from({ length: 700 }, (_, i) => `e-${String(i).padStart(3, '0')}.vcf`);
    const links = new Set([names[5], names[300], names[611]]);
    const folders = new Set([names[256], names[512]]);
    for (const n of names) {
      if (links.has(n)) await symlink('/etc/hostname', path.join(dir, n)); // refused (symlinks: refuse), listed by its own stat
      else if (folders.has(n)) await mkdir(path.join(dir, n));
      else await writeFile(path.join(dir, n), cardText(n, n));
    }
    const res = await connector.list('batches', { entity: 'contact' });
    expect(res.kind).toBe('full');
    const items = res.kind === 'full' ? res.items : [];
    expect(items.map((i) => i.id)).toEqual(names.filter((n) => !folders.has(n)));
    expect(items.filter((i) => i.version.startsWith('link:')).map((i) => i.id)).toEqual([...links]);
    // A file's version is that of its own stat: editing the last one changes its version only.
    writeFileSync(path.join(dir, names[699]), cardText(names[699], 'changed'));
    const again = await connector.list('batches', { entity: 'contact' });
    const changed = (again.kind === 'full' ? again.items : []).filter((i, k) => i.version !== items[k].version).map((i) => i.id);
    expect(changed).toEqual([names[699]]);
  });

  it('is NotFound for a missing collection', async () => {
    await expect(connector.list('nope', { entity: 'event' })).rejects.toMatchObject({ code: 'NotFound' });
  });
});

describe('delete and path safety', () => {
  beforeEach(async () => {
    await writeFiles(path.join(root, 'cal'), { 'a.ics': eventText('a', 'A'), 'b.ics': eventText('b', 'B') });
    writeFileSync(path.join(root, 'secret.ics'), eventText('s', 'outside the collection'));
    writeFileSync(path.join(base, 'outside.ics'), eventText('o', 'outside the root'));
  });

  const versionOf = async (id: string) => {
    const res = await connector.list('cal', { entity: 'event' });
    return res.kind === 'full' ? res.items.find((i) => i.id === id)?.version : undefined;
  };

  it('deletes with the current version, refuses a stale one, NotFound for a missing file', async () => {
    const vA = await versionOf('a.ics');
    writeFileSync(path.join(root, 'cal', 'b.ics'), eventText('b', 'edited by someone else'));
    const results = await connector.write('cal', [
      { op: 'delete', id: 'a.ics', ifVersion: vA },
      { op: 'delete', id: 'b.ics', ifVersion: '1:2:3' },
      { op: 'delete', id: 'missing.ics' },
      { op: 'delete', id: 'a.ics' },
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['ok', 'PreconditionFailed', 'NotFound', 'NotFound']);
    expect(readdirSync(path.join(root, 'cal'))).toEqual(['b.ics']);
  });

  it('refuses ids that escape the collection and touches nothing', async () => {
    const evil = ['../secret.ics', '../../outside.ics', path.join(base, 'outside.ics'), 'a\0.ics', '', '.', '..', 'x/../a.ics', '..\\secret.ics'];
    const results = await connector.write('cal', evil.map((id) => ({ op: 'delete' as const, id })));
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(evil.map(() => 'Invalid'));
    const loaded = await connector.load('cal', evil, { entity: 'event' });
    expect(loaded.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(evil.map(() => 'Invalid'));
    expect(loaded.map((r) => r.id)).toEqual(evil);
    expect(existsSync(path.join(root, 'secret.ics'))).toBe(true);
    expect(existsSync(path.join(base, 'outside.ics'))).toBe(true);
    expect(readdirSync(path.join(root, 'cal')).sort()).toEqual(['a.ics', 'b.ics']);
  });

  it('load reports a missing file as NotFound for that id only', async () => {
    const [res] = await connector.load('cal', ['missing.ics'], { entity: 'event' });
    expect(res).toMatchObject({ ok: false, id: 'missing.ics', error: { code: 'NotFound' } });
  });
});

describe('watch', () => {
  it('calls back once, debounced, after a burst of external changes, and stops after close', async () => {
    await mkdir(path.join(root, 'cal'));
    let calls = 0;
    const handle = await connector.watch!('cal', () => { calls++; });
    for (let i = 0; i < 5; i++) writeFileSync(path.join(root, 'cal', `x${i}.ics`), eventText(`x${i}`, 'X'));
    await new Promise((r) => setTimeout(r, 800));
    expect(calls).toBe(1);
    await handle.close();
    writeFileSync(path.join(root, 'cal', 'late.ics'), eventText('late', 'L'));
    await new Promise((r) => setTimeout(r, 600));
    expect(calls).toBe(1);
  });
});
