/**
 * What each file holds is remembered in the endpoint's connector cache: a listing by a new connector instance (the
 * next run's) opens no item file that has not changed, yet sees every change of content, size, mtime or inode.
 * File opens are counted by wrapping `fs.promises.readFile` and `fs.promises.open`.
 */
import { promises as fsp } from 'node:fs';
import { rename, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StringTable, type CacheScope, type Connector, type ConnectorCache } from '@dovetail/core/sdk';
import { memoryCache, testContext } from '@dovetail/core/testing';
import definition, { type FilesystemSettings } from '../src/index.js';
import { eventText, taskText, tempDir, writeFiles } from './helpers.js';

let root: string;
let cleanup: () => void;
beforeEach(() => ({ dir: root, cleanup } = tempDir()));
afterEach(() => {
  vi.restoreAllMocks();
  cleanup();
});

/** A connector instance (as a new run would create it) over the shared `cache`. */
function instance(cache: ConnectorCache, settings: FilesystemSettings = { path: '.' }): Promise<Connector> {
  return Promise.resolve(definition.create(testContext(settings, { baseDir: root, endpoint: 'local', cache })));
}

/** Item files (`.ics`) opened by `fs.promises.readFile` or `open` while `fn` runs. */
async function itemFilesOpened(fn: () => Promise<unknown>): Promise<string[]> {
  const opened: string[] = [];
  const note = (file: unknown) => { if (String(file).endsWith('.ics')) opened.push(path.basename(String(file))); };
  const readFile = fsp.readFile;
  const open = fsp.open;
  vi.spyOn(fsp, 'readFile').mockImplementation(((file: Parameters<typeof readFile>[0], ...rest: unknown[]) => {
    note(file);
    return (readFile as (...a: unknown[]) => unknown)(file, ...rest);
  }) as typeof readFile);
  vi.spyOn(fsp, 'open').mockImplementation(((file: Parameters<typeof open>[0], ...rest: unknown[]) => {
    note(file);
    return (open as (...a: unknown[]) => unknown)(file, ...rest);
  }) as typeof open);
  try {
    await fn();
  } finally {
    vi.restoreAllMocks();
  }
  return opened.sort();
}

async function ids(c: Connector, entity: 'event' | 'task'): Promise<string[]> {
  const listed = await c.list('cal', { entity });
  return listed.kind === 'full' ? listed.items.map((i) => i.id) : [];
}

/** Sets a file's mtime to whole second `s` (exact in nanoseconds, so a test can restore it). */
const setMtime = (file: string, s: number) => utimes(file, s, s);

