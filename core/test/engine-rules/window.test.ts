import { describe, expect, it } from 'vitest';
import type { ContactEntity, EventEntity, TaskEntity } from '../../src/sdk/entities.js';
import { compileWindow, inWindow, windowErrors } from '../../src/engine/window.js';

const now = new Date('2026-03-10T15:30:00Z');
const day = (d: string) => new Date(`${d}T00:00:00Z`);

describe('compileWindow', () => {
  it('no window: undefined', () => {
    expect(compileWindow(undefined, now)).toBeUndefined();
    expect(compileWindow({}, now)).toBeUndefined();
  });

  it('pastDays/futureDays count whole UTC days from today', () => {
    expect(compileWindow({ pastDays: 10, futureDays: 20 }, now)).toEqual({ start: day('2026-02-28'), end: day('2026-03-31') });
    expect(compileWindow({ pastDays: 0, futureDays: 0 }, now)).toEqual({ start: day('2026-03-10'), end: day('2026-03-11') });
    // Stable through the day.
    expect(compileWindow({ pastDays: 1 }, new Date('2026-03-10T00:00:01Z'))).toEqual(compileWindow({ pastDays: 1 }, new Date('2026-03-10T23:59:59Z')));
  });

  it('a missing bound is open', () => {
    const w = compileWindow({ pastDays: 30 }, now)!;
    expect(w.start).toEqual(day('2026-02-08'));
    expect(w.end.getTime()).toBe(8.64e15);
    expect(compileWindow({ futureDays: 1 }, now)!.start.getTime()).toBe(-8.64e15);
  });

  it('from/to dates; a date-only "to" includes its day; explicit dates win over day counts', () => {
    expect(compileWindow({ from: '2026-01-01' }, now)!.start).toEqual(day('2026-01-01'));
    expect(compileWindow({ from: '2026-01-01', to: '2026-06-30' }, now)).toEqual({ start: day('2026-01-01'), end: day('2026-07-01') });
    expect(compileWindow({ from: '2026-01-01T08:00:00+01:00', to: '2026-01-02T00:00:00Z' }, now))
      .toEqual({ start: new Date('2026-01-01T07:00:00Z'), end: new Date('2026-01-02T00:00:00Z') });
    expect(compileWindow({ from: '2026-01-01', pastDays: 3 }, now)!.start).toEqual(day('2026-01-01'));
  });

  it('invalid settings: errors with pointers, and compileWindow throws naming them', () => {
    expect(windowErrors({ pastDays: -1, futureDays: Number.NaN, from: '2026-02-30', to: 'tomorrow' })).toEqual([
      { pointer: '/window/pastDays', message: expect.any(String) },
      { pointer: '/window/futureDays', message: expect.any(String) },
      { pointer: '/window/from', message: expect.any(String) },
      { pointer: '/window/to', message: expect.any(String) },
    ]);
    expect(windowErrors({ from: '2026-05-01', to: '2026-04-01' })).toEqual([{ pointer: '/window/to', message: expect.stringContaining('after') }]);
    expect(windowErrors({ pastDays: 5 })).toEqual([]);
    expect(() => compileWindow({ from: '01.02.2026' }, now)).toThrow(/\/window\/from/);
  });
});

describe('inWindow', () => {
  const range = compileWindow({ pastDays: 7, futureDays: 7 }, now)!; // [2026-03-03, 2026-03-18)
  const ev = (start: string, end?: string, over: Partial<EventEntity> = {}): EventEntity => ({
    type: 'event', uid: 'e', start: { kind: 'utc', value: start }, ...(end ? { end: { kind: 'utc', value: end } } : {}), ...over,
  });

  it('contacts and undated items are always in', () => {
    const c: ContactEntity = { type: 'contact', uid: 'c' };
    expect(inWindow(c, range)).toBe(true);
    expect(inWindow({ type: 'task', uid: 't' } as TaskEntity, range)).toBe(true);
    expect(inWindow({ type: 'event', uid: 'e' } as EventEntity, range)).toBe(true);
    expect(inWindow(ev('2020-01-01T00:00:00Z'), undefined)).toBe(true);
  });

  it('events overlapping the window are in, others out', () => {
    expect(inWindow(ev('2026-03-12T09:00:00Z', '2026-03-12T10:00:00Z'), range)).toBe(true);
    expect(inWindow(ev('2026-01-12T09:00:00Z', '2026-01-12T10:00:00Z'), range)).toBe(false);
    expect(inWindow(ev('2026-04-12T09:00:00Z', '2026-04-12T10:00:00Z'), range)).toBe(false);
    // Spanning the whole window.
    expect(inWindow(ev('2026-01-01T00:00:00Z', '2026-12-31T00:00:00Z'), range)).toBe(true);
    // All-day event on the last day in range.
    expect(inWindow({ type: 'event', uid: 'd', start: { kind: 'date', value: '2026-03-17' } }, range)).toBe(true);
  });

  it('a recurring event started long ago is in when an occurrence falls in the window', () => {
    const weekly = ev('2025-01-06T09:00:00Z', '2025-01-06T10:00:00Z', { recurrence: { rrule: ['FREQ=WEEKLY;BYDAY=MO'] } });
    expect(inWindow(weekly, range)).toBe(true);
    const ended = ev('2025-01-06T09:00:00Z', '2025-01-06T10:00:00Z', { recurrence: { rrule: ['FREQ=WEEKLY;COUNT=3'] } });
    expect(inWindow(ended, range)).toBe(false);
  });

  it('tasks by start/due', () => {
    const due = (d: string): TaskEntity => ({ type: 'task', uid: 't', due: { kind: 'date', value: d } });
    expect(inWindow(due('2026-03-15'), range)).toBe(true);
    expect(inWindow(due('2025-03-15'), range)).toBe(false);
  });
});
