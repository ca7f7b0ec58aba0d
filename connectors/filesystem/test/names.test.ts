import { describe, expect, it } from 'vitest';
import { alternativeFileName, isIgnoredFileName, preferredFileName, uidForFileName, unsafeNameReason } from '../src/names.js';

describe('unsafeNameReason', () => {
  it('accepts plain file names', () => {
    for (const name of ['abc.ics', 'a@b.example.org.vcf', 'Ünïcode name.ics', 'x:y.ics']) expect(unsafeNameReason(name)).toBeUndefined();
  });
  it('refuses anything that could leave the folder or is hidden', () => {
    for (const name of ['', '.', '..', '../x.ics', 'a/b.ics', 'a\\b.ics', '/etc/passwd', 'x\0.ics', '.hidden.ics', 'x'.repeat(256)]) {
      expect(unsafeNameReason(name), JSON.stringify(name)).toBeTypeOf('string');
    }
  });
});

describe('preferredFileName', () => {
  it('uses a safe hint, adding the extension once', () => {
    expect(preferredFileName('.ics', 'uid-1', 'from-server.ics')).toBe('from-server.ics');
    expect(preferredFileName('.ics', 'uid-1', 'from-server')).toBe('from-server.ics');
  });
  it('falls back to a safe UID, then to a hash of the UID', () => {
    expect(preferredFileName('.vcf', 'abc@example.org', 'bad name/../x')).toBe('abc@example.org.vcf');
    const hashed = preferredFileName('.ics', 'UID with spaces/and slashes');
    expect(hashed).toMatch(/^[0-9a-f]{32}\.ics$/);
    expect(preferredFileName('.ics', 'UID with spaces/and slashes')).toBe(hashed);
    expect(preferredFileName('.ics', '.dotted')).toMatch(/^[0-9a-f]{32}\.ics$/);
  });
  it('numbers alternatives before the extension', () => {
    expect(alternativeFileName('abc.ics', '.ics', 2)).toBe('abc-2.ics');
  });
});

describe('uidForFileName', () => {
  it('is deterministic and distinct per file name', () => {
    expect(uidForFileName('a.ics')).toBe(uidForFileName('a.ics'));
    expect(uidForFileName('a.ics')).not.toBe(uidForFileName('b.ics'));
    expect(uidForFileName('a.ics')).toMatch(/^dovetail-fs-[0-9a-f]{32}$/);
  });
});

describe('isIgnoredFileName', () => {
  it('ignores dotfiles, temp files and editor backups', () => {
    for (const n of ['.x.ics.123.tmp', '.DS_Store', 'a.ics~', 'a.ics.tmp', '#a.ics#', '.a.ics.swp']) expect(isIgnoredFileName(n)).toBe(true);
    expect(isIgnoredFileName('a.ics')).toBe(false);
  });
});
