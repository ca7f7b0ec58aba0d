import { describe, expect, it } from 'vitest';
import type { Entity, EventEntity, Reminder, TaskEntity } from '../../src/sdk/entities.js';
import type { Transform, TransformContext } from '../../src/engine/transforms.js';
import {
  applyReminderPolicy, compileTransform, durationMs, levelToPriority, PROAD_TO_ICAL, priorityToLevel, withDefault,
} from '../../src/engine/transforms.js';

const now = new Date('2026-03-10T12:00:00Z');
const ev = (over: Partial<EventEntity> = {}): EventEntity => ({ type: 'event', uid: 'e', ...over });

function t(spec: unknown, entity: Entity['type'] = 'event'): Transform {
  const c = compileTransform(spec, entity);
  if ('errors' in c) throw new Error(JSON.stringify(c.errors));
  return c;
}
const ctx = (over: Partial<TransformContext> = {}): TransformContext => ({ now, source: ev(), current: undefined, ...over });

describe('identity and html/text', () => {
  it('identity passes values through both ways', () => {
    expect(t('identity').apply('x', ctx(), 'forward')).toBe('x');
    expect(t('identity').apply([1], ctx(), 'backward')).toEqual([1]);
  });

  it('html-to-text converts forward and text-to-html back', () => {
    const h = t('html-to-text');
    expect(h.apply('<p>a&amp;b</p><p>c</p>', ctx(), 'forward')).toBe('a&b\n\nc');
    expect(h.apply('a&b\nc', ctx(), 'backward')).toBe('<p>a&amp;b<br>\nc</p>');
    expect(h.apply(undefined, ctx(), 'forward')).toBeUndefined();
    expect(h.apply('<p> </p>', ctx(), 'forward')).toBeUndefined();
    const r = t({ name: 'text-to-html' });
    expect(r.apply('x', ctx(), 'forward')).toBe('<p>x</p>');
    expect(r.apply('<b>x</b>', ctx(), 'backward')).toBe('x');
  });
});

describe('priority scales', () => {
  it('maps iCalendar 1–9 to levels and back', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -1, 2.5].map(priorityToLevel)).toEqual([
      undefined, 'high', 'high', 'high', 'high', 'normal', 'low', 'low', 'low', 'low', undefined, undefined, undefined,
    ]);
    expect(priorityToLevel('7')).toBe('low');
    expect(['high', 'NORMAL', 'low', 'medium', 'none', 'urgent', 3].map(levelToPriority)).toEqual([1, 5, 9, 5, undefined, undefined, undefined]);
  });

  it('the inverse keeps the target value when it means the same level', () => {
    const p = t('priority-1-9-to-level');
    expect(p.apply(3, ctx(), 'forward')).toBe('high');
    expect(p.apply('high', ctx({ current: 3 }), 'backward')).toBe(3);
    expect(p.apply('high', ctx({ current: 7 }), 'backward')).toBe(1);
    expect(p.apply('low', ctx(), 'backward')).toBe(9);
    const q = t('priority-level-to-1-9');
    expect(q.apply('normal', ctx(), 'forward')).toBe(5);
    expect(q.apply(2, ctx({ current: 'High' }), 'backward')).toBe('High');
    expect(q.apply(8, ctx({ current: 'High' }), 'backward')).toBe('low');
  });
});

