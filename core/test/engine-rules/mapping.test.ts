import { describe, expect, it } from 'vitest';
import type { MappingRule } from '../../src/config/types.js';
import type { ContactEntity, EventEntity, TaskEntity } from '../../src/sdk/entities.js';
import type { CompiledMapping } from '../../src/engine/mapping.js';
import { compileMapping } from '../../src/engine/mapping.js';

const ctx = { now: new Date('2026-03-10T12:00:00Z') };

function compile(rules: MappingRule[] | undefined, entity: 'event' | 'task' | 'contact', opts = {}): CompiledMapping {
  const m = compileMapping(rules, entity, opts);
  if ('errors' in m) throw new Error(JSON.stringify(m.errors));
  return m;
}

const event = (over: Partial<EventEntity> = {}): EventEntity => ({
  type: 'event', uid: 'u1', summary: 'Review', location: 'Room 1', categories: ['Work'],
  start: { kind: 'zoned', value: '2026-03-11T10:00:00', tz: 'Europe/Berlin' },
  raw: { format: 'icalendar', text: 'BEGIN:VCALENDAR…' }, ...over,
});

describe('identity mapping', () => {
  it('no rules carries every field both ways and returns fields only (no raw)', () => {
    const m = compile(undefined, 'event');
    expect(m.identity).toBe(true);
    const src = event({ x: { 'X-A': '1' }, reminders: [{ kind: 'relative', offset: '-PT5M' }] });
    const out = m.aToB(src, undefined, ctx);
    const { raw: _raw, ...fields } = src;
    expect(out).toEqual(fields);
    expect('raw' in out).toBe(false);
    expect(m.bToA(src, undefined, ctx)).toEqual(fields);
    expect(compile([], 'event').identity).toBe(true);
  });

  it('keeps the target uid when updating (items paired by content may differ)', () => {
    const m = compile(undefined, 'event');
    expect(m.aToB(event(), event({ uid: 'other' }), ctx).uid).toBe('other');
  });

  it('never modifies its inputs, and the result shares no objects with them', () => {
    const m = compile([{ a: 'summary', b: 'summary', default: '.' }], 'event');
    const src = event({ summary: '' });
    const tgt = event({ uid: 't', categories: ['B'] });
    const before = [structuredClone(src), structuredClone(tgt)];
    const out = m.aToB(src, tgt, ctx);
    expect([src, tgt]).toEqual(before);
    out.categories!.push('mutated');
    expect(src.categories).toEqual(['Work']);
  });

  it('refuses an item of another type with a clear error', () => {
    const m = compile(undefined, 'event');
    const task: TaskEntity = { type: 'task', uid: 't' };
    expect(() => m.aToB(task, undefined, ctx)).toThrow(/event items was given a task/);
  });
});

