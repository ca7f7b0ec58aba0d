/** iCalendar field mapping, tolerance and raw patching, on small fixtures of our own. */
import { describe, expect, it } from 'vitest';
import { parseICalendar, serializeICalendar } from '../../src/model/index.js';
import type { EventEntity, TaskEntity } from '../../src/sdk/entities.js';
import { icalPropertySets, readCorpus } from './helpers.js';

const crlf = (lines: string[]) => lines.join('\r\n') + '\r\n';

const FULL_EVENT = crlf([
  'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//Fixture//EN', 'METHOD:REQUEST', 'X-WR-CALNAME:Team',
  'BEGIN:VEVENT',
  'UID:full-1@example.org', 'DTSTAMP:20240101T120000Z', 'CREATED:20231231T080000Z', 'LAST-MODIFIED:20240102T090000Z', 'SEQUENCE:3',
  'SUMMARY:Planning\\, Q3', 'DESCRIPTION:Line one\\nLine two', 'X-ALT-DESC;FMTTYPE=text/html:<p>Line one</p>',
  'LOCATION:Room 1', 'DTSTART;TZID=Europe/Berlin:20240603T090000', 'DTEND;TZID=Europe/Berlin:20240603T100000',
  'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10', 'EXDATE;TZID=Europe/Berlin:20240610T090000', 'RDATE:20240620T070000Z',
  'STATUS:CONFIRMED', 'TRANSP:OPAQUE', 'X-MICROSOFT-CDO-BUSYSTATUS:OOF', 'PRIORITY:1', 'CLASS:PRIVATE',
  'CATEGORIES:Work,Planning', 'CATEGORIES:Q3', 'COLOR:teal', 'URL:https://example.org/e/1',
  'ORGANIZER;CN=Ann:mailto:ann@example.org',
  'ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT;RSVP=TRUE;CUTYPE=INDIVIDUAL:mailto:bob@example.org',
  'ATTENDEE;PARTSTAT=TENTATIVE;ROLE=OPT-PARTICIPANT:mailto:cy@example.org',
  'X-VENDOR-THING;X-P=1:keep me\\, please',
  'BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER:-PT15M', 'DESCRIPTION:Soon', 'X-WR-ALARMUID:a1', 'END:VALARM',
  'BEGIN:VALARM', 'ACTION:AUDIO', 'TRIGGER;VALUE=DATE-TIME:20240603T065000Z', 'END:VALARM',
  'END:VEVENT',
  'BEGIN:VEVENT', 'UID:full-1@example.org', 'DTSTAMP:20240101T120000Z', 'RECURRENCE-ID;TZID=Europe/Berlin:20240617T090000',
  'SUMMARY:Planning (moved)', 'DTSTART;TZID=Europe/Berlin:20240617T140000', 'DTEND;TZID=Europe/Berlin:20240617T150000', 'END:VEVENT',
  'BEGIN:VJOURNAL', 'UID:j1', 'DTSTAMP:20240101T120000Z', 'SUMMARY:ignored', 'END:VJOURNAL',
  'END:VCALENDAR',
]);

describe('parseICalendar field mapping', () => {
  const { items, errors } = parseICalendar(FULL_EVENT);
  const e = items[0] as EventEntity;

  it('gives one event for the UID (overrides included) and ignores VJOURNAL', () => {
    expect(errors).toEqual([]);
    expect(items).toHaveLength(1);
    expect(e.type).toBe('event');
  });

  it('maps every canonical field', () => {
    const { raw, ...fields } = e;
    expect(fields).toEqual({
      type: 'event', uid: 'full-1@example.org',
      summary: 'Planning, Q3', description: 'Line one\nLine two', descriptionHtml: '<p>Line one</p>', location: 'Room 1',
      start: { kind: 'zoned', value: '2024-06-03T09:00:00', tz: 'Europe/Berlin' },
      end: { kind: 'zoned', value: '2024-06-03T10:00:00', tz: 'Europe/Berlin' },
      recurrence: {
        rrule: ['FREQ=WEEKLY;COUNT=10;BYDAY=MO'], // ical.js's normalised part order
        rdate: [{ kind: 'utc', value: '2024-06-20T07:00:00Z' }],
        exdate: [{ kind: 'zoned', value: '2024-06-10T09:00:00', tz: 'Europe/Berlin' }],
      },
      overrides: [{
        recurrenceId: { kind: 'zoned', value: '2024-06-17T09:00:00', tz: 'Europe/Berlin' }, summary: 'Planning (moved)',
        start: { kind: 'zoned', value: '2024-06-17T14:00:00', tz: 'Europe/Berlin' },
        end: { kind: 'zoned', value: '2024-06-17T15:00:00', tz: 'Europe/Berlin' },
      }],
      status: 'confirmed', showAs: 'oof', priority: 1, sensitivity: 'private',
      categories: ['Work', 'Planning', 'Q3'], color: 'teal', url: 'https://example.org/e/1',
      reminders: [
        { kind: 'relative', offset: '-PT15M', related: 'start', action: 'display', description: 'Soon' },
        { kind: 'absolute', at: '2024-06-03T06:50:00Z', action: 'audio' },
      ],
      organizer: { email: 'ann@example.org', name: 'Ann' },
      attendees: [
        { email: 'bob@example.org', name: 'Bob', partstat: 'accepted', role: 'req-participant', rsvp: true },
        { email: 'cy@example.org', partstat: 'tentative', role: 'opt-participant' },
      ],
      sequence: 3, created: '2023-12-31T08:00:00Z', lastModified: '2024-01-02T09:00:00Z',
      x: { 'X-VENDOR-THING': 'keep me, please' },
    });
  });

  it('raw holds VERSION/PRODID and the item components only (no METHOD, no calendar X- props, no VJOURNAL)', () => {
    expect(e.raw?.text).toContain('PRODID:-//Test//Fixture//EN');
    expect(e.raw?.text).not.toContain('METHOD');
    expect(e.raw?.text).not.toContain('X-WR-CALNAME');
    expect(e.raw?.text).not.toContain('VJOURNAL');
    expect(e.raw?.text.match(/BEGIN:VEVENT/g)).toHaveLength(2);
  });
});

