/** Each repair rule: when it applies, what it changes, and that it leaves everything else as written. */
import { describe, expect, it } from 'vitest';
import { REPAIR_RULES, repairItem } from '../src/repairs.js';

const cal = (...body: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//x//EN', ...body, 'END:VCALENDAR', ''].join('\r\n');
const event = (...props: string[]) => cal('BEGIN:VEVENT', 'UID:r1', 'DTSTAMP:20260101T000000Z', ...props, 'END:VEVENT');

describe('repair rules', () => {
  it.each([
    ['negative-duration-sign', event('DTSTART:20260301T100000Z', 'DURATION:PT-2H'), 'DURATION:-PT2H'],
    ['negative-duration-sign', event('DTSTART:20260301T100000Z', 'BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:r', 'TRIGGER;RELATED=END:P-1D', 'END:VALARM'), 'TRIGGER;RELATED=END:-P1D'],
    ['period-to-date-time', event('DTSTART:20260301T100000Z', 'RDATE;VALUE=PERIOD:20260305T100000Z/20260305T110000Z,20260306T100000Z/PT1H'), 'RDATE:20260305T100000Z,20260306T100000Z'],
    ['trigger-value-date-time', event('DTSTART:20260301T100000Z', 'BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:r', 'TRIGGER:20260301T090000Z', 'END:VALARM'), 'TRIGGER;VALUE=DATE-TIME:20260301T090000Z'],
    ['year-before-1', event('DTSTART;VALUE=DATE:00000101'), 'DTSTART;VALUE=DATE:00010101'],
    ['date-value-date', event('DTSTART;TZID=Europe/Berlin:20041225'), 'DTSTART;TZID=Europe/Berlin;VALUE=DATE:20041225'],
    ['duration-weeks-with-days', event('DTSTART:20260301T100000Z', 'BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:r', 'TRIGGER:-P1W6DT15H', 'END:VALARM'), 'TRIGGER:-P13DT15H'],
  ])('%s', (name, text, expected) => {
    const fixed = repairItem(text, 'icalendar')!;
    expect(fixed.rules).toEqual([name]);
    expect(fixed.text).toContain(`\r\n${expected}\r\n`);
    // Every line the rule did not touch is as it was.
    const changed = text.split('\r\n').filter((l) => !fixed.text.split('\r\n').includes(l));
    expect(changed).toHaveLength(1);
  });

  it('utc-offset-out-of-range: the observance takes its other offset', () => {
    const text = cal('BEGIN:VTIMEZONE', 'TZID:Odd', 'BEGIN:STANDARD', 'DTSTART:18800101T000000', 'TZOFFSETFROM:+5328', 'TZOFFSETTO:+0530',
      'END:STANDARD', 'END:VTIMEZONE', 'BEGIN:VEVENT', 'UID:r1', 'DTSTART;TZID=Odd:20260301T100000', 'END:VEVENT');
    const fixed = repairItem(text, 'icalendar')!;
    expect(fixed.rules).toEqual(['utc-offset-out-of-range']);
    expect(fixed.text).toContain('TZOFFSETFROM:+0530\r\nTZOFFSETTO:+0530');
  });

  it('synthesised-master: overrides without their series get a master with exactly their instances', () => {
    const text = cal(
      'BEGIN:VEVENT', 'UID:inv', 'DTSTAMP:20260101T000000Z', 'RECURRENCE-ID;TZID=Europe/Berlin:20260310T100000',
      'DTSTART;TZID=Europe/Berlin:20260310T120000', 'DTEND;TZID=Europe/Berlin:20260310T130000', 'SUMMARY:Moved', 'END:VEVENT',
      'BEGIN:VEVENT', 'UID:inv', 'DTSTAMP:20260101T000000Z', 'RECURRENCE-ID;TZID=Europe/Berlin:20260303T100000',
      'DTSTART;TZID=Europe/Berlin:20260303T100000', 'SUMMARY:Also', 'END:VEVENT');
    const fixed = repairItem(text, 'icalendar')!;
    expect(fixed.rules).toEqual(['synthesised-master']);
    expect(fixed.text).toContain('BEGIN:VEVENT\r\nDTSTART;TZID=Europe/Berlin:20260303T100000\r\nRDATE;TZID=Europe/Berlin:20260310T100000\r\nUID:inv\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Moved\r\nEND:VEVENT');
    expect(fixed.text.match(/RECURRENCE-ID/g)).toHaveLength(2);
    expect(repairItem(event('DTSTART:20260301T100000Z', 'RRULE:FREQ=DAILY'), 'icalendar')).toBeUndefined();
  });

  it('vCard: a property name with forbidden characters, an undecodable photo', () => {
    const card = ['BEGIN:VCARD', 'VERSION:3.0', 'FN:K', 'X-messaging/gadu-All:123', 'PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRg', 'END:VCARD', ''].join('\r\n');
    const fixed = repairItem(card, 'vcard')!;
    expect(fixed.rules).toEqual(['property-name-characters', 'undecodable-photo-dropped']);
    expect(fixed.text).toBe(['BEGIN:VCARD', 'VERSION:3.0', 'FN:K', 'X-messaging-gadu-All:123', 'END:VCARD', ''].join('\r\n'));
  });

  it('nothing to repair gives undefined; folds of untouched lines stay', () => {
    expect(repairItem(event('DTSTART:20260301T100000Z'), 'icalendar')).toBeUndefined();
    const folded = event('DESCRIPTION:a long line that was folded by its', ' writer somewhere', 'DURATION:PT-1H');
    expect(repairItem(folded, 'icalendar')!.text).toContain('DESCRIPTION:a long line that was folded by its\r\n writer somewhere\r\n');
  });

  it('every rule is named once and described', () => {
    expect(new Set(REPAIR_RULES.map((r) => r.name)).size).toBe(REPAIR_RULES.length);
    for (const r of REPAIR_RULES) expect(r.description.length).toBeGreaterThan(20);
  });
});
