/**
 * A connector's settings schema: loaded from the package, compiled once, with `"x-secret": true`
 * properties widened to also accept `{ "env": NAME }` / `{ "file": PATH }` references.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { prepareValidator } from '../config/validator-store.js';
import { JsonSyntaxError, parseJsonText } from '../config/json-text.js';
import { issuesFromAjv } from '../config/schema-issues.js';
import type { SettingsCheck } from './types.js';

type Schema = Record<string, unknown>;

/** Used when a manifest names no settings schema: the connector takes no settings. */
export const NO_SETTINGS_SCHEMA: Readonly<Schema> = Object.freeze({ type: 'object', additionalProperties: false, properties: {} });

const envRef = { type: 'object', additionalProperties: false, required: ['env'], properties: { env: { type: 'string', minLength: 1 } } };
const fileRef = { type: 'object', additionalProperties: false, required: ['file'], properties: { file: { type: 'string', minLength: 1 } } };

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Dotted keys of properties marked `"x-secret": true`, following nested `properties`. */
export function collectSecretKeys(schema: unknown, prefix = ''): string[] {
  if (!isObject(schema) || !isObject(schema.properties)) return [];
  return Object.entries(schema.properties).flatMap(([key, sub]) => {
    const dotted = prefix ? `${prefix}.${key}` : key;
    if (isObject(sub) && sub['x-secret'] === true) return [dotted];
    return collectSecretKeys(sub, dotted);
  });
}

/** A copy of the schema where each secret property also accepts a secret reference. */
export function widenSecrets(schema: unknown): unknown {
  if (!isObject(schema)) return schema;
  const copy: Schema = { ...schema };
  if (isObject(schema.properties)) {
    copy.properties = Object.fromEntries(Object.entries(schema.properties).map(([key, sub]) => {
      if (isObject(sub) && sub['x-secret'] === true) {
        const { default: fallback, ...plain } = sub;
        const wrapper: Schema = { 'x-secret': true, anyOf: [plain, envRef, fileRef] };
        if (fallback !== undefined) wrapper.default = fallback;
        if (typeof sub.description === 'string') wrapper.description = `${sub.description} A string, { "env": NAME } or { "file": PATH }.`;
        else wrapper.description = 'A secret: a string, { "env": NAME } or { "file": PATH }.';
        return [key, wrapper];
      }
      return [key, widenSecrets(sub)];
    }));
  }
  return copy;
}

/** Freezes an object graph. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

export interface CompiledSettings {
  schema: Schema;
  secretKeys: string[];
  check(settings: unknown): SettingsCheck;
}

/**
 * Checks a settings schema and prepares its validator; throws a readable Error when the schema itself is invalid.
 * A schema whose validator is in the store (validator-store.ts) was valid when it was stored: it is neither compiled
 * nor loaded until the first `check`, so only the connectors a command activates pay for their validators.
 */
export function compileSettingsSchema(schema: Schema): CompiledSettings {
  const validator = prepareValidator(widenSecrets(schema) as Schema, { useDefaults: true });
  return {
    schema,
    secretKeys: collectSecretKeys(schema),
    check(settings: unknown): SettingsCheck {
      const copy = settings === undefined ? {} : structuredClone(settings);
      const validate = validator();
      if (!validate(copy)) return { ok: false, issues: issuesFromAjv(validate.errors) };
      return { ok: true, settings: deepFreeze(copy as Record<string, unknown>) };
    },
  };
}

/** Why a settings schema file could not be used: the file and the place in it. */
export interface SettingsSchemaProblem {
  path: string;
  pointer: string;
  message: string;
  hint?: string;
}

/** Loads and compiles `relative` (from the manifest) inside package folder `dir`. */
export async function loadSettingsSchema(dir: string, relative: string | undefined, packageJsonPath: string):
  Promise<{ ok: true; compiled: CompiledSettings } | { ok: false; problem: SettingsSchemaProblem }> {
  if (relative === undefined) return { ok: true, compiled: compileSettingsSchema({ ...NO_SETTINGS_SCHEMA }) };
  const file = path.resolve(dir, relative);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, problem: { path: packageJsonPath, pointer: '/dovetail/settings', message: `settings schema ${file} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}`, hint: 'the path is relative to the package root' } };
  }
  let schema: unknown;
  try {
    schema = parseJsonText(text, file);
  } catch (e) {
    const err = e as JsonSyntaxError;
    return { ok: false, problem: { path: file, pointer: '', message: `invalid JSON at line ${err.line}, column ${err.column}: ${err.detail}` } };
  }
  if (!isObject(schema)) return { ok: false, problem: { path: file, pointer: '', message: 'a settings schema must be a JSON object' } };
  try {
    return { ok: true, compiled: compileSettingsSchema(schema) };
  } catch (e) {
    return { ok: false, problem: { path: file, pointer: '', message: `invalid settings schema: ${(e as Error).message}`, hint: 'only standard JSON Schema keywords and "x-secret" are allowed' } };
  }
}
