import { describe, expect, it } from 'vitest';
import { ownString } from '../../src/sdk/own-string.js';

describe('ownString', () => {
  const text = `BEGIN:VEVENT\r\nUID:caf\u00e9-\u20ac-\u{1F600}-0123456789@example.org\r\nETAG:"0123456789abcdef0123456789abcdef"\r\nEND:VEVENT`;
  it('gives back the same text, ASCII or not (Latin-1, BMP, astral), short or long', () => {
    for (const s of ['', 'short', '"0123456789abcdef0123456789abcdef"', 'caf\u00e9 caf\u00e9 caf\u00e9 caf\u00e9', 'caf\u00e9-\u20ac-\u{1F600}-0123456789@example.org']) {
      expect(ownString(s)).toBe(s);
    }
  });
  it('a piece cut from a longer text keeps its value once the text is gone', () => {
    const uid = ownString(text.slice(text.indexOf('UID:') + 4, text.indexOf('\r\nETAG')));
    const etag = ownString(text.slice(text.indexOf('"'), text.lastIndexOf('"') + 1));
    expect(uid).toBe('caf\u00e9-\u20ac-\u{1F600}-0123456789@example.org');
    expect(etag).toBe('"0123456789abcdef0123456789abcdef"');
  });
});