describe('the filesystem connector\'s component cache', () => {
  it('lets a new instance list an unchanged shared folder without opening any item file', async () => {
    await writeFiles(path.join(root, 'cal'), { 'e1.ics': eventText('e1', 'One'), 'e2.ics': eventText('e2', 'Two'), 't.ics': taskText('t', 'Task') });
    const cache = memoryCache();
    const first = await instance(cache);
    expect(await itemFilesOpened(() => ids(first, 'event'))).toEqual(['e1.ics', 'e2.ics', 't.ics']);
    await first.close?.();

    const second = await instance(cache);
    let events: string[] = [];
    let tasks: string[] = [];
    expect(await itemFilesOpened(async () => { events = await ids(second, 'event'); tasks = await ids(second, 'task'); })).toEqual([]);
    // The task file in the shared folder is still left out of the event listing (and in the task listing).
    expect(events).toEqual(['e1.ics', 'e2.ics']);
    expect(tasks).toEqual(['t.ics']);
  });

  it('uses an entry only at the version it was learned: the cache alone cannot tell same-version edits', async () => {
    // Proves that the cached answer is used: the content changes while mtime, size and inode stay the same.
    const file = path.join(root, 'cal', 'x.ics');
    await writeFiles(path.join(root, 'cal'), { 'x.ics': eventText('x', 'Same size!') });
    await setMtime(file, 1_700_000_000);
    const cache = memoryCache();
    expect(await ids(await instance(cache), 'event')).toEqual(['x.ics']);
    const asTask = taskText('x', 'S');
    const padded = asTask.replace('SUMMARY:S', `SUMMARY:${'S'.repeat(eventText('x', 'Same size!').length - asTask.length + 1)}`);
    await writeFile(file, padded); // in place: same inode
    await setMtime(file, 1_700_000_000);
    expect(await ids(await instance(cache), 'event')).toEqual(['x.ics']);
    // With the mtime moved on (same size, same inode) the file is read again and leaves the event listing.
    await setMtime(file, 1_700_000_001);
    const next = await instance(cache);
    let events: string[] = [];
    expect(await itemFilesOpened(async () => { events = await ids(next, 'event'); })).toEqual(['x.ics']);
    expect(events).toEqual([]);
    expect(await ids(next, 'task')).toEqual(['x.ics']);
  });

  it('reads a file again when it was replaced by another file (new inode), even with the same size and mtime', async () => {
    const dir = path.join(root, 'cal');
    const text = eventText('r', 'Replace me');
    const task = taskText('r', 'x').replace('SUMMARY:x', `SUMMARY:${'x'.repeat(text.length - taskText('r', 'x').length + 1)}`);
    expect(task.length).toBe(text.length);
    await writeFiles(dir, { 'r.ics': text });
    await setMtime(path.join(dir, 'r.ics'), 1_700_000_000);
    const cache = memoryCache();
    expect(await ids(await instance(cache), 'event')).toEqual(['r.ics']);
    await writeFile(path.join(dir, '.r.ics.new'), task);
    await setMtime(path.join(dir, '.r.ics.new'), 1_700_000_000);
    await rename(path.join(dir, '.r.ics.new'), path.join(dir, 'r.ics'));
    const next = await instance(cache);
    expect(await itemFilesOpened(async () => expect(await ids(next, 'event')).toEqual([]))).toEqual(['r.ics']);
  });

  it('drops the entries of deleted files and keeps one scope per folder', async () => {
    const dir = path.join(root, 'cal');
    await writeFiles(dir, { 'a.ics': eventText('a', 'A'), 'b.ics': eventText('b', 'B'), 't.ics': taskText('t', 'T') });
    const cache = memoryCache();
    await ids(await instance(cache), 'event');
    expect([...cache.scopes.keys()]).toEqual([dir]);
    expect(Object.keys(cache.scopes.get(dir)!).sort()).toEqual(['a.ics', 'b.ics', 't.ics']);
    expect(cache.scopes.get(dir)!['t.ics']).toMatch(/^\d+:\d+:\d+ VTODO$/);
    await rm(path.join(dir, 'a.ics'));
    await rm(path.join(dir, 't.ics'));
    await ids(await instance(cache), 'event');
    expect(Object.keys(cache.scopes.get(dir)!)).toEqual(['b.ics']);
  });

  it('remembers the files it writes, so the next listing reads none of them', async () => {
    await writeFiles(path.join(root, 'cal'), {});
    const cache = memoryCache();
    const writer = await instance(cache);
    await writer.list('cal', { entity: 'event' });
    const results = await writer.write('cal', [
      { op: 'create', item: { type: 'event', uid: 'w1', summary: 'Written', start: { kind: 'utc', value: '2026-03-02T09:00:00Z' } } },
      { op: 'create', item: { type: 'task', uid: 'w2', summary: 'A task' } },
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    await writer.close?.();
    const next = await instance(cache);
    let events: string[] = [];
    expect(await itemFilesOpened(async () => { events = await ids(next, 'event'); })).toEqual([]);
    expect(events).toEqual(['w1.ics']);
    expect(await ids(next, 'task')).toEqual(['w2.ics']);
  });

  it('reads a file again when its entry is not one it wrote (a corrupt entry is never trusted)', async () => {
    const dir = path.join(root, 'cal');
    await writeFiles(dir, { 't.ics': taskText('t', 'T'), 'e.ics': eventText('e', 'E') });
    const cache = memoryCache();
    await ids(await instance(cache), 'event');
    const entries = cache.scopes.get(dir)!;
    const [version] = entries['t.ics']!.split(' ');
    await cache.write(dir, { ...entries, 't.ics': `${version} VEVENT,NOT-A-KIND` });
    const next = await instance(cache);
    let events: string[] = [];
    expect(await itemFilesOpened(async () => { events = await ids(next, 'event'); })).toEqual(['t.ics']);
    expect(events).toEqual(['e.ics']);
  });

  it('does not use the cache for a folder whose extension holds one entity type (.vcf)', async () => {
    await writeFiles(path.join(root, 'cal'), { 'c.vcf': 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:c\r\nFN:C\r\nN:C;;;;\r\nEND:VCARD\r\n' });
    const cache = memoryCache();
    const c = await instance(cache);
    const listed = await c.list('cal', { entity: 'contact' });
    expect(listed.kind === 'full' && listed.items.map((i) => i.id)).toEqual(['c.vcf']);
    await c.close?.();
    expect(cache.scopes.size).toBe(0);
  });

  it('hands its changes over where the cache needs a flush (out of process): after each listing and on close', async () => {
    const dir = path.join(root, 'cal');
    await writeFiles(dir, { 'a.ics': eventText('a', 'A') });
    // Stands for the SDK's copy of a scope in a child process: changes reach `host` only through flush().
    const host = memoryCache();
    const flushed: string[] = [];
    const remote: ConnectorCache = {
      read: (scope) => host.read(scope),
      write: (scope, entries) => host.write(scope, entries),
      scope: async (scope) => {
        const table = new StringTable();
        for (const [k, v] of Object.entries(await host.read(scope))) table.set(k, v);
        const handle: CacheScope = {
          get size() { return table.size; },
          get: (k) => table.get(k),
          set: (k, v) => table.set(k, v),
          delete: (k) => table.delete(k),
          keys: () => table.keys(),
          flush: async () => { flushed.push(scope); await host.write(scope, Object.fromEntries(table.entries())); },
        };
        return handle;
      },
    };
    const c = await instance(remote);
    expect(await ids(c, 'event')).toEqual(['a.ics']);
    expect(Object.keys(host.scopes.get(dir)!)).toEqual(['a.ics']);
    await c.write('cal', [{ op: 'create', item: { type: 'event', uid: 'w', summary: 'W', start: { kind: 'utc', value: '2026-03-02T09:00:00Z' } } }]);
    expect(Object.keys(host.scopes.get(dir)!)).toEqual(['a.ics']);
    await c.close?.();
    expect(Object.keys(host.scopes.get(dir)!).sort()).toEqual(['a.ics', 'w.ics']);
    expect(flushed).toEqual([dir, dir]);
    const next = await instance(host);
    expect(await itemFilesOpened(() => ids(next, 'event'))).toEqual([]);
  });
});
