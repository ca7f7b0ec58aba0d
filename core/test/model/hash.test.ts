/** contentHash: stable under reformatting and volatile properties, sensitive to real edits (modelled or not). */
import { describe, expect, it } from 'vitest';
import { contentHash, parseICalendar, parseVCard } from '../../src/model/index.js';
import type { EventEntity } from '../../src/sdk/entities.js';
import { readCorpus } from './helpers.js';

const EVENT = [
  'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//A//A//EN',
  'BEGIN:VEVENT', 'UID:h1', 'DTSTAMP:20240101T000000Z', 'SEQUENCE:1', 'LAST-MODIFIED:20240101T000000Z',
  'SUMMARY:A fairly long summary line that will certainly need folding when written at seventy-five octets',
  'DTSTART;TZID=Europe/Berlin:20240603T090000', 'ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED:mailto:bob@example.org',
  'X-FOO:bar', 'BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER:-PT15M', 'DESCRIPTION:Soon', 'END:VALARM', 'END:VEVENT', 'END:VCALENDAR', ''];

const hashOf = (lines: string[], sep = '\r\n') => contentHash(parseICalendar(lines.join(sep)).items[0]);

function fold(line: string): string {
  return line.length > 40 ? `${line.slice(0, 40)}\r\n ${line.slice(40)}` : line;
}

describe('contentHash', () => {
  const base = hashOf(EVENT);

  it('is a sha256 hex string and deterministic', () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(hashOf(EVENT)).toBe(base);
  });

  it('ignores LF vs CRLF, folding, property order and parameter order', () => {
    expect(hashOf(EVENT, '\n')).toBe(base);
    expect(hashOf(EVENT.map(fold))).toBe(base);
    const reordered = [...EVENT];
    const i = reordered.indexOf('X-FOO:bar');
    [reordered[i], reordered[i - 1]] = [reordered[i - 1], reordered[i]];
    expect(hashOf(reordered)).toBe(base);
    expect(hashOf(EVENT.map((l) => l.replace('ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED', 'ATTENDEE;PARTSTAT=ACCEPTED;CN=Bob')))).toBe(base);
  });

  it('ignores volatile properties (DTSTAMP, SEQUENCE, LAST-MODIFIED, PRODID)', () => {
    const changed = EVENT.map((l) => l.replace('DTSTAMP:20240101', 'DTSTAMP:20250101').replace('SEQUENCE:1', 'SEQUENCE:7')
      .replace('LAST-MODIFIED:20240101', 'LAST-MODIFIED:20250505').replace('PRODID:-//A//A//EN', 'PRODID:-//B//B//EN'));
    expect(hashOf(changed)).toBe(base);
  });

  it('ignores the order of a recurring event\'s overrides (a set by RECURRENCE-ID), not their content', () => {
    const master = ['BEGIN:VEVENT', 'UID:r1', 'DTSTAMP:20240101T000000Z', 'DTSTART:20240101T100000Z', 'RRULE:FREQ=DAILY;COUNT=5', 'SUMMARY:Daily', 'END:VEVENT'];
    const override = (day: string, summary: string) => ['BEGIN:VEVENT', 'UID:r1', 'DTSTAMP:20240101T000000Z', `RECURRENCE-ID:202401${day}T100000Z`, `DTSTART:202401${day}T120000Z`, `SUMMARY:${summary}`, 'END:VEVENT'];
    const cal = (...parts: string[][]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', ...parts.flat(), 'END:VCALENDAR', ''];
    const inOrder = hashOf(cal(master, override('02', 'Two'), override('03', 'Three')));
    expect(hashOf(cal(override('03', 'Three'), master, override('02', 'Two')))).toBe(inOrder);
    expect(hashOf(cal(master, override('02', 'Two'), override('03', 'Three, edited')))).not.toBe(inOrder);
  });

  it('changes on a modelled edit, an unmodelled VALARM edit, an X- property and a parameter value', () => {
    expect(hashOf(EVENT.map((l) => l.replace('SUMMARY:A fairly', 'SUMMARY:B fairly')))).not.toBe(base);
    expect(hashOf(EVENT.map((l) => l.replace('DESCRIPTION:Soon', 'DESCRIPTION:Later')))).not.toBe(base);
    expect(hashOf(EVENT.map((l) => l.replace('X-FOO:bar', 'X-FOO:baz')))).not.toBe(base);
    expect(hashOf(EVENT.map((l) => l.replace('PARTSTAT=ACCEPTED', 'PARTSTAT=DECLINED')))).not.toBe(base);
  });

  it('changes when a canonical field is edited on the entity (raw not yet patched)', () => {
    const e = parseICalendar(EVENT.join('\r\n')).items[0] as EventEntity;
    expect(contentHash({ ...e, location: 'Here' })).not.toBe(base);
    expect(contentHash({ ...e, lastModified: '2030-01-01T00:00:00Z' })).toBe(base);
  });

  it('vCard: QP vs plain, folding and line order do not matter; REV does not; an edit does', () => {
    const a = 'BEGIN:VCARD\r\nVERSION:2.1\r\nN:Doe;Jane\r\nNOTE;ENCODING=QUOTED-PRINTABLE:hello world\r\nTEL;WORK:1\r\nREV:20200101T000000Z\r\nEND:VCARD\r\n';
    const b = 'BEGIN:VCARD\nVERSION:2.1\nTEL;WORK:1\nNOTE;QUOTED-PRINTABLE:hel=6Co =\nworld\nN:Doe;Jane\nREV:20240101T000000Z\nEND:VCARD\n';
    const hash = (t: string) => contentHash(parseVCard(t).items[0]);
    expect(parseVCard(b).items[0].note).toBe('hello world');
    expect(hash(b)).toBe(hash(a));
    expect(hash(a.replace('TEL;WORK:1', 'TEL;WORK:2'))).not.toBe(hash(a));
  });

  it('every corpus item hashes without throwing, and differently from its edited copy', () => {
    for (const file of ['icaljs__recur_instances.ics', 'biweekly__outlook_2016_large.ics']) {
      for (const item of parseICalendar(readCorpus('ical', file)).items) {
        expect(contentHash(item)).not.toBe(contentHash({ ...item, summary: `${item.summary ?? ''}!` }));
      }
    }
  });
});
