/**
 * PROAD's calendar procedures end to end through the CLI on real folders (side A = PROAD, side B = the external
 * calendar): "Komplett-Sync" syncs every PROAD appointment whatever its date and only ±12 months of the external
 * ones; "2-Way" windows both; an appointment deleted externally stays in PROAD, shown as externally deleted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../support/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

/** An iCalendar UTC date-time `days` from now (10:00 UTC). */
function day(days: number): string {
  return `${new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '')}T100000Z`;
}

function setup(preset: string): Workspace {
  ws = new Workspace('dovetail-proad-');
  ws.pairing({ preset });
  ws.put('left', { uid: 'proad-old', summary: 'Kick-off two years ago', start: day(-730) });
  ws.put('left', { uid: 'proad-next', summary: 'Review next week', start: day(7) });
  ws.put('right', { uid: 'ext-old', summary: 'External, two years ago', start: day(-730) });
  ws.put('right', { uid: 'ext-next', summary: 'External, next week', start: day(8) });
  return ws;
}

describe('PROAD calendar presets', () => {
  it('Komplett-Sync: every PROAD appointment, external ones within ±12 months; externally deleted ones stay in PROAD, marked', async () => {
    setup('proad-komplett');
    expect((await ws.run(['validate'])).code).toBe(0);
    const first = await ws.sync();
    expect(first.code).toBe(0);
    expect([...ws.items('right').keys()].sort()).toEqual(['ext-next', 'ext-old', 'proad-next', 'proad-old']);
    expect([...ws.items('left').keys()].sort()).toEqual(['ext-next', 'proad-next', 'proad-old']);

    // The old PROAD appointment's copy is edited externally: it flows back although it is outside the window.
    ws.edit('right', 'proad-old', 'Kick-off (moved room)', day(0).replace(/T.*/, 'T120000Z'));
    await ws.sync();
    expect(ws.items('left').get('proad-old')).toBe('Kick-off (moved room)');

    // Deleted externally: PROAD keeps it, flagged, with the category people see.
    ws.remove('right', 'proad-next');
    const del = await ws.sync();
    expect(del.report.a).toEqual({ created: 0, updated: 1, deleted: 0 });
    const kept = ws.text('left', 'proad-next');
    expect(kept).toMatch(/^X-DOVETAIL-DELETED:/m);
    expect(kept).toMatch(/^CATEGORIES:Externally deleted\r?$/m);
    expect(ws.items('right').has('proad-next')).toBe(false);
    // Deleted in PROAD: deleted externally.
    ws.remove('left', 'ext-next');
    await ws.sync();
    expect(ws.items('right').has('ext-next')).toBe(false);
    // Nothing left to do.
    expect((await ws.sync()).report.unchanged).toBe(3);
  });

  it('2-Way: the ±12-month window applies to both sides', async () => {
    setup('proad-2-way');
    await ws.sync();
    expect([...ws.items('right').keys()].sort()).toEqual(['ext-next', 'ext-old', 'proad-next']);
    expect([...ws.items('left').keys()].sort()).toEqual(['ext-next', 'proad-next', 'proad-old']);
  });

  it('1-Way and Export: nothing comes back from the external calendar', async () => {
    setup('proad-1-way');
    await ws.sync();
    expect([...ws.items('left').keys()].sort()).toEqual(['proad-next', 'proad-old']);
    ws.edit('left', 'proad-next', 'Review (new time)');
    ws.edit('right', 'ext-next', 'External edit');
    const pushed = await ws.sync();
    expect(pushed.report.b.updated).toBe(1);
    expect(ws.items('right').get('proad-next')).toBe('Review (new time)');
    expect(ws.items('left').has('ext-next')).toBe(false);

    ws.cleanup();
    setup('proad-export');
    await ws.sync();
    ws.edit('left', 'proad-next', 'Review (new time)');
    const exported = await ws.sync();
    expect(exported.report.b).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(ws.items('right').get('proad-next')).toBe('Review next week');
  });
});
