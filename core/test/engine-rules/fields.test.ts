import { describe, expect, it } from 'vitest';
import type { ContactEntity, EventEntity } from '../../src/sdk/entities.js';
import { getField, knownFields, parseFieldPath, pathCoveredBy, setField, textsOf } from '../../src/engine/fields.js';

const contact = (): ContactEntity => ({
  type: 'contact',
  uid: 'c1',
  name: { given: 'Ann', family: 'Smith' },
  org: { name: 'Acme' },
  title: 'Buyer',
  emails: [{ value: 'ann@acme.example', types: ['work'] }, { value: 'ann@home.example', types: ['home'] }],
  phones: [
    { value: '+49 1', types: ['work', 'fax'] },
    { value: '+49 2', types: ['work', 'voice'] },
    { value: '+49 3', types: ['cell'] },
    { value: '+49 4', types: ['home'] },
    { value: '+49 5', types: ['work', 'cell'] },
  ],
  addresses: [{ street: 'Main St 1', locality: 'Berlin', postalCode: '10115', country: 'DE', types: ['work'] }],
  urls: [{ value: 'https://acme.example' }],
  x: { 'X-CUSTOM': 'v' },
});

describe('field catalogue', () => {
  it('lists the fields of each entity type with kinds', () => {
    const ev = new Map(knownFields('event').map((f) => [f.path, f.kind]));
    expect(ev.get('summary')).toBe('text');
    expect(ev.get('descriptionHtml')).toBe('html');
    expect(ev.get('start')).toBe('time');
    expect(ev.get('priority')).toBe('number');
    expect(ev.get('categories')).toBe('list');
    expect(ev.has('due')).toBe(false);
    const task = new Map(knownFields('task').map((f) => [f.path, f.kind]));
    expect(task.get('due')).toBe('time');
    expect(task.has('location')).toBe(false);
    const c = new Map(knownFields('contact').map((f) => [f.path, f.kind]));
    expect(c.get('name.given')).toBe('text');
    expect(c.get('org.name')).toBe('text');
    expect(c.get('phones')).toBe('list');
    expect(c.has('summary')).toBe(false);
  });

  it('parses and normalizes paths, with clear errors', () => {
    expect(parseFieldPath('event', 'x.x-foo')).toMatchObject({ form: 'x', path: 'x.X-FOO' });
    expect(parseFieldPath('contact', 'phones[ Work+FAX ]')).toMatchObject({ path: 'phones[fax+work]' });
    expect(parseFieldPath('contact', 'addresses[work].city')).toMatchObject({ path: 'addresses[work].locality', kind: 'text' });
    expect(parseFieldPath('contact', 'addresses[work]')).toMatchObject({ kind: 'object' });
    expect(parseFieldPath('contact', 'phones[voice:1]')).toMatchObject({ path: 'phones[voice:1]' });
    expect(parseFieldPath('event', 'sumary')).toEqual({ error: expect.stringContaining('did you mean "summary"') });
    expect(parseFieldPath('event', 'phones[work]')).toEqual({ error: expect.stringContaining('contact fields') });
    expect(parseFieldPath('contact', 'phones[work')).toEqual({ error: expect.stringContaining('missing "]"') });
    expect(parseFieldPath('contact', 'phones[cell+fax]')).toEqual({ error: expect.stringContaining('more than one phone kind') });
    expect(parseFieldPath('contact', 'phones[work].street')).toEqual({ error: expect.stringContaining('only an address') });
    expect(parseFieldPath('contact', 'addresses[0].planet')).toEqual({ error: expect.stringContaining('unknown address part') });
    expect(parseFieldPath('event', 'x.FOO')).toEqual({ error: expect.stringContaining('x.X-NAME') });
    expect(parseFieldPath('event', '')).toEqual({ error: expect.any(String) });
  });

  it('declared field lists cover paths through their ancestors', () => {
    const p = (s: string) => parseFieldPath('contact', s) as Exclude<ReturnType<typeof parseFieldPath>, { error: string }>;
    expect(pathCoveredBy(p('addresses[work].street'), ['addresses'])).toBe(true);
    expect(pathCoveredBy(p('addresses[work].street'), ['addresses[work]'])).toBe(true);
    expect(pathCoveredBy(p('addresses[work].street'), ['addresses[home]'])).toBe(false);
    expect(pathCoveredBy(p('name.given'), ['name'])).toBe(true);
    expect(pathCoveredBy(p('name.given'), ['name.family'])).toBe(false);
    expect(pathCoveredBy(p('x.X-A'), ['x'])).toBe(true);
    expect(pathCoveredBy(p('phones[cell]'), ['phones[cell]'])).toBe(true);
    expect(pathCoveredBy(p('phones[work]'), ['phones[cell]'])).toBe(false);
  });
});

