/** Windows → IANA mapping, TZIDs without VTIMEZONE, custom zones, and the instants they produce. */
import { describe, expect, it } from 'vitest';
import { ianaToWindows, parseICalendar, serializeICalendar, toEpochMs, windowsToIana } from '../../src/model/index.js';
import { epochToWallInZone, vtimezoneForTzid, wallToEpochInZone, zoneOffsetMs } from '../../src/model/timezones.js';
import type { EventEntity, TimeValue } from '../../src/sdk/entities.js';
import { readCorpus } from './helpers.js';

function zonedValues(e: EventEntity): TimeValue[] {
  return [e.start, e.end, ...(e.recurrence?.rdate ?? []), ...(e.recurrence?.exdate ?? []),
    ...(e.overrides ?? []).flatMap((o) => [o.recurrenceId, o.start, o.end])].filter((t): t is TimeValue => t?.kind === 'zoned');
}

describe('windowsToIana', () => {
  it.each([
    ['W. Europe Standard Time', 'Europe/Berlin'],
    ['Pacific Standard Time', 'America/Los_Angeles'],
    ['Eastern Standard Time', 'America/New_York'],
    ['New Zealand Standard Time', 'Pacific/Auckland'],
    ['e. south america standard time', 'America/Sao_Paulo'],
    ['(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna', 'Europe/Berlin'],
    ['(UTC-08:00) Pacific Time (US & Canada)', 'America/Los_Angeles'],
    ['(UTC+07:00) Bangkok\\, Hanoi\\, Jakarta', 'Asia/Bangkok'],
    ['(UTC-03:00) Brasília', 'America/Sao_Paulo'],
    ['(GMT) Greenwich Mean Time : Dublin, Edinburgh, Lisbon, London', 'Europe/London'],
  ])('%s → %s', (name, iana) => expect(windowsToIana(name)).toBe(iana));

  it('matches a localised display name by a listed city with the same standard offset', () => {
    expect(windowsToIana('(UTC+01:00) Amsterdam, Berlin, Bern, Rom, Stockholm, Wien')).toBe('Europe/Amsterdam');
    expect(windowsToIana('(UTC+05:00) Berlin')).toBeUndefined();
  });

  it('reads ids Windows retired (older Outlook writes them) as the zone that replaced them', () => {
    expect(windowsToIana('Mexico Standard Time')).toBe('America/Mexico_City');
    expect(windowsToIana('Jerusalem Standard Time')).toBe('Asia/Jerusalem');
    expect(windowsToIana('Coordinated Universal Time')).toBe('Etc/UTC');
  });

  it('maps IANA back to Windows (one table: the Exchange connector uses it too)', () => {
    expect(ianaToWindows('Europe/Berlin')).toBe('W. Europe Standard Time');
    expect(ianaToWindows('Europe/Kyiv')).toBe('FLE Standard Time');
    expect(ianaToWindows('Mars/Olympus_Mons')).toBeUndefined();
  });

  it('returns undefined for unknown names', () => {
    expect(windowsToIana('Mars Standard Time')).toBeUndefined();
    expect(windowsToIana('')).toBeUndefined();
  });

  it('every table entry is a zone Node knows', () => {
    for (const name of ['Dateline Standard Time', 'UTC', 'FLE Standard Time', 'India Standard Time', 'Line Islands Standard Time']) {
      const iana = windowsToIana(name) as string;
      expect(() => new Intl.DateTimeFormat('en', { timeZone: iana })).not.toThrow();
    }
  });
});