describe('rules as overrides', () => {
  it('fields no rule names are still carried identically', () => {
    const m = compile([{ a: 'summary', b: 'summary', direction: 'a-to-b', default: '.' }], 'event');
    const out = m.bToA(event({ summary: 'B title', location: 'B room' }), event({ summary: 'A title', location: 'A room' }), ctx);
    expect(out.location).toBe('B room');
    // b-to-a is not this rule's direction: A keeps its summary.
    expect(out.summary).toBe('A title');
  });

  it('PROAD: an empty subject is written as "."', () => {
    const m = compile([{ a: 'summary', b: 'summary', direction: 'a-to-b', default: '.' }], 'event');
    expect(m.aToB(event({ summary: undefined }), undefined, ctx).summary).toBe('.');
    expect(m.aToB(event({ summary: '  ' }), undefined, ctx).summary).toBe('.');
    expect(m.aToB(event({ summary: 'Real' }), undefined, ctx).summary).toBe('Real');
  });

  it('direction none: each side keeps its own value (absent on create)', () => {
    const m = compile([{ a: 'location', b: 'location', direction: 'none' }], 'event');
    expect('location' in m.aToB(event(), undefined, ctx)).toBe(false);
    expect(m.aToB(event(), event({ location: 'B place' }), ctx).location).toBe('B place');
    expect(m.bToA(event({ location: 'B place' }), event({ location: 'A place' }), ctx).location).toBe('A place');
    expect('location' in m.aToB(event(), event({ location: undefined }), ctx)).toBe(false);
  });

  it('renamed fields: the target\'s own field of the source name is not overwritten', () => {
    const m = compile([{ a: 'note', b: 'x.X-PC-NOTE' }], 'contact');
    const a: ContactEntity = { type: 'contact', uid: 'c', note: 'from A', x: { 'X-PC-NOTE': 'stale on A' } };
    const b: ContactEntity = { type: 'contact', uid: 'c', note: 'B own note', x: { 'X-PC-NOTE': 'old', 'X-OTHER': 'keep?' } };
    const toB = m.aToB(a, b, ctx) as ContactEntity;
    expect(toB.x!['X-PC-NOTE']).toBe('from A');
    expect(toB.note).toBe('B own note');
    const toA = m.bToA(b, a, ctx) as ContactEntity;
    expect(toA.note).toBe('old');
    expect(toA.x!['X-PC-NOTE']).toBe('stale on A');
  });

  it('html on A, text on B, both ways', () => {
    const m = compile([{ a: 'descriptionHtml', b: 'description', transform: 'html-to-text' }], 'event');
    const a = event({ descriptionHtml: '<p>Agenda</p><ul><li>one</li></ul>', description: 'A plain' });
    const toB = m.aToB(a, event({ description: 'old', descriptionHtml: '<i>B html</i>' }), ctx);
    expect(toB.description).toBe('Agenda\n\n- one');
    expect(toB.descriptionHtml).toBe('<i>B html</i>');
    const toA = m.bToA(event({ description: 'New\ntext' }), a, ctx);
    expect(toA.descriptionHtml).toBe('<p>New<br>\ntext</p>');
    expect(toA.description).toBe('A plain');
  });

  it('a b-to-a rule\'s transform is written in its own sense (B → A)', () => {
    const m = compile([{ a: 'description', b: 'descriptionHtml', direction: 'b-to-a', transform: 'html-to-text' }], 'event');
    const toA = m.bToA(event({ descriptionHtml: '<b>x</b>' }), undefined, ctx);
    expect(toA.description).toBe('x');
  });

  it('PROAD task status: PROAD states on A, iCalendar on B, the finer state survives', () => {
    const m = compile([
      { a: 'x.X-PROAD-STATUS', b: 'status', transform: { name: 'status-table', table: 'proad' } },
      { a: 'priority', b: 'x.X-LEVEL', transform: 'priority-1-9-to-level' },
    ], 'task');
    const a: TaskEntity = { type: 'task', uid: 't', summary: 'T', priority: 3, x: { 'X-PROAD-STATUS': 'waiting' } };
    const toB = m.aToB(a, undefined, ctx) as TaskEntity;
    expect(toB.status).toBe('in-process');
    expect(toB.x).toEqual({ 'X-LEVEL': 'high' });
    expect('priority' in toB).toBe(false);
    const back = m.bToA(toB, a, ctx) as TaskEntity;
    expect(back.x!['X-PROAD-STATUS']).toBe('waiting');
    expect(back.priority).toBe(3);
    const done = m.bToA({ ...toB, status: 'completed', x: { 'X-LEVEL': 'low' } }, a, ctx) as TaskEntity;
    expect(done.x!['X-PROAD-STATUS']).toBe('done');
    expect(done.priority).toBe(9);
  });

  it('category → colour next to carried categories', () => {
    const m = compile([
      { a: 'categories', b: 'categories' },
      { a: 'categories', b: 'color', direction: 'a-to-b', transform: { name: 'category-color', table: { Urgent: 'red' } } },
    ], 'event');
    const toB = m.aToB(event({ categories: ['Urgent', 'Work'] }), undefined, ctx) as EventEntity;
    expect(toB.color).toBe('red');
    expect(toB.categories).toEqual(['Urgent', 'Work']);
    // B → A: the colour rule does not flow, categories come from B.
    const toA = m.bToA(event({ categories: ['Home'], color: 'blue' }), event({ categories: ['Urgent'], color: 'red' }), ctx) as EventEntity;
    expect(toA.categories).toEqual(['Home']);
    // "color" is named by a rule, so it is not carried implicitly: A keeps its own.
    expect(toA.color).toBe('red');
    // Carrying it back needs its own rule.
    const n = compile([
      { a: 'categories', b: 'categories' },
      { a: 'categories', b: 'color', direction: 'a-to-b', transform: { name: 'category-color', table: { Urgent: 'red' } } },
      { a: 'color', b: 'color', direction: 'b-to-a' },
    ], 'event');
    expect(n.bToA(event({ color: 'blue' }), event({ color: 'red' }), ctx).color).toBe('blue');
    expect(n.aToB(event({ categories: ['Urgent'], color: 'green' }), event({ color: 'x' }), ctx).color).toBe('red');
  });

  it('colour on B maps back to a category on A', () => {
    const m = compile([{ a: 'categories', b: 'color', transform: { name: 'category-color', table: { Urgent: 'red', Private: 'green' } } }], 'event');
    const toA = m.bToA(event({ color: 'green', categories: ['B only'] }), event({ categories: ['Work', 'Urgent'] }), ctx) as EventEntity;
    expect(toA.categories).toEqual(['Work', 'Private']);
  });

  it('reminders upcoming-only flows with the source entity and now', () => {
    const m = compile([{ a: 'reminders', b: 'reminders', direction: 'a-to-b', transform: { name: 'reminders', policy: 'upcoming-only' } }], 'event');
    const a = event({
      start: { kind: 'utc', value: '2026-03-10T13:00:00Z' },
      reminders: [{ kind: 'relative', offset: '-PT15M' }, { kind: 'relative', offset: '-P1D' }],
    });
    expect((m.aToB(a, undefined, ctx) as EventEntity).reminders).toEqual([{ kind: 'relative', offset: '-PT15M' }]);
    expect('reminders' in m.aToB(a, undefined, { now: new Date('2026-03-10T12:50:00Z') })).toBe(false);
  });

  it('template and constant on one-way rules', () => {
    const m = compile([
      { a: 'summary', b: 'summary', direction: 'a-to-b', transform: { name: 'template', template: '{summary} – {location}' } },
      { a: 'x.X-SOURCE', b: 'x.X-SOURCE', direction: 'a-to-b', transform: { name: 'constant', value: 'dovetail' } },
    ], 'event');
    const out = m.aToB(event({ summary: 'Lunch', location: 'Canteen' }), undefined, ctx);
    expect(out.summary).toBe('Lunch – Canteen');
    expect(out.x).toEqual({ 'X-SOURCE': 'dovetail' });
    expect(m.aToB(event({ summary: 'Lunch', location: undefined }), undefined, ctx).summary).toBe('Lunch');
  });
});

