/** Config: loading dovetail.json, validating it, resolving secrets. Types in ./types.ts. */
export type * from './types.js';
export { loadConfig, ConfigLoadError, DEFAULT_STATE_DIR } from './load.js';
export { validateConfig, configSchemaIssues, type ConfigIssue, type ConnectorCatalog } from './validate.js';
export { resolveSecret, createSecretsAccessor, isSecretRef, SecretError, type ResolveSecretOptions, type SecretsAccessorOptions } from './secrets.js';
export { issuesFromAjv, type SchemaIssue } from './schema-issues.js';
export { parseJsonText, JsonSyntaxError } from './json-text.js';
