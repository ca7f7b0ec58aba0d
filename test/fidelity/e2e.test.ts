/**
 * Issue 17 end to end, through the real CLI: a folder of what real clients write (a Latin-1 file, a TZID nobody
 * defines, a duration Radicale refuses as written, a card Radicale rewrites) synced to Radicale and back into a
 * second folder. Every item arrives; the refused one is repaired (named in `--json` and the summary line) while its
 * source file stays byte for byte; the server's rewrite is reported (`altered`) and never echoes back; a second
 * sync writes nothing.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawGet, rawList, startDavServer, type DavServer } from '../support/dav-servers.js';
import { repoRoot, Workspace, writes, type RunResult } from '../support/workspace.js';

const fixtures = join(repoRoot, 'test', 'fixtures', 'fidelity');
const crlf = (...lines: string[]) => `${lines.join('\r\n')}\r\n`;

const NOTES = crlf('BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Lotus Development Corporation//NONSGML Notes 9.0//EN',
  'BEGIN:VEVENT', 'UID:notes-weekly@fixture', 'DTSTAMP:20260101T000000Z', 'DTSTART;TZID="GMT-05.00/-04.00":20260601T090000',
  'DTEND;TZID="GMT-05.00/-04.00":20260601T100000', 'RRULE:FREQ=WEEKLY;COUNT=4', 'SUMMARY:Staff meeting', 'END:VEVENT', 'END:VCALENDAR');
const NEGATIVE = crlf('BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Odd client//EN', 'BEGIN:VEVENT', 'UID:negative@fixture',
  'DTSTAMP:20260101T000000Z', 'DTSTART:20260602T100000Z', 'DURATION:PT-2H', 'SUMMARY:Backwards', 'END:VEVENT', 'END:VCALENDAR');
const CARD = crlf('BEGIN:VCARD', 'VERSION:3.0', 'UID:richter@fixture', 'N:Richter;John;;Mr.;', 'FN:Mr. John Richter, James Doe Sr.',
  'EMAIL;TYPE=INTERNET:john@example.org', 'END:VCARD');

describe('fidelity through the CLI on Radicale', () => {
  let server: DavServer;
  let ws: Workspace;
  let first: RunResult;
  let second: RunResult;
  let plain: RunResult;
  let rescan: RunResult;

  beforeAll(async () => {
    server = await startDavServer('radicale');
    ws = new Workspace('dovetail-fidelity-');
    for (const dir of ['src/cal', 'src/cards', 'dst']) mkdirSync(ws.path(dir), { recursive: true });
    copyFileSync(join(fixtures, 'latin1-event.ics'), ws.path('src/cal/latin1.ics'));
    writeFileSync(ws.path('src/cal/notes.ics'), NOTES);
    writeFileSync(ws.path('src/cal/negative.ics'), NEGATIVE);
    writeFileSync(ws.path('src/cards/richter.vcf'), CARD);
    const dav = { url: server.url, username: server.username, password: server.password };
    writeFileSync(ws.path('dovetail.json'), JSON.stringify({
      endpoints: {
        src: { connector: 'filesystem', settings: { path: './src' } },
        dst: { connector: 'filesystem', settings: { path: './dst' } },
        cal: { connector: 'caldav', settings: dav },
        book: { connector: 'carddav', settings: dav },
      },
      pairings: {
        'up-cal': { entity: 'event', a: { endpoint: 'src', collection: 'cal' }, b: { endpoint: 'cal', collection: '/user/fidelity/', create: true } },
        'down-cal': { entity: 'event', a: { endpoint: 'cal', collection: '/user/fidelity/' }, b: { endpoint: 'dst', collection: 'cal', create: true } },
        'up-cards': { entity: 'contact', a: { endpoint: 'src', collection: 'cards' }, b: { endpoint: 'book', collection: '/user/fidelity-book/', create: true } },
      },
    }, null, 2));
    first = await ws.run(['sync', '--json'], { DOVETAIL_LOG_LEVEL: 'debug' });
    second = await ws.run(['sync', '--json']);
    plain = await ws.run(['sync']);
    // A changed mapping forces a full rescan: every item on both sides is loaded and hashed again.
    const config = JSON.parse(readFileSync(ws.path('dovetail.json'), 'utf8'));
    for (const p of Object.values(config.pairings) as { entity: string; mapping?: unknown[] }[]) {
      const field = p.entity === 'contact' ? 'note' : 'summary';
      p.mapping = [{ a: field, b: field, direction: 'both' }];
    }
    writeFileSync(ws.path('dovetail.json'), JSON.stringify(config, null, 2));
    rescan = await ws.run(['sync', '--json']);
  }, 120_000);

  afterAll(async () => {
    ws?.cleanup();
    await server?.dispose();
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the run JSON, fields beyond RunJson included
  const run = (r: RunResult, name: string): any => r.json!.runs.find((x) => x.pairing === name);

  it('every item arrives on the server and in the second folder; exit 0', async () => {
    expect(first.code, first.stderr).toBe(0);
    expect(run(first, 'up-cal').b.created).toBe(3);
    expect(run(first, 'down-cal').b.created).toBe(3);
    expect(run(first, 'up-cards').b.created).toBe(1);
    expect((await rawList(server, '/user/fidelity/')).length).toBe(3);
  });

  it('the refused item went through repaired, named per item; its source file is untouched', () => {
    const up = run(first, 'up-cal');
    expect(up.repaired).toBe(1);
    const item = up.items.find((i: { uid: string }) => i.uid === 'negative@fixture');
    expect(item.repaired).toEqual(['negative-duration-sign']);
    expect(readFileSync(ws.path('src/cal/negative.ics'), 'utf8')).toBe(NEGATIVE);
  });

  it('the unknown TZID and the Latin-1 text travel as written, in UTF-8', async () => {
    const hrefs = (await rawList(server, '/user/fidelity/')).map((m) => m.href);
    const bodies = await Promise.all(hrefs.map(async (h) => (await rawGet(server, h)).body.replace(/\r\n[ \t]/g, '')));
    expect(bodies.join('\n')).toMatch(/DTSTART;TZID="?GMT-05\.00\/-04\.00"?:20260601T090000/);
    expect(bodies.join('\n')).toContain('LOCATION:Büro 3 – Erdgeschoß');
    const file = readdirSync(ws.path('dst/cal')).find((f) => readFileSync(ws.path('dst/cal', f), 'utf8').includes('latin1-event'))!;
    const dst = readFileSync(ws.path('dst/cal', file), 'utf8');
    expect(dst).toContain('LOCATION:Büro 3 – Erdgeschoß');
    expect(dst).not.toContain('\uFFFD');
  });

  it('the server\'s rewrite of an event is reported: Radicale cuts a TEXT value at an unescaped comma', () => {
    const up = run(first, 'up-cal');
    expect(up.altered).toBe(1);
    const item = up.items.find((i: { uid: string }) => i.uid === 'latin1-event@fixture.dovetail');
    expect(item.altered).toEqual([{ property: 'SUMMARY', sent: 'SUMMARY:Besprechung: Grüße aus Köln, Straße & Maß', stored: 'SUMMARY:Besprechung: Grüße aus Köln' }]);
  });

  it('the server\'s rewrite of the card is reported property by property', () => {
    const up = run(first, 'up-cards');
    expect(up.altered).toBe(1);
    const item = up.items.find((i: { uid: string }) => i.uid === 'richter@fixture');
    expect(item.altered).toEqual([{ property: 'FN', sent: 'FN:Mr. John Richter, James Doe Sr.', stored: expect.stringMatching(/^FN:Mr\. John Richter\r?$/) }]);
  });

  it('a second sync writes nothing: neither the repair nor the rewrite echoes back; the sources are as they were', () => {
    expect(second.code, second.stderr).toBe(0);
    for (const r of second.json!.runs) expect(writes(r)).toBe(0);
    expect(readFileSync(ws.path('src/cards/richter.vcf'), 'utf8')).toBe(CARD);
    expect(readFileSync(ws.path('src/cal/notes.ics'), 'utf8')).toBe(NOTES);
    expect(readFileSync(ws.path('src/cal/latin1.ics'))).toEqual(readFileSync(join(fixtures, 'latin1-event.ics')));
  });

  it('a full rescan, which loads and hashes every item again, still writes nothing (the stored copies were recorded)', () => {
    expect(rescan.code, rescan.stderr).toBe(0);
    for (const r of rescan.json!.runs) expect({ pairing: r.pairing, writes: writes(r) }).toEqual({ pairing: r.pairing, writes: 0 });
  });

  it('the unknown TZID is said at debug level, with the item', () => {
    const lines = first.stderr.split('\n').filter((l) => l.includes('unknown time zone'));
    expect(lines.length).toBeGreaterThan(0);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ level: 20, uid: 'notes-weekly@fixture', tzids: ['GMT-05.00/-04.00'] });
    expect(line.msg).toContain('times kept as written, compared as floating (window)');
  });

  it('the summary line of a run that repaired or saw alterations says so (a later quiet run says nothing)', () => {
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toMatch(/repaired:|altered by the server/);
  });
});
