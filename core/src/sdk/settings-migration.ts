/**
 * Settings migrations: a connector whose settings changed shape between versions exports one, and names its module
 * in the manifest (`"settingsMigration": "./dist/migrate-settings.js"`). The host runs it on an endpoint's settings
 * as written in the config before it validates them, so configs written for an older version keep working; it logs
 * a warning when the migration changed something, so the config can be updated.
 */

/** Turns settings of any earlier shape into the current one; current settings must come back unchanged. */
export type MigrateSettings = (settings: Record<string, unknown>) => Record<string, unknown>;

/** What a settings migration module exports as default. */
export interface SettingsMigration {
  readonly kind: 'dovetail-settings-migration';
  readonly migrate: MigrateSettings;
}

/**
 * Declares a settings migration. Export the result as the module's default:
 * ```ts
 * export default defineSettingsMigration((s) => ('file' in s ? { ...s, database: s.file, file: undefined } : s));
 * ```
 */
export function defineSettingsMigration(migrate: MigrateSettings): SettingsMigration {
  return Object.freeze({ kind: 'dovetail-settings-migration', migrate });
}

/** True when a module's default export is a settings migration. */
export function isSettingsMigration(v: unknown): v is SettingsMigration {
  return typeof v === 'object' && v !== null && (v as SettingsMigration).kind === 'dovetail-settings-migration'
    && typeof (v as SettingsMigration).migrate === 'function';
}
