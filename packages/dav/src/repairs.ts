/**
 * Repairs for items a server refuses as they are (DAVx5's "preprocessors", as data). Each rule is small and named:
 * when it applies, what it changes. A DAV connector whose PUT is refused (`Invalid`, or a 500 some servers answer
 * for items they cannot parse) retries once with every applicable rule applied, and reports the names of the
 * rules that made it through; the source item is never touched. Rules work on content lines, so everything a
 * rule does not change is sent as it was.
 */
import { foldLine } from '@dovetail/core/sdk';

/** One repair. */
export interface RepairRule {
  /** Stable name, reported per item (`sync --json` `items[].repaired`). */
  name: string;
  format: 'icalendar' | 'vcard';
  /** What it changes, for people (README). */
  description: string;
  /** The repaired logical lines, or undefined when the rule does not apply to these lines. */
  apply(lines: string[]): string[] | undefined;
}

/** A repaired copy and the rules that made it. */
export interface Repaired {
  text: string;
  rules: string[];
}

const PROP = /^([A-Za-z0-9-]+)((?:;[^:]*)?):(.*)$/s;

/** name (upper case), parameter text (`;A=b;C=d` as written) and value of a logical line. */
function split(line: string): { name: string; params: string; value: string } | undefined {
  const m = PROP.exec(line);
  return m ? { name: m[1]!.toUpperCase(), params: m[2]!, value: m[3]! } : undefined;
}

function hasParam(params: string, name: string, value?: string): boolean {
  const re = new RegExp(`;${name}=${value ?? '[^;:]*'}(?=[;:]|$)`, 'i');
  return re.test(params);
}

/** Rewrites the lines `fix` changes (returns a new line or undefined to keep it); undefined when none changed. */
function mapLines(lines: string[], fix: (line: string, index: number) => string | undefined): string[] | undefined {
  let changed = false;
  const out = lines.map((line, i) => {
    const next = fix(line, i);
    if (next === undefined || next === line) return line;
    changed = true;
    return next;
  });
  return changed ? out : undefined;
}

const DURATION_PROPS = new Set(['DURATION', 'TRIGGER', 'REFRESH-INTERVAL']);
const TIME_PROPS = new Set(['DTSTART', 'DTEND', 'DUE', 'RECURRENCE-ID', 'RDATE', 'EXDATE', 'COMPLETED', 'CREATED', 'LAST-MODIFIED', 'DTSTAMP']);

