/**
 * Splits an iCalendar text into its top-level components without trusting the whole text to parse: each component
 * is parsed on its own, so one broken component is one per-item error. Tolerates BOM, CRLF/LF/CR, a missing
 * VCALENDAR wrapper, several VCALENDARs in one text and a missing final END line.
 */
import { ICAL } from './ical-lib.js';
import { recordSources, type SourcedLine } from './ical-source.js';

/** A top-level VEVENT/VTODO (or other) component as text, with its position among the item components. */
export interface ComponentChunk {
  /** Lower-case component name (`vevent`, `vtodo`, `vjournal`, …). */
  name: string;
  text: string;
  /** 0-based position among the component chunks of the text. */
  index: number;
  /** The logical lines of `text` with the physical lines each came from (undefined where a line was repaired). */
  lines: SourcedLine[];
}

export interface SplitCalendar {
  /** VERSION / PRODID / CALSCALE lines of the (first) VCALENDAR, unfolded. */
  calendarProps: { name: string; line: string }[];
  /** TZID → VTIMEZONE block text (first definition wins). */
  timezones: Map<string, string>;
  /** TZID → parsed VTIMEZONE component. */
  timezoneComponents: Map<string, ICAL.Component>;
  components: ComponentChunk[];
}

const PROPERTY_START = /^([A-Za-z0-9-]+)[;:]/;
/** RFC 5545 / 7986 / 9073 property names: inside text broken across raw lines, only these start a property. */
const KNOWN_PROPERTIES = new Set(('CALSCALE METHOD PRODID VERSION ATTACH CATEGORIES CLASS COMMENT DESCRIPTION GEO LOCATION '
  + 'PERCENT-COMPLETE PRIORITY RESOURCES STATUS SUMMARY COMPLETED DTEND DUE DTSTART DURATION FREEBUSY TRANSP TZID '
  + 'TZNAME TZOFFSETFROM TZOFFSETTO TZURL ATTENDEE CONTACT ORGANIZER RECURRENCE-ID RELATED-TO URL UID EXDATE RDATE '
  + 'RRULE ACTION REPEAT TRIGGER CREATED DTSTAMP LAST-MODIFIED SEQUENCE REQUEST-STATUS NAME REFRESH-INTERVAL SOURCE '
  + 'COLOR IMAGE CONFERENCE ACKNOWLEDGED STYLED-DESCRIPTION STRUCTURED-DATA LOCATION-TYPE PARTICIPANT-TYPE '
  + 'CALENDAR-ADDRESS BEGIN END').split(' '));
const DATE_PROPS = /^(DTSTART|DTEND|DUE|RECURRENCE-ID|EXDATE|RDATE)((?:;[^:]*)?):(\d{8}(?:,\d{8})*)$/i;

const TRIGGER_AT = /^(TRIGGER)((?:;[^:]*)?):(\d{8}T\d{6}Z?)$/i;

/**
 * How a tolerant reader reads a line whose value contradicts its (default) type: a date-only value without
 * VALUE=DATE (`DTSTART;TZID=X:20041225`) as a DATE, an absolute TRIGGER without VALUE=DATE-TIME as a DATE-TIME.
 * Only the parse sees this form: the line itself is still written as it came (a server that refuses it gets a
 * repaired copy from the DAV connectors).
 */
export function tolerantLine(line: string): string {
  const m = DATE_PROPS.exec(line);
  if (m && !/;VALUE=/i.test(m[2])) return `${m[1]}${m[2]};VALUE=DATE:${m[3]}`;
  const t = TRIGGER_AT.exec(line);
  if (t && !/;VALUE=/i.test(t[2])) return `${t[1]}${t[2]};VALUE=DATE-TIME:${t[3]}`;
  return line;
}

const KEPT_CALENDAR_PROPS = new Set(['VERSION', 'PRODID', 'CALSCALE']);

/** Normalises line endings to CRLF and strips a BOM. */
export function normalizeNewlines(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n|\r|\n/g, '\r\n');
}