describe('status tables', () => {
  it('PROAD states to iCalendar and back (waiting/deferred documented)', () => {
    const s = t({ name: 'status-table', table: 'proad' }, 'task');
    const f = (v: string) => s.apply(v, ctx(), 'forward');
    expect(['new', 'started', 'waiting', 'deferred', 'done', 'cancelled', 'Done', 'bogus'].map(f)).toEqual([
      'needs-action', 'in-process', 'in-process', 'needs-action', 'completed', 'cancelled', 'completed', undefined,
    ]);
    const b = (v: string, current?: string) => s.apply(v, ctx({ current }), 'backward');
    expect(['needs-action', 'in-process', 'completed', 'cancelled'].map((v) => b(v))).toEqual(['new', 'started', 'done', 'cancelled']);
    // The PROAD side's finer state survives when the iCalendar side still means the same thing.
    expect(b('in-process', 'waiting')).toBe('waiting');
    expect(b('needs-action', 'deferred')).toBe('deferred');
    expect(b('completed', 'waiting')).toBe('done');
    expect(Object.keys(PROAD_TO_ICAL)).toEqual(['new', 'started', 'waiting', 'deferred', 'done', 'cancelled']);
  });

  it('invert reads the PROAD table the other way round', () => {
    const s = t({ name: 'status-table', table: 'proad', invert: true }, 'task');
    expect(s.apply('in-process', ctx(), 'forward')).toBe('started');
    expect(s.apply('waiting', ctx(), 'backward')).toBe('in-process');
    expect(s.apply('started', ctx({ current: 'in-process' }), 'backward')).toBe('in-process');
  });

  it('custom tables, case-insensitive, first key wins the inverse', () => {
    const s = t({ name: 'status-table', table: { Open: 'needs-action', Pending: 'needs-action', Closed: 'completed' } }, 'task');
    expect(s.apply('open', ctx(), 'forward')).toBe('needs-action');
    expect(s.apply('PENDING', ctx(), 'forward')).toBe('needs-action');
    expect(s.apply('Needs-Action', ctx(), 'backward')).toBe('Open');
    expect(s.apply('needs-action', ctx({ current: 'Pending' }), 'backward')).toBe('Pending');
    expect(s.apply('in-process', ctx(), 'backward')).toBeUndefined();
  });
});

describe('category ↔ colour', () => {
  const c = () => t({ name: 'category-color', table: { Urgent: '#FF0000', Private: '#00ff00' } });
  it('takes the first category with a colour', () => {
    expect(c().apply(['Misc', 'private', 'Urgent'], ctx(), 'forward')).toBe('#00ff00');
    expect(c().apply(['Misc'], ctx(), 'forward')).toBeUndefined();
    expect(c().apply(undefined, ctx(), 'forward')).toBeUndefined();
  });
  it('maps a colour back to its category, keeping the other categories', () => {
    expect(c().apply('#ff0000', ctx({ current: ['Misc', 'Private'] }), 'backward')).toEqual(['Misc', 'Urgent']);
    expect(c().apply('#FF0000', ctx({ current: ['urgent', 'Misc'] }), 'backward')).toEqual(['urgent', 'Misc']);
    expect(c().apply('#123456', ctx({ current: ['Misc', 'Urgent'] }), 'backward')).toEqual(['Misc']);
    expect(c().apply(undefined, ctx(), 'backward')).toBeUndefined();
    expect(c().apply('#00FF00', ctx(), 'backward')).toEqual(['Private']);
  });
});

