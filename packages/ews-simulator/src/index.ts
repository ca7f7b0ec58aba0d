/**
 * @dovetail/ews-simulator — a stateful Exchange Web Services simulator for tests (and for independent clients).
 * Test infrastructure only: connectors never import it.
 */
export { EwsSimulator, type SimulatorOptions } from './simulator.js';
export type { UserAccount } from './auth.js';
export type { FaultKind, FaultSpec } from './faults.js';
export { FAULT_KINDS } from './faults.js';
export type { RequestLogEntry } from './context.js';
export { OutOfBand, OobError, type FolderRef, type ItemRef, type MeetingResponse } from './oob.js';
export type { DelegateLevel, StoredItem, Mailbox, Folder } from './store.js';
