/**
 * Collection ids as `discover` prints them and pairings name them, for every backend:
 * `calendar` / `tasks` / `contacts` (the default folders), `calendar/Team` (a folder by display name), either
 * prefixed with another mailbox (`team@example.com/calendar`), or `id:<folder id>`. A plain name (`Team`) means a
 * folder of that name below (EWS) or beside (Graph) the default folder of the pairing's entity.
 */
import type { EntityType } from '@dovetail/core/sdk';

export const DEFAULT_OF: Record<EntityType, string> = { event: 'calendar', task: 'tasks', contact: 'contacts' };
export const ROOT_ENTITY: Record<string, EntityType> = { calendar: 'event', tasks: 'task', contacts: 'contact' };

/** A collection id taken apart. */
export interface FolderPath {
  mailbox?: string;
  /** `calendar` / `tasks` / `contacts`, or undefined for `id:` ids. */
  root?: string;
  /** Display names below the root. */
  path: string[];
  /** A folder id (`id:` form). */
  folderId?: string;
}

export function parseCollectionId(collection: string, entity: EntityType): FolderPath {
  if (collection.startsWith('id:')) return { path: [], folderId: collection.slice(3) };
  let rest = collection.replace(/^\/+|\/+$/g, '');
  let mailbox: string | undefined;
  const first = rest.split('/')[0];
  if (first.includes('@')) { mailbox = first; rest = rest.slice(first.length + 1); }
  const parts = rest.split('/').filter(Boolean);
  const root = parts[0]?.toLowerCase();
  if (root && ROOT_ENTITY[root]) return { mailbox, root, path: parts.slice(1) };
  if (!parts.length) return { mailbox, root: DEFAULT_OF[entity], path: [] };
  return { mailbox, root: DEFAULT_OF[entity], path: parts };
}

export function formatCollectionId(p: FolderPath): string {
  if (p.folderId) return `id:${p.folderId}`;
  return [p.mailbox, p.root, ...p.path].filter(Boolean).join('/');
}