describe('reminders policy', () => {
  const rel = (offset: string, related?: 'start' | 'end'): Reminder => ({ kind: 'relative', offset, ...(related ? { related } : {}) });
  const abs = (at: string): Reminder => ({ kind: 'absolute', at });

  it('parses ISO durations', () => {
    expect(durationMs('-PT15M')).toBe(-15 * 60_000);
    expect(durationMs('P1DT2H')).toBe(26 * 3_600_000);
    expect(durationMs('-P1W')).toBe(-7 * 86_400_000);
    expect(durationMs('PT0S')).toBe(0);
    expect(durationMs('P')).toBeUndefined();
    expect(durationMs('15 minutes')).toBeUndefined();
  });

  it('all keeps, none drops', () => {
    const list = [rel('-PT15M')];
    expect(applyReminderPolicy(list, 'all', ev(), now)).toEqual(list);
    expect(applyReminderPolicy(list, 'none', ev(), now)).toBeUndefined();
    expect(applyReminderPolicy(undefined, 'all', ev(), now)).toBeUndefined();
  });

  it('upcoming-only keeps alarms after now and not after the start', () => {
    const start = { kind: 'utc' as const, value: '2026-03-10T13:00:00Z' };
    const e = ev({ start, end: { kind: 'utc', value: '2026-03-10T14:00:00Z' } });
    const list = [
      rel('-PT30M'), // 12:30 → kept
      rel('-PT2H'), // 11:00 → past
      rel('PT10M'), // 13:10 → after start
      rel('-PT30M', 'end'), // 13:30 → after start
      rel('-PT90M', 'end'), // 12:30 → kept
      abs('2026-03-10T12:45:00Z'), // kept
      abs('2026-03-10T11:59:00Z'), // past
      abs('garbage'),
      rel('soon'),
    ];
    expect(applyReminderPolicy(list, 'upcoming-only', e, now)).toEqual([list[0], list[4], list[5]]);
    // An event in the past has no upcoming reminders.
    const past = ev({ start: { kind: 'utc', value: '2026-03-01T10:00:00Z' } });
    expect(applyReminderPolicy([rel('-PT15M')], 'upcoming-only', past, now)).toBeUndefined();
  });

  it('upcoming-only reads zoned and all-day starts', () => {
    // 14:00 in Berlin (UTC+1 in March before DST) = 13:00Z; -PT45M → 12:15Z, after now.
    const zoned = ev({ start: { kind: 'zoned', value: '2026-03-10T14:00:00', tz: 'Europe/Berlin' } });
    expect(applyReminderPolicy([rel('-PT45M')], 'upcoming-only', zoned, now)).toHaveLength(1);
    expect(applyReminderPolicy([rel('-PT61M')], 'upcoming-only', zoned, now)).toBeUndefined();
    const allDay = ev({ start: { kind: 'date', value: '2026-03-11' } });
    expect(applyReminderPolicy([rel('-PT9H')], 'upcoming-only', allDay, now)).toHaveLength(1);
    expect(applyReminderPolicy([rel('-P1D')], 'upcoming-only', allDay, now)).toBeUndefined();
  });

  it('keeps relative alarms of recurring items, which fire for future occurrences', () => {
    const weekly = ev({ start: { kind: 'utc', value: '2025-01-01T09:00:00Z' }, recurrence: { rrule: ['FREQ=WEEKLY'] } });
    const list = [rel('-PT15M'), abs('2025-01-01T08:00:00Z')];
    expect(applyReminderPolicy(list, 'upcoming-only', weekly, now)).toEqual([list[0]]);
  });

  it('tasks: relative to start or due; absolute alarms without dates judged by now', () => {
    const task: TaskEntity = { type: 'task', uid: 't', due: { kind: 'utc', value: '2026-03-12T09:00:00Z' } };
    expect(applyReminderPolicy([rel('-P1D', 'end')], 'upcoming-only', task, now)).toHaveLength(1);
    const undated: TaskEntity = { type: 'task', uid: 'u' };
    expect(applyReminderPolicy([abs('2026-04-01T00:00:00Z'), rel('-PT5M')], 'upcoming-only', undated, now)).toEqual([abs('2026-04-01T00:00:00Z')]);
  });

  it('as a transform, uses the source entity and now', () => {
    const r = t({ name: 'reminders', policy: 'upcoming-only' });
    const e = ev({ start: { kind: 'utc', value: '2026-03-10T13:00:00Z' }, reminders: [rel('-PT15M'), rel('-PT3H')] });
    expect(r.apply(e.reminders, ctx({ source: e }), 'forward')).toEqual([rel('-PT15M')]);
    expect(r.apply(e.reminders, ctx({ source: e, now: new Date('2026-03-10T12:50:00Z') }), 'backward')).toBeUndefined();
  });
});

