/**
 * SyncState tokens: opaque base64 naming the folder, the change sequence reached and the invalidation epochs that
 * were current when it was issued. A token from another folder, a corrupt one, or one issued before an
 * invalidation answers ErrorInvalidSyncStateData.
 */
import { EwsError } from './soap.js';
import type { Folder, Store } from './store.js';

interface Token {
  k: 'items' | 'folders';
  f: string;
  s: number;
  e: number;
  g: number;
}

const MARK = 'EWSSIM1:';

export function issueSyncState(store: Store, kind: Token['k'], folder: Folder, seq: number): string {
  const t: Token = { k: kind, f: folder.id, s: seq, e: folder.syncEpoch, g: store.data.syncEpoch };
  return Buffer.from(MARK + JSON.stringify(t), 'utf8').toString('base64');
}

export const invalidSyncState = () =>
  new EwsError('ErrorInvalidSyncStateData', 'Synchronization state data is corrupt or otherwise invalid.');

/** The sequence a SyncState stands for (0 for an empty one). */
export function readSyncState(store: Store, kind: Token['k'], folder: Folder, state: string | undefined): number {
  if (!state) return 0;
  let t: Token;
  try {
    const raw = Buffer.from(state, 'base64').toString('utf8');
    if (!raw.startsWith(MARK)) throw invalidSyncState();
    t = JSON.parse(raw.slice(MARK.length)) as Token;
  } catch {
    throw invalidSyncState();
  }
  if (t.k !== kind || t.f !== folder.id || t.e !== folder.syncEpoch || t.g !== store.data.syncEpoch || !Number.isInteger(t.s)) {
    throw invalidSyncState();
  }
  return t.s;
}
