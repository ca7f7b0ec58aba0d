/** The plugin host: connector discovery, manifest/settings validation and lazy activation. */
export { PluginHost, type PluginHostOptions } from './plugin-host.js';
export { discoverConnectors, CONNECTOR_KEYWORD, type DiscoveryOptions } from './discovery.js';
export { checkConnectorPackage, validateManifest } from './manifest.js';
export { ConnectorTokens, ConnectorContextProvider } from './context.js';
export { hostApiVersion, defaultRepoRoot, schemaFile } from './paths.js';
export {
  ActivationError,
  type ActiveEndpoint, type ConnectorSource, type DiscoveredConnector, type DiscoveryResult, type HostProblem, type SettingsCheck,
} from './types.js';