/** The rules, in the order they are applied. */
export const REPAIR_RULES: readonly RepairRule[] = [
  {
    name: 'negative-duration-sign',
    format: 'icalendar',
    description: 'a duration with its sign inside (`PT-2H`, `P-1D`) is written with the sign first (`-PT2H`), as RFC 5545 spells it',
    apply: (lines) => mapLines(lines, (line) => {
      const p = split(line);
      if (!p || !DURATION_PROPS.has(p.name)) return undefined;
      const m = /^\+?P(T?)-(.+)$/.exec(p.value.trim());
      return m ? `${p.name}${p.params}:-P${m[1]}${m[2]}` : undefined;
    }),
  },
  {
    name: 'duration-weeks-with-days',
    format: 'icalendar',
    description: 'a duration mixing weeks with days or times (`-P1W6DT15H`, which RFC 5545 does not allow) is written in days (`-P13DT15H`)',
    apply: (lines) => mapLines(lines, (line) => {
      const p = split(line);
      if (!p || !DURATION_PROPS.has(p.name)) return undefined;
      const m = /^([+-]?)P(\d+)W(?:(\d+)D)?(T.*)?$/.exec(p.value.trim());
      if (!m || (m[3] === undefined && m[4] === undefined)) return undefined;
      return `${p.name}${p.params}:${m[1]}P${Number(m[2]) * 7 + Number(m[3] ?? 0)}D${m[4] ?? ''}`;
    }),
  },
  {
    name: 'period-to-date-time',
    format: 'icalendar',
    description: 'RDATE periods (`start/end`, `start/duration`) become their start times: the dates stay, the periods\' lengths are left to the event\'s own',
    apply: (lines) => mapLines(lines, (line) => {
      const p = split(line);
      if (!p || p.name !== 'RDATE' || !p.value.includes('/')) return undefined;
      const starts = p.value.split(',').map((v) => v.split('/')[0]!.trim());
      const params = p.params.replace(/;VALUE=PERIOD(?=[;:]|$)/i, '');
      const dateOnly = starts.every((s) => /^\d{8}$/.test(s));
      return `RDATE${params}${dateOnly && !hasParam(params, 'VALUE') ? ';VALUE=DATE' : ''}:${starts.join(',')}`;
    }),
  },
  {
    name: 'trigger-value-date-time',
    format: 'icalendar',
    description: 'an alarm TRIGGER holding a date-time but no VALUE=DATE-TIME gets that parameter',
    apply: (lines) => mapLines(lines, (line) => {
      const p = split(line);
      if (!p || p.name !== 'TRIGGER' || hasParam(p.params, 'VALUE') || !/^\d{8}T\d{6}Z?$/.test(p.value.trim())) return undefined;
      return `TRIGGER${p.params};VALUE=DATE-TIME:${p.value.trim()}`;
    }),
  },
  {
    name: 'date-value-date',
    format: 'icalendar',
    description: 'a date-only value written without VALUE=DATE (`DTSTART;TZID=X:20041225`) gets VALUE=DATE',
    apply: (lines) => mapLines(lines, (line) => {
      const p = split(line);
      if (!p || !/^(DTSTART|DTEND|DUE|RECURRENCE-ID|EXDATE|RDATE)$/.test(p.name) || hasParam(p.params, 'VALUE') || !/^\d{8}(,\d{8})*$/.test(p.value.trim())) return undefined;
      return `${p.name}${p.params};VALUE=DATE:${p.value.trim()}`;
    }),
  },
  {
    name: 'utc-offset-out-of-range',
    format: 'icalendar',
    description: 'a VTIMEZONE offset of 24 hours or more, or with 60 minutes or more (`+5328`), takes the other offset of the same observance',
    apply: (lines) => {
      const bad = (v: string) => {
        const m = /^[+-](\d{2})(\d{2})(\d{2})?$/.exec(v.trim());
        return !m || Number(m[1]) >= 24 || Number(m[2]) >= 60 || Number(m[3] ?? 0) >= 60;
      };
      let begin = -1;
      const out = [...lines];
      let changed = false;
      out.forEach((line, i) => {
        if (/^BEGIN:(STANDARD|DAYLIGHT)$/i.test(line.trim())) begin = i;
        if (!/^END:(STANDARD|DAYLIGHT)$/i.test(line.trim()) || begin < 0) return;
        const block = out.slice(begin, i);
        const from = block.findIndex((l) => /^TZOFFSETFROM[;:]/i.test(l));
        const to = block.findIndex((l) => /^TZOFFSETTO[;:]/i.test(l));
        const value = (at: number) => split(block[at] ?? '')?.value ?? '';
        if (from >= 0 && to >= 0 && bad(value(from)) && !bad(value(to))) { out[begin + from] = `TZOFFSETFROM:${value(to).trim()}`; changed = true; }
        if (from >= 0 && to >= 0 && bad(value(to)) && !bad(value(from))) { out[begin + to] = `TZOFFSETTO:${value(from).trim()}`; changed = true; }
        begin = -1;
      });
      return changed ? out : undefined;
    },
  },
  {
    name: 'year-before-1',
    format: 'icalendar',
    description: 'a date in year 0 (`00000101`, proleptic calendars of some clients) is written in year 1',
    apply: (lines) => mapLines(lines, (line) => {
      const p = split(line);
      if (!p || !TIME_PROPS.has(p.name) || !/(^|[,/])0000\d{4}/.test(p.value)) return undefined;
      return `${p.name}${p.params}:${p.value.replace(/(^|[,/])0000(\d{4})/g, '$10001$2')}`;
    }),
  },
  {
    name: 'synthesised-master',
    format: 'icalendar',
    description: 'recurrence overrides sent without their series (an invitation to single instances) get a master whose instances are exactly the overridden ones (DTSTART and RDATE at their RECURRENCE-IDs)',
    apply: synthesiseMaster,
  },
  {
    name: 'property-name-characters',
    format: 'vcard',
    description: 'a property name with characters vCard does not allow (`X-messaging/gadu-All`) has them replaced by `-`',
    apply: (lines) => mapLines(lines, (line) => {
      const m = /^((?:[A-Za-z0-9-]+\.)?)([^;:]+)([;:].*)$/s.exec(line);
      if (!m || /^[A-Za-z0-9-]+$/.test(m[2]!)) return undefined;
      return `${m[1]}${m[2]!.replace(/[^A-Za-z0-9-]/g, '-')}${m[3]}`;
    }),
  },
  {
    name: 'undecodable-photo-dropped',
    format: 'vcard',
    description: 'an inline PHOTO whose base64 data does not decode (a truncated export) is left out; the rest of the card is sent',
    apply: (lines) => {
      const out = lines.filter((line) => {
        const p = /^(?:[A-Za-z0-9-]+\.)?PHOTO((?:;[^:]*)?):(.*)$/is.exec(line);
        if (!p || !/ENCODING=(B|BASE64)|;BASE64/i.test(p[1]!)) return true;
        const data = p[2]!.replace(/\s+/g, '');
        return /^[A-Za-z0-9+/]*={0,2}$/.test(data) && data.length % 4 === 0;
      });
      return out.length === lines.length ? undefined : out;
    },
  },
];

