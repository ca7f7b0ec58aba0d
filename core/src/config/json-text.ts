/**
 * JSON parsing that reports where it failed as line:column, and refuses duplicate keys: `JSON.parse` keeps the last
 * of two equal keys without a word, so a config with two `"url"`s would silently use one of them. Duplicates are
 * found with jsonc-parser's visitor, which reports positions. Config files may be JSON with comments and trailing
 * commas (what editors write, as VS Code's settings): jsonc-parser finds those, they are blanked out in place, and
 * the rest is parsed by `JSON.parse` — so positions stay exact and values mean what they mean in plain JSON.
 */
import { parse as parseLoosely, visit, type ParseError } from '#jsonc-parser';
import { joinPointer } from './json-pointer.js';

/** JSON text could not be parsed; `line`/`column` are 1-based when known. */
export class JsonSyntaxError extends Error {
  constructor(readonly file: string, readonly line: number, readonly column: number, readonly detail: string) {
    super(`${file}:${line}:${column}: invalid JSON: ${detail}`);
    this.name = 'JsonSyntaxError';
  }
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/** A key that appears twice in one object: where (1-based), its JSON pointer, and where it first appeared. */
export interface DuplicateKey {
  pointer: string;
  line: number;
  column: number;
  first: { line: number; column: number };
}

/** The same key twice in one object; the error names the first such key, `duplicates` lists them all. */
export class JsonDuplicateKeyError extends JsonSyntaxError {
  constructor(file: string, readonly duplicates: DuplicateKey[]) {
    const d = duplicates[0]!;
    const more = duplicates.length > 1 ? `; also ${duplicates.slice(1).map((x) => `${x.pointer} (line ${x.line})`).join(', ')}` : '';
    super(file, d.line, d.column, `duplicate key at ${d.pointer} (first at line ${d.first.line}, column ${d.first.column}): JSON would keep only the last value; remove one${more}`);
    this.name = 'JsonDuplicateKeyError';
    this.message = `${file}:${d.line}:${d.column}: ${this.detail}`;
  }
}

/** Every key that appears more than once in the same object of `text`, in document order. */
export function duplicateKeys(text: string): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  const open: Map<string, { line: number; column: number }>[] = [];
  visit(text, {
    onObjectBegin: () => { open.push(new Map()); },
    onObjectEnd: () => { open.pop(); },
    onObjectProperty: (key, _offset, _length, line, character, path) => {
      const seen = open[open.length - 1];
      if (!seen) return;
      const at = { line: line + 1, column: character + 1 };
      const first = seen.get(key);
      if (first) found.push({ pointer: joinPointer('', ...path(), key), ...at, first });
      else seen.set(key, at);
    },
  });
  return found;
}

/** Where jsonc-parser finds the first error in `text` (comments tolerated: they are blanked before this runs). */
function firstErrorOffset(text: string): number | undefined {
  const errors: ParseError[] = [];
  parseLoosely(text, errors, { disallowComments: true, allowTrailingComma: false });
  return errors[0]?.offset;
}

/**
 * Parses JSON text (a leading BOM is allowed); throws `JsonSyntaxError` with line:column on failure, and
 * `JsonDuplicateKeyError` (a `JsonSyntaxError`) when an object repeats a key.
 */
export function parseJsonText(text: string, file: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    const value: unknown = JSON.parse(body);
    const duplicates = duplicateKeys(body);
    if (duplicates.length) throw new JsonDuplicateKeyError(file, duplicates);
    return value;
  } catch (e) {
    if (e instanceof JsonDuplicateKeyError) throw e;
    const message = (e as Error).message;
    const detail = message.replace(/\s*in JSON at position \d+.*$/s, '').replace(/\s*\(line \d+ column \d+\)$/, '');
    const lc = /line (\d+) column (\d+)/.exec(message);
    const pos = /position (\d+)/.exec(message);
    // Some of JSON.parse's messages carry no position ("Unexpected token … is not valid JSON"): jsonc-parser's
    // scanner says where the first error is.
    const where = lc ? { line: Number(lc[1]), column: Number(lc[2]) }
      : lineColumn(body, pos ? Number(pos[1]) : firstErrorOffset(body) ?? body.length);
    throw new JsonSyntaxError(file, where.line, where.column, detail);
  }
}

/**
 * `text` with its comments and trailing commas replaced by spaces (line breaks kept), so it is plain JSON whose
 * every character sits where it sat: errors found in it point into the original.
 */
export function blankJsoncExtras(text: string): string {
  const blanks: [offset: number, length: number][] = [];
  // A comma is trailing when a value came before it and the object or array closes right after it (comments
  // aside); `[,]` or `1,,` are left for JSON.parse to refuse.
  let pendingComma = -1;
  let afterValue = false;
  const opens = () => { pendingComma = -1; afterValue = false; };
  const value = () => { pendingComma = -1; afterValue = true; };
  const closes = () => {
    if (pendingComma >= 0) blanks.push([pendingComma, 1]);
    value();
  };
  visit(text, {
    onComment: (offset, length) => {
      const comment = text.slice(offset, offset + length);
      // An unclosed /* is left in place for JSON.parse to refuse there.
      if (comment.startsWith('//') || (comment.length >= 4 && comment.endsWith('*/'))) blanks.push([offset, length]);
    },
    onSeparator: (ch, offset) => {
      pendingComma = ch === ',' && afterValue ? offset : -1;
      afterValue = false;
    },
    onObjectBegin: opens,
    onArrayBegin: opens,
    onObjectProperty: () => { pendingComma = -1; afterValue = false; },
    onLiteralValue: value,
    onObjectEnd: closes,
    onArrayEnd: closes,
  }, { disallowComments: false, allowTrailingComma: true });
  if (!blanks.length) return text;
  blanks.sort((x, y) => x[0] - y[0]);
  let out = '';
  let at = 0;
  for (const [offset, length] of blanks) {
    out += text.slice(at, offset) + text.slice(offset, offset + length).replace(/[^\r\n]/g, ' ');
    at = offset + length;
  }
  return out + text.slice(at);
}

/**
 * Parses a config file: JSON with `//` and `/* *\/` comments and trailing commas allowed, otherwise as
 * `parseJsonText` (line:column errors, duplicate keys refused).
 */
export function parseJsoncText(text: string, file: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return parseJsonText(blankJsoncExtras(body), file);
}
