/**
 * What real clients write that we used to refuse or damage (issue 17): TZIDs nobody defines, `VERSION:4`,
 * several UID-less items in one resource, an empty ADR converted to another vCard version.
 */
import { describe, expect, it } from 'vitest';
import { parseICalendar, parseVCard, serializeICalendar, serializeVCard, toEpochMs } from '../../src/model/index.js';
import { offsetOfName, resolveTzid } from '../../src/model/timezones.js';
import { alteredProperties } from '../../src/model/stored-diff.js';
import { parseSingleItem, withFallbackUid } from '../../src/model/single-item.js';
import type { EventEntity } from '../../src/sdk/entities.js';

const cal = (...body: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Lotus Development Corporation//NONSGML Notes 9.0//EN', ...body, 'END:VCALENDAR', ''].join('\r\n');

describe('a TZID that is neither IANA, Windows nor defined by a VTIMEZONE', () => {
  const text = cal(
    'BEGIN:VEVENT', 'UID:notes-1', 'DTSTAMP:20240101T000000Z',
    'DTSTART;TZID="GMT-05.00/-04.00":20240701T090000', 'DTEND;TZID="GMT-05.00/-04.00":20240701T100000',
    'RRULE:FREQ=WEEKLY;COUNT=3', 'EXDATE;TZID="GMT-05.00/-04.00":20240708T090000', 'SUMMARY:Staff meeting', 'END:VEVENT');

  it('is read: the time kept as written, with its TZID, floating for comparisons', () => {
    const { items, errors } = parseICalendar(text);
    expect(errors).toEqual([]);
    const e = items[0] as EventEntity;
    expect(e.start).toEqual({ kind: 'floating', value: '2024-07-01T09:00:00', tzid: 'GMT-05.00/-04.00' });
    expect(e.recurrence?.exdate).toEqual([{ kind: 'floating', value: '2024-07-08T09:00:00', tzid: 'GMT-05.00/-04.00' }]);
    expect(toEpochMs(e.start!)).toBe(Date.UTC(2024, 6, 1, 9, 0));
  });

  it('travels with the time: an unchanged item keeps it, an edited time is written with it', () => {
    const e = parseICalendar(text).items[0] as EventEntity;
    expect(serializeICalendar(e)).toContain('DTSTART;TZID="GMT-05.00/-04.00":20240701T090000');
    const moved = serializeICalendar({ ...e, start: { ...e.start!, value: '2024-07-01T11:00:00' } });
    expect(moved).toMatch(/DTSTART;TZID="?GMT-05\.00\/-04\.00"?:20240701T110000/);
    expect(moved).not.toContain('BEGIN:VTIMEZONE');
    const fresh = serializeICalendar({ ...e, raw: undefined });
    expect(parseICalendar(fresh).items[0]).toMatchObject({ start: e.start, end: e.end, recurrence: e.recurrence });
  });

  it('a GMT±hh.mm name with one offset is resolved by that offset', () => {
    expect(offsetOfName('GMT+01.00')).toBe(60);
    expect(offsetOfName('(GMT-05:00)')).toBe(-300);
    expect(offsetOfName('UTC+0530')).toBe(330);
    expect(offsetOfName('GMT-05.00/-04.00')).toBeUndefined();
    expect(offsetOfName('GMT+15.00')).toBeUndefined();
    expect(resolveTzid('GMT+01.00')).toEqual({ tz: 'Etc/GMT-1' });
    expect(resolveTzid('GMT-05.00')).toEqual({ tz: 'Etc/GMT+5' });
    const india = resolveTzid('GMT+05.30');
    expect(india.tz).toBe('GMT+05.30');
    const e = parseICalendar(cal('BEGIN:VEVENT', 'UID:i', 'DTSTAMP:20240101T000000Z', 'DTSTART;TZID=GMT+05.30:20240701T090000', 'END:VEVENT')).items[0] as EventEntity;
    expect(toEpochMs(e.start!)).toBe(Date.UTC(2024, 6, 1, 3, 30));
    const berlinish = parseICalendar(cal('BEGIN:VEVENT', 'UID:b', 'DTSTAMP:20240101T000000Z', 'DTSTART;TZID=GMT+01.00:20240701T090000', 'END:VEVENT')).items[0] as EventEntity;
    expect(berlinish.start).toEqual({ kind: 'zoned', value: '2024-07-01T09:00:00', tz: 'Etc/GMT-1' });
    expect(toEpochMs(berlinish.start!)).toBe(Date.UTC(2024, 6, 1, 8, 0));
  });
});

describe('VERSION:4', () => {
  it('is read as 4.0 and written back as 4.0', () => {
    const { items, errors } = parseVCard('BEGIN:VCARD\r\nVERSION:4\r\nUID:v4\r\nFN:Four\r\nEMAIL:four@example.org\r\nEND:VCARD\r\n');
    expect(errors).toEqual([]);
    expect(items[0].raw?.version).toBe('4.0');
    expect(items[0].emails).toEqual([{ value: 'four@example.org' }]);
    expect(serializeVCard(items[0])).toMatch(/^BEGIN:VCARD\r\nVERSION:4\.0\r\nUID:v4\r\nFN:Four\r\n/);
  });

  it('an unknown version is still refused, by name', () => {
    expect(parseVCard('BEGIN:VCARD\r\nVERSION:5\r\nFN:x\r\nEND:VCARD\r\n').errors[0].message).toContain('unsupported vCard VERSION "5"');
  });
});

describe('UID-less items in one resource', () => {
  const four = cal(...[1, 2, 3, 4].flatMap((n) => ['BEGIN:VEVENT', `DTSTART:2024070${n}T090000Z`, `SUMMARY:Event ${n}`, 'END:VEVENT']));

  it('each gets its own UID, stable for the same text', () => {
    const withUids = withFallbackUid(four, 'fb');
    expect(withUids.match(/^UID:.*$/gm)).toEqual(['UID:fb', 'UID:fb-2', 'UID:fb-3', 'UID:fb-4']);
    expect(withFallbackUid(four, 'fb')).toBe(withUids);
    const { items, errors } = parseICalendar(withUids);
    expect(errors).toEqual([]);
    expect(items.map((i) => i.uid)).toEqual(['fb', 'fb-2', 'fb-3', 'fb-4']);
  });

  it('a RECURRENCE-ID component stays with the series before it', () => {
    const series = cal('BEGIN:VEVENT', 'DTSTART:20240701T090000Z', 'RRULE:FREQ=DAILY;COUNT=3', 'END:VEVENT',
      'BEGIN:VEVENT', 'RECURRENCE-ID:20240702T090000Z', 'DTSTART:20240702T100000Z', 'END:VEVENT');
    const item = parseSingleItem(series, { name: 'x.ics', entity: 'event', fallbackUid: 'fb' }) as EventEntity;
    expect(item.uid).toBe('fb');
    expect(item.overrides).toHaveLength(1);
  });

  it('a resource holding several is refused by name, not sent as one item with one shared UID', () => {
    expect(() => parseSingleItem(four, { name: 'export.ics', entity: 'event', fallbackUid: 'fb' })).toThrow(/export\.ics holds 4 items/);
  });
});

describe('an empty ADR', () => {
  it('survives a 2.1 → 3.0 conversion', () => {
    const c = parseVCard('BEGIN:VCARD\r\nVERSION:2.1\r\nN:Doe;Jane\r\nFN:Jane Doe\r\nADR;HOME:;;;;;;\r\nADR;WORK:;;Main St 1;Town;;12345;\r\nEND:VCARD\r\n').items[0];
    const v30 = serializeVCard(c, '3.0');
    expect(v30).toContain('ADR;TYPE=HOME:;;;;;;');
    expect(v30).toContain('ADR;TYPE=WORK:;;Main St 1;Town;;12345;');
    expect(parseVCard(v30).items[0].addresses).toEqual(c.addresses);
  });
});

describe('properties nobody changed reach the other side byte for byte', () => {
  const odd = [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Odd//EN',
    'BEGIN:VEVENT', 'UID:odd-1', 'DTSTAMP:20240101T000000Z',
    'DTSTART;X-VENDOR="a;b";TZID="Europe/Berlin":20240701T090000',
    'ATTENDEE;RSVP=TRUE;X-NUM-GUESTS=0;CN="Doe, Jane";PARTSTAT=ACCEPTED:mailto:jane@example.org',
    'DESCRIPTION;LANGUAGE=de;ALTREP="cid:part1.0001@example.org":Ein langer Text\\, der über die Zeile hinaus',
    '  geht und gefaltet ist',
    'X-UNKNOWN;x-param=lower:value\\;kept',
    'SUMMARY:Old title', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');

  it('an edited summary leaves every other line as written (parameter order, quoting, case, folds)', () => {
    const e = parseICalendar(odd).items[0] as EventEntity;
    const out = serializeICalendar({ ...e, summary: 'New title' });
    for (const line of odd.split('\r\n').slice(6, 11)) expect(out).toContain(line); // DTSTAMP is renewed on an edit
    expect(out).toContain('SUMMARY:New title');
    expect(out).not.toContain('Old title');
  });

  it('an unchanged item is written as it was read', () => {
    const e = parseICalendar(odd).items[0] as EventEntity;
    expect(serializeICalendar(e)).toBe(odd);
  });
});

describe('alteredProperties: what a server changed when it stored an item', () => {
  const sent = cal('BEGIN:VEVENT', 'UID:a', 'DTSTAMP:20240101T000000Z', 'DTSTART:20240701T090000Z', 'EXDATE;VALUE=DATE:20240708',
    'SUMMARY:Plan\\, review', 'X-KEEP:1', 'BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:r', 'TRIGGER:-PT15M', 'END:VALARM', 'END:VEVENT');

  it('formatting, volatile properties and additions are no alteration', () => {
    const refolded = sent.replace('SUMMARY:Plan\\, review', 'SUMMARY:Plan\\, re\r\n view').replace('DTSTAMP:20240101T000000Z', 'DTSTAMP:20270101T000000Z\r\nX-SERVER:added')
      .replace('PRODID:-//Lotus Development Corporation//NONSGML Notes 9.0//EN', 'PRODID:-//Server//EN');
    expect(alteredProperties(sent, refolded, 'icalendar')).toEqual([]);
  });

  it('names each lost or changed property with both lines', () => {
    const stored = sent.replace('EXDATE;VALUE=DATE:20240708', 'EXDATE:20240708T000000').replace('X-KEEP:1\r\n', '').replace('TRIGGER:-PT15M', 'TRIGGER:-PT10M');
    expect(alteredProperties(sent, stored, 'icalendar')).toEqual([
      { property: 'EXDATE', sent: 'EXDATE;VALUE=DATE:20240708', stored: 'EXDATE:20240708T000000' },
      { property: 'X-KEEP', sent: 'X-KEEP:1' },
      { property: 'VALARM TRIGGER', sent: 'TRIGGER:-PT15M', stored: 'TRIGGER:-PT10M' },
    ]);
  });

  it('vCards: ORG padded, N changed, escaping that means the same is no change', () => {
    const card = 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:c\r\nFN:A\r\nN:Doe;Jane;;;\r\nORG:SAP\r\nNOTE:a\\,b\r\nEND:VCARD\r\n';
    const stored = card.replace('ORG:SAP', 'ORG:SAP;').replace('NOTE:a\\,b', 'NOTE:a\\,b').replace('N:Doe;Jane;;;', 'N:Doe;Jane;;;;');
    expect(alteredProperties(card, stored, 'vcard').map((a) => a.property).sort()).toEqual(['N', 'ORG']);
    expect(alteredProperties(card, card.replace('FN:A', 'FN:A\r\nREV:20260101T000000Z'), 'vcard')).toEqual([]);
  });
});
