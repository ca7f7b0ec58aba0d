/** Config files as editors write them: JSON with comments and trailing commas, with exact positions in errors. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blankJsoncExtras, JsonDuplicateKeyError, JsonSyntaxError, parseJsoncText, parseJsonText } from '../../src/config/json-text.js';
import { configTextWithPairings } from '../../src/cli/config-write.js';

const catchError = (fn: () => unknown): Error => {
  try { fn(); } catch (e) { return e as Error; }
  throw new Error('no error');
};

describe('parseJsoncText', () => {
  it('reads line and block comments and trailing commas in objects and arrays, nested', () => {
    const text = [
      '// my config',
      '{',
      '  /* the servers */',
      '  "endpoints": { "a": { "url": "https://x.example/cal/" /* no // here */, }, },',
      '  "list": [1, [2, 3,], { "k": "v", },],  // done',
      '}',
    ].join('\n');
    expect(parseJsoncText(text, 'c.json')).toEqual({ endpoints: { a: { url: 'https://x.example/cal/' } }, list: [1, [2, 3], { k: 'v' }] });
  });

  it('leaves comment markers and commas inside strings alone', () => {
    const value = { url: 'https://host/path//x', note: '/* not a comment */ a, b,]', re: 'a,}' };
    expect(parseJsoncText(JSON.stringify(value), 'c.json')).toEqual(value);
  });

  it('reads any plain JSON exactly as JSON.parse does (property)', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      const text = JSON.stringify(v, null, 1);
      expect(parseJsoncText(text, 'x.json')).toEqual(JSON.parse(text));
    }), { numRuns: 300 });
  });

  it('keeps "__proto__" an ordinary key, as JSON.parse does', () => {
    const v = parseJsoncText('{ // x\n "__proto__": { "polluted": true }, }', 'c.json') as Record<string, unknown>;
    expect(Object.prototype.hasOwnProperty.call(v, '__proto__')).toBe(true);
    expect((v as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('points errors after comments at the right line and column', () => {
    const text = '{\n  /* one\n     two */\n  "a": 1,\n  "b": tru\n}';
    const e = catchError(() => parseJsoncText(text, 'c.json'));
    expect(e).toBeInstanceOf(JsonSyntaxError);
    expect((e as JsonSyntaxError).line).toBe(5);
    expect(e.message).toMatch(/^c\.json:5:/);
  });

  it('refuses a key written twice, at its position, also when comments surround it', () => {
    const text = '{\n  // first\n  "path": "a",\n  /* again */ "path": "b",\n}';
    const e = catchError(() => parseJsoncText(text, 'c.json')) as JsonDuplicateKeyError;
    expect(e).toBeInstanceOf(JsonDuplicateKeyError);
    expect(e.message).toBe('c.json:4:15: duplicate key at /path (first at line 3, column 3): JSON would keep only the last value; remove one');
  });

  it('still refuses what is not JSON: two commas, a comma alone, single quotes, an unclosed comment', () => {
    for (const text of ['{ "a": 1,, }', '[,]', "{ 'a': 1 }", '{ "a": 1 } /* open', '{ "a": 1 } x']) {
      expect(() => parseJsoncText(text, 'c.json'), text).toThrow(JsonSyntaxError);
    }
  });

  it('blanks only comments and trailing commas, keeping every offset and line break', () => {
    const text = '{ "a": [1, 2, ], /* x\ny */ "b": 2, } // end';
    const blanked = blankJsoncExtras(text);
    expect(blanked).toHaveLength(text.length);
    expect(blanked.split('\n')).toHaveLength(2);
    expect(parseJsonText(blanked, 'c.json')).toEqual({ a: [1, 2], b: 2 });
  });
});

describe('configTextWithPairings', () => {
  const pairing = { entity: 'event' as const, a: { endpoint: 'x', collection: 'c' }, b: { endpoint: 'y', collection: 'c' } };

  it('inserts after the existing pairings and keeps comments, trailing commas and indentation', () => {
    const original = '// top\n{\n    "endpoints": {}, // none yet\n    "pairings": {\n        "old": { "entity": "event" }, // keep\n    },\n}\n';
    const text = configTextWithPairings(original, { fresh: pairing });
    expect(text).toContain('// top\n');
    expect(text).toContain('// none yet');
    expect(text).toContain('// keep');
    expect(parseJsoncText(text, 'c.json')).toEqual({ endpoints: {}, pairings: { old: { entity: 'event' }, fresh: pairing } });
    expect(text).toMatch(/\n {8}"fresh": \{\n {12}"entity": "event",/);
  });

  it('adds a pairings member when there is none, and keeps a BOM and CRLF line ends', () => {
    const original = '\ufeff{\r\n\t"endpoints": {}\r\n}\r\n';
    const text = configTextWithPairings(original, { p: pairing });
    expect(text.startsWith('\ufeff')).toBe(true);
    expect(text).not.toMatch(/[^\r]\n/);
    expect(text).toMatch(/\r\n\t"pairings": \{\r\n\t\t"p": \{/);
    expect(parseJsoncText(text, 'c.json')).toEqual({ endpoints: {}, pairings: { p: pairing } });
  });
});
