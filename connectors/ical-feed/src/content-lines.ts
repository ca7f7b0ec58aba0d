/**
 * Just enough of iCalendar's text form to rearrange whole components: unfolded content lines, the top-level
 * components of a VCALENDAR, a line's parameters and value. Used on text the SDK codec (ical.js) wrote, never
 * to interpret values.
 */

/** A component as its logical (unfolded) lines, BEGIN and END included. */
export interface Block {
  /** Upper-case component name: VEVENT, VTODO, VTIMEZONE, … */
  name: string;
  lines: string[];
}

/** The unfolded, non-empty lines of a text. */
export function logicalLines(text: string): string[] {
  return text.replace(/\r\n|\r|\n/g, '\n').replace(/\n[ \t]/g, '').split('\n').filter((l) => l !== '');
}

/** The components directly inside the VCALENDAR(s) of `text` (or at top level, for a bare component). */
export function topLevelBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  let current: Block | undefined;
  let depth = 0;
  for (const line of logicalLines(text)) {
    const begin = /^BEGIN:(.+)$/i.exec(line)?.[1]?.trim().toUpperCase();
    const end = /^END:(.+)$/i.exec(line)?.[1]?.trim().toUpperCase();
    if (!current) {
      if (begin && begin !== 'VCALENDAR') {
        current = { name: begin, lines: [line] };
        depth = 1;
      }
      continue;
    }
    current.lines.push(line);
    if (begin) depth++;
    else if (end && --depth === 0) {
      blocks.push(current);
      current = undefined;
    }
  }
  return blocks;
}

/** Splits a content line into its name-and-parameters part and its value, at the first colon outside quotes. */
export function splitLine(line: string): { head: string; value: string } {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (c === ':' && !quoted) return { head: line.slice(0, i), value: line.slice(i + 1) };
  }
  return { head: line, value: '' };
}

/** The property name (upper case) of a content line. */
export function propertyName(line: string): string {
  return (/^[^;:]+/.exec(line)?.[0] ?? '').toUpperCase();
}

/** The TZID parameters used anywhere in `block` (sub-components included). */
export function tzidsOf(block: Block, into = new Set<string>()): Set<string> {
  for (const line of block.lines) {
    const { head } = splitLine(line);
    const m = /;TZID=("[^"]*"|[^;]*)/i.exec(head);
    if (m) into.add(m[1].replace(/^"|"$/g, ''));
  }
  return into;
}

/** The value of the block's first `name` property (top level of the block), or undefined. */
export function firstValue(block: Block, name: string): string | undefined {
  let depth = 0;
  for (const line of block.lines) {
    if (/^BEGIN:/i.test(line)) depth++;
    else if (/^END:/i.test(line)) depth--;
    else if (depth === 1 && propertyName(line) === name) return splitLine(line).value;
  }
  return undefined;
}
