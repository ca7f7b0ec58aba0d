/** Bytes → text without damage: Latin-1 and Shift-JIS files, declared charsets, BOMs, and a clear refusal. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeText, isKnownCharset } from '../../src/sdk/charset.js';
import { parseSingleItem } from '../../src/model/single-item.js';
import type { ContactEntity, EventEntity } from '../../src/sdk/entities.js';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../../test/fixtures/fidelity/${name}`, import.meta.url)));

describe('decodeText', () => {
  it('reads a windows-1252 (Latin-1) event as what it says', () => {
    const { text, charset } = decodeText(fixture('latin1-event.ics'), { name: 'latin1-event.ics' });
    expect(charset).toMatch(/1252|8859-1/i);
    expect(text).toContain('SUMMARY:Besprechung: Grüße aus Köln, Straße & Maß');
    expect(text).toContain('LOCATION:Büro 3 – Erdgeschoß');
    expect(text).toContain('Café-Pause (5 €)');
    expect(text).not.toContain('\uFFFD');
    const e = parseSingleItem(text, { name: 'latin1-event.ics', entity: 'event', fallbackUid: 'x' }) as EventEntity;
    expect(e.location).toBe('Büro 3 – Erdgeschoß');
  });

  it('detects a Shift-JIS card', () => {
    const { text, charset } = decodeText(fixture('shiftjis-card.vcf'), { name: 'shiftjis-card.vcf' });
    expect(charset).toBe('Shift_JIS');
    const c = parseSingleItem(text, { name: 'shiftjis-card.vcf', entity: 'contact', fallbackUid: 'x' }) as ContactEntity;
    expect(c.formattedName).toBe('山田 太郎');
    expect(c.org).toEqual({ name: '株式会社サンプル', units: ['営業部'] });
    expect(c.note).toBe('会議は毎週月曜日です。');
  });

  it('honours vCard 2.1 CHARSET parameters, and the card no longer claims Shift-JIS once it is text', () => {
    const { text, charset } = decodeText(fixture('shiftjis-21-declared.vcf'), { name: 'declared.vcf' });
    expect(charset).toBe('shift_jis');
    const c = parseSingleItem(text, { name: 'declared.vcf', entity: 'contact', fallbackUid: 'x' }) as ContactEntity;
    expect(c.name).toEqual({ family: '鈴木', given: '花子' });
    expect(c.raw?.text).toContain('FN;CHARSET=UTF-8:鈴木 花子');
    expect(c.raw?.text).not.toMatch(/SHIFT_JIS/i);
  });

  it('honours a byte-order mark and UTF-8 whatever a label says', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode('SUMMARY:Zoë', 'utf-16le')]);
    expect(decodeText(utf16, { name: 'x' })).toEqual({ text: 'SUMMARY:Zoë', charset: 'utf-16le' });
    expect(decodeText(Buffer.from('\uFEFFSUMMARY:Zoë', 'utf8'), { name: 'x' }).text).toBe('SUMMARY:Zoë');
    expect(decodeText(Buffer.from('SUMMARY:Zoë', 'utf8'), { name: 'x', declared: 'ISO-8859-1' }).text).toBe('SUMMARY:Zoë');
    expect(decodeText(iconv.encode('SUMMARY:Zoë', 'latin1'), { name: 'x', declared: 'ISO-8859-1' }).text).toBe('SUMMARY:Zoë');
  });

  it('uses the fallback when detection cannot tell, and refuses clearly without one (never U+FFFD)', () => {
    // Two bytes that are É in windows-1252 and something else in every other likely charset.
    const bytes = Buffer.from([0x53, 0x55, 0x4d, 0x3a, 0xc9, 0x74, 0xe9]);
    expect(() => decodeText(bytes, { name: 'odd.ics' })).toThrow(/^odd\.ics: not UTF-8, and its character set cannot be told.*"charset" setting$/);
    const cjk = Buffer.from([0x4e, 0x3a, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5]);
    expect(() => decodeText(cjk, { name: 'cjk.vcf' })).toThrow(/reads differently as .*Big5.* and as .*EUC-JP/);
    expect(decodeText(cjk, { name: 'cjk.vcf', fallback: 'EUC-JP' }).charset).toBe('euc-jp');
    expect(decodeText(bytes, { name: 'odd.ics', fallback: 'windows-1252' }).text).toBe('SUM:Été');
  });

  it('knows which charsets it can read', () => {
    expect(isKnownCharset('windows-1252')).toBe(true);
    expect(isKnownCharset('Shift_JIS')).toBe(true);
    expect(isKnownCharset('klingon-8')).toBe(false);
  });
});
