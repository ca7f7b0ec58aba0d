/**
 * A hostile folder through the real CLI: a link in a synced folder to a calendar outside it is not uploaded, is
 * reported as that item's error (exit 1), and an edit coming back from the other side never replaces the link.
 */
import { lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ics, Workspace } from '../support/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

describe('symbolic links in a synced folder', () => {
  it('a link to a file outside the folder is refused as that item\'s error; the rest syncs; the link stays a link', async () => {
    ws = new Workspace('dovetail-links-');
    ws.pairing({ mode: 'two-way' });
    ws.put('left', { uid: 'ok', summary: 'Plain item' });
    mkdirSync(ws.path('private'));
    writeFileSync(ws.path('private', 'secret.ics'), ics({ uid: 'secret', summary: 'Salary talk' }));
    symlinkSync(ws.path('private', 'secret.ics'), ws.path('left', 'cal', 'secret.ics'));

    const first = await ws.sync();
    expect(first.code).toBe(1);
    expect(first.report.b.created).toBe(1);
    expect(first.report.errors.map((e) => e.message).join('\n')).toMatch(/secret\.ics is a symbolic link; links are not followed/);
    expect([...ws.items('right').keys()]).toEqual(['ok']);

    // An edit on the other side flows back to the plain item; the link and the file it points to are untouched.
    ws.edit('right', 'ok', 'Plain item, edited', '20300101T000000Z');
    const second = await ws.sync();
    expect(second.report.a.updated).toBe(1);
    expect(lstatSync(ws.path('left', 'cal', 'secret.ics')).isSymbolicLink()).toBe(true);
    expect(readFileSync(ws.path('private', 'secret.ics'), 'utf8')).toContain('SUMMARY:Salary talk');
    expect([...ws.items('right').keys()]).toEqual(['ok']);
  });
});
