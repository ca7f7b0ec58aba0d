/** What the engine writes: the mapped fields on top of the right raw text (the source's, the target's, or none). */
import { describe, expect, it } from 'vitest';
import type { PairingConfig } from '../../src/config/types.js';
import { compileRules } from '../../src/engine/rules.js';
import { parseICalendar, serializeICalendar } from '../../src/model/index.js';
import type { EventEntity } from '../../src/sdk/entities.js';

const now = new Date('2026-03-10T12:00:00Z');
const read = (lines: string[]) => parseICalendar(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:x', 'BEGIN:VEVENT', ...lines, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n')).items[0] as EventEntity;
const pairing = (mapping: PairingConfig['mapping']): PairingConfig => ({ entity: 'event', a: { endpoint: 'a', collection: 'a' }, b: { endpoint: 'b', collection: 'b' }, mapping });

const source = read(['UID:s1', 'DTSTAMP:20260101T000000Z', 'DTSTART:20260311T100000Z', 'SUMMARY:Doctor', 'DESCRIPTION:Dr. Who, room 12',
  'COMMENT:bring the referral', 'ATTACH:https://example.com/referral.pdf', 'X-PRIVATE-NOTE:knee']);

describe('compose', () => {
  it('carries what the model does not know (COMMENT, ATTACH) through the source\'s raw text by default', () => {
    const out = serializeICalendar(compileRules(pairing(undefined), now).compose('aToB', source, undefined) as EventEntity);
    expect(out).toContain('COMMENT:bring the referral');
    expect(out).toContain('ATTACH:https://example.com/referral.pdf');
  });

  it('with "extra" kept on the target, a new item holds the mapped fields alone', () => {
    const rules = compileRules(pairing([
      { a: 'summary', b: 'summary', direction: 'a-to-b', transform: { name: 'constant', value: 'Busy' } },
      { a: 'description', b: 'description', direction: 'none' },
      { a: 'x', b: 'x', direction: 'none' },
      { a: 'extra', b: 'extra', direction: 'none' },
    ]), now);
    const out = serializeICalendar(rules.compose('aToB', source, undefined) as EventEntity);
    expect(out).toMatch(/^SUMMARY:Busy\r?$/m);
    expect(out).toMatch(/^DTSTART:20260311T100000Z\r?$/m);
    for (const leak of ['Doctor', 'Dr. Who', 'referral', 'X-PRIVATE-NOTE']) expect(out).not.toContain(leak);
  });

  it('with "extra" kept on the target, an update patches the target\'s own text', () => {
    const rules = compileRules(pairing([{ a: 'extra', b: 'extra', direction: 'none' }]), now);
    const target = read(['UID:s1', 'DTSTAMP:20260101T000000Z', 'DTSTART:20260311T090000Z', 'SUMMARY:Old', 'COMMENT:the target\'s own']);
    const out = serializeICalendar(rules.compose('aToB', source, target) as EventEntity);
    expect(out).toContain('COMMENT:the target\'s own');
    expect(out).not.toContain('referral');
    expect(out).toMatch(/^SUMMARY:Doctor\r?$/m);
  });
});