describe('overrides follow the rules of the fields they repeat', () => {
  const at = (day: string) => ({ kind: 'utc' as const, value: `2026-03-${day}T10:00:00Z` });
  const recurring = (over: Partial<EventEntity> = {}) => event({
    recurrence: { rrule: ['FREQ=DAILY;COUNT=5'] }, description: 'Agenda',
    overrides: [
      { recurrenceId: at('12'), start: { kind: 'utc', value: '2026-03-12T12:00:00Z' }, summary: 'Review (moved)', description: 'Moved agenda', location: 'Room 2' },
      { recurrenceId: at('13'), summary: 'Review (cancelled)', status: 'cancelled' },
    ],
    ...over,
  });
  const busy = compile([
    { a: 'summary', b: 'summary', direction: 'a-to-b', transform: { name: 'constant', value: 'Busy' } },
    { a: 'description', b: 'description', direction: 'none' },
    { a: 'location', b: 'location', direction: 'none' },
  ], 'event');

  it('a constant summary and dropped description/location apply to every instance on create; times and status stay', () => {
    const out = busy.aToB(recurring(), undefined, ctx) as EventEntity;
    expect([out.summary, out.description, out.location]).toEqual(['Busy', undefined, undefined]);
    expect(out.overrides).toEqual([
      { recurrenceId: at('12'), start: { kind: 'utc', value: '2026-03-12T12:00:00Z' }, summary: 'Busy' },
      { recurrenceId: at('13'), summary: 'Busy', status: 'cancelled' },
    ]);
  });

  it('on update an instance keeps the target\'s own value of a "none" field, matched by RECURRENCE-ID', () => {
    const target = recurring({ overrides: [{ recurrenceId: at('13'), summary: 'x', description: 'Own note' }] });
    const out = busy.aToB(recurring(), target, ctx) as EventEntity;
    expect(out.overrides!.map((o) => [o.summary, o.description, o.location])).toEqual([['Busy', undefined, undefined], ['Busy', 'Own note', undefined]]);
  });

  it('overrides named by a rule of their own are left to that rule; without instance rules they are carried as they are', () => {
    const dropped = compile([
      { a: 'summary', b: 'summary', direction: 'a-to-b', transform: { name: 'constant', value: 'Busy' } },
      { a: 'overrides', b: 'overrides', direction: 'none' },
    ], 'event');
    expect('overrides' in dropped.aToB(recurring(), undefined, ctx)).toBe(false);
    const plain = compile([{ a: 'categories', b: 'categories', direction: 'none' }], 'event');
    expect((plain.aToB(recurring(), undefined, ctx) as EventEntity).overrides).toEqual(recurring().overrides);
  });
});