export function splitCalendar(input: string): SplitCalendar {
  // Unfold first (a fold may sit anywhere, even inside a property name), keeping blank lines.
  const lines: string[] = [];
  const physicals: string[] = [];
  for (const physical of normalizeNewlines(input).split('\r\n')) {
    if (/^[ \t]/.test(physical) && lines.length && lines[lines.length - 1] !== '') {
      lines[lines.length - 1] += physical.slice(1);
      physicals[physicals.length - 1] += `\r\n${physical}`;
    } else {
      lines.push(physical);
      physicals.push(physical);
    }
  }
  const out: SplitCalendar = { calendarProps: [], timezones: new Map(), timezoneComponents: new Map(), components: [] };
  let inCalendar = false;
  let blankLines = 0;
  let inBrokenText = false; // the previous property's text continued on raw lines
  let current: { name: string; lines: string[]; sources: (string | undefined)[]; open: string[] } | undefined;

  const finish = () => {
    if (!current) return;
    const text = current.lines.join('\r\n');
    const sourced = current.lines.map((line, i) => ({ line, source: current!.sources[i] }));
    if (current.name === 'vtimezone') addTimezone(out, text, sourced);
    else out.components.push({ name: current.name, text, index: out.components.length, lines: sourced });
    current = undefined;
  };

  for (const [at, line] of lines.entries()) {
    if (line.trim() === '' && !current) continue;
    const begin = /^BEGIN:(.+)$/i.exec(line.trim());
    const end = /^END:(.+)$/i.exec(line.trim());
    if (current) {
      if (line.trim() === '') {
        blankLines++;
        continue;
      }
      if (!(begin || end)) {
        const name = PROPERTY_START.exec(line)?.[1]?.toUpperCase();
        const isProperty = name !== undefined && (!inBrokenText || KNOWN_PROPERTIES.has(name) || name.startsWith('X-'));
        if (isProperty || current.lines.length < 2) {
          current.lines.push(tolerantLine(line));
          current.sources.push(physicals[at]);
          inBrokenText = false;
        } else {
          inBrokenText = true;
          // A writer that broke a text value across raw lines (no folding): keep them as escaped newlines.
          current.lines[current.lines.length - 1] += '\\n'.repeat(blankLines + 1) + line;
          current.sources[current.sources.length - 1] = undefined;
        }
        blankLines = 0;
        continue;
      }
      blankLines = 0;
      current.lines.push(line.trim());
      current.sources.push(line.trim());
      if (begin) current.open.push(begin[1].trim().toUpperCase());
      else current.open.pop();
      if (current.open.length === 0) finish();
      continue;
    }
    if (begin) {
      const name = begin[1].trim().toLowerCase();
      if (name === 'vcalendar') {
        inCalendar = true;
        continue;
      }
      current = { name, lines: [line.trim()], sources: [line.trim()], open: [name.toUpperCase()] };
      continue;
    }
    if (end) {
      if (end[1].trim().toLowerCase() === 'vcalendar') inCalendar = false;
      continue;
    }
    if (inCalendar) {
      const name = /^([A-Za-z0-9-]+)[;:]/.exec(line)?.[1]?.toUpperCase();
      if (name && KEPT_CALENDAR_PROPS.has(name) && !out.calendarProps.some((p) => p.name === name)) {
        out.calendarProps.push({ name, line });
      }
    }
  }
  if (current) {
    // Unterminated at end of text: close the open components.
    const unfinished = current as { lines: string[]; sources: (string | undefined)[]; open: string[] };
    for (const name of unfinished.open.reverse()) {
      unfinished.lines.push(`END:${name}`);
      unfinished.sources.push(`END:${name}`);
    }
    finish();
  }
  return out;
}

function addTimezone(out: SplitCalendar, text: string, lines: SourcedLine[]): void {
  try {
    const comp = new ICAL.Component(ICAL.parse(text) as unknown[]);
    recordSources(comp, lines);
    const tzid = comp.getFirstPropertyValue('tzid');
    if (typeof tzid === 'string' && tzid && !out.timezones.has(tzid)) {
      out.timezones.set(tzid, comp.toString());
      out.timezoneComponents.set(tzid, comp);
    }
  } catch {
    // An unparseable VTIMEZONE is as good as none: values using it get "unknown time zone".
  }
}

/** Every TZID parameter used anywhere in `comp` (properties of sub-components included). */
export function usedTzids(comp: ICAL.Component, into = new Set<string>()): Set<string> {
  for (const prop of comp.getAllProperties()) {
    const tzid = prop.getParameter('tzid');
    if (typeof tzid === 'string') into.add(tzid);
  }
  for (const sub of comp.getAllSubcomponents()) usedTzids(sub, into);
  return into;
}
