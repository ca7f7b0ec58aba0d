import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { parseICalendar, parseVCard, type ContactEntity, type EventEntity, type TaskEntity } from '@dovetail/core/sdk';
import { carryFor, entityOf, exItemOf, shownEntity, type ExEvent, type ExRecurrence } from '../src/model/index.js';
import { exRecurrenceOf, RecurrenceNotStorable, rruleOf } from '../src/model/recurrence.js';
import { ianaToWindows, windowsToIana } from '@dovetail/core/sdk';
import { fromExTime, toExTime } from '../src/model/zones.js';
import { durationMinutes, durationOf } from '../src/model/common.js';

const corpus = process.env.CORPUS_DIR ?? path.resolve(__dirname, '../../../../shared/corpus');
const ctx = { defaultZone: 'W. Europe Standard Time' };

/** Europe/Berlin since 1996, so ical.js expands in the real zone. */
const BERLIN = ['BEGIN:VTIMEZONE', 'TZID:Europe/Berlin', 'BEGIN:DAYLIGHT', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'DTSTART:19700329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'END:DAYLIGHT', 'BEGIN:STANDARD', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'DTSTART:19701025T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'END:STANDARD', 'END:VTIMEZONE'].join('\r\n');

/** Occurrence starts of an RRULE from a DTSTART, by ical.js (an independent expander). */
function expand(rrule: string, dtstart: string, tzid: string | undefined, count = 40): string[] {
  const cal = `BEGIN:VCALENDAR\r\nVERSION:2.0\r\n${tzid ? `${BERLIN}\r\n` : ''}BEGIN:VEVENT\r\nUID:x\r\nDTSTART${tzid ? `;TZID=${tzid}` : ''}:${dtstart}\r\nRRULE:${rrule}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;
  const root = new ICAL.Component(ICAL.parse(cal) as unknown[]);
  const vtz = root.getFirstSubcomponent('vtimezone');
  if (vtz && !ICAL.TimezoneService.has('Europe/Berlin')) ICAL.TimezoneService.register(new ICAL.Timezone(vtz));
  const event = new ICAL.Event(root.getFirstSubcomponent('vevent')!);
  const it = event.iterator();
  const out: string[] = [];
  for (let next = it.next(); next && out.length < count; next = it.next()) out.push(next.toString());
  return out;
}

describe('zones', () => {
  it('maps IANA zones to Windows ids and back through CLDR, newer IANA names included', () => {
    expect(ianaToWindows('Europe/Berlin')).toBe('W. Europe Standard Time');
    expect(ianaToWindows('Europe/Kyiv')).toBe('FLE Standard Time');
    expect(ianaToWindows('Asia/Kolkata')).toBe('India Standard Time');
    expect(ianaToWindows('UTC')).toBe('UTC');
    expect(ianaToWindows('Mars/Olympus_Mons')).toBeUndefined();
    expect(windowsToIana('W. Europe Standard Time')).toBe('Europe/Berlin');
    expect(windowsToIana('(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna')).toBe('Europe/Berlin');
  });

  it('places zoned times in their Windows zone and unmappable ones at their UTC instant', () => {
    expect(toExTime({ kind: 'zoned', value: '2026-03-29T09:30:00', tz: 'Europe/Berlin' }, 'UTC'))
      .toEqual({ time: { dateTime: '2026-03-29T09:30:00', timeZone: 'W. Europe Standard Time' }, exact: true });
    const custom = toExTime({ kind: 'zoned', value: '2026-01-10T09:00:00', tz: 'My Zone', tzDefinition: 'BEGIN:VTIMEZONE\r\nTZID:My Zone\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\nEND:STANDARD\r\nEND:VTIMEZONE' }, 'UTC');
    expect(custom).toEqual({ time: { dateTime: '2026-01-10T06:00:00', timeZone: 'UTC' }, exact: false });
    expect(toExTime({ kind: 'floating', value: '2026-01-10T09:00:00' }, ctx.defaultZone).exact).toBe(false);
    expect(fromExTime({ dateTime: '2026-01-10T00:00:00', timeZone: 'Pacific Standard Time' }, true)).toEqual({ kind: 'date', value: '2026-01-10' });
    expect(fromExTime({ dateTime: '2026-01-10T08:00:00', timeZone: 'UTC' }, false)).toEqual({ kind: 'utc', value: '2026-01-10T08:00:00Z' });
  });
});

describe('durations', () => {
  it('reads and writes reminder offsets as iCalendar writers do', () => {
    for (const [text, minutes] of [['-PT15M', -15], ['-PT1H', -60], ['-P1D', -1440], ['-P1W', -10080], ['-PT1H30M', -90], ['PT0S', 0], ['-PT60M', -60]] as const) {
      expect(durationMinutes(text)).toBe(minutes);
    }
    expect(durationOf(-15)).toBe('-PT15M');
    expect(durationOf(-90)).toBe('-PT1H30M');
    expect(durationOf(-1500)).toBe('-P1DT1H');
    expect(durationMinutes('soon')).toBeUndefined();
  });
});

describe('recurrence', () => {
  const start = { kind: 'zoned', value: '2026-01-05T09:00:00', tz: 'Europe/Berlin' } as const;

  it('maps each Exchange pattern to an RRULE with the same occurrences as Exchange defines them', () => {
    const cases: [ExRecurrence, string][] = [
      [{ pattern: { type: 'daily', interval: 2 }, range: { type: 'numbered', startDate: '2026-01-05', numberOfOccurrences: 5 } }, 'FREQ=DAILY;INTERVAL=2;COUNT=5'],
      [{ pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday', 'thursday'], firstDayOfWeek: 'sunday' }, range: { type: 'endDate', startDate: '2026-01-05', endDate: '2026-03-30' } }, 'FREQ=WEEKLY;BYDAY=MO,TH;WKST=SU;UNTIL=20260330T070000Z'],
      [{ pattern: { type: 'absoluteMonthly', interval: 1, dayOfMonth: 31 }, range: { type: 'noEnd', startDate: '2026-01-05' } }, 'FREQ=MONTHLY;BYMONTHDAY=31'],
      [{ pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['tuesday'], index: 'second' }, range: { type: 'noEnd', startDate: '2026-01-05' } }, 'FREQ=MONTHLY;BYDAY=2TU'],
      [{ pattern: { type: 'relativeMonthly', interval: 3, daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], index: 'last' }, range: { type: 'noEnd', startDate: '2026-01-05' } }, 'FREQ=MONTHLY;INTERVAL=3;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1'],
      [{ pattern: { type: 'absoluteYearly', interval: 1, month: 2, dayOfMonth: 29 }, range: { type: 'numbered', startDate: '2026-01-05', numberOfOccurrences: 3 } }, 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;COUNT=3'],
      [{ pattern: { type: 'relativeYearly', interval: 1, month: 11, daysOfWeek: ['thursday'], index: 'fourth' }, range: { type: 'noEnd', startDate: '2026-01-05' } }, 'FREQ=YEARLY;BYMONTH=11;BYDAY=4TH'],
    ];
    for (const [r, rrule] of cases) expect(rruleOf(r, start)).toBe(rrule);
    // UNTIL at the start's wall time on the end date: the last Monday/Thursday occurrence is included, nothing after.
    const occ = expand('FREQ=WEEKLY;BYDAY=MO,TH;WKST=SU;UNTIL=20260330T070000Z', '20260105T090000', 'Europe/Berlin', 100);
    expect(occ.at(-1)).toBe('2026-03-30T09:00:00');
  });

  it('refuses what no Exchange pattern can say, with the reason', () => {
    const bad: [string, RegExp][] = [
      ['FREQ=HOURLY', /FREQ=HOURLY/], ['FREQ=WEEKLY;BYWEEKNO=3', /BYWEEKNO/], ['FREQ=MONTHLY;BYDAY=5FR', /1st–4th and the last/],
      ['FREQ=MONTHLY;BYMONTHDAY=1,15', /one value/], ['FREQ=YEARLY;INTERVAL=2;BYDAY=1MO;BYMONTH=5', /several years/],
      ['FREQ=WEEKLY;COUNT=3;UNTIL=20260101T000000Z', /COUNT together with UNTIL/],
    ];
    for (const [rule, why] of bad) expect(() => exRecurrenceOf({ rrule: [rule] }, start), rule).toThrow(why);
    expect(() => exRecurrenceOf({ rrule: ['FREQ=DAILY'], rdate: [start] }, start)).toThrow(RecurrenceNotStorable);
    expect(() => exRecurrenceOf({ rrule: ['FREQ=DAILY', 'FREQ=WEEKLY'] }, start)).toThrow(/2 RRULEs, where an Exchange series has exactly one pattern/);
  });

  it('stores every N years as every 12·N months, as Outlook does, with the same occurrences', () => {
    const r = exRecurrenceOf({ rrule: ['FREQ=YEARLY;INTERVAL=2'] }, start);
    expect(r.pattern).toEqual({ type: 'absoluteMonthly', interval: 24, dayOfMonth: 5 });
    expect(expand(rruleOf(r, start), '20260105T090000', 'Europe/Berlin', 4)).toEqual(expand('FREQ=YEARLY;INTERVAL=2', '20260105T090000', 'Europe/Berlin', 4));
  });

  it('RRULE → pattern → RRULE keeps the occurrences (property)', () => {
    const day = fc.constantFrom('MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU');
    const pos = fc.constantFrom(1, 2, 3, 4, -1);
    const range = fc.oneof(fc.constant(''), fc.integer({ min: 1, max: 30 }).map((n) => `;COUNT=${n}`),
      fc.integer({ min: 10, max: 900 }).map((d) => `;UNTIL=${new Date(Date.UTC(2026, 0, 5 + d, 6, 30)).toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`));
    const rule = fc.oneof(
      fc.tuple(fc.integer({ min: 1, max: 9 })).map(([n]) => `FREQ=DAILY;INTERVAL=${n}`),
      fc.tuple(fc.integer({ min: 1, max: 4 }), fc.uniqueArray(day, { minLength: 1, maxLength: 7 })).map(([n, ds]) => `FREQ=WEEKLY;INTERVAL=${n};BYDAY=${ds.join(',')}`),
      fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 28 })).map(([n, d]) => `FREQ=MONTHLY;INTERVAL=${n};BYMONTHDAY=${d}`),
      fc.tuple(fc.integer({ min: 1, max: 6 }), pos, day).map(([n, p, d]) => `FREQ=MONTHLY;INTERVAL=${n};BYDAY=${p}${d}`),
      fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 })).map(([m, d]) => `FREQ=YEARLY;BYMONTH=${m};BYMONTHDAY=${d}`),
      fc.tuple(fc.integer({ min: 1, max: 12 }), pos, day).map(([m, p, d]) => `FREQ=YEARLY;BYMONTH=${m};BYDAY=${p}${d}`),
    );
    fc.assert(fc.property(rule, range, (r, end) => {
      const original = r + end;
      const back = rruleOf(exRecurrenceOf({ rrule: [original] }, start), start);
      expect(expand(back, '20260105T090000', 'Europe/Berlin', 30)).toEqual(expand(original, '20260105T090000', 'Europe/Berlin', 30));
    }), { numRuns: 300 });
  });
});

describe('events', () => {
  const base: EventEntity = {
    type: 'event', uid: 'ev-1@example.org', summary: 'Review', location: 'Room 1',
    start: { kind: 'zoned', value: '2026-02-02T10:00:00', tz: 'Europe/Berlin' },
    end: { kind: 'zoned', value: '2026-02-02T11:00:00', tz: 'Europe/Berlin' },
    showAs: 'tentative', priority: 1, sensitivity: 'private', categories: ['Blue', 'Work'],
    reminders: [{ kind: 'relative', offset: '-PT15M', related: 'start', action: 'display' }],
    attendees: [{ email: 'bob@example.org', name: 'Bob', role: 'req-participant', partstat: 'accepted' }],
    recurrence: { rrule: ['FREQ=WEEKLY;BYDAY=MO'], exdate: [{ kind: 'zoned', value: '2026-02-16T10:00:00', tz: 'Europe/Berlin' }] },
    overrides: [{ recurrenceId: { kind: 'zoned', value: '2026-02-09T10:00:00', tz: 'Europe/Berlin' }, summary: 'Review (moved)',
      start: { kind: 'zoned', value: '2026-02-09T14:00:00', tz: 'Europe/Berlin' }, end: { kind: 'zoned', value: '2026-02-09T15:00:00', tz: 'Europe/Berlin' } }],
  };

  it('maps the fields Exchange has and reads them back as they were', () => {
    const ex = exItemOf(base, ctx) as ExEvent;
    expect(ex).toMatchObject({
      subject: 'Review', location: 'Room 1', importance: 'high', sensitivity: 'private', showAs: 'tentative',
      isReminderOn: true, reminderMinutesBeforeStart: 15, iCalUid: 'ev-1@example.org',
      start: { dateTime: '2026-02-02T10:00:00', timeZone: 'W. Europe Standard Time' },
      recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] }, range: { type: 'noEnd', startDate: '2026-02-02' } },
      cancelledOccurrences: ['2026-02-16T09:00:00Z'],
      exceptions: [{ originalStart: '2026-02-09T09:00:00Z', subject: 'Review (moved)', start: { dateTime: '2026-02-09T14:00:00' } }],
    });
    const shown = shownEntity(ex, 'fallback');
    expect(shown).toMatchObject({ uid: 'ev-1@example.org', summary: 'Review', priority: 1, sensitivity: 'private', showAs: 'tentative' });
    expect(shown.type === 'event' && shown.recurrence).toEqual(base.recurrence);
    expect(shown.type === 'event' && shown.overrides?.[0].recurrenceId).toEqual(base.overrides![0].recurrenceId);
  });

  it('carries what Exchange cannot hold and restores it only while Exchange still shows what was written', () => {
    const e: EventEntity = { ...base, priority: 3, organizer: { email: 'carol@example.org' }, url: 'https://example.org/r',
      reminders: [...base.reminders!, { kind: 'relative', offset: '-P1D', related: 'start', action: 'email' }], x: { 'X-FOO': 'bar' } };
    const ex = exItemOf(e, ctx) as ExEvent;
    const carry = carryFor(e, shownEntity(ex, e.uid));
    expect(carry).toBeDefined();
    const carried = JSON.parse(carry!) as Record<string, unknown>;
    expect(Object.keys(carried).sort()).toEqual(['priority', 'reminders', 'url', 'x']);
    ex.stamp = { uid: e.uid, carry };
    const read = entityOf(ex, 'fallback') as EventEntity;
    expect(read.priority).toBe(3);
    expect(read.url).toBe('https://example.org/r');
    expect(read.reminders).toEqual(e.reminders);
    expect(read.x).toEqual({ 'X-FOO': 'bar' });
    // Someone raises the importance in Outlook: Exchange's value wins; the untouched fields keep their carry.
    const edited = entityOf({ ...ex, importance: 'low' }, 'fallback') as EventEntity;
    expect(edited.priority).toBe(9);
    expect(edited.url).toBe('https://example.org/r');
    // A damaged carry is ignored, never fatal.
    expect((entityOf({ ...ex, stamp: { uid: e.uid, carry: '{broken' } }, 'x') as EventEntity).priority).toBe(1);
  });

  it('refuses an event Exchange cannot store, naming the reason', () => {
    expect(() => exItemOf({ ...base, recurrence: { rrule: ['FREQ=MINUTELY'] } }, ctx)).toThrow(/ev-1@example.org cannot be stored in Exchange: FREQ=MINUTELY/);
    expect(() => exItemOf({ type: 'event', uid: 'x' }, ctx)).toThrow(/no start/);
  });

  it('every event of the interop corpus maps to Exchange and back, or is refused with a reason', () => {
    let mapped = 0, refused = 0;
    for (const f of readdirSync(path.join(corpus, 'ical')).filter((n) => n.endsWith('.ics'))) {
      for (const item of parseICalendar(readFileSync(path.join(corpus, 'ical', f), 'utf8')).items) {
        let ex;
        try {
          ex = exItemOf(item, ctx);
        } catch (e) {
          expect((e as Error).message, f).toMatch(/cannot|no start|needs/);
          refused++;
          continue;
        }
        const shown = shownEntity(ex, item.uid);
        ex.stamp = { ...ex.stamp, carry: carryFor(item, shown) };
        const back = entityOf(ex, 'fallback');
        const { raw: _r, lastModified: _l, created: _c, sequence: _s, ...want } = item as EventEntity;
        for (const [k, v] of Object.entries(want)) expect((back as unknown as Record<string, unknown>)[k], `${f} ${item.uid} ${k}`).toEqual(v);
        mapped++;
      }
    }
    expect(mapped).toBeGreaterThan(150);
    expect(refused).toBeLessThan(mapped / 5);
  });
});

describe('tasks', () => {
  it('maps status, dates, percent and reminders; a timed due date is carried', () => {
    const t: TaskEntity = { type: 'task', uid: 't1', summary: 'Ship', status: 'in-process', percent: 40, priority: 9,
      start: { kind: 'date', value: '2026-03-01' }, due: { kind: 'zoned', value: '2026-03-05T17:00:00', tz: 'Europe/Berlin' },
      reminders: [{ kind: 'absolute', at: '2026-03-04T08:00:00Z' }] };
    const ex = exItemOf(t, ctx);
    expect(ex).toMatchObject({ kind: 'task', status: 'inProgress', percentComplete: 40, importance: 'low',
      startDate: { dateTime: '2026-03-01T00:00:00' }, dueDate: { dateTime: '2026-03-05T00:00:00' }, isReminderOn: true, reminderDateTime: '2026-03-04T08:00:00Z' });
    const shown = shownEntity(ex, 'x') as TaskEntity;
    expect(shown.due).toEqual({ kind: 'date', value: '2026-03-05' });
    ex.stamp = { uid: 't1', carry: carryFor(t, shown) };
    expect((entityOf(ex, 'x') as TaskEntity).due).toEqual(t.due);
  });

  it('a completed task is 100 % with its completion time', () => {
    const ex = exItemOf({ type: 'task', uid: 't2', status: 'completed', completed: '2026-03-02T10:00:00Z' }, ctx);
    expect(ex).toMatchObject({ status: 'completed', percentComplete: 100, completedDateTime: '2026-03-02T10:00:00Z' });
  });
});

describe('contacts', () => {
  it('fills Exchange\'s phone, e-mail and address slots by type and reads them back', () => {
    const c: ContactEntity = {
      type: 'contact', uid: 'c1', name: { given: 'Ann', family: 'Lee', prefix: 'Dr.' }, formattedName: 'Dr. Ann Lee',
      org: { name: 'ACME', units: ['R&D'] }, title: 'CTO', birthday: '--07-14', note: 'met at fair',
      emails: [{ value: 'ann@acme.example', types: ['work'] }, { value: 'ann@home.example' }],
      phones: [{ value: '+1 1', types: ['work', 'voice'] }, { value: '+1 2', types: ['cell'] }, { value: '+1 3', types: ['work', 'fax'] },
        { value: '+1 4', types: ['work'] }, { value: '+1 5', types: ['home'] }],
      addresses: [{ street: 'Main St 1', locality: 'Springfield', postalCode: '12345', country: 'USA', types: ['work'] }, { street: 'Elm 2', types: ['home'] }],
      urls: [{ value: 'https://acme.example' }],
    };
    const ex = exItemOf(c, ctx);
    expect(ex).toMatchObject({
      givenName: 'Ann', surname: 'Lee', title: 'Dr.', displayName: 'Dr. Ann Lee', companyName: 'ACME', department: 'R&D', jobTitle: 'CTO',
      birthday: '1604-07-14', notes: 'met at fair', businessHomePage: 'https://acme.example',
      phones: { BusinessPhone: '+1 1', MobilePhone: '+1 2', BusinessFax: '+1 3', BusinessPhone2: '+1 4', HomePhone: '+1 5' },
      addresses: { business: { street: 'Main St 1', city: 'Springfield', postalCode: '12345', countryOrRegion: 'USA' }, home: { street: 'Elm 2' } },
      emailAddresses: [{ address: 'ann@acme.example' }, { address: 'ann@home.example' }],
    });
    ex.stamp = { uid: 'c1', carry: carryFor(c, shownEntity(ex, 'c1')) };
    const back = entityOf(ex, 'x') as ContactEntity;
    for (const k of ['name', 'formattedName', 'org', 'title', 'birthday', 'note', 'emails', 'phones', 'addresses', 'urls'] as const) expect(back[k], k).toEqual(c[k]);
  });

  it('every card of the interop corpus maps to Exchange and back (groups refused)', () => {
    let n = 0;
    for (const f of readdirSync(path.join(corpus, 'vcard')).filter((x) => x.endsWith('.vcf'))) {
      for (const card of parseVCard(readFileSync(path.join(corpus, 'vcard', f), 'utf8')).items) {
        if (card.kind === 'group') { expect(() => exItemOf(card, ctx)).toThrow(/distribution lists/); continue; }
        const ex = exItemOf(card, ctx);
        ex.stamp = { ...ex.stamp, carry: carryFor(card, shownEntity(ex, card.uid)) };
        const { raw: _r, lastModified: _l, ...want } = card;
        const back = entityOf(ex, 'x') as unknown as Record<string, unknown>;
        for (const [k, v] of Object.entries(want)) expect(back[k], `${f} ${k}`).toEqual(v);
        n++;
      }
    }
    expect(n).toBeGreaterThan(10);
  });
});