describe('Windows zones in the Outlook/Exchange corpus files become IANA', () => {
  it.each([
    ['biweekly__exchange2010_rrule.ics', 'Europe/Berlin'],
    ['biweekly__outlook_2016_large.ics', 'Europe/Berlin'],
    ['icalendar__exchange2010_tzid.ics', 'America/New_York'],
    ['icalendar__non_ascii_tzid_brasilia.ics', 'America/Sao_Paulo'],
    ['nodeical__exchange_custom_tz.ics', 'Asia/Bangkok'],
    ['khal__tz_windows_format.ics', 'Pacific/Auckland'],
    ['nodeical__emclient_year0001_vtimezone.ics', 'Europe/Berlin'],
  ])('%s → %s', (file, iana) => {
    const { items, errors } = parseICalendar(readCorpus('ical', file));
    expect(errors).toEqual([]);
    const zoned = items.flatMap((i) => zonedValues(i as EventEntity));
    expect(zoned.length).toBeGreaterThan(0);
    for (const t of zoned) {
      expect(t.tz).toBe(iana);
      expect(t.tzDefinition).toBeUndefined();
    }
  });

  it('Exchange 2010 "Eastern Standard Time" 2012-09-19 09:00 is 13:00Z (EDT)', () => {
    const e = parseICalendar(readCorpus('ical', 'icalendar__exchange2010_tzid.ics')).items[0] as EventEntity;
    expect(e.start?.value).toMatch(/T/);
    const wall = Date.parse(`${e.start!.value}Z`);
    const offsetH = (wall - toEpochMs(e.start!)) / 3_600_000;
    expect([-4, -5]).toContain(offsetH);
  });

  it('New Zealand Standard Time 2019-11-20 13:00 (NZDT, +13) is 00:00Z', () => {
    const e = parseICalendar(readCorpus('ical', 'khal__tz_windows_format.ics')).items[0] as EventEntity;
    expect(e.start).toEqual({ kind: 'zoned', value: '2019-11-20T13:00:00', tz: 'Pacific/Auckland' });
    expect(toEpochMs(e.start!)).toBe(Date.UTC(2019, 10, 20, 0, 0));
  });
});

describe('TZID without VTIMEZONE', () => {
  it('resolves Europe/Berlin from the bundled zones (khal file): summer and winter instants are right', () => {
    const e = parseICalendar(readCorpus('ical', 'khal__event_rrule_recuid.ics')).items[0] as EventEntity;
    expect(e.raw!.text).not.toContain('BEGIN:VTIMEZONE');
    expect(e.start).toEqual({ kind: 'zoned', value: '2014-06-30T07:00:00', tz: 'Europe/Berlin' });
    expect(toEpochMs(e.start!)).toBe(Date.UTC(2014, 5, 30, 5, 0)); // CEST, +02:00
    expect(toEpochMs({ kind: 'zoned', value: '2014-01-15T07:00:00', tz: 'Europe/Berlin' })).toBe(Date.UTC(2014, 0, 15, 6, 0));
  });

  it('accepts aliases (US/Pacific) and vendor-prefixed TZIDs, canonicalised', () => {
    const text = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x',
      'BEGIN:VEVENT', 'UID:a', 'DTSTAMP:20240101T000000Z', 'DTSTART;TZID=US/Pacific:20240701T090000', 'END:VEVENT',
      'BEGIN:VEVENT', 'UID:b', 'DTSTAMP:20240101T000000Z', 'DTSTART;TZID=/mozilla.org/20050126_1/Europe/Paris:20240101T090000', 'END:VEVENT',
      'END:VCALENDAR', ''].join('\r\n');
    const { items, errors } = parseICalendar(text);
    expect(errors).toEqual([]);
    expect((items[0] as EventEntity).start).toEqual({ kind: 'zoned', value: '2024-07-01T09:00:00', tz: 'America/Los_Angeles' });
    expect(toEpochMs((items[0] as EventEntity).start!)).toBe(Date.UTC(2024, 6, 1, 16, 0));
    expect((items[1] as EventEntity).start?.tz).toBe('Europe/Paris');
    expect(toEpochMs((items[1] as EventEntity).start!)).toBe(Date.UTC(2024, 0, 1, 8, 0));
  });

  it('an unknown TZID without definition is kept as written (floating, TZID kept), the other items parse too', () => {
    const text = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x',
      'BEGIN:VEVENT', 'UID:odd', 'DTSTAMP:20240101T000000Z', 'DTSTART;TZID=Mars/Olympus_Mons:20240701T090000', 'END:VEVENT',
      'BEGIN:VEVENT', 'UID:good', 'DTSTAMP:20240101T000000Z', 'DTSTART:20240701T090000Z', 'END:VEVENT',
      'END:VCALENDAR', ''].join('\r\n');
    const { items, errors } = parseICalendar(text);
    expect(errors).toEqual([]);
    expect(items.map((i) => i.uid)).toEqual(['odd', 'good']);
    expect((items[0] as EventEntity).start).toEqual({ kind: 'floating', value: '2024-07-01T09:00:00', tzid: 'Mars/Olympus_Mons' });
  });

  it('a fresh serialization adds a VTIMEZONE for an IANA zone and reads back the same instant', () => {
    const event: EventEntity = { type: 'event', uid: 'z1', summary: 'zoned', start: { kind: 'zoned', value: '2024-03-31T03:30:00', tz: 'Europe/Berlin' } };
    const text = serializeICalendar(event);
    expect(text).toMatch(/BEGIN:VTIMEZONE\r\nTZID:Europe\/Berlin\r\n/);
    expect(text.indexOf('BEGIN:VTIMEZONE')).toBeLessThan(text.indexOf('BEGIN:VEVENT'));
    const back = parseICalendar(text).items[0] as EventEntity;
    expect(back.start).toEqual(event.start);
    expect(toEpochMs(back.start!)).toBe(Date.UTC(2024, 2, 31, 1, 30)); // just after the spring-forward gap: CEST
  });
});

