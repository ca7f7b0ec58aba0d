/** The file-level checks around the codecs that need no parsing: structure and UID injection. */
import { describe, expect, it } from 'vitest';
import { structureProblem, withDerivedUid } from '../src/item-codec.js';
import { uidForFileName } from '../src/names.js';
import { cardText, eventText } from './helpers.js';

describe('structureProblem', () => {
  it('accepts balanced files, nested components, LF endings and folded lines', () => {
    expect(structureProblem(eventText('a', 'A'))).toBeUndefined();
    expect(structureProblem(eventText('a', 'A').replace(/\r\n/g, '\n'))).toBeUndefined();
    expect(structureProblem(cardText('c', 'C'))).toBeUndefined();
    const withAlarm = eventText('a', 'A').replace('END:VEVENT', 'BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\n END:VEVENT\r\nEND:VALARM\r\nEND:VEVENT');
    expect(structureProblem(withAlarm)).toBeUndefined();
    expect(structureProblem('begin:vcard\nversion:3.0\nfn:x\nend:vcard\n')).toBeUndefined();
  });

  it('names what is wrong with truncated or mis-nested files', () => {
    expect(structureProblem('BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n')).toBe('BEGIN:VEVENT is never closed (truncated file?)');
    expect(structureProblem('BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\nEND:VCARD\r\n')).toBe('END:VCARD without BEGIN:VCARD');
    expect(structureProblem('BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n')).toBe('END:VCALENDAR where END:VEVENT was expected');
  });
});

describe('withDerivedUid', () => {
  it('adds the file-name UID to each item component when the text has no UID, keeping line endings', () => {
    const text = withDerivedUid(eventText(undefined, 'A'), 'a.ics');
    expect(text).toContain(`UID:${uidForFileName('a.ics')}\r\nEND:VEVENT`);
    const card = withDerivedUid(cardText(undefined, 'C').replace(/\r\n/g, '\n'), 'c.vcf');
    expect(card).toContain(`UID:${uidForFileName('c.vcf')}\nEND:VCARD`);
    expect(card.startsWith('BEGIN:VCARD\nVERSION:3.0\n')).toBe(true);
  });

  it('leaves a text that has a UID untouched', () => {
    expect(withDerivedUid(eventText('x', 'A'), 'a.ics')).toBe(eventText('x', 'A'));
  });
});
