/** JSON parsing that reports where it failed as line:column. */

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

/** Parses JSON text (a leading BOM is allowed); throws `JsonSyntaxError` with line:column on failure. */
export function parseJsonText(text: string, file: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (e) {
    const message = (e as Error).message;
    const detail = message.replace(/\s*in JSON at position \d+.*$/s, '').replace(/\s*\(line \d+ column \d+\)$/, '');
    const lc = /line (\d+) column (\d+)/.exec(message);
    const pos = /position (\d+)/.exec(message);
    const where = lc ? { line: Number(lc[1]), column: Number(lc[2]) }
      : lineColumn(body, pos ? Number(pos[1]) : body.length);
    throw new JsonSyntaxError(file, where.line, where.column, detail);
  }
}