describe('serializeICalendar patches only changed fields', () => {
  const e = parseICalendar(FULL_EVENT).items[0] as EventEntity;
  const props = (text: string, ignore: string[] = []) => icalPropertySets(text, ['dtstamp', ...ignore]);

  it('an attendee partstat change rewrites that parameter and keeps CUTYPE and the other attendee', () => {
    const out = serializeICalendar({ ...e, attendees: [{ ...e.attendees![0], partstat: 'declined' }, e.attendees![1]] });
    expect(out.replace(/\r\n /g, '')).toMatch(/ATTENDEE;CN=Bob;PARTSTAT=DECLINED;ROLE=REQ-PARTICIPANT;RSVP=TRUE;CUTYPE=INDIVIDUAL:mailto:bob@example\.org/);
    expect(props(out, ['attendee'])).toEqual(props(e.raw!.text, ['attendee']));
  });

  it('a changed reminder replaces only that VALARM; the unchanged one keeps its X- property', () => {
    const reminders = [e.reminders![0], { kind: 'relative' as const, offset: '-P1D', related: 'start' as const, action: 'display' as const, description: 'Tomorrow' }];
    const out = serializeICalendar({ ...e, reminders });
    expect(out).toContain('X-WR-ALARMUID:a1');
    expect(out).not.toContain('ACTION:AUDIO');
    const back = parseICalendar(out).items[0] as EventEntity;
    expect(back.reminders).toEqual(reminders);
  });

  it('moving an override and adding one rewrites only the override components', () => {
    const overrides = [
      { ...e.overrides![0], start: { kind: 'zoned' as const, value: '2024-06-17T16:00:00', tz: 'Europe/Berlin' }, end: { kind: 'zoned' as const, value: '2024-06-17T17:00:00', tz: 'Europe/Berlin' } },
      { recurrenceId: { kind: 'zoned' as const, value: '2024-06-24T09:00:00', tz: 'Europe/Berlin' }, status: 'cancelled' as const },
    ];
    const out = serializeICalendar({ ...e, overrides });
    const back = parseICalendar(out).items[0] as EventEntity;
    expect(back.overrides).toEqual(overrides);
    const master = (t: string) => Object.entries(props(t)).filter(([k]) => k.includes('/vevent[') && k.endsWith('||]') && !k.includes('|2024'));
    expect(master(out)).toEqual(master(e.raw!.text));
  });

  it('showAs, sensitivity, categories, html and x edits land in their own properties', () => {
    const out = serializeICalendar({ ...e, showAs: 'free', sensitivity: 'public', categories: ['Home'], descriptionHtml: '<b>x</b>', x: { 'X-VENDOR-THING': 'changed', 'X-NEW': 'n' } });
    const back = parseICalendar(out).items[0] as EventEntity;
    expect(back).toMatchObject({ showAs: 'free', sensitivity: 'public', categories: ['Home'], descriptionHtml: '<b>x</b>', x: { 'X-VENDOR-THING': 'changed', 'X-NEW': 'n' } });
    expect(out).toContain('X-VENDOR-THING;X-P=1:changed'); // parameters kept
    expect(out).toContain('TRANSP:TRANSPARENT');
  });

  it('a changed start keeps the TZID spelling the source used (Windows name stays)', () => {
    const w = parseICalendar(readCorpus('ical', 'biweekly__exchange2010_rrule.ics')).items[0] as EventEntity;
    const out = serializeICalendar({ ...w, start: { ...w.start!, value: w.start!.value.replace(/T\d\d/, 'T11') } });
    expect(out).toMatch(/DTSTART;TZID=W\. Europe Standard Time:\d{8}T11/);
    expect(out.match(/BEGIN:VTIMEZONE/g)).toHaveLength(1);
  });

  it('changing a zoned start to another zone adds that zone and drops the unused one', () => {
    const w = parseICalendar(readCorpus('ical', 'biweekly__exchange2010_rrule.ics')).items[0] as EventEntity;
    const out = serializeICalendar({ ...w, start: { ...w.start!, tz: 'Asia/Tokyo' }, end: { ...w.end!, tz: 'Asia/Tokyo' } });
    expect(out).toContain('TZID:Asia/Tokyo');
    expect(out).not.toContain('W. Europe Standard Time');
    expect((parseICalendar(out).items[0] as EventEntity).start?.tz).toBe('Asia/Tokyo');
  });

  it('an unchanged entity leaves DTSTAMP alone; a changed one gets a new DTSTAMP', () => {
    expect(serializeICalendar(e)).toContain('DTSTAMP:20240101T120000Z');
    expect(serializeICalendar({ ...e, summary: 'x' })).not.toContain('DTSTAMP:20240101T120000Z');
  });
});

