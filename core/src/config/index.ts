/** Config: loading dovetail.json, validating it, resolving secrets. Types in ./types.ts. */
export type * from './types.js';
export { loadConfig, ConfigLoadError, DEFAULT_STATE_DIR } from './load.js';
export { validateConfig, configSchemaIssues, type ConfigIssue, type ConnectorCatalog } from './validate.js';
export { resolveSecret, createSecretsAccessor, isSecretRef, SecretError, type ResolveSecretOptions, type SecretsAccessorOptions } from './secrets.js';
export { issuesFromAjv, type SchemaIssue } from './schema-issues.js';
export { parseJsonText, parseJsoncText, blankJsoncExtras, JsonSyntaxError, JsonDuplicateKeyError, duplicateKeys, type DuplicateKey } from './json-text.js';
export { expandPresets, presetOrigins, issuesAsWritten, type PresetExpansion } from './preset-expand.js';
export { presetCatalog, loadPresetCatalog, PRESETS_DIR, PRESET_OPTION_VALUES, type Preset, type PresetCatalog, type PresetGroup, type PresetDefaults } from './preset-catalog.js';
export { mergePreset, OPTION_DIRECTION, type MergedPairing, type PartOrigin } from './preset-merge.js';
