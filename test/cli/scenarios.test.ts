/**
 * Every mode, conflict policy, filter form, the window, the guards and tombstones, end to end:
 * the real CLI on real folders.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace, writes } from '../support/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

function setup(options: Record<string, unknown> = {}): Workspace {
  ws = new Workspace();
  ws.pairing(options);
  return ws;
}

describe('modes', () => {
  it('two-way: creates, edits and deletes flow both ways; a second run writes nothing', async () => {
    setup({ mode: 'two-way' });
    ws.put('left', { uid: 'l1', summary: 'Left one' });
    ws.put('right', { uid: 'r1', summary: 'Right one' });
    let r = await ws.sync();
    expect(r.code).toBe(0);
    expect(r.report.b.created).toBe(1);
    expect(r.report.a.created).toBe(1);
    expect(ws.items('left')).toEqual(ws.items('right'));
    expect((await ws.sync()).report).toMatchObject({ a: { created: 0, updated: 0, deleted: 0 }, b: { created: 0, updated: 0, deleted: 0 } });

    ws.edit('right', 'l1', 'Left one, edited on the right');
    ws.remove('left', 'r1');
    r = await ws.sync();
    expect(r.report.a.updated).toBe(1);
    expect(r.report.b.deleted).toBe(1);
    expect(ws.items('left')).toEqual(new Map([['l1', 'Left one, edited on the right']]));
    expect(ws.items('right')).toEqual(ws.items('left'));
    expect(writes((await ws.sync()).report)).toBe(0);
  });

  it('two-way-existing: new items flow A→B only, edits of synced items flow both ways', async () => {
    setup({ mode: 'two-way-existing' });
    ws.put('left', { uid: 'a1', summary: 'From A' });
    ws.put('right', { uid: 'b1', summary: 'Only on B' });
    await ws.sync();
    expect(ws.items('right').get('a1')).toBe('From A');
    expect(ws.items('left').has('b1')).toBe(false);
    ws.edit('right', 'a1', 'Edited on B');
    await ws.sync();
    expect(ws.items('left').get('a1')).toBe('Edited on B');
    expect(writes((await ws.sync()).report)).toBe(0);
  });

  it('mirror-a-to-b: B becomes a copy — B-only items removed, B edits and deletions reverted', async () => {
    setup({ mode: 'mirror-a-to-b' });
    ws.put('left', { uid: 'a1', summary: 'A1' });
    ws.put('left', { uid: 'a2', summary: 'A2' });
    ws.put('right', { uid: 'stray', summary: 'Only on B' });
    await ws.sync();
    expect(ws.items('right')).toEqual(ws.items('left'));
    ws.edit('right', 'a1', 'Tampered');
    ws.remove('right', 'a2');
    await ws.sync();
    expect(ws.items('right')).toEqual(new Map([['a1', 'A1'], ['a2', 'A2']]));
    expect(ws.items('left')).toEqual(new Map([['a1', 'A1'], ['a2', 'A2']]));
  });

  it('mirror-b-to-a works the other way round', async () => {
    setup({ mode: 'mirror-b-to-a' });
    ws.put('right', { uid: 'b1', summary: 'B1' });
    ws.put('left', { uid: 'stray', summary: 'Only on A' });
    await ws.sync();
    expect(ws.items('left')).toEqual(new Map([['b1', 'B1']]));
  });

  it('push-a-to-b: A changes are pushed, B-only items are left alone, B never writes A', async () => {
    setup({ mode: 'push-a-to-b' });
    ws.put('left', { uid: 'a1', summary: 'A1' });
    ws.put('right', { uid: 'b-own', summary: 'B keeps this' });
    await ws.sync();
    ws.edit('left', 'a1', 'A1 v2');
    ws.edit('right', 'b-own', 'B keeps this, edited');
    await ws.sync();
    expect(ws.items('right')).toEqual(new Map([['a1', 'A1 v2'], ['b-own', 'B keeps this, edited']]));
    expect(ws.items('left')).toEqual(new Map([['a1', 'A1 v2']]));
  });

  it('push-b-to-a pushes the other way', async () => {
    setup({ mode: 'push-b-to-a' });
    ws.put('right', { uid: 'b1', summary: 'B1' });
    ws.put('left', { uid: 'a-own', summary: 'A keeps this' });
    await ws.sync();
    expect(ws.items('left')).toEqual(new Map([['a-own', 'A keeps this'], ['b1', 'B1']]));
    expect(ws.items('right').has('a-own')).toBe(false);
  });

  it('export-a-to-b: new items are copied once and never updated', async () => {
    setup({ mode: 'export-a-to-b' });
    ws.put('left', { uid: 'a1', summary: 'Exported' });
    await ws.sync();
    ws.edit('left', 'a1', 'Changed later');
    const r = await ws.sync();
    expect(writes(r.report)).toBe(0);
    expect(ws.items('right').get('a1')).toBe('Exported');
  });

  it('export-b-to-a copies B → A once', async () => {
    setup({ mode: 'export-b-to-a' });
    ws.put('right', { uid: 'b1', summary: 'From B' });
    await ws.sync();
    expect(ws.items('left').get('b1')).toBe('From B');
  });

  it('once: add only adds missing items, update also overwrites, recreate makes B an exact copy', async () => {
    setup({ mode: 'once', once: 'add' });
    ws.put('left', { uid: 'a1', summary: 'A1' });
    ws.put('right', { uid: 'a1', summary: 'B version' });
    ws.put('left', { uid: 'a2', summary: 'A2' });
    ws.put('right', { uid: 'extra', summary: 'Extra on B' });
    await ws.sync();
    expect(ws.items('right')).toEqual(new Map([['a1', 'B version'], ['a2', 'A2'], ['extra', 'Extra on B']]));

    ws.pairing({ mode: 'once', once: 'update' });
    await ws.sync();
    expect(ws.items('right')).toEqual(new Map([['a1', 'A1'], ['a2', 'A2'], ['extra', 'Extra on B']]));

    ws.pairing({ mode: 'once', once: 'recreate' });
    await ws.sync('--force');
    expect(ws.items('right')).toEqual(new Map([['a1', 'A1'], ['a2', 'A2']]));
  });
});

describe('conflicts', () => {
  async function conflict(policy: string) {
    setup({ mode: 'two-way', conflict: policy });
    ws.put('left', { uid: 'c', summary: 'Original', lastModified: '20260101T000000Z' });
    await ws.sync();
    ws.edit('left', 'c', 'Edited on A', '20260201T000000Z');
    ws.edit('right', 'c', 'Edited on B', '20260301T000000Z');
    return ws.sync();
  }

  it('a-wins', async () => {
    await conflict('a-wins');
    expect(ws.items('right').get('c')).toBe('Edited on A');
    expect(ws.items('left').get('c')).toBe('Edited on A');
  });

  it('b-wins', async () => {
    await conflict('b-wins');
    expect(ws.items('left').get('c')).toBe('Edited on B');
  });

  it('newer-wins takes the later LAST-MODIFIED (B here), and A on a tie', async () => {
    await conflict('newer-wins');
    expect(ws.items('left').get('c')).toBe('Edited on B');
    ws.edit('left', 'c', 'Tie A', '20260401T000000Z');
    ws.edit('right', 'c', 'Tie B', '20260401T000000Z');
    await ws.sync();
    expect(ws.items('right').get('c')).toBe('Tie A');
  });

  it('keep-both keeps the newer version and copies the other as a new item on both sides', async () => {
    await conflict('keep-both');
    const left = ws.items('left');
    expect(left.get('c')).toBe('Edited on B');
    const copies = [...left].filter(([uid]) => uid.startsWith('c-conflict-'));
    expect(copies).toHaveLength(1);
    expect(copies[0][1]).toBe('Edited on A (conflict copy from A)');
    expect(ws.items('right')).toEqual(left);
    expect(writes((await ws.sync()).report)).toBe(0);
  });

  it('manual: skipped and recorded; conflicts list shows it; resolve applies on the next sync', async () => {
    const r = await conflict('manual');
    expect(r.report.conflicts).toBe(1);
    expect(ws.items('left').get('c')).toBe('Edited on A');
    expect(ws.items('right').get('c')).toBe('Edited on B');
    const list = await ws.run(['conflicts', 'list', '--json']);
    expect(JSON.parse(list.stdout).conflicts).toMatchObject([{ pairing: 'p', uid: 'c', a: 'Edited on A', b: 'Edited on B' }]);
    const again = await ws.sync();
    expect(again.report.conflicts).toBe(1);
    const res = await ws.run(['conflicts', 'resolve', 'p', 'c', '--keep', 'b']);
    expect(res.code).toBe(0);
    await ws.sync();
    expect(ws.items('left').get('c')).toBe('Edited on B');
    expect(ws.items('right').get('c')).toBe('Edited on B');
    expect(JSON.parse((await ws.run(['conflicts', 'list', '--json'])).stdout).conflicts).toEqual([]);
  });

  it('edit beats delete', async () => {
    setup({ mode: 'two-way', conflict: 'newer-wins' });
    ws.put('left', { uid: 'e', summary: 'Keep me' });
    ws.put('left', { uid: 'other', summary: 'Keeps side A from going empty' });
    await ws.sync();
    ws.remove('left', 'e');
    ws.edit('right', 'e', 'Edited while deleted elsewhere');
    await ws.sync();
    expect(ws.items('left').get('e')).toBe('Edited while deleted elsewhere');
  });
});

describe('filters and window', () => {
  const cases: [string, string[], string[]][] = [
    ['Test', ['A test run', 'Testing', 'Contest'], ['Meeting']],
    ['Test*', ['Testing', 'test drive'], ['A test run', 'Contest']],
    ['*Test', ['Contest', 'unit TEST'], ['Testing']],
    ['Te*st', ['Test', 'Telecast', 'te-st'], ['Testing', 'A test']],
    ['*a*b*', ['xaYbz', 'ab'], ['ba']],
    ['Prüfung*', ['prüfung morgen'], ['Vorprüfung']],
  ];
  for (const [pattern, excluded, kept] of cases) {
    it(`exclude "${pattern}" drops ${excluded.join(', ')} and keeps ${kept.join(', ')}`, async () => {
      setup({ filters: { exclude: [{ field: 'summary', pattern }] } });
      [...excluded, ...kept].forEach((s, i) => ws.put('left', { uid: `f${i}`, summary: s }));
      await ws.sync();
      expect([...ws.items('right').values()].sort()).toEqual([...kept].sort());
    });
  }

  it('include rules, predicates (private, recurring, category) and side-specific rules', async () => {
    setup({
      filters: {
        include: [{ field: 'categories', pattern: 'Work' }],
        exclude: [{ predicate: 'private' }, { predicate: 'recurring' }, { field: 'summary', pattern: 'B-only rule', side: 'b' }],
      },
    });
    ws.put('left', { uid: 'w', summary: 'Work item', extra: ['CATEGORIES:Work,Team'] });
    ws.put('left', { uid: 'h', summary: 'Home item', extra: ['CATEGORIES:Home'] });
    ws.put('left', { uid: 'p', summary: 'Private work', extra: ['CATEGORIES:Work', 'CLASS:PRIVATE'] });
    ws.put('left', { uid: 'r', summary: 'Recurring work', extra: ['CATEGORIES:Work', 'RRULE:FREQ=WEEKLY'] });
    ws.put('left', { uid: 'side', summary: 'B-only rule', extra: ['CATEGORIES:Work'] });
    await ws.sync();
    expect(ws.items('right')).toEqual(new Map([['w', 'Work item'], ['side', 'B-only rule']]));
  });

  it('category predicate', async () => {
    setup({ filters: { exclude: [{ predicate: 'category', value: 'Holiday*' }] } });
    ws.put('left', { uid: 'x', summary: 'Off', extra: ['CATEGORIES:Holidays'] });
    ws.put('left', { uid: 'y', summary: 'On', extra: ['CATEGORIES:Work'] });
    await ws.sync();
    expect([...ws.items('right').keys()]).toEqual(['y']);
  });

  it('an item that leaves a filter is never deleted on the other side', async () => {
    setup({ filters: { exclude: [{ field: 'summary', pattern: 'Test*' }] } });
    ws.put('left', { uid: 'm', summary: 'Meeting' });
    await ws.sync();
    ws.edit('left', 'm', 'Test meeting');
    const r = await ws.sync();
    expect(writes(r.report)).toBe(0);
    expect(ws.items('right').get('m')).toBe('Meeting');
  });

  it('window: pastDays/futureDays and from; recurring events count if any instance is inside', async () => {
    const day = (offset: number) => {
      const d = new Date(Date.now() + offset * 86_400_000);
      return d.toISOString().slice(0, 10).replace(/-/g, '');
    };
    setup({ window: { pastDays: 30, futureDays: 60 } });
    ws.put('left', { uid: 'now', summary: 'Soon', start: `${day(5)}T100000Z` });
    ws.put('left', { uid: 'old', summary: 'Long ago', start: `${day(-400)}T100000Z` });
    ws.put('left', { uid: 'far', summary: 'Far future', start: `${day(400)}T100000Z` });
    ws.put('left', { uid: 'weekly', summary: 'Weekly since long ago', start: `${day(-400)}T100000Z`, extra: ['RRULE:FREQ=WEEKLY'] });
    ws.put('left', { uid: 'ended', summary: 'Series that ended', start: `${day(-400)}T100000Z`, extra: ['RRULE:FREQ=WEEKLY;COUNT=3'] });
    await ws.sync();
    expect([...ws.items('right').keys()].sort()).toEqual(['now', 'weekly']);

    ws.pairing({ window: { from: `${day(-500).slice(0, 4)}-${day(-500).slice(4, 6)}-${day(-500).slice(6, 8)}` } });
    await ws.sync();
    expect([...ws.items('right').keys()].sort()).toEqual(['ended', 'far', 'now', 'old', 'weekly']);
  });
});

describe('deletes and guards', () => {
  it('tombstone: a deletion on A keeps B\'s copy, marks it, and never re-creates it', async () => {
    setup({ deletes: { b: 'tombstone' } });
    ws.put('left', { uid: 't', summary: 'Will be deleted on A' });
    ws.put('left', { uid: 'other', summary: 'Keeps side A from going empty' });
    await ws.sync();
    ws.remove('left', 't');
    await ws.sync();
    expect(ws.items('right').has('t')).toBe(true);
    expect(ws.text('right', 't')).toMatch(/X-DOVETAIL-DELETED:/);
    ws.edit('right', 't', 'Edited after the tombstone');
    const r = await ws.sync();
    expect(writes(r.report)).toBe(0);
    expect(ws.items('left').has('t')).toBe(false);
  });

  it('mass-delete guard: more than maxDeleteShare of a side with > 10 items stops with exit 1 unless --force', async () => {
    setup({ maxDeleteShare: 0.5 });
    for (let i = 0; i < 20; i++) ws.put('left', { uid: `g${i}`, summary: `Item ${i}` });
    await ws.sync();
    for (let i = 0; i < 15; i++) ws.remove('left', `g${i}`);
    const r = await ws.sync();
    expect(r.code).toBe(1);
    expect(r.report.blocked).toMatch(/would delete 15 of 20 items on side b/);
    expect(ws.items('right').size).toBe(20);
    const forced = await ws.sync('--force');
    expect(forced.code).toBe(0);
    expect(ws.items('right').size).toBe(5);
  });

  it('a previously non-empty side found empty stops the run', async () => {
    setup();
    for (let i = 0; i < 3; i++) ws.put('left', { uid: `e${i}`, summary: `Item ${i}` });
    await ws.sync();
    for (let i = 0; i < 3; i++) ws.remove('left', `e${i}`);
    const r = await ws.sync();
    expect(r.code).toBe(1);
    expect(r.report.blocked).toMatch(/side a held 3 items last run and is empty now/);
    expect(ws.items('right').size).toBe(3);
  });
});

describe('dry run and reports', () => {
  it('--dry-run prints the plan and changes nothing; the real run does exactly that', async () => {
    setup();
    ws.put('left', { uid: 'd1', summary: 'Dry one' });
    ws.put('right', { uid: 'd2', summary: 'Dry two' });
    const dry = await ws.sync('--dry-run');
    expect(dry.report.dryRun).toBe(true);
    expect(ws.items('right').has('d1')).toBe(false);
    const planned = dry.report.items.filter((i) => i.action !== 'skip').map((i) => `${i.action} ${i.side} ${i.uid}`).sort();
    const real = await ws.sync();
    expect(real.report.items.map((i) => `${i.action} ${i.side} ${i.uid}`).sort()).toEqual(planned);
    const text = await ws.run(['sync', '--dry-run']);
    expect(text.stdout).toMatch(/nothing to do/);
  });

  it('a malformed item is reported with its reason, the rest syncs, exit 1', async () => {
    setup();
    ws.put('left', { uid: 'good', summary: 'Fine' });
    ws.put('left', { uid: 'bad', summary: 'x' }, 'bad.ics');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(ws.path('left', 'cal', 'bad.ics'), 'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\n');
    const r = await ws.sync();
    expect(r.code).toBe(1);
    expect(r.report.failed).toBe(1);
    expect(r.report.errors[0].message).toMatch(/bad\.ics/);
    expect(ws.items('right').get('good')).toBe('Fine');
  });
});

describe('mapping tables', () => {
  it('per-field directions, a template and a default for empty values, through the CLI', async () => {
    setup({
      mode: 'two-way',
      mapping: [
        { a: 'summary', b: 'summary', direction: 'a-to-b', transform: { name: 'template', template: '[Team] {summary}' } },
        { a: 'location', b: 'location', direction: 'none' },
        { a: 'description', b: 'description', direction: 'both', default: '.' },
      ],
    });
    ws.put('left', { uid: 'm', summary: 'Planning', extra: ['LOCATION:Room A'] });
    await ws.sync();
    expect(ws.items('right').get('m')).toBe('[Team] Planning');
    const right = ws.text('right', 'm');
    expect(right).not.toMatch(/LOCATION/); // direction none: B keeps its own (empty) location
    expect(right).toMatch(/DESCRIPTION:\./); // the default fills the empty description
    // B's edit of the summary does not flow back (a-to-b only); a description edit does.
    const { readFileSync, writeFileSync } = await import('node:fs');
    const file = ws.path('right', 'cal', ws.fileOf('right', 'm')!);
    writeFileSync(file, readFileSync(file, 'utf8').replace('SUMMARY:[Team] Planning', 'SUMMARY:Renamed on B').replace('DESCRIPTION:.', 'DESCRIPTION:Agenda from B'));
    await ws.sync();
    expect(ws.items('left').get('m')).toBe('Planning');
    expect(ws.text('left', 'm')).toMatch(/DESCRIPTION:Agenda from B/);
    expect(ws.text('left', 'm')).toMatch(/LOCATION:Room A/);
    expect(writes((await ws.sync()).report)).toBe(0);
  });
});
