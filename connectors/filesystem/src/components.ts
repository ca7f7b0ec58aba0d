/**
 * Cheap content sniffing: which component kinds a file holds (BEGIN:VEVENT, BEGIN:VTODO, BEGIN:VCARD …),
 * so an event listing skips todoman's task files in a shared folder without parsing anything.
 */
import type { EntityType } from '@dovetail/core/sdk';

/** The top-level item components a vdir file can hold. */
export type ComponentKind = 'VEVENT' | 'VTODO' | 'VJOURNAL' | 'VFREEBUSY' | 'VCARD';

const BEGIN_LINE = /^BEGIN:(VEVENT|VTODO|VJOURNAL|VFREEBUSY|VCARD)[ \t]*\r?$/gim;

const WANTED: Readonly<Record<EntityType, ComponentKind>> = { event: 'VEVENT', task: 'VTODO', contact: 'VCARD' };

/** The component kinds that appear in `text`. */
export function componentKinds(text: string): Set<ComponentKind> {
  const kinds = new Set<ComponentKind>();
  for (const m of text.matchAll(BEGIN_LINE)) kinds.add(m[1].toUpperCase() as ComponentKind);
  return kinds;
}

/**
 * True when a file with these components is an item of `entity`: it holds the wanted component, or no known
 * component at all (a broken file is listed so that loading reports its error instead of hiding it).
 */
export function holdsEntity(kinds: ReadonlySet<ComponentKind>, entity: EntityType): boolean {
  return kinds.size === 0 || kinds.has(WANTED[entity]);
}

/** The component a file must hold to be an item of `entity`. */
export function componentFor(entity: EntityType): ComponentKind {
  return WANTED[entity];
}
