/** Files that are not UTF-8: read in their own charset, written back as UTF-8, never with replacement characters. */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContactEntity, EventEntity } from '@dovetail/core/sdk';
import { makeConnector, tempDir } from './helpers.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/fidelity/', import.meta.url));

let base: string;
let cleanup: () => void;
beforeEach(async () => {
  ({ dir: base, cleanup } = tempDir());
  await mkdir(path.join(base, 'vdir', 'cal'), { recursive: true });
  await mkdir(path.join(base, 'vdir', 'cards'), { recursive: true });
});
afterEach(() => cleanup());

describe('item files that are not UTF-8', () => {
  it('a Latin-1 event and a Shift-JIS card load as what they say; an update writes UTF-8', async () => {
    copyFileSync(path.join(fixtures, 'latin1-event.ics'), path.join(base, 'vdir', 'cal', 'latin1.ics'));
    copyFileSync(path.join(fixtures, 'shiftjis-card.vcf'), path.join(base, 'vdir', 'cards', 'sj.vcf'));
    const c = await makeConnector(base, { path: 'vdir' });
    const [ev] = await c.load('cal', ['latin1.ics'], { entity: 'event' });
    if (!ev.ok) throw new Error(ev.error.message);
    expect((ev.item as EventEntity).summary).toBe('Besprechung: Grüße aus Köln, Straße & Maß');
    const [card] = await c.load('cards', ['sj.vcf'], { entity: 'contact' });
    if (!card.ok) throw new Error(card.error.message);
    expect((card.item as ContactEntity).formattedName).toBe('山田 太郎');

    const [w] = await c.write('cal', [{ op: 'update', id: 'latin1.ics', ifVersion: ev.version, item: { ...ev.item, summary: 'Grüße, neu' } as EventEntity }]);
    expect(w.ok).toBe(true);
    const written = readFileSync(path.join(base, 'vdir', 'cal', 'latin1.ics'));
    expect(written.toString('utf8')).toContain('SUMMARY:Grüße\\, neu');
    expect(written.toString('utf8')).toContain('LOCATION:Büro 3 – Erdgeschoß');
    expect(written.toString('utf8')).not.toContain('\uFFFD');
  });

  const withSummary = (bytes: number[]) => Buffer.concat([Buffer.from('BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:odd\r\nDTSTART:20240101T090000Z\r\nSUMMARY:'),
    Buffer.from(bytes), Buffer.from('\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n')]);

  it('a file whose charset cannot be told fails alone and clearly', async () => {
    writeFileSync(path.join(base, 'vdir', 'cal', 'odd.ics'), withSummary([0x81, 0x40, 0xa4, 0xa4]));
    copyFileSync(path.join(fixtures, 'latin1-event.ics'), path.join(base, 'vdir', 'cal', 'latin1.ics'));
    const plain = await makeConnector(base, { path: 'vdir' });
    const [bad, good] = await plain.load('cal', ['odd.ics', 'latin1.ics'], { entity: 'event' });
    expect(good.ok).toBe(true);
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe('Invalid');
      expect(bad.error.message).toMatch(/^odd\.ics: not UTF-8, and its character set cannot be told/);
    }
  });

  it('the "charset" setting names the folder\'s charset, and wins over a detector\'s guess', async () => {
    // windows-1251 АБВГДЕ: a detector reads these bytes as Latin-1 ÀÁÂÃÄÅ.
    writeFileSync(path.join(base, 'vdir', 'cal', 'cyrillic.ics'), withSummary([0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5]));
    const guessed = await (await makeConnector(base, { path: 'vdir' })).load('cal', ['cyrillic.ics'], { entity: 'event' });
    expect(guessed[0].ok && (guessed[0].item as EventEntity).summary).toBe('ÀÁÂÃÄÅ');
    const configured = await makeConnector(base, { path: 'vdir', charset: 'windows-1251' });
    const [read] = await configured.load('cal', ['cyrillic.ics'], { entity: 'event' });
    expect(read.ok && (read.item as EventEntity).summary).toBe('АБВГДЕ');
  });

  it('refuses an unknown "charset" setting up front', async () => {
    await expect(makeConnector(base, { path: 'vdir', charset: 'klingon-8' })).rejects.toThrow(/"charset": "klingon-8" is not a character set/);
  });
});
