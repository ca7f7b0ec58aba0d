import { describe, expect, it } from 'vitest';
import { pairingFolderName } from '../../src/state/index.js';

describe('pairingFolderName', () => {
  const names = [
    'work', 'Work', 'WORK', 'work ', 'work.', 'a/b', 'a\\b', '..', '.', 'con', 'CON', 'nul.txt',
    'calendar: ärger', 'calendar: a\u0308rger', '日本語', '%41', 'A', 'p-x', 'x~y', 'a%2Fb', '-', '_',
  ];

  it('keeps only characters safe on every common filesystem', () => {
    for (const name of [...names, 'Ä'.repeat(100), `a${'Ä'.repeat(100)}`, `ab${'Ä'.repeat(100)}`]) {
      expect(pairingFolderName(name)).toMatch(/^p-(?:[a-z0-9_-]|%[0-9A-F]{2})+(?:~[0-9a-f]{64})?$/);
    }
  });

  it('never maps two names to the same folder, even on case-insensitive filesystems', () => {
    const folded = names.map((name) => pairingFolderName(name).toLowerCase());
    expect(new Set(folded).size).toBe(names.length);
  });

  it('is stable and readable for plain names', () => {
    expect(pairingFolderName('work-calendar_2')).toBe('p-work-calendar_2');
    expect(pairingFolderName('Work')).toBe('p-%57ork');
  });

  it('bounds long names and keeps them distinct by a hash of the full name', () => {
    const long1 = 'x'.repeat(300) + 'one';
    const long2 = 'x'.repeat(300) + 'two';
    expect(pairingFolderName(long1).length).toBeLessThanOrEqual(120);
    expect(pairingFolderName(long1)).not.toBe(pairingFolderName(long2));
  });

  it('refuses an empty name', () => {
    expect(() => pairingFolderName('')).toThrow(TypeError);
  });
});