describe('tolerance', () => {
  const body = ['BEGIN:VEVENT', 'UID:t1', 'DTSTAMP:20240101T000000Z', 'DTSTART;VALUE=DATE:20240105', 'SUMMARY:All day', 'END:VEVENT'];

  it('accepts LF, a BOM and a bare component without VCALENDAR', () => {
    const r = parseICalendar('\uFEFF' + body.join('\n'));
    expect(r.errors).toEqual([]);
    expect(r.items[0]).toMatchObject({ uid: 't1', summary: 'All day', start: { kind: 'date', value: '2024-01-05' } });
    expect(r.items[0].raw?.text).toMatch(/^BEGIN:VCALENDAR\r\nVERSION:2\.0\r\nPRODID:-\/\/Dovetail\/\/Dovetail\/\/EN\r\n/);
  });

  it('reads DTSTART;VALUE=DATE carrying a date-time as that date, and a date written without VALUE=DATE', () => {
    const r = parseICalendar(crlf(['BEGIN:VEVENT', 'UID:t2', 'DTSTART;VALUE=DATE:20110804T120000', 'DTEND;TZID=America/Los_Angeles:20110806', 'END:VEVENT']));
    expect(r.errors).toEqual([]);
    expect((r.items[0] as EventEntity).start).toEqual({ kind: 'date', value: '2011-08-04' });
    expect((r.items[0] as EventEntity).end).toEqual({ kind: 'date', value: '2011-08-06' });
  });

  it('a component without UID gets a stable derived uid, the same on every parse, written out on serialize', () => {
    const text = crlf(['BEGIN:VEVENT', 'DTSTART:20240101T100000Z', 'SUMMARY:No uid', 'END:VEVENT', 'BEGIN:VEVENT', 'DTSTART:20240101T100000Z', 'SUMMARY:No uid', 'END:VEVENT']);
    const a = parseICalendar(text).items;
    const b = parseICalendar(text).items;
    expect(a.map((i) => i.uid)).toEqual(b.map((i) => i.uid));
    expect(a[0].uid).toMatch(/^dovetail-derived-[0-9a-f]{32}$/);
    expect(a[1].uid).toBe(`${a[0].uid}-2`);
    const out = serializeICalendar(a[0]);
    expect(out).toContain(`UID:${a[0].uid}`);
    expect(parseICalendar(out).items[0].uid).toBe(a[0].uid);
  });

  it('a broken component is a per-item error with its index and component; the rest parse', () => {
    const text = crlf(['BEGIN:VCALENDAR', 'VERSION:2.0',
      'BEGIN:VEVENT', 'UID:ok1', 'DTSTART:20240101T100000Z', 'END:VEVENT',
      'BEGIN:VEVENT', 'UID:broken', 'DTSTART:2024-99-99', 'END:VEVENT',
      'BEGIN:VTODO', 'UID:ok2', 'END:VTODO', 'END:VCALENDAR']);
    const r = parseICalendar(text);
    expect(r.items.map((i) => i.uid)).toEqual(['ok1', 'ok2']);
    expect(r.errors).toEqual([expect.objectContaining({ index: 1, uid: 'broken', component: 'vevent' })]);
  });

  it('garbage and empty input give no items and no crash', () => {
    expect(parseICalendar('')).toEqual({ items: [], errors: [] });
    expect(parseICalendar('hello\nworld').items).toEqual([]);
    expect(() => parseICalendar('BEGIN:VEVENT\nUID:x\nDTSTART;TZID="unterminated:2024')).not.toThrow();
  });
});

