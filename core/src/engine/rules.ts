/**
 * Compiles a pairing's data-driven rules (mapping, filters, window) and the hashing used to detect
 * changes into the `PlanRules` the planner consumes.
 */
import { createHash } from 'node:crypto';
import type { PairingConfig } from '../config/types.js';
import type { Entity } from '../sdk/entities.js';
import { contentHash, parseICalendarShared, parseRawShared, parseVCardShared, serializeICalendar, serializeVCard, toEpochMs } from '../model/index.js';
import { compileFilters, type FilterContext } from './filters.js';
import { compileMapping } from './mapping.js';
import type { PlanRules, Side } from './plan-types.js';
import { compileWindow, inWindow } from './window.js';

export interface CompiledRules extends PlanRules {
  /** Hash of the parts of the pairing that decide what is in scope and how it maps; a change forces a full rescan. */
  configHash: string;
  window?: { start: Date; end: Date };
  /** Content hash of an item as read. */
  hashRead(entity: Entity): string;
}

/** The pairing's rules are invalid (validate reports the same problems with pointers). */
export class RulesInvalid extends Error {
  constructor(readonly problems: { pointer: string; message: string }[]) {
    super(problems.map((p) => `${p.pointer}: ${p.message}`).join('; '));
    this.name = 'RulesInvalid';
  }
}

/**
 * Compiles a pairing's rules. `context` holds the lists the `selected` and `attendee-of` filters read; they are part
 * of the config hash, so a change of a list re-evaluates every item (a full rescan).
 */
/** The filter lists as hash input (absent lists add nothing, so pairings without such rules keep their hash). */
function contextKey(c: FilterContext): unknown[] {
  const out: unknown[] = [];
  if (c.selected) out.push({ selected: [...c.selected].sort() });
  if (c.attendees?.size) out.push({ attendees: [...c.attendees].sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, v]) => [k, [...v].sort()]) });
  return out;
}

export function compileRules(p: PairingConfig, now: Date, context: FilterContext = {}): CompiledRules {
  const mapping = compileMapping(p.mapping, p.entity);
  if ('errors' in mapping) throw new RulesInvalid(mapping.errors.map((e) => ({ pointer: e.pointer, message: e.message })));
  const filters = compileFilters(p.filters, undefined, context);
  if ('errors' in filters) throw new RulesInvalid(filters.errors.map((e) => ({ pointer: e.pointer, message: e.message })));
  const window = compileWindow(p.window, now);
  const ctx = { now };

  /** Directions in which a rule leaves `extra` (what the model does not know) behind. */
  const extraKept = { aToB: mapping.fieldsKept('aToB').includes('extra'), bToA: mapping.fieldsKept('bToA').includes('extra') };

  const compose = (direction: 'aToB' | 'bToA', source: Entity, target: Entity | undefined): Entity => {
    const mapped = direction === 'aToB' ? mapping.aToB(source, target, ctx) : mapping.bToA(source, target, ctx);
    // Same format and version (or nothing to patch): carry the source's raw so properties the model does not
    // know travel too. Different formats, or vCards of different versions: patch the target's own copy, so the
    // target keeps its version and what only that version can hold. A rule keeping `extra` on the target: patch
    // the target's own copy, or (creating) write the mapped fields alone.
    const differs = !!target?.raw && !!source.raw && (target.raw.format !== source.raw.format
      || (target.raw.format === 'vcard' && source.raw.format === 'vcard' && target.raw.version !== source.raw.version));
    const raw = extraKept[direction] || differs ? target?.raw : (source.raw ?? target?.raw);
    return { ...mapped, uid: target?.uid ?? source.uid, raw } as Entity;
  };

  const hashWritten = (e: Entity): string => {
    try {
      if (e.raw?.format === 'icalendar' && e.type !== 'contact') {
        // An item written as it was read reads back as it was read: the parse kept with its raw answers.
        const text = serializeICalendar(e);
        const back = (text === e.raw.text ? parseRawShared(e.raw) : parseICalendarShared(text)).items[0];
        if (back) return contentHash(back);
      } else if (e.raw?.format === 'vcard' && e.type === 'contact') {
        const back = parseVCardShared(serializeVCard(e)).items[0];
        if (back) return contentHash(back);
      }
    } catch {
      // fall through: hash the fields
    }
    return contentHash(e);
  };

  const span = (e: Entity): [number, number | null] | undefined => {
    if (e.type === 'contact') return undefined;
    const start = e.start ? toEpochMs(e.start) : e.type === 'task' && e.due ? toEpochMs(e.due) : undefined;
    if (start === undefined || Number.isNaN(start)) return undefined;
    if (e.recurrence?.rrule?.length || e.recurrence?.rdate?.length) return [start, null];
    let end: number | undefined;
    if (e.type === 'event') end = e.end ? toEpochMs(e.end) : e.start?.kind === 'date' ? start + 86_400_000 : start;
    else end = e.due ? toEpochMs(e.due) : start;
    return [start, Math.max(start, end ?? start)];
  };

  return {
    configHash: createHash('sha256').update(JSON.stringify([p.entity, p.a.endpoint, p.a.collection, p.b.endpoint, p.b.collection, p.mode ?? 'two-way', p.once ?? null, p.filters ?? null, p.window ?? null, p.mapping ?? null, ...contextKey(context)])).digest('hex').slice(0, 16),
    window,
    compose,
    hashWritten,
    hashRead: contentHash,
    equivalent: (direction, source, target) => hashWritten(compose(direction, source, target)) === hashWritten(target),
    inFilters: (e: Entity, side: Side) => filters.inScope(e, side),
    inWindow: (e: Entity, side: Side) => !window || (p.window?.side !== undefined && p.window.side !== side) || inWindow(e, window),
    windowSide: window ? p.window?.side : undefined,
    span,
    spanInWindow: (s) => !window || (s[0] < window.end.getTime() && (s[1] === null || s[1] >= window.start.getTime())),
  };
}
