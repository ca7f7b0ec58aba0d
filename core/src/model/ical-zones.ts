/** Per-calendar time zone bookkeeping: resolving TZIDs when reading, choosing TZIDs and adding VTIMEZONEs when writing. */
import { ICAL } from './ical-lib.js';
import type { TimeValue } from '../sdk/entities.js';
import { ianaForTzid, resolveTzid, vtimezoneFor } from './timezones.js';

/** Resolves TZIDs against the VTIMEZONEs of one calendar; TZIDs that resolve nowhere are collected in `unresolved`. */
export class ZoneReader {
  /** TZIDs that name no zone Dovetail knows; their times are kept as written and compared as floating. */
  readonly unresolved = new Set<string>();
  private readonly resolved = new Map<string, { tz?: string; tzDefinition?: string }>();

  /** `vtimezones`: TZID → the VTIMEZONE block text defining it in this calendar. */
  constructor(private readonly vtimezones: ReadonlyMap<string, string>) {}

  /** The zoned TimeValue parts for `tzid`, or undefined (recorded in `unresolved`) when it cannot be resolved. */
  zone(tzid: string): { tz: string; tzDefinition?: string } | undefined {
    let hit = this.resolved.get(tzid);
    if (!hit) {
      const r = resolveTzid(tzid, this.vtimezones.get(tzid));
      if (r.error !== undefined) this.unresolved.add(tzid);
      hit = r.error !== undefined ? {} : r.tzDefinition ? { tz: r.tz, tzDefinition: r.tzDefinition } : { tz: r.tz };
      this.resolved.set(tzid, hit);
    }
    return hit.tz ? (hit as { tz: string; tzDefinition?: string }) : undefined;
  }
}

/** Picks TZIDs for zoned values written into `calendar`, reusing its VTIMEZONEs and adding missing ones. */
export class ZoneWriter {
  constructor(private readonly calendar: ICAL.Component) {}

  /** The TZID to write for `t` (zoned), preferring `current` or an existing VTIMEZONE that means the same zone. */
  tzidFor(t: TimeValue, current?: string): string {
    const tz = t.tz ?? 'UTC';
    if (t.tzDefinition) {
      this.ensure(tz, t.tzDefinition);
      return tz;
    }
    if (current && ianaForTzid(current) === tz && this.has(current)) return current;
    for (const vtz of this.calendar.getAllSubcomponents('vtimezone')) {
      const id = String(vtz.getFirstPropertyValue('tzid') ?? '');
      if (id && ianaForTzid(id) === tz) return id;
    }
    this.ensure(tz, vtimezoneFor(tz));
    return tz;
  }

  private has(tzid: string): boolean {
    return this.calendar.getAllSubcomponents('vtimezone').some((c) => c.getFirstPropertyValue('tzid') === tzid);
  }

  private ensure(tzid: string, block: string): void {
    if (this.has(tzid)) return;
    const parsed = new ICAL.Component(ICAL.parse(`BEGIN:VCALENDAR\r\n${block.trim()}\r\nEND:VCALENDAR`) as unknown[]);
    const vtz = parsed.getFirstSubcomponent('vtimezone');
    if (!vtz) return;
    vtz.updatePropertyWithValue('tzid', tzid);
    this.calendar.addSubcomponent(vtz);
  }
}
