/** Reading and writing items through the connector with the real iCalendar/vCard codecs. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connector, ContactEntity, EventEntity, LoadResult, TaskEntity, WriteResult } from '@dovetail/core/sdk';
import { uidForFileName } from '../src/index.js';
import { cardText, eventText, makeConnector, taskText, tempDir, writeFiles } from './helpers.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const corpusDir = process.env.CORPUS_DIR ?? path.resolve(repoRoot, '../shared/corpus');

let base: string;
let cleanup: () => void;
let cal: string;
let connector: Connector;

beforeEach(async () => {
  ({ dir: base, cleanup } = tempDir());
  cal = path.join(base, 'vdir', 'cal');
  await mkdir(cal, { recursive: true });
  await mkdir(path.join(base, 'vdir', 'cards'));
  connector = await makeConnector(base, { path: 'vdir' });
});
afterEach(() => cleanup());

const event = (uid: string, summary: string): EventEntity => ({
  type: 'event', uid, summary, start: { kind: 'utc', value: '2026-04-01T08:00:00Z' }, end: { kind: 'utc', value: '2026-04-01T09:00:00Z' },
});
const contact = (uid: string, formattedName: string): ContactEntity => ({
  type: 'contact', uid, formattedName, name: { family: formattedName, given: 'Test' },
});
function ok(r: LoadResult): Extract<LoadResult, { ok: true }>;
function ok(r: WriteResult): Extract<WriteResult, { ok: true }>;
function ok(r: WriteResult | LoadResult) {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r;
}
const codes = (rs: (WriteResult | LoadResult)[]) => rs.map((r) => (r.ok ? 'ok' : r.error.code));
const hiddenFiles = (dir: string) => readdirSync(dir).filter((n) => n.startsWith('.'));
const listVersion = async (collection: string, id: string, entity: 'event' | 'task' | 'contact' = 'event') => {
  const res = await connector.list(collection, { entity });
  return res.kind === 'full' ? res.items.find((i) => i.id === id)?.version : undefined;
};

describe('create', () => {
  it('names the file after a safe UID, returns the listed version, and the file loads back', async () => {
    const [res] = await connector.write('cal', [{ op: 'create', item: event('meeting-1@example.org', 'Planning') }]);
    const created = ok(res);
    expect(created.id).toBe('meeting-1@example.org.ics');
    expect(await listVersion('cal', created.id)).toBe(created.version);
    const text = readFileSync(path.join(cal, created.id), 'utf8');
    expect(text).toMatch(/^BEGIN:VCALENDAR/);
    expect(text).toContain('SUMMARY:Planning');
    const loaded = ok((await connector.load('cal', [created.id], { entity: 'event' }))[0]);
    expect(loaded.item).toMatchObject({ type: 'event', uid: 'meeting-1@example.org', summary: 'Planning' });
    expect(hiddenFiles(cal)).toEqual([]);
  });

  it('prefers a safe hint, hashes an unsafe UID, and never overwrites an existing file', async () => {
    writeFileSync(path.join(cal, 'taken.ics'), eventText('someone-else', 'Do not touch'));
    const results = await connector.write('cal', [
      { op: 'create', item: event('u1', 'From hint'), hint: 'server-name.ics' },
      { op: 'create', item: event('weird uid/with slash', 'Hashed') },
      { op: 'create', item: event('u3', 'Collides'), hint: 'taken.ics' },
    ]);
    const ids = results.map((r) => ok(r).id);
    expect(ids[0]).toBe('server-name.ics');
    expect(ids[1]).toMatch(/^[0-9a-f]{32}\.ics$/);
    expect(ids[2]).toBe('taken-1.ics');
    expect(readFileSync(path.join(cal, 'taken.ics'), 'utf8')).toBe(eventText('someone-else', 'Do not touch'));
    expect(readdirSync(cal).sort()).toEqual([...ids, 'taken.ics'].sort());
  });

  it('writes new contacts as vCard 3.0 by default, 4.0 when configured', async () => {
    const [a] = await connector.write('cards', [{ op: 'create', item: contact('c1', 'Ada Lovelace') }]);
    expect(readFileSync(path.join(base, 'vdir', 'cards', ok(a).id), 'utf8')).toMatch(/VERSION:3\.0/);
    const v4 = await makeConnector(base, { path: 'vdir', vcardVersion: '4.0' });
    const [b] = await v4.write('cards', [{ op: 'create', item: contact('c2', 'Grace Hopper') }]);
    const id = ok(b).id;
    expect(id).toBe('c2.vcf');
    expect(readFileSync(path.join(base, 'vdir', 'cards', id), 'utf8')).toMatch(/VERSION:4\.0/);
  });
});

describe('update', () => {
  it('keeps a card in the vCard version it was read in', async () => {
    writeFileSync(path.join(base, 'vdir', 'cards', 'v4.vcf'), cardText('v4', 'Four', '4.0'));
    const loaded = ok((await connector.load('cards', ['v4.vcf'], { entity: 'contact' }))[0]);
    const item = loaded.item as ContactEntity;
    ok((await connector.write('cards', [{ op: 'update', id: 'v4.vcf', ifVersion: loaded.version, item: { ...item, formattedName: 'Four B' } }]))[0]);
    const text = readFileSync(path.join(base, 'vdir', 'cards', 'v4.vcf'), 'utf8');
    expect(text).toMatch(/VERSION:4\.0/);
    expect(text).toContain('Four B');
  });

  it('patches the file: properties the model does not know survive an update', async () => {
    writeFileSync(path.join(cal, 'x.ics'), eventText('x', 'Old title').replace('SUMMARY', 'X-KHAL-CUSTOM:keep me\r\nSUMMARY'));
    const [loaded] = await connector.load('cal', ['x.ics'], { entity: 'event' });
    if (!loaded.ok) throw new Error(loaded.error.message);
    const [res] = await connector.write('cal', [{ op: 'update', id: 'x.ics', ifVersion: loaded.version, item: { ...(loaded.item as EventEntity), summary: 'New title' } }]);
    expect(ok(res).version).not.toBe(loaded.version);
    const text = readFileSync(path.join(cal, 'x.ics'), 'utf8');
    expect(text).toContain('SUMMARY:New title');
    expect(text).toContain('X-KHAL-CUSTOM:keep me');
    expect(hiddenFiles(cal)).toEqual([]);
  });

  it('refuses a stale version, an external edit in between, a missing file and an escaping id', async () => {
    writeFileSync(path.join(cal, 'a.ics'), eventText('a', 'Original'));
    const v1 = await listVersion('cal', 'a.ics');
    writeFileSync(path.join(cal, 'a.ics'), eventText('a', 'Edited in khal'));
    writeFileSync(path.join(base, 'vdir', 'outside.ics'), eventText('o', 'Outside'));
    const results = await connector.write('cal', [
      { op: 'update', id: 'a.ics', ifVersion: v1, item: event('a', 'Sync would lose the edit') },
      { op: 'update', id: 'missing.ics', item: event('m', 'Nope') },
      { op: 'update', id: '../outside.ics', item: event('o', 'Escaped') },
    ]);
    expect(codes(results)).toEqual(['PreconditionFailed', 'NotFound', 'Invalid']);
    expect(readFileSync(path.join(cal, 'a.ics'), 'utf8')).toContain('Edited in khal');
    expect(existsSync(path.join(cal, 'missing.ics'))).toBe(false);
    expect(readFileSync(path.join(base, 'vdir', 'outside.ics'), 'utf8')).toContain('SUMMARY:Outside');
    expect(readdirSync(cal)).toEqual(['a.ics']);
  });

  it('applies successive updates of one id in order within a batch', async () => {
    const created = ok((await connector.write('cal', [{ op: 'create', item: event('seq', 'v0') }]))[0]);
    const results = await connector.write('cal', [1, 2, 3, 4, 5].map((n) => ({ op: 'update' as const, id: created.id, item: event('seq', `v${n}`) })));
    expect(codes(results)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(readFileSync(path.join(cal, created.id), 'utf8')).toContain('SUMMARY:v5');
  });
});

describe('load', () => {
  it('gives a file without UID a stable UID derived from its file name', async () => {
    writeFileSync(path.join(cal, 'no-uid.ics'), eventText(undefined, 'Anonymous'));
    writeFileSync(path.join(base, 'vdir', 'cards', 'no-uid.vcf'), cardText(undefined, 'Nobody'));
    const first = ok((await connector.load('cal', ['no-uid.ics'], { entity: 'event' }))[0]);
    const again = ok((await connector.load('cal', ['no-uid.ics'], { entity: 'event' }))[0]);
    expect(first.item.uid).toBe(uidForFileName('no-uid.ics'));
    expect(again.item.uid).toBe(uidForFileName('no-uid.ics'));
    const card = ok((await connector.load('cards', ['no-uid.vcf'], { entity: 'contact' }))[0]);
    expect(card.item).toMatchObject({ uid: uidForFileName('no-uid.vcf'), formattedName: 'Nobody' });
  });

  it('reports bad files per item, naming the file, while the others load', async () => {
    await writeFiles(cal, {
      'good.ics': eventText('good', 'Good'),
      'two.ics': eventText('one', 'One').replace('END:VCALENDAR', 'BEGIN:VEVENT\r\nUID:two\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260302T090000Z\r\nSUMMARY:Two\r\nEND:VEVENT\r\nEND:VCALENDAR'),
      'garbage.ics': 'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:g\r\nthis is not a content line\r\n',
      'task.ics': taskText('t', 'A task'),
      'empty.ics': '',
      'bad-date.ics': eventText('bd', 'Bad date').replace('DTSTART:20260301T090000Z', 'DTSTART:notadate'),
    });
    const ids = ['two.ics', 'good.ics', 'garbage.ics', 'task.ics', 'empty.ics', 'bad-date.ics'];
    const results = await connector.load('cal', ids, { entity: 'event' });
    expect(results.map((r) => r.id)).toEqual(ids);
    expect(codes(results)).toEqual(['Invalid', 'ok', 'Invalid', 'Invalid', 'Invalid', 'Invalid']);
    expect(results[2].ok ? '' : results[2].error.message).toContain('never closed');
    for (const r of results) if (!r.ok) expect(r.error.message).toContain(r.id);
    // The file is named with its folder, so a person finds it.
    expect(results[0].ok ? '' : results[0].error.message).toBe(`${path.join(cal, 'two.ics')} holds 2 items; a resource must hold exactly one (UIDs: one, two)`);
    const task = ok((await connector.load('cal', ['task.ics'], { entity: 'task' }))[0]);
    expect((task.item as TaskEntity).summary).toBe('A task');
  });

  it('loads each real-world corpus file as an item or a per-item error, never a crash', async () => {
    const icsFiles = (await readdir(path.join(corpusDir, 'ical'))).filter((n) => n.endsWith('.ics'));
    const vcfFiles = (await readdir(path.join(corpusDir, 'vcard'))).filter((n) => n.endsWith('.vcf'));
    expect(icsFiles.length).toBeGreaterThan(10);
    for (const n of icsFiles) await copyFile(path.join(corpusDir, 'ical', n), path.join(cal, n));
    for (const n of vcfFiles) await copyFile(path.join(corpusDir, 'vcard', n), path.join(base, 'vdir', 'cards', n));
    let loadedOk = 0;
    for (const [collection, entity, files] of [['cal', 'event', icsFiles], ['cal', 'task', icsFiles], ['cards', 'contact', vcfFiles]] as const) {
      const listed = await connector.list(collection, { entity });
      const ids = listed.kind === 'full' ? listed.items.map((i) => i.id) : [];
      const results = await connector.load(collection, ids, { entity });
      expect(results.map((r) => r.id)).toEqual(ids);
      for (const r of results) {
        if (r.ok) {
          loadedOk++;
          expect(r.item.type).toBe(entity);
          expect(r.item.uid.length).toBeGreaterThan(0);
        } else {
          expect(r.error.code).toBe('Invalid');
          expect(r.error.message).toContain(r.id);
        }
      }
      expect(files.length).toBeGreaterThan(0);
    }
    expect(loadedOk).toBeGreaterThan(10);
    // khal's own sample with overrides (one UID, RECURRENCE-ID components) is one item.
    const [khal, twoUids] = await connector.load('cal', ['khal__event_rrule_recuid.ics', 'khal__mult_uids_recuid_no_order.ics'], { entity: 'event' });
    expect(khal.ok).toBe(true);
    expect(twoUids.ok ? '' : twoUids.error.message).toContain('holds 2 items');
  });
});

describe('writes are atomic', () => {
  it('a burst of creates, updates and deletes leaves only complete files and no temp files', async () => {
    const creates = Array.from({ length: 200 }, (_, i) => ({ op: 'create' as const, item: event(`bulk-${i}`, `Bulk ${i}`) }));
    const created = (await connector.write('cal', creates)).map((r) => ok(r).id);
    expect(new Set(created).size).toBe(200);
    const updates = created.slice(0, 100).map((id, i) => ({ op: 'update' as const, id, item: event(`bulk-${i}`, `Updated ${i}`) }));
    const deletes = created.slice(100, 150).map((id) => ({ op: 'delete' as const, id }));
    expect(codes(await connector.write('cal', [...updates, ...deletes])).every((c) => c === 'ok')).toBe(true);
    expect(hiddenFiles(cal)).toEqual([]);
    const remaining = readdirSync(cal).sort();
    expect(remaining).toEqual([...created.slice(0, 100), ...created.slice(150)].sort());
    for (const name of remaining) expect(readFileSync(path.join(cal, name), 'utf8').trimEnd()).toMatch(/END:VCALENDAR$/);
    const loaded = await connector.load('cal', remaining, { entity: 'event' });
    expect(codes(loaded).every((c) => c === 'ok')).toBe(true);
  });
});
