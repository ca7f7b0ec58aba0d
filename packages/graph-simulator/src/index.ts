/** A Microsoft Graph v1.0 simulator for tests (see README.md). */
export { GraphSimulator, type Fault, type GraphSimulatorOptions, type LoggedRequest, type SimUser } from './simulator.js';
export { Store, GraphError, occurrenceId, type Item, type Folder, type Mailbox, type Kind, type Json } from './store.js';
