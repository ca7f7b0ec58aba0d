/** vCard 2.1/3.0/4.0 reading, patching and conversion. */
import { describe, expect, it } from 'vitest';
import { parseVCard, serializeVCard } from '../../src/model/index.js';
import type { ContactEntity } from '../../src/sdk/entities.js';
import { fieldsOf, readCorpus, vcardPropertySet } from './helpers.js';

describe('vCard 2.1', () => {
  it('decodes Outlook 2.1: bare types, quoted-printable with soft breaks, base64 photo, X-MS props', () => {
    const c = parseVCard(readCorpus('vcard', 'ezvcard__ms_outlook_21.vcf')).items[0];
    expect(c.raw?.version).toBe('2.1');
    expect(c.name).toEqual({ family: 'Doe', given: 'John', additional: 'Richter,James', prefix: 'Mr.', suffix: 'Sr.' });
    expect(c.phones?.[0]).toEqual({ value: '(905) 555-1234', types: ['work', 'voice'] });
    expect(c.emails?.[0]).toEqual({ value: 'john.doe@ibm.cm', pref: true });
    expect(c.addresses?.[0]).toMatchObject({ street: 'Cresent moon drive', locality: 'Albaney', types: ['work'], pref: true });
    expect(c.photo?.mediaType).toBe('image/jpeg');
    expect(Buffer.from(c.photo!.data!, 'base64').subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff])); // a JPEG
    expect(c.birthday).toBe('1980-03-22');
    expect(c.x?.['X-MS-MANAGER']).toBe('Big Blue');
  });

  it('decodes UTF-8 quoted-printable names from Android (six cards)', () => {
    const { items, errors } = parseVCard(readCorpus('vcard', 'ezvcard__android_21_multi.vcf'));
    expect(errors).toEqual([]);
    expect(items).toHaveLength(6);
    expect(items[2].formattedName).toBe('Ñ Ñ Ñ Ñ Ñ');
    expect(new Set(items.map((i) => i.uid)).size).toBe(6);
  });

  it('reads a multi-line QP address label joined across the soft line break', () => {
    const text = ['BEGIN:VCARD', 'VERSION:2.1', 'N:Doe;Jane', 'NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:first line=0D=0A=', 'second l=C3=', '=A9ne', 'TEL;HOME;FAX:123', 'END:VCARD'].join('\r\n');
    const c = parseVCard(text).items[0];
    expect(c.note).toBe('first line\nsecond léne');
    expect(c.phones).toEqual([{ value: '123', types: ['home', 'fax'] }]);
  });
});

describe('vCard 3.0 / 4.0', () => {
  it('maps Apple item groups with X-ABLabel to labels, escaped semicolons in values', () => {
    const c = parseVCard(readCorpus('vcard', 'icaljs__nextcloud_sabre_escaped_semicolon.vcf')).items[0];
    expect(c.raw?.version).toBe('3.0');
    expect(c.phones?.some((p) => p.value.includes(';'))).toBe(true);
    const gmail = parseVCard(readCorpus('vcard', 'ezvcard__gmail_single2.vcf')).items[0];
    expect(gmail.urls?.some((u) => u.label !== undefined) || gmail.emails?.some((u) => u.label !== undefined) || gmail.phones?.some((u) => u.label !== undefined)).toBe(true);
  });

  it('maps the RFC 6350 4.0 example', () => {
    const c = parseVCard(readCorpus('vcard', 'ezvcard__rfc6350_example.vcf')).items[0];
    expect(c.raw?.version).toBe('4.0');
    expect(c.formattedName).toMatch(/\S/);
    expect(c.phones?.every((p) => !p.value.startsWith('tel:'))).toBe(true);
  });

  it('KIND, MEMBER (urn:uuid stripped), CATEGORIES, REV, PHOTO data URI, BDAY without year', () => {
    const text = ['BEGIN:VCARD', 'VERSION:4.0', 'UID:urn:uuid:g1', 'KIND:group', 'FN:Team', 'MEMBER:urn:uuid:m1', 'MEMBER:urn:uuid:m2',
      'CATEGORIES:a\\,b,c', 'REV:20240102T030405Z', 'BDAY:--0415', 'PHOTO:data:image/png;base64,iVBORw0KGgo=', 'END:VCARD'].join('\r\n');
    const c = parseVCard(text).items[0];
    expect(fieldsOf(c)).toEqual({
      type: 'contact', uid: 'urn:uuid:g1', kind: 'group', formattedName: 'Team', members: ['m1', 'm2'], categories: ['a,b', 'c'],
      lastModified: '2024-01-02T03:04:05Z', birthday: '--04-15', photo: { data: 'iVBORw0KGgo=', mediaType: 'image/png' },
    });
    const v3 = serializeVCard(c, '3.0');
    expect(v3).toContain('X-ADDRESSBOOKSERVER-KIND:group');
    expect(v3).toContain('X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:m1');
    expect(v3).toContain('PHOTO;ENCODING=b;TYPE=PNG:iVBORw0KGgo=');
    expect(fieldsOf(parseVCard(v3).items[0])).toEqual(fieldsOf(c));
  });
});

