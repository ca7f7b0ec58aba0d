/** Every corpus file parses (or yields clean per-item errors) and every item round-trips without losing properties. */
import { describe, expect, it } from 'vitest';
import { contentHash, parseICalendar, parseVCard, serializeICalendar, serializeVCard } from '../../src/model/index.js';
import type { ContactEntity, EventEntity, TaskEntity } from '../../src/sdk/entities.js';
import { corpusFiles, fieldsOf, icalPropertySets, readCorpus, vcardPropertySet } from './helpers.js';

describe('iCalendar corpus', () => {
  const files = corpusFiles('ical');
  it('has the corpus', () => expect(files.length).toBeGreaterThan(20));

  for (const file of files) {
    describe(file, () => {
      const text = readCorpus('ical', file);
      const parsed = parseICalendar(text);

      it('parses into items or clean per-item errors', () => {
        for (const e of parsed.errors) {
          expect(e.message).toMatch(/\S/);
          expect(e.index).toBeGreaterThanOrEqual(0);
        }
        const uids = parsed.items.map((i) => `${i.type}:${i.uid}`);
        expect(new Set(uids).size).toBe(uids.length);
        for (const item of parsed.items) {
          expect(item.raw?.format).toBe('icalendar');
          expect(item.raw?.text).toMatch(/^BEGIN:VCALENDAR\r\n[\s\S]*END:VCALENDAR\r\n$/);
          expect(() => icalPropertySets(item.raw!.text)).not.toThrow();
        }
      });

      it('round-trips each item unchanged: parse → serialize → parse keeps every property', () => {
        for (const item of parsed.items) {
          const out = serializeICalendar(item);
          const again = parseICalendar(out);
          expect(again.errors).toEqual([]);
          expect(again.items).toHaveLength(1);
          expect(fieldsOf(again.items[0])).toEqual(fieldsOf(item));
          // Serializing adds only a derived uid (component without UID) and a UTC DTSTAMP where the source had
          // none or an invalid one (RFC 5545 requires it; servers refuse the rest).
          const ignore = item.uid.startsWith('dovetail-derived-') ? ['uid', 'dtstamp'] : ['dtstamp'];
          expect(icalPropertySets(out, ignore)).toEqual(icalPropertySets(item.raw!.text, ignore));
        }
      });

      it('a changed summary and location are patched in and every other property kept', () => {
        for (const item of parsed.items) {
          const changed = { ...item, summary: 'Changed, really; twice ✓', ...(item.type === 'event' ? { location: 'Room 7\nsecond line' } : {}) } as EventEntity | TaskEntity;
          const out = serializeICalendar(changed);
          const again = parseICalendar(out).items[0];
          expect(again.summary).toBe('Changed, really; twice ✓');
          if (again.type === 'event') expect(again.location).toBe('Room 7\nsecond line');
          const ignore = ['summary', 'location', 'dtstamp', ...(item.uid.startsWith('dovetail-derived-') ? ['uid'] : [])];
          const before = icalPropertySets(item.raw!.text, ignore);
          const after = icalPropertySets(out, ignore);
          expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
          for (const key of Object.keys(before)) expect(after[key], key).toEqual(before[key]);
          expect(contentHash(again)).not.toBe(contentHash(item));
        }
      });

      it('contentHash ignores refolding and LF line endings of the raw text', () => {
        for (const item of parsed.items) {
          const unfolded = item.raw!.text.replace(/\r\n[ \t]/g, '');
          const refolded = unfolded.split('\r\n').map((l) => l.replace(/(.{30})(?=.)/g, '$1\n ')).join('\n');
          expect(contentHash({ ...item, raw: { ...item.raw!, text: refolded } })).toBe(contentHash(item));
        }
      });

      it('a fresh build from the canonical fields alone reads back the same fields', () => {
        for (const item of parsed.items) {
          const fresh = serializeICalendar({ ...item, raw: undefined } as EventEntity | TaskEntity);
          expect(fresh).toContain('PRODID:-//Dovetail//Dovetail//EN');
          const again = parseICalendar(fresh);
          expect(again.errors).toEqual([]);
          expect(fieldsOf(again.items[0])).toEqual(fieldsOf(item));
        }
      });
    });
  }
});