describe('extra: what the model does not know', () => {
  it('is a field like the others, whose only setting is its direction', () => {
    const m = compile([{ a: 'extra', b: 'extra', direction: 'none' }], 'event');
    expect(m.fieldsKept('aToB')).toContain('extra');
    expect(m.fieldsCarried('aToB')).not.toContain('extra');
    expect(compile(undefined, 'contact').fieldsCarried('bToA')).toContain('extra');
    const out = m.aToB(event(), undefined, ctx);
    expect('extra' in out).toBe(false);
    expect(out.summary).toBe('Review');
  });
});

describe('PC CADDIE-style contact groups', () => {
  // Side A: a CardDAV address book. Side B: PC CADDIE, which stores a fixed list of fields.
  const bFields = [
    'name.given', 'name.family', 'title', 'org.name', 'addresses[work].street', 'addresses[work].postalCode',
    'addresses[work].locality', 'addresses[work].country', 'phones[work]', 'phones[home]', 'phones[cell]', 'phones[fax]',
    'emails[0]', 'emails[1]', 'urls[0]', 'note',
  ];
  const rules: MappingRule[] = [
    { a: 'name.given', b: 'name.given' },
    { a: 'name.family', b: 'name.family' },
    { a: 'title', b: 'title' },
    { a: 'org.name', b: 'org.name' },
    // Address group: street stays on each side; town and postcode only A → B; country both ways.
    { a: 'addresses[work].street', b: 'addresses[work].street', direction: 'none' },
    { a: 'addresses[work].postcode', b: 'addresses[work].postcode', direction: 'a-to-b' },
    { a: 'addresses[work].city', b: 'addresses[work].city', direction: 'a-to-b' },
    { a: 'addresses[work].country', b: 'addresses[work].country' },
    { a: 'phones[work]', b: 'phones[work]' },
    { a: 'phones[home]', b: 'phones[home]' },
    { a: 'phones[cell]', b: 'phones[cell]', direction: 'b-to-a' },
    { a: 'phones[fax]', b: 'phones[fax]' },
    { a: 'emails[0]', b: 'emails[0]' },
    { a: 'emails[1]', b: 'emails[1]' },
    { a: 'urls[0]', b: 'urls[0]' },
  ];
  const a: ContactEntity = {
    type: 'contact', uid: 'c1', name: { given: 'Ann', family: 'Lee' }, title: 'Buyer', org: { name: 'Acme' },
    addresses: [{ street: 'A street 1', postalCode: '10115', locality: 'Berlin', country: 'DE', types: ['work'] }],
    phones: [{ value: 'A-work', types: ['work', 'voice'] }, { value: 'A-cell', types: ['cell'] }, { value: 'A-fax', types: ['work', 'fax'] }],
    emails: [{ value: 'ann@a.example', types: ['work'] }, { value: 'ann@home.example' }],
    urls: [{ value: 'https://a.example' }],
  };
  const b: ContactEntity = {
    type: 'contact', uid: 'c1', name: { given: 'Ann', family: 'Lee' }, title: 'Head of buying', org: { name: 'Acme' },
    addresses: [{ street: 'B street 9', postalCode: '20095', locality: 'Hamburg', country: 'AT', types: ['work'] }],
    phones: [{ value: 'B-home', types: ['home', 'voice'] }, { value: 'B-cell', types: ['cell'] }],
    emails: [{ value: 'ann@b.example' }],
  };

  it('validates against PC CADDIE\'s declared fields', () => {
    expect('errors' in compileMapping(rules, 'contact', { bFields })).toBe(false);
  });

  it('A → B on create: groups honour their directions', () => {
    const m = compile(rules, 'contact', { bFields });
    const out = m.aToB(a, undefined, ctx) as ContactEntity;
    expect(out.addresses).toEqual([{ postalCode: '10115', locality: 'Berlin', country: 'DE', types: ['work'] }]);
    expect(out.phones!.map((p) => p.value)).toEqual(['A-work', 'A-fax']);
    expect(out.emails!.map((e) => e.value)).toEqual(['ann@a.example', 'ann@home.example']);
  });

  it('A → B on update: street and mobile stay B\'s, the rest follows A', () => {
    const m = compile(rules, 'contact', { bFields });
    const out = m.aToB(a, b, ctx) as ContactEntity;
    expect(out.addresses).toHaveLength(1);
    expect(out.addresses![0]).toMatchObject({ street: 'B street 9', postalCode: '10115', locality: 'Berlin', country: 'DE' });
    expect(out.title).toBe('Buyer');
    const phones = Object.fromEntries(['work', 'home', 'cell', 'fax'].map((k) => [k, out.phones!.find((p) => p.types!.includes(k))?.value]));
    expect(phones).toEqual({ work: 'A-work', home: undefined, cell: 'B-cell', fax: 'A-fax' });
  });

  it('B → A on update: postcode/town stay A\'s, street stays A\'s, country and mobile come from B', () => {
    const m = compile(rules, 'contact', { bFields });
    const out = m.bToA(b, a, ctx) as ContactEntity;
    expect(out.addresses![0]).toMatchObject({ street: 'A street 1', postalCode: '10115', locality: 'Berlin', country: 'AT' });
    expect(out.title).toBe('Head of buying');
    expect(out.phones!.find((p) => p.types!.includes('cell'))!.value).toBe('B-cell');
    expect(out.phones!.find((p) => p.types!.includes('home'))!.value).toBe('B-home');
    expect(out.emails!.map((e) => e.value)).toEqual(['ann@b.example']);
  });

  it('reports which paths are carried and which kept', () => {
    const m = compile(rules, 'contact', { bFields });
    expect(m.fieldsKept('aToB').sort()).toEqual(['addresses[work].street', 'phones[cell]']);
    expect(m.fieldsKept('bToA').sort()).toEqual(['addresses[work].locality', 'addresses[work].postalCode', 'addresses[work].street']);
    expect(m.fieldsCarried('aToB')).toContain('addresses[work].country');
    expect(m.fieldsCarried('aToB')).toContain('note');
    expect(m.fieldsCarried('aToB')).not.toContain('phones[cell]');
    expect(m.fieldsCarried('bToA')).toContain('phones[cell]');
  });
});

