/**
 * What the engine parses per item: an item copied unchanged is parsed once (reading it); its hash, the patch and the
 * hash of what is written use the parse kept with its raw. Hashing what it will write parses nothing again when the
 * written text is the one just patched (the shared parses and fingerprints), and shared results never change what a
 * hash says.
 */
import ICAL from 'ical.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { compileRules } from '../../src/engine/rules.js';
import { contentHash, parseICalendar, parseRawShared, parseVCard, serializeICalendar } from '../../src/model/index.js';
import { corpusFiles, readCorpus } from './helpers.js';
import { TextMemo } from '../../src/model/text-memo.js';
import type { Entity, EventEntity } from '../../src/sdk/entities.js';
import type { PairingConfig } from '../../src/config/types.js';

const pairing = (entity: 'event' | 'task' | 'contact'): PairingConfig =>
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

  it('parses an item copied unchanged once in all: its hash, the patch and the hash of what is written parse nothing', () => {
    const rules = compileRules(pairing('event'), new Date());
    const text = event('once-3', 'Retro');
    parses = 0;
    const read = parseICalendar(text).items[0];
    expect(parses).toBe(1);
    const readHash = contentHash(read);
    const composed = rules.compose('aToB', read, undefined);
    const written = serializeICalendar(composed);
    expect(rules.hashWritten(composed)).toBe(readHash);
    expect(parses).toBe(1);
    expect(written).toBe(read.raw!.text); // nothing to patch: the text as read
  });

  it('patches an item whose DTSTAMP is not UTC even when no field changed (the kept parse does not skip the repair)', () => {
    const rules = compileRules(pairing('event'), new Date());
    const read = parseICalendar(event('once-4', 'Demo').replace('DTSTAMP:20260101T000000Z', 'DTSTAMP;VALUE=DATE:20260101')).items[0];
    const written = serializeICalendar(rules.compose('aToB', read, undefined));
    expect(written).not.toContain('DTSTAMP;VALUE=DATE');
    expect(written).toMatch(/^DTSTAMP:\d{8}T\d{6}Z\r$/m);
  });
});

describe('the parse kept with an item\'s raw (iCalendar corpus)', () => {
  /** The item with a raw object of its own: nothing kept, so everything is computed from the text. */
  const unkept = <T extends Entity>(e: T): T => ({ ...e, raw: { ...e.raw! } });
  const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
  const items = corpusFiles('ical').flatMap((file) => parseICalendar(readCorpus('ical', file)).items.map((item) => ({ file, item })));

  it('is what reading the raw text again gives, with the same hash, and an unchanged copy is written as the full patch writes it', () => {
    const rules = { event: compileRules(pairing('event'), new Date()), task: compileRules(pairing('task'), new Date()) };
    let parses = 0;
    const original = ICAL.parse;
    ICAL.parse = ((...args: Parameters<typeof original>) => { parses += 1; return original(...args); }) as typeof original;
    let kept = 0;
    try {
      for (const { file, item } of items) {
        parses = 0;
        const shared = parseRawShared(item.raw!);
        if (parses === 0) kept += 1;
        ICAL.parse = original;
        expect(json(shared), file).toEqual(json(parseICalendar(item.raw!.text)));
        expect(contentHash(item), file).toBe(contentHash(unkept(item)));
        const r = rules[item.type as 'event' | 'task'];
        const copy = r.compose('aToB', item, undefined);
        const plain = unkept(copy);
        const text = serializeICalendar(copy);
        const full = serializeICalendar(plain);
        // Both re-stamp a DTSTAMP that is not UTC (with the time of writing); the text as read must be what the full patch writes.
        const unstamped = (t: string) => t.replace(/^DTSTAMP[;:].*\r\n/gm, '');
        expect(unstamped(text), file).toBe(unstamped(full));
        if (text === item.raw!.text) expect(full, file).toBe(text);
        expect(r.hashWritten(copy), file).toBe(r.hashWritten(plain));
        ICAL.parse = ((...args: Parameters<typeof original>) => { parses += 1; return original(...args); }) as typeof original;
      }
    } finally {
      ICAL.parse = original;
    }
    expect(items.length).toBeGreaterThan(50);
    expect(kept).toBeGreaterThan(items.length / 2);
  });
});