describe('vCard corpus', () => {
  const files = corpusFiles('vcard');
  it('has the corpus', () => expect(files.length).toBeGreaterThan(10));

  for (const file of files) {
    describe(file, () => {
      const parsed = parseVCard(readCorpus('vcard', file));

      it('parses every card (or yields clean per-card errors)', () => {
        expect(parsed.items.length + parsed.errors.length).toBeGreaterThan(0);
        for (const e of parsed.errors) expect(e.message).toMatch(/\S/);
        for (const c of parsed.items) {
          expect(c.raw?.format).toBe('vcard');
          expect(['2.1', '3.0', '4.0']).toContain(c.raw?.version);
        }
      });

      it('round-trips each card in its own version keeping every property', () => {
        for (const card of parsed.items) {
          const v = card.raw!.version!;
          const out = serializeVCard(card);
          const again = parseVCard(out);
          expect(again.errors).toEqual([]);
          expect(fieldsOf(again.items[0])).toEqual(fieldsOf(card));
          const uidAdded = card.raw!.text.includes('\r\nUID') ? [] : ['UID'];
          expect(vcardPropertySet(out, v, uidAdded)).toEqual(vcardPropertySet(card.raw!.text, v));
        }
      });

      it('a changed e-mail and note keep every other line', () => {
        for (const card of parsed.items) {
          const v = card.raw!.version!;
          const emails = [{ value: 'changed@example.org', types: ['work'] }, ...(card.emails ?? []).slice(1)];
          const changed: ContactEntity = { ...card, emails, note: 'New note, with; punctuation\nand Ünïcode' };
          const out = serializeVCard(changed);
          const again = parseVCard(out).items[0];
          expect(again.emails?.[0]).toEqual({ value: 'changed@example.org', types: ['work'] });
          expect(again.note).toBe('New note, with; punctuation\nand Ünïcode');
          const { emails: _e, note: _n, raw: _r, ...rest } = fieldsOf(again) as ContactEntity;
          const { emails: _e2, note: _n2, raw: _r2, ...restBefore } = fieldsOf(card) as ContactEntity;
          expect(rest).toEqual(restBefore);
          const ignore = ['EMAIL', 'NOTE', 'UID', 'X-ABLABEL'];
          expect(vcardPropertySet(out, v, ignore)).toEqual(vcardPropertySet(card.raw!.text, v, ignore));
        }
      });

      it('contentHash ignores refolding and LF line endings of the raw card', () => {
        for (const card of parsed.items) {
          const unfolded = card.raw!.text.replace(/\r\n[ \t]/g, '');
          const refolded = unfolded.split('\r\n').map((l) => (/QUOTED-PRINTABLE/i.test(l) ? l : l.replace(/(.{30})(?=.)/g, '$1\n '))).join('\n');
          expect(contentHash({ ...card, raw: { ...card.raw!, text: refolded } })).toBe(contentHash(card));
        }
      });

      it('converts to every other version keeping the modelled fields', () => {
        for (const card of parsed.items) {
          for (const target of ['2.1', '3.0', '4.0'] as const) {
            const out = serializeVCard(card, target);
            const again = parseVCard(out);
            expect(again.errors).toEqual([]);
            expect(again.items[0].raw?.version).toBe(target);
            const expected = fieldsOf(card) as ContactEntity;
            if (target !== '2.1' && !expected.formattedName) delete (expected as Partial<ContactEntity>).formattedName;
            const got = fieldsOf(again.items[0]) as ContactEntity;
            if (!card.formattedName) delete (got as Partial<ContactEntity>).formattedName;
            expect(got).toEqual(expected);
          }
        }
      });
    });
  }
});