describe('equivalent', () => {
  it('is true when a write would change nothing the mapping carries', () => {
    const m = compile([{ a: 'location', b: 'location', direction: 'none' }], 'event');
    const a = event({ lastModified: '2026-01-01T00:00:00Z' });
    const b = event({ location: 'Elsewhere', categories: ['Work'], lastModified: '2026-02-02T00:00:00Z', raw: undefined });
    expect(m.equivalent('aToB', a, b, ctx)).toBe(true);
    expect(m.equivalent('aToB', a, { ...b, summary: 'Changed' }, ctx)).toBe(false);
    expect(m.equivalent('aToB', event({ categories: [] }), { ...b, categories: undefined }, ctx)).toBe(true);
  });
});

describe('validation', () => {
  const errors = (rules: unknown, entity: 'event' | 'task' | 'contact' = 'event', opts = {}) => {
    const m = compileMapping(rules as MappingRule[], entity, opts);
    return 'errors' in m ? m.errors : [];
  };

  it('points at each bad rule and part', () => {
    const errs = errors([
      { a: 'summary', b: 'summary' },
      { a: 'sumary', b: 'summary' },
      { a: 'summary', b: 'location', transform: { name: 'reminders', policy: 'maybe' } },
      { a: 'uid', b: 'uid' },
      { a: 'location', b: 'location', direction: 'sideways' },
      { a: 'start', b: 'summary' },
      { a: 'summary', b: 'x.X-T', transform: { name: 'template', template: '{summary}' } },
      { a: 'description', b: 'description', default: ['x'] },
      { a: 'priority', b: 'priority', default: 'high' },
      'not a rule',
      { b: 'summary' },
      { a: 'categories', b: 'summary', transform: 'html-to-text' },
      { a: 'location', b: 'summary' },
    ]);
    expect(errs.map((e) => [e.index, e.pointer])).toEqual([
      [1, '/mapping/1/a'],
      [2, '/mapping/2/transform/policy'],
      [3, '/mapping/3/a'],
      [3, '/mapping/3/b'],
      [4, '/mapping/4/direction'],
      [5, '/mapping/5/transform'],
      [6, '/mapping/6/direction'],
      [7, '/mapping/7/default'],
      [8, '/mapping/8/default'],
      [9, '/mapping/9'],
      [10, '/mapping/10/a'],
      [11, '/mapping/11/transform'],
      [12, '/mapping/12/b'],
    ]);
    expect(errs[0].message).toContain('did you mean "summary"');
    expect(errs[5].message).toContain('different kinds');
    expect(errs[6].message).toContain('no inverse');
    expect(errs[12].message).toContain('already written by rule 0');
  });

  it('checks fields against the connectors\' declared lists', () => {
    const errs = errors([{ a: 'phones[cell]', b: 'phones[cell]' }, { a: 'name.given', b: 'name.given' }], 'contact', {
      aFields: ['phones', 'name'], bFields: ['phones[work]', 'name.family'],
    });
    expect(errs.map((e) => e.pointer)).toEqual(['/mapping/0/b', '/mapping/1/b']);
    expect(errs[0].message).toContain('does not store "phones[cell]"');
  });

  it('checks template placeholders against the source side', () => {
    const errs = errors([{ a: 'summary', b: 'summary', direction: 'a-to-b', transform: { name: 'template', template: '{summary} {location}' } }], 'event', {
      aFields: ['summary'],
    });
    expect(errs).toEqual([{ index: 0, pointer: '/mapping/0/transform/template', message: expect.stringContaining('{location}') }]);
  });

  it('"extra" maps only to "extra", without transform or default', () => {
    expect(errors([
      { a: 'extra', b: 'description', direction: 'none' },
      { a: 'extra', b: 'extra', direction: 'a-to-b', transform: { name: 'constant', value: 'x' } },
      { a: 'extra', b: 'extra', default: 'x' },
    ]).map((e) => [e.pointer, e.message])).toEqual([
      ['/mapping/0/b', '"extra" (what the model does not know) maps only to "extra" on the other side'],
      ['/mapping/1/transform', '"extra" takes no transform: only its direction can be set'],
      ['/mapping/2/default', '"extra" takes no default'],
    ]);
  });

  it('rejects a mapping that is not a list', () => {
    expect(errors({ a: 'x' })).toEqual([{ index: -1, pointer: '/mapping', message: expect.any(String) }]);
  });

  it('allows one writer per field and direction (one-way rules may share a target)', () => {
    expect(errors([
      { a: 'summary', b: 'summary', direction: 'a-to-b' },
      { a: 'location', b: 'summary', direction: 'b-to-a' },
    ])).toEqual([]);
    expect(errors([
      { a: 'summary', b: 'summary', direction: 'b-to-a' },
      { a: 'location', b: 'summary', direction: 'b-to-a' },
    ])).toEqual([]);
    expect(errors([
      { a: 'summary', b: 'summary', direction: 'a-to-b' },
      { a: 'location', b: 'summary', direction: 'both' },
    ]).map((e) => e.pointer)).toEqual(['/mapping/1/b']);
  });
});