describe('getField', () => {
  it('reads plain, nested and vendor fields', () => {
    const c = contact();
    expect(getField(c, 'name.given')).toBe('Ann');
    expect(getField(c, 'org.name')).toBe('Acme');
    expect(getField(c, 'x.X-CUSTOM')).toBe('v');
    expect(getField(c, 'x.x-custom')).toBe('v');
    expect(getField(c, 'note')).toBeUndefined();
    expect(() => getField(c, 'nope')).toThrow(/unknown contact field/);
  });

  it('selects phones by kind: a selector without kind means voice', () => {
    const c = contact();
    expect(getField(c, 'phones[work]')).toBe('+49 2');
    expect(getField(c, 'phones[fax]')).toBe('+49 1');
    expect(getField(c, 'phones[work+fax]')).toBe('+49 1');
    expect(getField(c, 'phones[cell]')).toBe('+49 3');
    expect(getField(c, 'phones[cell:1]')).toBe('+49 5');
    expect(getField(c, 'phones[work+cell]')).toBe('+49 5');
    expect(getField(c, 'phones[home]')).toBe('+49 4');
    expect(getField(c, 'phones[voice]')).toBe('+49 2');
    expect(getField(c, 'phones[voice:1]')).toBe('+49 4');
    expect(getField(c, 'phones[voice:2]')).toBeUndefined();
    expect(getField(c, 'phones[0]')).toBe('+49 1');
    expect(getField(c, 'phones[9]')).toBeUndefined();
    expect(getField(c, 'phones[pager]')).toBeUndefined();
  });

  it('selects emails, urls and address parts', () => {
    const c = contact();
    expect(getField(c, 'emails[0]')).toBe('ann@acme.example');
    expect(getField(c, 'emails[1]')).toBe('ann@home.example');
    expect(getField(c, 'emails[home]')).toBe('ann@home.example');
    expect(getField(c, 'urls[0]')).toBe('https://acme.example');
    expect(getField(c, 'addresses[work].street')).toBe('Main St 1');
    expect(getField(c, 'addresses[work].postcode')).toBe('10115');
    expect(getField(c, 'addresses[0].city')).toBe('Berlin');
    expect(getField(c, 'addresses[home].street')).toBeUndefined();
    expect(getField(c, 'addresses[work]')).toMatchObject({ country: 'DE' });
  });

  it('pref matches the flag or the type', () => {
    const c: ContactEntity = { type: 'contact', uid: 'p', emails: [{ value: 'a@x' }, { value: 'b@x', pref: true }, { value: 'c@x', types: ['pref'] }] };
    expect(getField(c, 'emails[pref]')).toBe('b@x');
    expect(getField(c, 'emails[pref:1]')).toBe('c@x');
  });
});

describe('setField', () => {
  it('returns a new entity and leaves the input untouched', () => {
    const c = contact();
    const before = structuredClone(c);
    const d = setField(c, 'name.given', 'Anna');
    expect(d.name).toEqual({ given: 'Anna', family: 'Smith' });
    expect(c).toEqual(before);
    expect(d).not.toBe(c);
  });

  it('removes a field set to an empty value, and empty containers with it', () => {
    const c = contact();
    let d = setField(c, 'name.given', '');
    d = setField(d, 'name.family', undefined);
    expect('name' in d).toBe(false);
    d = setField(d, 'x.X-CUSTOM', '  ');
    expect('x' in d).toBe(false);
    d = setField(d, 'title', null);
    expect('title' in d).toBe(false);
  });

  it('updates a selected element in place, keeping its types', () => {
    const c = contact();
    const d = setField(c, 'phones[work]', '+49 999');
    expect(d.phones![1]).toEqual({ value: '+49 999', types: ['work', 'voice'] });
    expect(d.phones!.length).toBe(5);
    expect(c.phones![1].value).toBe('+49 2');
  });

  it('appends an element with the selector types when none matches', () => {
    const c: ContactEntity = { type: 'contact', uid: 'n' };
    let d = setField(c, 'phones[work]', '1');
    d = setField(d, 'phones[fax]', '2');
    d = setField(d, 'emails[0]', 'a@x');
    d = setField(d, 'emails[pref]', 'b@x');
    d = setField(d, 'addresses[work].city', 'Hamburg');
    expect(d.phones).toEqual([{ value: '1', types: ['work', 'voice'] }, { value: '2', types: ['fax'] }]);
    expect(getField(d, 'phones[work]')).toBe('1');
    expect(getField(d, 'phones[fax]')).toBe('2');
    expect(d.emails).toEqual([{ value: 'a@x' }, { value: 'b@x', pref: true }]);
    expect(d.addresses).toEqual([{ locality: 'Hamburg', types: ['work'] }]);
  });

  it('an empty value removes the element, or the address part (and the address once empty)', () => {
    const c = contact();
    const d = setField(c, 'phones[cell]', '');
    expect(d.phones!.map((p) => p.value)).toEqual(['+49 1', '+49 2', '+49 4', '+49 5']);
    let e = setField(c, 'addresses[work].street', undefined);
    expect(e.addresses![0]).toEqual({ locality: 'Berlin', postalCode: '10115', country: 'DE', types: ['work'] });
    e = setField(e, 'addresses[work].city', undefined);
    e = setField(e, 'addresses[work].postcode', undefined);
    e = setField(e, 'addresses[work].country', undefined);
    expect('addresses' in e).toBe(false);
  });

  it('writing a whole address keeps the types that select it', () => {
    const c = contact();
    const d = setField(c, 'addresses[home]', { street: 'Elm 2', types: ['work'] });
    expect(getField(d, 'addresses[home].street')).toBe('Elm 2');
    expect(getField(d, 'addresses[work].street')).toBe('Main St 1');
  });

  it('coerces between number and text', () => {
    const e: EventEntity = { type: 'event', uid: 'e' };
    expect(setField(e, 'priority', '3').priority).toBe(3);
    expect('priority' in setField(e, 'priority', 'high')).toBe(false);
    expect(setField(e, 'x.X-PRIO', 7).x).toEqual({ 'X-PRIO': '7' });
    expect(setField(e, 'summary', 5).summary).toBe('5');
  });
});

describe('textsOf', () => {
  it('flattens values for matching', () => {
    expect(textsOf(['a', 'b'])).toEqual(['a', 'b']);
    expect(textsOf([{ value: 'x@y', types: ['work'] }])).toEqual(['x@y']);
    expect(textsOf({ street: 'S', locality: 'L', types: ['work'] })).toEqual(['S', 'L']);
    expect(textsOf({ kind: 'date', value: '2026-01-01' })).toEqual(['2026-01-01']);
    expect(textsOf(undefined)).toEqual([]);
    expect(textsOf(5)).toEqual(['5']);
  });
});