describe('vtimezoneForTzid', () => {
  it('defines a TZID written without VTIMEZONE under that TZID (IANA or Windows name); unknown names get none', () => {
    for (const tzid of ['Europe/Berlin', 'W. Europe Standard Time']) {
      const block = vtimezoneForTzid(tzid)!;
      expect(block).toMatch(/^BEGIN:VTIMEZONE\r?\n/);
      expect(block).toContain(`TZID:${tzid}`);
      // The block reads back as the zone it names: an event at 07:00 in summer is 05:00 UTC.
      const text = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', block.trim(), 'BEGIN:VEVENT', 'UID:z', 'DTSTAMP:20140101T000000Z',
        `DTSTART;TZID="${tzid}":20140630T070000`, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
      const e = parseICalendar(text).items[0] as EventEntity;
      expect(toEpochMs(e.start!)).toBe(Date.UTC(2014, 5, 30, 5, 0));
    }
    expect(vtimezoneForTzid('Mars/Olympus_Mons')).toBeUndefined();
  });
});

describe('a VTIMEZONE whose TZID is neither IANA nor Windows', () => {
  const zone = [
    'BEGIN:VTIMEZONE', 'TZID:America-SanJose', 'TZURL:http://zones.stds_r_us.net/tz/America-SanJose',
    'BEGIN:STANDARD', 'DTSTART:19671029T020000', 'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10', 'TZOFFSETFROM:-0700', 'TZOFFSETTO:-0800', 'END:STANDARD',
    'BEGIN:DAYLIGHT', 'DTSTART:19870405T020000', 'RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=4', 'TZOFFSETFROM:-0800', 'TZOFFSETTO:-0700', 'END:DAYLIGHT',
    'END:VTIMEZONE'];
  const text = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', ...zone,
    'BEGIN:VEVENT', 'UID:custom-zone', 'DTSTAMP:19970613T190030Z', 'DTSTART;TZID=America-SanJose:19970701T140000',
    'DTEND;TZID=America-SanJose:19971201T150000', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');

  it('is kept as the zone definition (tz = the TZID) and instants come from it', () => {
    const { items, errors } = parseICalendar(text);
    expect(errors).toEqual([]);
    const e = items[0] as EventEntity;
    expect(e.start?.tz).toBe('America-SanJose');
    expect(e.start?.tzDefinition).toMatch(/^BEGIN:VTIMEZONE\r\nTZID:America-SanJose/);
    expect(toEpochMs(e.start!)).toBe(Date.UTC(1997, 6, 1, 21, 0)); // daylight, -07:00
    expect(toEpochMs(e.end!)).toBe(Date.UTC(1997, 11, 1, 23, 0)); // standard, -08:00
  });

  it('a fresh serialization carries the definition along', () => {
    const e = parseICalendar(text).items[0] as EventEntity;
    const out = serializeICalendar({ ...e, raw: undefined });
    expect(out).toContain('TZID:America-SanJose');
    const again = parseICalendar(out).items[0] as EventEntity;
    expect(again.start).toEqual(e.start);
    expect(toEpochMs(again.end!)).toBe(Date.UTC(1997, 11, 1, 23, 0));
  });
});

