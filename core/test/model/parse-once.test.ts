/**
 * What the engine parses per item: hashing what it will write parses nothing again when the written text is the
 * one just patched (the shared parses and fingerprints), and shared results never change what a hash says.
 */
import ICAL from 'ical.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { compileRules } from '../../src/engine/rules.js';
import { contentHash, parseICalendar, parseVCard, serializeICalendar } from '../../src/model/index.js';
import { TextMemo } from '../../src/model/text-memo.js';
import type { EventEntity } from '../../src/sdk/entities.js';
import type { PairingConfig } from '../../src/config/types.js';

const pairing = (entity: 'event' | 'contact'): PairingConfig =>
  ({ entity, a: { endpoint: 'a', collection: 'x' }, b: { endpoint: 'b', collection: 'y' } }) as PairingConfig;

const event = (uid: string, summary: string) => [
  'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//T//T//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T000000Z',
  'DTSTART;TZID=Europe/Berlin:20260603T090000', 'DTEND;TZID=Europe/Berlin:20260603T100000', `SUMMARY:${summary}`,
  'X-CUSTOM;X-P=1:kept', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');

describe('TextMemo', () => {
  it('computes a text once and forgets the oldest beyond its capacity', () => {
    const memo = new TextMemo<number>(2);
    const compute = vi.fn((t: string) => t.length);
    memo.get('a', compute); memo.get('a', compute);
    expect(compute).toHaveBeenCalledTimes(1);
    memo.get('bb', compute); memo.get('ccc', compute); // 'a' is the oldest: dropped
    memo.get('a', compute);
    expect(compute).toHaveBeenCalledTimes(4);
    memo.get('ccc', compute);
    expect(compute).toHaveBeenCalledTimes(4);
  });
});

describe('hashing what will be written', () => {
  let parses = 0;
  const original = ICAL.parse;
  beforeEach(() => {
    parses = 0;
    ICAL.parse = ((...args: Parameters<typeof original>) => { parses += 1; return original(...args); }) as typeof original;
  });
  afterEach(() => { ICAL.parse = original; });

  it('parses nothing again for an item copied unchanged, and gives the hash of the item as read', () => {
    const rules = compileRules(pairing('event'), new Date());
    const read = parseICalendar(event('once-1', 'Planning')).items[0];
    const readHash = contentHash(read);
    const composed = rules.compose('aToB', read, undefined);
    serializeICalendar(composed); // what the planner does first (the patch)
    parses = 0;
    expect(rules.hashWritten(composed)).toBe(readHash);
    expect(parses).toBe(0);
  });

  it('still parses and hashes an edited item as written', () => {
    const rules = compileRules(pairing('event'), new Date());
    const read = parseICalendar(event('once-2', 'Planning')).items[0] as EventEntity;
    const edited = { ...rules.compose('aToB', read, undefined), summary: 'Review' } as EventEntity;
    const text = serializeICalendar(edited);
    expect(text).toContain('SUMMARY:Review');
    expect(text).toContain('X-CUSTOM;X-P=1:kept');
    parses = 0;
    const hash = rules.hashWritten(edited);
    expect(parses).toBeGreaterThan(0);
    expect(hash).toBe(contentHash(parseICalendar(text).items[0]));
    expect(hash).not.toBe(contentHash(read));
  });

  it('hands out shared parses that the hash of a later, different text does not see', () => {
    const rules = compileRules(pairing('contact'), new Date());
    const card = (fn: string) => ['BEGIN:VCARD', 'VERSION:3.0', 'UID:c-1', `FN:${fn}`, 'N:;;;;', 'END:VCARD', ''].join('\r\n');
    const a = parseVCard(card('Ann')).items[0];
    const b = parseVCard(card('Bob')).items[0];
    expect(rules.hashWritten(rules.compose('aToB', a, undefined))).toBe(contentHash(a));
    expect(rules.hashWritten(rules.compose('aToB', b, undefined))).toBe(contentHash(b));
    expect(contentHash(a)).not.toBe(contentHash(b));
  });
});
