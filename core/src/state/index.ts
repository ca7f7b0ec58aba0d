/** The state store (DESIGN §5): the contract and its embedded lowdb-backed implementation. */
export * from './types.js';
export { LowdbStateStore, LowdbPairingState, openStateStore, STATE_FILES, type StateStoreOptions } from './lowdb-store.js';
export { pairingFolderName } from './pairing-folder.js';
export { ListFileCorrupt, LIST_FILES } from './pairing-lists.js';
export type { LockHolder } from './pairing-lock.js';
