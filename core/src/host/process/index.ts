/** Out-of-process connectors: the child process, the Connector proxy, crash bookkeeping and quarantine. */
export { CrashLedger, type CrashLedgerOptions, type QuarantineInfo } from './crash-ledger.js';
export { ConnectorCrashed, ConnectorQuarantined, quarantineOf, stopsRun } from './errors.js';
export { ProcessConnector, type ProcessConnectorOptions } from './process-connector.js';
export { childEnvironment } from './environment.js';
export { processOptionIssues, runModeOf, PROCESS_DEFAULTS, PROCESS_BOUNDS, type EndpointProcessOption, type ProcessLimits, type RunMode } from './options.js';