describe('toEpochMs', () => {
  it('reads date and floating values as UTC wall-clock, utc as is', () => {
    expect(toEpochMs({ kind: 'date', value: '2024-02-29' })).toBe(Date.UTC(2024, 1, 29));
    expect(toEpochMs({ kind: 'floating', value: '2024-02-29T10:15:00' })).toBe(Date.UTC(2024, 1, 29, 10, 15));
    expect(toEpochMs({ kind: 'utc', value: '2024-02-29T10:15:00Z' })).toBe(Date.UTC(2024, 1, 29, 10, 15));
  });

  it('takes the first of two ambiguous wall times (fall back) like RFC 5545', () => {
    // 2024-10-27 02:30 happens twice in Berlin; the first is CEST (+02:00) → 00:30Z.
    expect(toEpochMs({ kind: 'zoned', value: '2024-10-27T02:30:00', tz: 'Europe/Berlin' })).toBe(Date.UTC(2024, 9, 27, 0, 30));
  });
});

describe('zone arithmetic, asked again for the same instants (recent offsets are remembered)', () => {
  /** Offset from Intl directly, the way an independent reader would compute it. */
  const intlOffset = (tz: string, epochMs: number): number => {
    const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(epochMs).map((x) => [x.type, x.value]));
    return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) - Math.floor(epochMs / 1000) * 1000;
  };

  it('gives the same offsets every time, on both sides of transitions, in several zones', () => {
    const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Apia', 'Asia/Kolkata'];
    // Every 20 minutes across Berlin's and New York's spring and autumn changes of 2024, and Apia's skipped day (2011-12-30).
    const spans = [[Date.UTC(2024, 2, 9), Date.UTC(2024, 2, 11)], [Date.UTC(2024, 2, 30), Date.UTC(2024, 3, 1)], [Date.UTC(2024, 9, 26), Date.UTC(2024, 10, 4)], [Date.UTC(2011, 11, 29), Date.UTC(2011, 11, 31)], [Date.UTC(2024, 3, 6), Date.UTC(2024, 3, 8)]];
    for (let round = 0; round < 2; round++) {
      for (const tz of zones) {
        for (const [from, to] of spans) {
          for (let t = from!; t < to!; t += 20 * 60_000) expect(zoneOffsetMs(tz, t + 1234)).toBe(intlOffset(tz, t + 1234));
        }
      }
    }
  });

  it('maps wall times in gaps and overlaps the RFC 5545 way, however often asked', () => {
    for (let round = 0; round < 3; round++) {
      // Berlin, 2024-03-31 02:30 does not exist: shifted by the gap, 01:30Z (03:30 CEST).
      expect(wallToEpochInZone(Date.UTC(2024, 2, 31, 2, 30), 'Europe/Berlin')).toBe(Date.UTC(2024, 2, 31, 1, 30));
      // Berlin, 2024-10-27 02:30 happens twice: the first (CEST), 00:30Z.
      expect(wallToEpochInZone(Date.UTC(2024, 9, 27, 2, 30), 'Europe/Berlin')).toBe(Date.UTC(2024, 9, 27, 0, 30));
      // An ordinary summer and winter time.
      expect(wallToEpochInZone(Date.UTC(2024, 6, 1, 9, 0), 'Europe/Berlin')).toBe(Date.UTC(2024, 6, 1, 7, 0));
      expect(wallToEpochInZone(Date.UTC(2024, 0, 15, 9, 0), 'America/New_York')).toBe(Date.UTC(2024, 0, 15, 14, 0));
      expect(epochToWallInZone(Date.UTC(2024, 0, 15, 14, 0), 'America/New_York')).toBe(Date.UTC(2024, 0, 15, 9, 0));
    }
  });
});
