/** Which collection name and colour goes where (engine/collection-meta.ts), decided without I/O. */
import { describe, expect, it } from 'vitest';
import { heldUpdate, metadataUpdates } from '../../src/engine/collection-meta.js';

const both = { aToB: true, bToA: true };

describe('metadataUpdates', () => {
  it('on first contact copies a value only one side has, and leaves differing values alone', () => {
    expect(metadataUpdates({ a: { name: 'Work', color: '#FF0000' }, b: { name: 'Office' } }, {}, both)).toEqual({ b: { color: '#FF0000' } });
    expect(metadataUpdates({ a: {}, b: { name: 'Team', color: '#00FF00' } }, {}, both)).toEqual({ a: { name: 'Team', color: '#00FF00' } });
    expect(metadataUpdates({ a: { color: '#FF0000' }, b: {} }, {}, { aToB: false, bToA: true })).toEqual({});
  });

  it('later carries the side that changed; A wins when both changed; a side not read this run counts as unchanged', () => {
    const stored = { a: { name: 'Work', color: '#FF0000' }, b: { name: 'Work', color: '#FF0000' } };
    expect(metadataUpdates({ a: { name: 'Work', color: '#0000FF' }, b: { name: 'Work', color: '#FF0000' } }, stored, both)).toEqual({ b: { color: '#0000FF' } });
    expect(metadataUpdates({ a: stored.a, b: { name: 'Work (old)', color: '#FF0000' } }, stored, both)).toEqual({ a: { name: 'Work (old)' } });
    expect(metadataUpdates({ a: { name: 'A', color: '#FF0000' }, b: { name: 'B', color: '#FF0000' } }, stored, both)).toEqual({ b: { name: 'A' } });
    expect(metadataUpdates({ a: { name: 'Work', color: '#123456' } }, stored, both)).toEqual({ b: { color: '#123456' } });
    expect(metadataUpdates({ b: { name: 'Work', color: '#123456' } }, stored, { aToB: true, bToA: false })).toEqual({});
  });

  it('never writes a value a side removed, and nothing when nothing changed', () => {
    const stored = { a: { name: 'Work', color: '#FF0000' }, b: { name: 'Work', color: '#FF0000' } };
    expect(metadataUpdates({ a: { name: 'Work' }, b: stored.b }, stored, both)).toEqual({});
    expect(metadataUpdates({ a: stored.a, b: stored.b }, stored, both)).toEqual({});
  });
});

describe('heldUpdate', () => {
  it('reports what the side holds after an update, with the asked value where it took another', () => {
    expect(heldUpdate('b', { color: '#FF0000' }, { name: 'Team', color: '#F5919C' })).toEqual({ side: 'b', changes: { color: '#F5919C' }, asked: { color: '#FF0000' } });
    expect(heldUpdate('b', { name: 'My team', color: '#F5919C' }, { name: 'Team', color: '#F5919C' })).toEqual({ side: 'b', changes: { name: 'Team', color: '#F5919C' }, asked: { name: 'My team' } });
    expect(heldUpdate('a', { name: 'Work' }, undefined)).toEqual({ side: 'a', changes: { name: 'Work' } });
    expect(heldUpdate('a', { color: '#123456' }, {})).toEqual({ side: 'a', changes: { color: '#123456' } });
  });
});