describe('tasks', () => {
  const TODO = crlf(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x',
    'BEGIN:VTODO', 'UID:task-1', 'DTSTAMP:20240101T000000Z', 'SUMMARY:Write report', 'DTSTART:20240101T090000Z',
    'DUE;VALUE=DATE:20240115', 'COMPLETED:20240110T170000Z', 'STATUS:IN-PROCESS', 'PERCENT-COMPLETE:40', 'PRIORITY:5',
    'RELATED-TO;RELTYPE=SIBLING:sib-1', 'RELATED-TO:parent-1', 'CATEGORIES:Work',
    'BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER;RELATED=END:-PT1H', 'DESCRIPTION:due soon', 'END:VALARM', 'END:VTODO', 'END:VCALENDAR']);

  it('maps due, completed, status, percent, priority and parent (RELATED-TO without RELTYPE)', () => {
    const t = parseICalendar(TODO).items[0] as TaskEntity;
    const { raw, ...fields } = t;
    expect(fields).toEqual({
      type: 'task', uid: 'task-1', summary: 'Write report', start: { kind: 'utc', value: '2024-01-01T09:00:00Z' },
      due: { kind: 'date', value: '2024-01-15' }, completed: '2024-01-10T17:00:00Z', status: 'in-process', percent: 40, priority: 5,
      parent: 'parent-1', categories: ['Work'],
      reminders: [{ kind: 'relative', offset: '-PT1H', related: 'end', action: 'display', description: 'due soon' }],
    });
  });

  it('patching status/percent/parent keeps the SIBLING relation', () => {
    const t = parseICalendar(TODO).items[0] as TaskEntity;
    const out = serializeICalendar({ ...t, status: 'completed', percent: 100, parent: 'parent-2' });
    expect(out).toContain('RELATED-TO;RELTYPE=SIBLING:sib-1');
    expect(parseICalendar(out).items[0]).toMatchObject({ status: 'completed', percent: 100, parent: 'parent-2' });
  });

  it('the bare RFC 5545 VTODO of the corpus maps to a task', () => {
    const t = parseICalendar(readCorpus('ical', 'icalendar__bare_vtodo_rfc5545.ics')).items[0] as TaskEntity;
    expect(t).toMatchObject({ type: 'task', due: { kind: 'date', value: '2007-05-01' }, status: 'needs-action', categories: ['FAMILY', 'FINANCE'] });
  });
});

describe('fresh build', () => {
  it('builds a VCALENDAR with PRODID, VERSION, DTSTAMP and CRLF line endings', () => {
    const out = serializeICalendar({ type: 'event', uid: 'new-1', summary: 'Fresh', start: { kind: 'date', value: '2024-05-01' }, end: { kind: 'date', value: '2024-05-02' }, showAs: 'tentative' });
    expect(out).toMatch(/^BEGIN:VCALENDAR\r\n/);
    expect(out).toContain('PRODID:-//Dovetail//Dovetail//EN\r\n');
    expect(out).toContain('VERSION:2.0\r\n');
    expect(out).toMatch(/DTSTAMP:\d{8}T\d{6}Z\r\n/);
    expect(out.replace(/\r\n/g, '')).not.toContain('\n');
    expect(parseICalendar(out).items[0]).toMatchObject({ summary: 'Fresh', showAs: 'tentative', start: { kind: 'date', value: '2024-05-01' } });
  });
});

describe('DTSTAMP written back', () => {
  it('a DATE or floating DTSTAMP from the source becomes a UTC date-time; a valid one is kept', () => {
    const src = (stamp: string) => `BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n${stamp}\r\nDTSTART;VALUE=DATE:20110804\r\nSUMMARY:s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;
    for (const bad of ['DTSTAMP;VALUE=DATE:20120214T224612', 'DTSTAMP:20120214T224612']) {
      const out = serializeICalendar(parseICalendar(src(bad)).items[0]!);
      expect(out).toMatch(/^DTSTAMP:\d{8}T\d{6}Z\r$/m);
      expect(out).not.toContain('20120214');
    }
    const good = serializeICalendar(parseICalendar(src('DTSTAMP:20120214T224612Z')).items[0]!);
    expect(good).toContain('DTSTAMP:20120214T224612Z');
  });
});
