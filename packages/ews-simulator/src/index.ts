/** @dovetail/ews-simulator — a stateful EWS simulator for tests. Test infrastructure only: connectors never import it. */
export {};
