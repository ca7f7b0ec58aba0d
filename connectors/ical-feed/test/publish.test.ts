/**
 * The write side on real files: the SDK conformance kit, the file's layout (deterministic, byte-identical when
 * nothing changed), atomic replacement, and the published file read back by ical.js and by the subscribe side
 * with no semantic loss.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import ICAL from 'ical.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contentHash, parseICalendar, serializeICalendar, type EventEntity, type ListResult, type TaskEntity, type WriteResult } from '@dovetail/core/sdk';
import { runConformanceSuite } from '@dovetail/core/testing';
import { compareItems } from '../../../test/support/ical-compare.js';
import type { PublicationStats } from '../src/publication.js';
import { calendar, corpus, corpusDir, eventLines, makeFeed, tempDir } from './helpers.js';

runConformanceSuite('ical-feed (publish)', async (entity) => {
  const { dir } = tempDir();
  const file = path.join(dir, 'public', 'feed.ics');
  const { connector } = await makeFeed({ path: './public/feed.ics' }, { baseDir: dir });
  return {
    connector,
    collection: 'feed',
    async injectInvalidItem() {
      // A hand edit that breaks one item of the published file.
      const component = entity === 'event' ? 'VEVENT' : 'VTODO';
      const text = readFileSync(file, 'utf8').replace(/END:VCALENDAR\r\n$/, `BEGIN:${component}\r\nUID:broken\r\nDTSTART:2026-99-99\r\nEND:${component}\r\nEND:VCALENDAR\r\n`);
      writeFileSync(file, text);
      return 'broken';
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}, { describe, it, expect, entities: ['event', 'task'] });

let dir: string;
let cleanup: () => void;
beforeEach(() => { ({ dir, cleanup } = tempDir()); });
afterEach(() => cleanup());

const okIds = (results: WriteResult[]) => results.map((r) => { if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`); return r.id; });
const full = (r: ListResult) => {
  if (r.kind !== 'full') throw new Error(`expected a full listing, got ${r.kind}`);
  return new Map(r.items.map((i) => [i.id, i.version]));
};
const berlin = (uid: string, summary: string, start: string): EventEntity => ({
  type: 'event', uid, summary, start: { kind: 'zoned', value: start, tz: 'Europe/Berlin' }, end: { kind: 'zoned', value: start.replace('T10', 'T11'), tz: 'Europe/Berlin' },
});
const ny = (uid: string): EventEntity => ({ type: 'event', uid, summary: `NY ${uid}`, start: { kind: 'zoned', value: '2026-05-01T09:00:00', tz: 'America/New_York' } });

/** Every item (events and tasks) of every corpus file, as the codec reads them. */
function corpusItems(): (EventEntity | TaskEntity)[] {
  const files = readdirSync(path.join(corpusDir, 'ical')).filter((f) => f.endsWith('.ics'));
  const seen = new Set<string>();
  return files.flatMap((f) => parseICalendar(corpus(f)).items).filter((i) => {
    const k = `${i.type} ${i.uid}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

describe('the published file', () => {
  it('is laid out for every reader: header, each VTIMEZONE once by TZID, items by UID with overrides after their master, CRLF, 75-octet lines', async () => {
    const { connector } = await makeFeed({ path: './team.ics', name: 'Team; Ops, Berlin' }, { baseDir: dir });
    const recurring: EventEntity = {
      ...berlin('b-recurring', 'Weekly', '2026-03-02T10:00:00'), recurrence: { rrule: ['FREQ=WEEKLY;COUNT=5'] },
      overrides: [
        { recurrenceId: { kind: 'zoned', value: '2026-03-16T10:00:00', tz: 'Europe/Berlin' }, summary: 'Weekly (late)', start: { kind: 'zoned', value: '2026-03-16T12:00:00', tz: 'Europe/Berlin' } },
        { recurrenceId: { kind: 'zoned', value: '2026-03-09T10:00:00', tz: 'Europe/Berlin' }, summary: 'Weekly (moved)', start: { kind: 'zoned', value: '2026-03-09T11:00:00', tz: 'Europe/Berlin' } },
      ],
    };
    const long: EventEntity = { ...berlin('a-long', 'Ünïcödé '.repeat(20), '2026-03-03T10:00:00'), description: 'x'.repeat(300) };
    okIds(await connector.write('feed', [{ op: 'create', item: ny('c-ny') }, { op: 'create', item: recurring }, { op: 'create', item: long }]));
    const bytes = readFileSync(path.join(dir, 'team.ics'));
    const text = bytes.toString('utf8');
    expect(text.split('\r\n').slice(0, 6)).toEqual(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Dovetail//iCal feed//EN', 'CALSCALE:GREGORIAN', 'METHOD:PUBLISH', 'X-WR-CALNAME:Team\\; Ops\\, Berlin']);
    expect(text.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of text.split('\r\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    const unfolded = text.replace(/\r\n /g, '');
    expect([...unfolded.matchAll(/^TZID:(.*)$/gm)].map((m) => m[1].trim())).toEqual(['America/New_York', 'Europe/Berlin']);
    const components = new ICAL.Component(ICAL.parse(text) as unknown[]).getAllSubcomponents('vevent')
      .map((c) => `${c.getFirstPropertyValue('uid')}${c.getFirstProperty('recurrence-id') ? ` @ ${c.getFirstProperty('recurrence-id')!.toICALString().split(':')[1]}` : ''}`);
    expect(components).toEqual(['a-long', 'b-recurring', 'b-recurring @ 20260309T100000', 'b-recurring @ 20260316T100000', 'c-ny']);
  });

  it('the same content gives the same bytes: an unchanged write leaves the file untouched (mtime, inode, ETag)', async () => {
    const { connector } = await makeFeed({ path: './team.ics' }, { baseDir: dir });
    const items = [berlin('x1', 'One', '2026-03-02T10:00:00'), ny('x2'), berlin('x3', 'Three', '2026-03-04T10:00:00')];
    okIds(await connector.write('feed', items.map((item) => ({ op: 'create' as const, item }))));
    const file = path.join(dir, 'team.ics');
    const [before, stat] = [readFileSync(file), statSync(file, { bigint: true })];
    // The same items again, as updates (what a re-run with no change upstream would do at worst).
    const versions = full(await connector.list('feed', { entity: 'event' }));
    const loaded = await connector.load('feed', ['x1', 'x2', 'x3'], { entity: 'event' });
    okIds(await connector.write('feed', loaded.map((r) => ({ op: 'update' as const, id: r.id, ifVersion: versions.get(r.id), item: (r as { item: EventEntity }).item }))));
    const after = statSync(file, { bigint: true });
    expect(readFileSync(file).equals(before)).toBe(true);
    expect([after.mtimeNs, after.ino]).toEqual([stat.mtimeNs, stat.ino]);
    expect((connector.stats as PublicationStats)).toMatchObject({ writes: 1, unchangedWrites: 1 });
    // A fresh connector writing the same items into a new file produces the same bytes, whatever the op order.
    const other = await makeFeed({ path: './other.ics', name: 'feed' }, { baseDir: dir, endpoint: 'feed' });
    const same = await makeFeed({ path: './same.ics', name: 'feed' }, { baseDir: dir, endpoint: 'feed' });
    okIds(await other.connector.write('feed', items.map((item) => ({ op: 'create' as const, item }))));
    okIds(await same.connector.write('feed', [...items].reverse().map((item) => ({ op: 'create' as const, item }))));
    const strip = (t: string) => t.replace(/^DTSTAMP:.*$/gm, '');
    expect(strip(readFileSync(path.join(dir, 'same.ics'), 'utf8'))).toBe(strip(readFileSync(path.join(dir, 'other.ics'), 'utf8')));
  });

  it('is replaced atomically: no temp file is left, and a file that is not iCalendar is never overwritten', async () => {
    const { connector } = await makeFeed({ path: './out/team.ics' }, { baseDir: dir });
    okIds(await connector.write('feed', [{ op: 'create', item: ny('a') }]));
    okIds(await connector.write('feed', [{ op: 'create', item: ny('b') }]));
    expect(readdirSync(path.join(dir, 'out'))).toEqual(['team.ics']);
    writeFileSync(path.join(dir, 'thesis.txt'), 'Chapter 1');
    const careless = await makeFeed({ path: './thesis.txt' }, { baseDir: dir });
    await expect(careless.connector.write('feed', [{ op: 'create', item: ny('a') }])).rejects.toThrow(/exists and is not an iCalendar file .*it is left alone/);
    expect(readFileSync(path.join(dir, 'thesis.txt'), 'utf8')).toBe('Chapter 1');
  });

  it('removes the temp files of a run killed while publishing (its own file\'s only) on the next write', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const { connector } = await makeFeed({ path: './out/team.ics' }, { baseDir: dir });
    okIds(await connector.write('feed', [{ op: 'create', item: ny('a') }]));
    const left = `.team.ics.${dead}.k1ll3d.tmp`;
    const someoneElses = `.index.html.${dead}.k1ll3d.tmp`;
    writeFileSync(path.join(dir, 'out', left), 'BEGIN:VCALENDAR');
    writeFileSync(path.join(dir, 'out', someoneElses), '<html>');
    okIds(await connector.write('feed', [{ op: 'create', item: ny('b') }]));
    expect(readdirSync(path.join(dir, 'out')).sort()).toEqual([someoneElses, 'team.ics']);
  });

  it('creates no file when every op of the first write fails', async () => {
    const { connector } = await makeFeed({ path: './team.ics' }, { baseDir: dir });
    const unknownZone: EventEntity = { type: 'event', uid: 'bad', summary: 'x', start: { kind: 'zoned', value: '2026-03-02T10:00:00', tz: 'Mars/Olympus_Mons' } };
    const [result] = await connector.write('feed', [{ op: 'update', id: 'nope', item: ny('nope') }, { op: 'create', item: unknownZone }]);
    expect(result).toMatchObject({ ok: false, error: { code: 'NotFound' } });
    expect(existsSync(path.join(dir, 'team.ics'))).toBe(false);
  });

  it('refuses to rewrite a file with an item it cannot read (a broken hand edit), and loses nothing', async () => {
    const { connector } = await makeFeed({ path: './team.ics' }, { baseDir: dir });
    okIds(await connector.write('feed', [{ op: 'create', item: ny('a') }]));
    const file = path.join(dir, 'team.ics');
    appendFileSync(file, 'BEGIN:VEVENT\r\nUID:hand\r\nDTSTART:2026-13-45\r\nEND:VEVENT\r\n');
    const broken = readFileSync(file, 'utf8');
    await expect(connector.write('feed', [{ op: 'create', item: ny('b') }])).rejects.toThrow(/holds 1 items that cannot be read .*fix or remove them/);
    expect(readFileSync(file, 'utf8')).toBe(broken);
  });

  it('reads back with ical.js and with the subscribe side as what was written: every corpus item, no semantic loss', async () => {
    const items = corpusItems();
    expect(items.length).toBeGreaterThan(100);
    const { connector } = await makeFeed({ path: './all.ics', name: 'Corpus' }, { baseDir: dir });
    const results = await connector.write('feed', items.map((item) => ({ op: 'create' as const, item })));
    const failed = results.flatMap((r, i) => (r.ok ? [] : [`${items[i].uid}: ${r.error.message}`]));
    expect(failed).toEqual([]);
    const text = readFileSync(path.join(dir, 'all.ics'), 'utf8');

    // ical.js reads the whole file: one VCALENDAR, every UID there, each TZID used is defined once.
    const cal = new ICAL.Component(ICAL.parse(text) as unknown[]);
    const uids = new Set(cal.getAllSubcomponents().filter((c) => c.name !== 'vtimezone').map((c) => String(c.getFirstPropertyValue('uid')).trim()));
    expect(uids).toEqual(new Set(items.map((i) => i.uid)));
    const defined = cal.getAllSubcomponents('vtimezone').map((z) => String(z.getFirstPropertyValue('tzid')));
    expect(new Set(defined).size).toBe(defined.length);
    for (const tzid of new Set([...text.replace(/\r\n /g, '').matchAll(/;TZID=("[^"]*"|[^;:]*)/g)].map((m) => m[1].replace(/^"|"$/g, '')))) expect(defined, tzid).toContain(tzid);

    // The subscribe side reads each item back with the same content hash, and each component compares equal.
    const reader = await makeFeed({ url: './all.ics' }, { baseDir: dir });
    for (const entity of ['event', 'task'] as const) {
      const listed = full(await reader.connector.list('feed', { entity }));
      const written = items.filter((i) => i.type === entity);
      expect(listed.size).toBe(written.length);
      const loaded = new Map((await reader.connector.load('feed', [...listed.keys()], { entity })).map((r) => [r.id, r]));
      const versions = full(await connector.list('feed', { entity }));
      for (const source of written) {
        const r = loaded.get(source.uid);
        if (!r?.ok) throw new Error(`${source.uid} did not read back`);
        expect(r.version, source.uid).toBe(versions.get(source.uid));
        // What the engine expects to find after writing `source` (its hashWritten): the codec's own output read back.
        expect(contentHash(r.item), source.uid).toBe(contentHash(parseICalendar(serializeICalendar(source)).items[0]));
        // compareItems pairs components by RECURRENCE-ID; the RFC 2446 example with several masters per UID is left to the hash.
        const name = entity === 'event' ? 'VEVENT' : 'VTODO';
        const masters = source.raw!.text.split(`BEGIN:${name}`).slice(1).filter((c) => !/^RECURRENCE-ID/m.test(c.split(`END:${name}`)[0])).length;
        if (masters <= 1) expect(compareItems(source.raw!.text, r.item.raw!.text, { sourceHadNoUid: source.uid.startsWith('dovetail-derived-') }), source.uid).toEqual([]);
      }
    }
  });

  it('keeps the items of the other entity type when one type is written', async () => {
    const { connector } = await makeFeed({ path: './mixed.ics' }, { baseDir: dir });
    const task: TaskEntity = { type: 'task', uid: 't1', summary: 'Task', due: { kind: 'date', value: '2026-03-05' } };
    okIds(await connector.write('feed', [{ op: 'create', item: task }]));
    okIds(await connector.write('feed', [{ op: 'create', item: ny('e1') }]));
    okIds(await connector.write('feed', [{ op: 'delete', id: 'e1' }]));
    expect([...full(await connector.list('feed', { entity: 'task' })).keys()]).toEqual(['t1']);
    expect(full(await connector.list('feed', { entity: 'event' })).size).toBe(0);
  });

  it('lists without reading while the file is unchanged, and without parsing when only its stat changed', async () => {
    const { connector } = await makeFeed({ path: './team.ics' }, { baseDir: dir });
    okIds(await connector.write('feed', [{ op: 'create', item: ny('a') }]));
    const reader = await makeFeed({ path: './team.ics' }, { baseDir: dir });
    const first = await reader.connector.list('feed', { entity: 'event' });
    expect((reader.connector.stats as PublicationStats)).toMatchObject({ reads: 1, parses: 1 });
    const fresh = await makeFeed({ path: './team.ics' }, { baseDir: dir });
    expect(await fresh.connector.list('feed', { entity: 'event', cursor: first.cursor })).toMatchObject({ kind: 'changes', changed: [] });
    const file = path.join(dir, 'team.ics');
    writeFileSync(file, readFileSync(file)); // touched, same bytes
    const touched = await makeFeed({ path: './team.ics' }, { baseDir: dir });
    expect(await touched.connector.list('feed', { entity: 'event', cursor: first.cursor })).toMatchObject({ kind: 'changes', changed: [] });
    expect((fresh.connector.stats as PublicationStats)).toMatchObject({ reads: 0, parses: 0 });
    expect((touched.connector.stats as PublicationStats)).toMatchObject({ reads: 1, parses: 0 });
    expect(existsSync(file)).toBe(true);
  });

  it('defines a TZID its source left undefined, so readers without a zone database get the right instants', async () => {
    const text = calendar([eventLines('naked', 'No VTIMEZONE').map((l) => (l.startsWith('DTSTART') ? 'DTSTART;TZID=Europe/Berlin:20260630T090000' : l.startsWith('DTEND') ? 'DTEND;TZID=Europe/Berlin:20260630T100000' : l))]);
    const [source] = parseICalendar(text).items;
    expect(source.raw!.text).not.toContain('BEGIN:VTIMEZONE');
    const { connector } = await makeFeed({ path: './team.ics' }, { baseDir: dir });
    okIds(await connector.write('feed', [{ op: 'create', item: source }]));
    const cal = new ICAL.Component(ICAL.parse(readFileSync(path.join(dir, 'team.ics'), 'utf8')) as unknown[]);
    for (const vtz of cal.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(vtz);
    const start = cal.getFirstSubcomponent('vevent')!.getFirstPropertyValue('dtstart') as ICAL.Time;
    expect(start.toJSDate().toISOString()).toBe('2026-06-30T07:00:00.000Z');
  });
});
