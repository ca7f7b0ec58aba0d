/** overlaps(): recurrence expansion (RRULE/RDATE/EXDATE/overrides), all-day, zones, tasks and the iteration cap. */
import { describe, expect, it } from 'vitest';
import { overlaps, parseICalendar } from '../../src/model/index.js';
import type { EventEntity, TaskEntity } from '../../src/sdk/entities.js';
import { readCorpus } from './helpers.js';

const at = (iso: string) => new Date(iso);
const window = (e: EventEntity | TaskEntity, from: string, to: string) => overlaps(e, at(from), at(to));

describe('overlaps on the ical.js recurrence sample (monthly 1st Tuesday, America/Los_Angeles)', () => {
  const e = parseICalendar(readCorpus('ical', 'icaljs__recur_instances.ics')).items[0] as EventEntity;

  it('the first instance moved by an override is found at its new time, not the old one', () => {
    expect(window(e, '2012-10-02T17:00:00Z', '2012-10-02T17:30:00Z')).toBe(false); // 10:00 PDT, moved away
    expect(window(e, '2012-10-02T22:00:00Z', '2012-10-02T22:30:00Z')).toBe(true); // 15:00 PDT
  });

  it('a regular instance is in range (2012-11-06 10:00 PST = 18:00Z)', () => {
    expect(window(e, '2012-11-06T18:10:00Z', '2012-11-06T18:20:00Z')).toBe(true);
  });

  it('an RDATE instance moved by a UTC RECURRENCE-ID override', () => {
    expect(window(e, '2012-11-05T18:00:00Z', '2012-11-05T18:30:00Z')).toBe(false);
    expect(window(e, '2012-11-07T04:00:00Z', '2012-11-07T04:10:00Z')).toBe(true);
  });

  it('EXDATE removes an instance; the next one is there', () => {
    expect(window(e, '2012-12-04T18:00:00Z', '2012-12-04T18:30:00Z')).toBe(false);
    expect(window(e, '2013-01-01T18:00:00Z', '2013-01-01T18:30:00Z')).toBe(true);
  });

  it('nothing between instances; far-future instances are found', () => {
    expect(window(e, '2012-10-10T00:00:00Z', '2012-10-20T00:00:00Z')).toBe(false);
    expect(window(e, '2030-01-01T18:00:00Z', '2030-01-01T18:05:00Z')).toBe(true);
    expect(window(e, '2012-01-01T00:00:00Z', '2012-09-01T00:00:00Z')).toBe(false);
  });
});

describe('overlaps with other corpus rules', () => {
  it('khal: weekly until 2014-08-06 with a moved instance (Europe/Berlin, no VTIMEZONE)', () => {
    const e = parseICalendar(readCorpus('ical', 'khal__event_rrule_recuid.ics')).items[0] as EventEntity;
    expect(window(e, '2014-07-07T05:00:00Z', '2014-07-07T06:00:00Z')).toBe(false);
    expect(window(e, '2014-07-07T07:00:00Z', '2014-07-07T08:00:00Z')).toBe(true);
    expect(window(e, '2014-07-14T05:00:00Z', '2014-07-14T06:00:00Z')).toBe(true);
    expect(window(e, '2014-08-04T05:00:00Z', '2014-08-04T06:00:00Z')).toBe(true); // last, before UNTIL
    expect(window(e, '2014-08-11T05:00:00Z', '2014-08-11T06:00:00Z')).toBe(false); // after UNTIL
  });

  it('all-day weekday rule (Google export): in range on weekdays only, years later too', () => {
    const e = parseICalendar(readCorpus('ical', 'icaljs__day_long_recur_yearly.ics')).items[0] as EventEntity;
    expect(e.start).toEqual({ kind: 'date', value: '2012-08-03' });
    expect(window(e, '2012-08-04T00:00:00Z', '2012-08-06T00:00:00Z')).toBe(false); // Saturday + Sunday
    expect(window(e, '2012-08-06T00:00:00Z', '2012-08-06T01:00:00Z')).toBe(true); // Monday
    expect(window(e, '2017-08-05T00:00:00Z', '2017-08-07T00:00:00Z')).toBe(false); // a weekend five years on
    expect(window(e, '2017-08-07T12:00:00Z', '2017-08-07T13:00:00Z')).toBe(true);
    expect(window(e, '2012-01-01T00:00:00Z', '2012-08-03T00:00:00Z')).toBe(false); // before the start
  });

  it('two RRULEs in one event (ical.js sample) expand both', () => {
    const e = parseICalendar(readCorpus('ical', 'icaljs__multiple_rrules.ics')).items[0] as EventEntity;
    expect(e.recurrence?.rrule).toHaveLength(2);
    expect(window(e, '2000-01-01T00:00:00Z', '2100-01-01T00:00:00Z')).toBe(true);
  });
});

describe('overlaps edge cases', () => {
  const ev = (lines: string[]) => parseICalendar(['BEGIN:VEVENT', 'UID:x', ...lines, 'END:VEVENT'].join('\r\n')).items[0] as EventEntity;

  it('a non-recurring event overlaps only its own span', () => {
    const e = ev(['DTSTART:20240101T100000Z', 'DTEND:20240101T110000Z']);
    expect(window(e, '2024-01-01T10:59:00Z', '2024-01-01T12:00:00Z')).toBe(true);
    expect(window(e, '2024-01-01T11:00:00Z', '2024-01-01T12:00:00Z')).toBe(false);
  });

  it('an event without a start is always in range', () => {
    expect(overlaps({ type: 'event', uid: 'n' }, at('2000-01-01'), at('2000-01-02'))).toBe(true);
  });

  it('a runaway rule hits the iteration cap and counts as in range', () => {
    const e = ev(['DTSTART:20000101T000000Z', 'DTEND:20000101T000001Z', 'RRULE:FREQ=SECONDLY;BYSECOND=0,30']);
    expect(window(e, '2030-01-01T00:00:00Z', '2030-01-01T00:00:01Z')).toBe(true);
  });

  it('a finished COUNT rule is out of range afterwards', () => {
    const e = ev(['DTSTART;VALUE=DATE:20240101', 'RRULE:FREQ=DAILY;COUNT=3']);
    expect(window(e, '2024-01-03T12:00:00Z', '2024-01-03T13:00:00Z')).toBe(true);
    expect(window(e, '2024-01-04T12:00:00Z', '2024-01-10T00:00:00Z')).toBe(false);
  });

  it('tasks use due (and start)', () => {
    const t: TaskEntity = { type: 'task', uid: 't', due: { kind: 'utc', value: '2024-05-01T12:00:00Z' } };
    expect(window(t, '2024-05-01T00:00:00Z', '2024-05-02T00:00:00Z')).toBe(true);
    expect(window(t, '2024-05-02T00:00:00Z', '2024-05-03T00:00:00Z')).toBe(false);
    const span: TaskEntity = { ...t, start: { kind: 'utc', value: '2024-04-01T00:00:00Z' } };
    expect(window(span, '2024-04-15T00:00:00Z', '2024-04-16T00:00:00Z')).toBe(true);
    expect(overlaps({ type: 'task', uid: 'none' }, at('2000-01-01'), at('2000-01-02'))).toBe(true);
  });
});
