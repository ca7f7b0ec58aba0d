import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileWildcard, foldCase } from '../../src/engine/filters.js';

/** Reference: the obvious regular expression (fine for short strings in tests). */
function reference(pattern: string, value: string): boolean {
  const p = foldCase(pattern);
  const v = foldCase(value);
  if (!p.includes('*')) return v.includes(p);
  const body = p.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`, 's').test(v);
}

describe('wildcard patterns', () => {
  const m = (pattern: string, value: string) => compileWildcard(pattern)(value);

  it('without * matches as "contains"', () => {
    expect(m('Test', 'A Test run')).toBe(true);
    expect(m('Test', 'Testing')).toBe(true);
    expect(m('Test', 'Tes')).toBe(false);
    expect(m('st r', 'A Test run')).toBe(true);
  });

  it('Test* = starts with', () => {
    expect(m('Test*', 'Testing')).toBe(true);
    expect(m('Test*', 'Test')).toBe(true);
    expect(m('Test*', 'A Test')).toBe(false);
  });

  it('*Test = ends with', () => {
    expect(m('*Test', 'Unit Test')).toBe(true);
    expect(m('*Test', 'Test')).toBe(true);
    expect(m('*Test', 'Tests')).toBe(false);
  });

  it('Te*st = starts with Te and ends with st, without overlap', () => {
    expect(m('Te*st', 'Test')).toBe(true);
    expect(m('Te*st', 'Te best')).toBe(true);
    expect(m('Te*st', 'Tesla')).toBe(false);
    expect(m('Te*st', 'Tst')).toBe(false);
    expect(m('a*a', 'a')).toBe(false);
    expect(m('a*a', 'aa')).toBe(true);
  });

  it('several * match parts in order', () => {
    expect(m('a*b*c', 'a-b-c')).toBe(true);
    expect(m('a*b*c', 'abc')).toBe(true);
    expect(m('a*b*c', 'a-c-b')).toBe(false);
    expect(m('*meet*room*', 'Team meeting in room 4')).toBe(true);
    expect(m('*room*meet*', 'Team meeting in room 4')).toBe(false);
    expect(m('**', '')).toBe(true);
    expect(m('*', 'anything')).toBe(true);
    expect(m('a**b', 'ab')).toBe(true);
    expect(m('ab*b*bc', 'abbc')).toBe(false);
    expect(m('ab*b*bc', 'abbbc')).toBe(true);
  });

  it('is case-insensitive, also beyond ASCII', () => {
    expect(m('TEST*', 'testing')).toBe(true);
    expect(m('*ÜBUNG', 'Fahrübung')).toBe(true);
    expect(m('straße', 'HAUPTSTRASSE 1')).toBe(true);
    expect(m('ΣΟΦΊΑ', 'σοφία')).toBe(true);
    expect(m('Café', 'CAFÉ NOIR')).toBe(true);
    // Composed and decomposed forms are the same text.
    expect(m('cafe\u0301', 'Caf\u00e9')).toBe(true);
    expect(m('日本*', '日本語の会議')).toBe(true);
    expect(m('*😀', 'party 😀')).toBe(true);
  });

  it('treats regular-expression characters literally', () => {
    expect(m('a.c', 'abc')).toBe(false);
    expect(m('a.c', 'xa.cx')).toBe(true);
    expect(m('(x)*', '(x) y')).toBe(true);
    expect(m('[a]', 'a')).toBe(false);
    expect(m('$1^', 'cost $1^2')).toBe(true);
  });

  it('agrees with a reference implementation (property)', () => {
    const alphabet = fc.constantFrom('a', 'b', 'A', 'B', '*', 'ä', 'Ä', '.', ' ', 'ß');
    const valueAlphabet = fc.constantFrom('a', 'b', 'A', 'B', 'ä', 'Ä', '.', ' ', 'ß', 's', 'S');
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 8 }), fc.string({ unit: valueAlphabet, maxLength: 14 }), (pattern, value) => {
        expect(compileWildcard(pattern)(value)).toBe(reference(pattern, value));
      }),
      { numRuns: 3000 },
    );
  });

  it('stays fast on adversarial input', () => {
    const value = 'a'.repeat(200_000);
    const t0 = performance.now();
    expect(m('*a*a*a*a*a*a*a*a*a*a*b', value)).toBe(false);
    expect(m('a'.repeat(5000) + 'b', value)).toBe(false);
    expect(m('*' + 'a'.repeat(1000) + 'b*', value)).toBe(false);
    expect(m('*' + 'a'.repeat(1000) + '*', value)).toBe(true);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