/** Adds a master to a calendar whose VEVENT/VTODO components all carry a RECURRENCE-ID. */
function synthesiseMaster(lines: string[]): string[] | undefined {
  const comps: { name: string; start: number; end: number }[] = [];
  let depth = 0;
  let open: { name: string; start: number } | undefined;
  lines.forEach((line, i) => {
    const b = /^BEGIN:(.+)$/i.exec(line.trim());
    const e = /^END:(.+)$/i.exec(line.trim());
    if (b) {
      depth++;
      if (depth === 2 && /^(VEVENT|VTODO)$/i.test(b[1]!)) open = { name: b[1]!.toUpperCase(), start: i };
    } else if (e) {
      if (depth === 2 && open) { comps.push({ ...open, end: i }); open = undefined; }
      depth--;
    }
  });
  const ridOf = (c: { start: number; end: number }) => {
    let nested = 0;
    for (let i = c.start + 1; i < c.end; i++) {
      if (/^BEGIN:/i.test(lines[i]!)) nested++;
      else if (/^END:/i.test(lines[i]!)) nested--;
      else if (nested === 0 && /^RECURRENCE-ID[;:]/i.test(lines[i]!)) return split(lines[i]!);
    }
    return undefined;
  };
  if (!comps.length || comps.some((c) => !ridOf(c))) return undefined;
  const first = comps[0]!;
  const rids = comps.map((c) => ridOf(c)!);
  const params = rids[0]!.params.replace(/;RANGE=[^;:]*/i, '');
  const values = rids.map((r) => r.value.trim()).sort();
  // The master takes the first override's properties and alarms, not its times.
  const body: string[] = [];
  let nested = 0;
  for (let i = first.start + 1; i < first.end; i++) {
    const line = lines[i]!;
    if (nested === 0 && /^(RECURRENCE-ID|DTSTART|DTEND|DUE|DURATION|RRULE|RDATE|EXDATE)[;:]/i.test(line)) continue;
    if (/^BEGIN:/i.test(line)) nested++;
    else if (/^END:/i.test(line)) nested--;
    body.push(line);
  }
  const master = [`BEGIN:${first.name}`, `DTSTART${params}:${values[0]}`,
    ...(values.length > 1 ? [`RDATE${params}:${values.slice(1).join(',')}`] : []), ...body, `END:${first.name}`];
  return [...lines.slice(0, first.start), ...master, ...lines.slice(first.start)];
}

/** Logical lines of a text (unfolded; CRLF/LF). */
function unfold(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r\n|\n|\r/)) {
    if (/^[ \t]/.test(line) && out.length) out[out.length - 1] += line.slice(1);
    else out.push(line);
  }
  while (out.length && out[out.length - 1] === '') out.pop();
  return out;
}

/**
 * The text with every applicable rule of `format` applied (unchanged lines as written, changed ones folded), or
 * undefined when no rule applies.
 */
export function repairItem(text: string, format: 'icalendar' | 'vcard'): Repaired | undefined {
  const physical = text.replace(/\r\n|\r|\n/g, '\r\n');
  let lines = unfold(physical);
  const original = new Set(lines);
  const rules: string[] = [];
  for (const rule of REPAIR_RULES) {
    if (rule.format !== format) continue;
    const next = rule.apply(lines);
    if (next) { lines = next; rules.push(rule.name); }
  }
  if (!rules.length) return undefined;
  // Lines no rule touched keep their folds: take them from the original text.
  const sources = new Map<string, string>();
  let current = '';
  let source = '';
  for (const line of physical.split('\r\n')) {
    if (/^[ \t]/.test(line) && source) { current += line.slice(1); source += `\r\n${line}`; continue; }
    if (source) sources.set(current, source);
    current = line;
    source = line;
  }
  if (source) sources.set(current, source);
  const out = lines.map((l) => (original.has(l) ? sources.get(l) ?? l : foldLine(l)));
  return { text: `${out.join('\r\n')}\r\n`, rules };
}
