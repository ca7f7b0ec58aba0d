/**
 * The Exchange ↔ canonical mapping every Exchange backend (EWS, Graph) shares: one entry point per direction,
 * with the carry of what Exchange cannot hold (carry.ts).
 */
import type { Entity, EntityType } from '@dovetail/core/sdk';
import { applyCarry, makeCarry } from './carry.js';
import type { MappingContext } from './common.js';
import { CONTACT_FIELDS, contactFromEx, contactToEx } from './contact.js';
import { EVENT_FIELDS, eventFromEx, eventToEx } from './event.js';
import { TASK_FIELDS, taskFromEx, taskToEx } from './task.js';
import type { ExItem } from './types.js';

export type { MappingContext } from './common.js';
export * from './types.js';
export { exTimeInstant, exTimeAt, utcIso } from './zones.js';

const FIELDS: Record<EntityType, readonly string[]> = { event: EVENT_FIELDS, task: TASK_FIELDS, contact: CONTACT_FIELDS };
const KIND: Record<ExItem['kind'], EntityType> = { event: 'event', task: 'task', contact: 'contact' };

/** The canonical entity as Exchange shows the item, before carried values are restored. */
export function shownEntity(ex: ExItem, fallbackUid: string): Entity {
  switch (ex.kind) {
    case 'event': return eventFromEx(ex, fallbackUid);
    case 'task': return taskFromEx(ex, fallbackUid);
    case 'contact': return contactFromEx(ex, fallbackUid);
  }
}

/** The canonical entity of an Exchange item, with carried values restored where Exchange still shows them. */
export function entityOf(ex: ExItem, fallbackUid: string): Entity {
  return applyCarry(shownEntity(ex, fallbackUid), ex.stamp?.carry);
}

/** The Exchange item for an entity, without the carry. Throws `Invalid` when Exchange cannot store it. */
export function exItemOf(e: Entity, ctx: MappingContext): ExItem {
  switch (e.type) {
    case 'event': return eventToEx(e, ctx);
    case 'task': return taskToEx(e, ctx);
    case 'contact': return contactToEx(e);
  }
}

/**
 * The carry for writing `intended` when Exchange shows the written item as `shown` (predicted with
 * `shownEntity(exItemOf(intended))` before writing, or read back after it); undefined when nothing is lost.
 */
export function carryFor(intended: Entity, shown: Entity): string | undefined {
  return makeCarry(intended, shown, FIELDS[intended.type]);
}

/** The entity type an Exchange item maps to. */
export function entityTypeOf(ex: ExItem): EntityType {
  return KIND[ex.kind];
}