describe('constant and template', () => {
  it('constant returns a copy of its value', () => {
    const c = t({ name: 'constant', value: ['Synced'] });
    const a = c.apply('ignored', ctx(), 'forward') as string[];
    expect(a).toEqual(['Synced']);
    a.push('x');
    expect(c.apply(undefined, ctx(), 'forward')).toEqual(['Synced']);
    expect(c.invertible).toBe(false);
  });

  it('template fills fields and drops dangling separators', () => {
    const tpl = t({ name: 'template', template: '{summary} – {location}' });
    const run = (e: Partial<EventEntity>) => tpl.apply(undefined, ctx({ source: ev(e) }), 'forward');
    expect(run({ summary: 'Lunch', location: 'Canteen' })).toBe('Lunch – Canteen');
    expect(run({ summary: 'Lunch' })).toBe('Lunch');
    expect(run({ location: 'Canteen' })).toBe('Canteen');
    expect(run({ summary: '  ' })).toBeUndefined();
    expect(tpl.reads).toEqual(['summary', 'location']);
  });

  it('template: prefix/suffix kept, middle separators chosen by the next value, lists and times as text', () => {
    const tpl = t({ name: 'template', template: 'PROAD: {summary}, {location}; {categories} @ {start}!' });
    const run = (e: Partial<EventEntity>) => tpl.apply(undefined, ctx({ source: ev(e) }), 'forward');
    expect(run({ summary: 'S', location: 'L', categories: ['a', 'b'], start: { kind: 'date', value: '2026-01-02' } }))
      .toBe('PROAD: S, L; a, b @ 2026-01-02!');
    expect(run({ summary: 'S', categories: ['a'] })).toBe('PROAD: S; a!');
    expect(run({ location: 'L' })).toBe('PROAD: L!');
    expect(run({})).toBeUndefined();
    const braces = t({ name: 'template', template: '{{{summary}}}' });
    expect(braces.apply(undefined, ctx({ source: ev({ summary: 'x' }) }), 'forward')).toBe('{x}');
    const contact = t({ name: 'template', template: '{name.given} {name.family} ({org.name})' }, 'contact');
    expect(contact.apply(undefined, ctx({ source: { type: 'contact', uid: 'c', name: { given: 'Ann', family: 'Lee' }, org: { name: 'Acme' } } }), 'forward'))
      .toBe('Ann Lee (Acme)');
  });

  it('default fills empty values only', () => {
    expect(withDefault(undefined, '.')).toBe('.');
    expect(withDefault('', '.')).toBe('.');
    expect(withDefault('   ', '.')).toBe('.');
    expect(withDefault([], ['x'])).toEqual(['x']);
    expect(withDefault('Subject', '.')).toBe('Subject');
    expect(withDefault(0, 5)).toBe(0);
    expect(withDefault(undefined, undefined)).toBeUndefined();
  });
});

describe('transform spec validation', () => {
  const errs = (spec: unknown, entity: Entity['type'] = 'event') => {
    const c = compileTransform(spec, entity);
    return 'errors' in c ? c.errors : [];
  };
  it('reports what is wrong, with pointers inside the spec', () => {
    expect(errs('nope')).toEqual([{ pointer: '', message: expect.stringContaining('unknown transform "nope"') }]);
    expect(errs({ name: 'nope' })).toEqual([{ pointer: '/name', message: expect.stringContaining('unknown transform') }]);
    expect(errs(42)).toEqual([{ pointer: '', message: expect.any(String) }]);
    expect(errs('reminders')).toEqual([{ pointer: '', message: expect.stringContaining('needs parameters') }]);
    expect(errs({ name: 'reminders', policy: 'some' })).toEqual([{ pointer: '/policy', message: expect.any(String) }]);
    expect(errs({ name: 'status-table', table: 'sap' })).toEqual([{ pointer: '/table', message: expect.any(String) }]);
    expect(errs({ name: 'status-table', table: { a: 1 } })).toEqual([{ pointer: '/table', message: expect.any(String) }]);
    expect(errs({ name: 'status-table', table: 'proad', invert: 'yes' })).toEqual([{ pointer: '/invert', message: expect.any(String) }]);
    expect(errs({ name: 'category-color', table: {} })).toEqual([{ pointer: '/table', message: expect.any(String) }]);
    expect(errs({ name: 'constant' })).toEqual([{ pointer: '/value', message: expect.any(String) }]);
    expect(errs({ name: 'template', template: 'no fields' })).toEqual([{ pointer: '/template', message: expect.stringContaining('constant') }]);
    expect(errs({ name: 'template', template: '{summary' })).toEqual([{ pointer: '/template', message: expect.stringContaining('unclosed') }]);
    expect(errs({ name: 'template', template: 'a}' })).toEqual([{ pointer: '/template', message: expect.stringContaining('unmatched') }]);
    expect(errs({ name: 'template', template: '{summary} {due}' })).toEqual([{ pointer: '/template', message: expect.stringContaining('{due}') }]);
    expect(errs({ name: 'template', template: '{summary} {due}' }, 'task')).toEqual([]);
  });
});
