import { describe, expect, it } from 'vitest';
import type { FilterRule } from '../../src/config/types.js';
import type { ContactEntity, Entity, EventEntity, TaskEntity } from '../../src/sdk/entities.js';
import { compileFilters } from '../../src/engine/filters.js';

const ev = (over: Partial<EventEntity> = {}): EventEntity => ({ type: 'event', uid: 'e', summary: 'Weekly sync', ...over });
const task = (over: Partial<TaskEntity> = {}): TaskEntity => ({ type: 'task', uid: 't', summary: 'Do it', ...over });
const person = (over: Partial<ContactEntity> = {}): ContactEntity => ({ type: 'contact', uid: 'c', ...over });

function compile(filters: { include?: FilterRule[]; exclude?: FilterRule[] } | undefined, entity?: Entity['type']) {
  const f = compileFilters(filters, entity);
  if ('errors' in f) throw new Error(JSON.stringify(f.errors));
  return f;
}

describe('filters', () => {
  it('no filters: everything is in scope', () => {
    const f = compile(undefined);
    expect(f.inScope(ev(), 'a')).toBe(true);
    expect(f.inScope(person(), 'b')).toBe(true);
  });

  it('exclude by summary wildcard', () => {
    const f = compile({ exclude: [{ field: 'summary', pattern: 'Test*' }] });
    expect(f.inScope(ev({ summary: 'Test meeting' }), 'a')).toBe(false);
    expect(f.inScope(ev({ summary: 'testing' }), 'b')).toBe(false);
    expect(f.inScope(ev({ summary: 'A test' }), 'a')).toBe(true);
    expect(f.inScope(ev({ summary: undefined }), 'a')).toBe(true);
  });

  it('include rules: any match brings an item in', () => {
    const f = compile({ include: [{ field: 'location', pattern: 'berlin' }, { field: 'summary', pattern: '*review' }] });
    expect(f.inScope(ev({ location: 'Office Berlin' }), 'a')).toBe(true);
    expect(f.inScope(ev({ summary: 'Code Review' }), 'a')).toBe(true);
    expect(f.inScope(ev({ location: 'Hamburg', summary: 'Review later' }), 'a')).toBe(false);
  });

  it('include and exclude together: exclude wins', () => {
    const f = compile({ include: [{ field: 'categories', pattern: 'work' }], exclude: [{ predicate: 'private' }] });
    expect(f.inScope(ev({ categories: ['Home', 'Work'] }), 'a')).toBe(true);
    expect(f.inScope(ev({ categories: ['Work'], sensitivity: 'private' }), 'a')).toBe(false);
    expect(f.inScope(ev({ categories: ['Home'] }), 'a')).toBe(false);
  });

  it('a rule with side applies only to that side', () => {
    const f = compile({ exclude: [{ field: 'summary', pattern: 'Test*', side: 'a' }], include: [{ field: 'summary', pattern: 'sync', side: 'b' }] });
    const t = ev({ summary: 'Test drive' });
    expect(f.inScope(t, 'a')).toBe(false);
    // On B the exclude does not apply, but B's include does.
    expect(f.inScope(t, 'b')).toBe(false);
    expect(f.inScope(ev({ summary: 'Test sync' }), 'b')).toBe(true);
    expect(f.inScope(ev({ summary: 'Test sync' }), 'a')).toBe(false);
    // Side A has no include rule, so anything not excluded is in.
    expect(f.inScope(ev({ summary: 'Lunch' }), 'a')).toBe(true);
    expect(f.inScope(ev({ summary: 'Lunch' }), 'b')).toBe(false);
  });

  it('list fields match when any element matches', () => {
    const f = compile({ exclude: [{ field: 'emails', pattern: '*@spam.example' }] }, 'contact');
    expect(f.inScope(person({ emails: [{ value: 'a@ok.example' }, { value: 'b@SPAM.example' }] }), 'a')).toBe(false);
    expect(f.inScope(person({ emails: [{ value: 'a@ok.example' }] }), 'a')).toBe(true);
    const g = compile({ include: [{ field: 'org.name', pattern: 'acme' }, { field: 'addresses', pattern: 'münchen' }] }, 'contact');
    expect(g.inScope(person({ org: { name: 'ACME Corp' } }), 'a')).toBe(true);
    expect(g.inScope(person({ addresses: [{ locality: 'MÜNCHEN', types: ['work'] }] }), 'a')).toBe(true);
    expect(g.inScope(person({ org: { name: 'Other' } }), 'a')).toBe(false);
  });

  it('an absent field reads as empty text: only * matches it', () => {
    const f = compile({ include: [{ field: 'location', pattern: '*' }] });
    expect(f.inScope(ev(), 'a')).toBe(true);
    const g = compile({ include: [{ field: 'location', pattern: 'x' }] });
    expect(g.inScope(ev(), 'a')).toBe(false);
  });

  it('predicates: private, recurring, has-due, category', () => {
    const priv = compile({ exclude: [{ predicate: 'private' }] });
    expect(priv.inScope(ev({ sensitivity: 'private' }), 'a')).toBe(false);
    expect(priv.inScope(ev({ sensitivity: 'confidential' }), 'a')).toBe(false);
    expect(priv.inScope(ev({ sensitivity: 'public' }), 'a')).toBe(true);
    expect(priv.inScope(ev(), 'a')).toBe(true);
    expect(priv.inScope(person(), 'a')).toBe(true);

    const rec = compile({ include: [{ predicate: 'recurring' }] });
    expect(rec.inScope(ev({ recurrence: { rrule: ['FREQ=WEEKLY'] } }), 'a')).toBe(true);
    expect(rec.inScope(ev({ recurrence: { rdate: [{ kind: 'date', value: '2026-01-02' }] } }), 'a')).toBe(true);
    expect(rec.inScope(ev({ recurrence: { exdate: [{ kind: 'date', value: '2026-01-02' }] } }), 'a')).toBe(false);
    expect(rec.inScope(ev({ recurrence: { rrule: [] } }), 'a')).toBe(false);
    expect(rec.inScope(ev(), 'a')).toBe(false);

    const due = compile({ include: [{ predicate: 'has-due' }] });
    expect(due.inScope(task({ due: { kind: 'date', value: '2026-03-01' } }), 'a')).toBe(true);
    expect(due.inScope(task(), 'a')).toBe(false);

    const cat = compile({ exclude: [{ predicate: 'category', value: 'priv*' }] });
    expect(cat.inScope(ev({ categories: ['Work', 'Privat'] }), 'a')).toBe(false);
    expect(cat.inScope(ev({ categories: ['Work', 'Unprivileged'] }), 'a')).toBe(true);
    expect(cat.inScope(ev(), 'a')).toBe(true);
  });

  it('reports invalid rules with pointers', () => {
    const f = compileFilters({
      include: [{ field: 'summary' } as FilterRule, { predicate: 'category' }],
      exclude: [
        { field: 'nope', pattern: 'x' },
        { predicate: 'bogus' as 'private' },
        { field: 'summary', pattern: '' },
        { field: 'summary', pattern: 'x', side: 'c' as 'a' },
        { predicate: 'private', field: 'summary', pattern: 'x' },
        { predicate: 'private', value: 'x' },
      ],
    }, 'event');
    expect('errors' in f && f.errors).toEqual([
      { pointer: '/filters/include/0/pattern', message: expect.stringContaining('pattern') },
      { pointer: '/filters/include/1/value', message: expect.stringContaining('needs a "value"') },
      { pointer: '/filters/exclude/0/field', message: expect.stringContaining('unknown event field "nope"') },
      { pointer: '/filters/exclude/1/predicate', message: expect.stringContaining('unknown predicate') },
      { pointer: '/filters/exclude/2/pattern', message: expect.stringContaining('empty pattern') },
      { pointer: '/filters/exclude/3/side', message: expect.any(String) },
      { pointer: '/filters/exclude/4', message: expect.stringContaining('either') },
      { pointer: '/filters/exclude/5/value', message: expect.stringContaining('takes no') },
    ]);
    expect(compileFilters({ include: 'x' as unknown as FilterRule[] })).toEqual({ errors: [{ pointer: '/filters/include', message: expect.any(String) }] });
  });

  it('without an entity type, a field valid for any type is accepted', () => {
    const f = compile({ exclude: [{ field: 'org.name', pattern: 'acme' }] });
    expect(f.inScope(person({ org: { name: 'Acme' } }), 'a')).toBe(false);
    // Events have no org: the field reads as empty.
    expect(f.inScope(ev(), 'a')).toBe(true);
    expect('errors' in compileFilters({ exclude: [{ field: 'org.name', pattern: 'acme' }] }, 'event')).toBe(true);
  });
});