describe('conversions', () => {
  it('2.1 → 4.0 → 3.0 keeps the modelled fields and X- properties (Outlook)', () => {
    const c21 = parseVCard(readCorpus('vcard', 'ezvcard__ms_outlook_21.vcf')).items[0];
    const v40 = serializeVCard(c21, '4.0');
    expect(v40).toMatch(/^BEGIN:VCARD\r\nVERSION:4\.0\r\n/);
    expect(v40).toContain('PHOTO:data:image/jpeg;base64,');
    expect(v40).not.toMatch(/QUOTED-PRINTABLE/);
    const c40 = parseVCard(v40).items[0];
    const v30 = serializeVCard(c40, '3.0');
    expect(v30).toMatch(/TEL;TYPE=WORK,VOICE:\(905\) 555-1234/);
    const c30 = parseVCard(v30).items[0];
    expect(fieldsOf(c30)).toEqual(fieldsOf(c21));
    expect(c30.raw?.version).toBe('3.0');
  });

  it('4.0 → 2.1 writes quoted-printable for non-ASCII and bare types', () => {
    const c: ContactEntity = { type: 'contact', uid: 'u-1', formattedName: 'Zoë Ünal', name: { family: 'Ünal', given: 'Zoë' }, phones: [{ value: '+49 30 1', types: ['cell'], pref: true }], note: 'a\nb' };
    const v21 = serializeVCard(c, '2.1');
    expect(v21).toContain('TEL;CELL;PREF:+49 30 1');
    expect(v21).toMatch(/FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Zo=C3=AB =C3=9Cnal/);
    expect(fieldsOf(parseVCard(v21).items[0])).toEqual(c);
  });

  it('labels become item groups with X-ABLabel in 3.0 and read back', () => {
    const c: ContactEntity = { type: 'contact', uid: 'u-2', formattedName: 'L', emails: [{ value: 'a@b.c', label: 'Private' }, { value: 'd@e.f', types: ['work'] }] };
    const v30 = serializeVCard(c, '3.0');
    expect(v30).toMatch(/item1\.EMAIL:a@b\.c\r\nitem1\.X-ABLabel:Private/);
    expect(fieldsOf(parseVCard(v30).items[0])).toEqual(c);
  });
});

describe('patching the raw card', () => {
  it('a changed phone keeps groups, labels and unknown lines byte for byte', () => {
    const gmail = parseVCard(readCorpus('vcard', 'ezvcard__gmail.vcf')).items[0];
    const phones = [{ ...gmail.phones![0], value: '+1 555 0000' }, ...gmail.phones!.slice(1)];
    const out = serializeVCard({ ...gmail, phones });
    const rawLines = gmail.raw!.text.split('\r\n');
    const outLines = out.split('\r\n');
    const lost = rawLines.filter((l) => !outLines.includes(l));
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.every((l) => /TEL|^ /.test(l))).toBe(true);
    expect(parseVCard(out).items[0].phones?.[0].value).toBe('+1 555 0000');
  });

  it('a removed email drops its line and its X-ABLabel', () => {
    const text = ['BEGIN:VCARD', 'VERSION:3.0', 'FN:A', 'N:A;;;;', 'item1.EMAIL;TYPE=INTERNET:x@y.z', 'item1.X-ABLabel:Old', 'EMAIL;TYPE=INTERNET,HOME:h@y.z', 'X-KEEP:1', 'END:VCARD'].join('\r\n');
    const c = parseVCard(text).items[0];
    expect(c.emails).toEqual([{ value: 'x@y.z', label: 'Old' }, { value: 'h@y.z', types: ['home'] }]);
    const out = serializeVCard({ ...c, emails: [c.emails![1]] });
    expect(out).not.toContain('x@y.z');
    expect(out).not.toContain('X-ABLabel');
    expect(out).toContain('EMAIL;TYPE=INTERNET,HOME:h@y.z');
    expect(out).toContain('X-KEEP:1');
  });

  it('an unchanged card serializes to the same lines', () => {
    const c = parseVCard(readCorpus('vcard', 'nodevcf__vcard_40.vcf')).items[0];
    expect(c.uid).toMatch(/^dovetail-derived-/); // the card has no UID: serializing adds it, nothing else changes
    expect(vcardPropertySet(serializeVCard(c), '4.0', ['UID'])).toEqual(vcardPropertySet(c.raw!.text, '4.0'));
  });
});

describe('broken input', () => {
  it('never throws; bad cards become per-card errors', () => {
    const text = ['BEGIN:VCARD', 'VERSION:3.0', 'FN:Good', 'END:VCARD', 'BEGIN:VCARD', 'END:VCARD', 'BEGIN:VCARD', 'VERSION:3.0', 'FN:Unterminated'].join('\r\n');
    const r = parseVCard(text);
    expect(r.items.map((i) => i.formattedName)).toEqual(['Good', 'Unterminated']);
    expect(r.errors).toEqual([expect.objectContaining({ index: 1, message: expect.stringContaining('without properties') })]);
    expect(parseVCard('').items).toEqual([]);
    expect(() => parseVCard('BEGIN:VCARD\n;;;:::\n"\nEND:VCARD')).not.toThrow();
  });

  it('a card without UID gets a stable derived uid that serializing writes out', () => {
    const text = 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No Uid\r\nEND:VCARD\r\n';
    const a = parseVCard(text).items[0];
    expect(a.uid).toBe(parseVCard(text).items[0].uid);
    expect(a.uid).toMatch(/^dovetail-derived-/);
    expect(parseVCard(serializeVCard(a)).items[0].uid).toBe(a.uid);
    expect(serializeVCard(a)).toContain(`UID:${a.uid}`);
  });
});
