/**
 * Byte-for-byte passthrough of iCalendar properties. ical.js re-serializes every property it writes (parameter
 * quoting, value spelling, folding); a property nobody changed must reach the other side as it came. So each
 * parsed property remembers the physical lines it was read from, and the renderer writes those lines for every
 * property whose content is still what was read; only properties a writer changed (or added) are formatted by
 * ical.js. Line endings become CRLF (RFC 5545); folds, parameter order, quoting and unknown parameters stay.
 */
import { ICAL } from './ical-lib.js';
import { tolerantLine } from './ical-split.js';

type JCalProp = [string, Record<string, unknown>, string, ...unknown[]];
type JCalComp = [string, JCalProp[], JCalComp[]];

interface Origin {
  /** The physical lines the property was read from, CRLF-joined. */
  source: string;
  /** The property's jCal as read; a different jCal now means a writer changed it. */
  snapshot: string;
}

/** Where each parsed property came from, by its jCal array (ical.js properties wrap these arrays). */
const origins = new WeakMap<object, Origin>();

/** A logical (unfolded) content line and the physical lines it came from (undefined: not as written). */
export interface SourcedLine {
  line: string;
  source?: string;
}

/** Logical lines of a text with their physical sources (CRLF/LF/CR; a line starting with space or tab continues). */
export function sourcedLines(text: string): SourcedLine[] {
  const out: SourcedLine[] = [];
  for (const physical of text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)) {
    const last = out[out.length - 1];
    if (/^[ \t]/.test(physical) && last && last.line !== '') {
      last.line += physical.slice(1);
      if (last.source !== undefined) last.source += `\r\n${physical}`;
    } else out.push({ line: physical, source: physical });
  }
  return out;
}

/**
 * Records the sources of `comp`'s properties (and its sub-components'), walking `lines` — the logical lines the
 * component was parsed from, BEGIN/END included — in document order. Stops at the first line that does not
 * line up with the parsed structure (those properties are then formatted by ical.js, as before).
 */
export function recordSources(comp: ICAL.Component, lines: SourcedLine[]): void {
  const stack: { jcal: JCalComp; prop: number; sub: number }[] = [];
  for (const { line, source } of lines) {
    if (line.trim() === '') continue;
    const begin = /^BEGIN:(.+)$/i.exec(line.trim());
    const end = /^END:(.+)$/i.exec(line.trim());
    if (begin) {
      const top = stack[stack.length - 1];
      const jcal = top ? top.jcal[2][top.sub++] : (comp.jCal as unknown as JCalComp);
      if (!jcal || jcal[0] !== begin[1].trim().toLowerCase()) return;
      stack.push({ jcal, prop: 0, sub: 0 });
      continue;
    }
    if (end) {
      stack.pop();
      if (!stack.length) return;
      continue;
    }
    const top = stack[stack.length - 1];
    if (!top) return;
    const prop = top.jcal[1][top.prop++];
    const name = /^([A-Za-z0-9-]+)[;:]/.exec(line)?.[1]?.toLowerCase();
    if (!prop || prop[0] !== name) return;
    if (source !== undefined) origins.set(prop, { source, snapshot: JSON.stringify(prop) });
  }
}

/** Parses a single component text (a VCALENDAR, or one VEVENT/VTODO/VTIMEZONE) keeping its properties' sources. */
export function parseWithSources(text: string): ICAL.Component {
  const lines = sourcedLines(text).map((l) => ({ ...l, line: tolerantLine(l.line) }));
  const comp = new ICAL.Component(ICAL.parse(lines.map((l) => l.line).join('\r\n')) as unknown[]);
  recordSources(comp, lines);
  return comp;
}

/** A deep copy of a component whose properties keep their sources. */
export function cloneWithSources(comp: ICAL.Component): ICAL.Component {
  const copy = (jcal: JCalComp): JCalComp => [
    jcal[0],
    jcal[1].map((p) => {
      const c = structuredClone(p);
      const origin = origins.get(p);
      if (origin) origins.set(c, origin);
      return c;
    }),
    jcal[2].map(copy),
  ];
  return new ICAL.Component(copy(comp.jCal as unknown as JCalComp) as unknown as unknown[]);
}

/** The line a property was read from (unfolded), when it was read from text and is unchanged. */
export function lineOf(prop: JCalProp): string | undefined {
  return sourceOf(prop)?.replace(/\r\n[ \t]/g, '');
}

/** A jCal property as ical.js writes it (`noFold`: on one line). ical.js is read at the call: it loads on first use. */
export const stringifyProperty = (p: unknown, noFold?: boolean): string =>
  (ICAL.stringify as unknown as { property(p: unknown, designSet?: unknown, noFold?: boolean): string }).property(p, undefined, noFold);

/** The physical lines a property was read from, when it is unchanged since. */
function sourceOf(prop: JCalProp): string | undefined {
  const origin = origins.get(prop);
  return origin && origin.snapshot === JSON.stringify(prop) ? origin.source : undefined;
}

/** Counts properties below the top level that could not be written as read (changed, added, or never read). */
interface Rewrites { below: number }

function renderInto(jcal: JCalComp, out: string[], order?: (subs: JCalComp[]) => JCalComp[], rewrites?: Rewrites, depth = 0): void {
  out.push(`BEGIN:${jcal[0].toUpperCase()}`);
  for (const prop of jcal[1]) {
    const source = sourceOf(prop);
    if (source !== undefined) out.push(source);
    else {
      out.push(stringifyProperty(prop));
      if (rewrites && depth > 0) rewrites.below += 1;
    }
  }
  for (const sub of order ? order(jcal[2]) : jcal[2]) renderInto(sub, out, undefined, rewrites, depth + 1);
  out.push(`END:${jcal[0].toUpperCase()}`);
}

/**
 * The text of `comp` (CRLF, final CRLF): unchanged properties as they were read, others formatted by ical.js.
 * `order` may reorder (or filter) the top-level sub-components.
 */
export function renderComponent(comp: ICAL.Component, order?: (subs: JCalComp[]) => JCalComp[]): string {
  const out: string[] = [];
  renderInto(comp.jCal as unknown as JCalComp, out, order);
  return `${out.join('\r\n')}\r\n`;
}

/**
 * `renderComponent`, and whether every property of the sub-components (at any depth) was written exactly as it was
 * read — the component's own properties (a VCALENDAR's VERSION, PRODID) may be new. Reading such a text again gives
 * the sub-components it was rendered from.
 */
export function renderSubcomponentsAsRead(comp: ICAL.Component): { text: string; asRead: boolean } {
  const out: string[] = [];
  const rewrites: Rewrites = { below: 0 };
  renderInto(comp.jCal as unknown as JCalComp, out, undefined, rewrites);
  return { text: `${out.join('\r\n')}\r\n`, asRead: rewrites.below === 0 };
}

export type { JCalComp, JCalProp };
