/**
 * Ajv instances configured the same way everywhere: all errors, verbose (for hints), formats, `x-secret`, and
 * `code.source` so a compiled validator can be saved as standalone code (see validator-store.ts). Ajv itself is
 * required on the first compile only: a command whose validators all come from the store never loads it.
 */
import { createRequire } from 'node:module';
import type { Ajv, Options } from 'ajv';
import type { Ajv2019 } from 'ajv/dist/2019.js';
import type { Ajv2020 } from 'ajv/dist/2020.js';

export type AnyAjv = Ajv | Ajv2019 | Ajv2020;
const require = createRequire(import.meta.url);

export interface AjvFactoryOptions {
  /** Fill in `default` values while validating (mutates the data). */
  useDefaults?: boolean;
}

/** The JSON Schema dialects told apart by `$schema` (draft-07 when absent or unknown). */
export type SchemaFamily = 'draft-07' | '2019-09' | '2020-12';

export function schemaFamily(schemaDialect: unknown): SchemaFamily {
  const dialect = typeof schemaDialect === 'string' ? schemaDialect : '';
  return dialect.includes('2020-12') ? '2020-12' : dialect.includes('2019-09') ? '2019-09' : 'draft-07';
}

/** The ajv options for an option set: plain data, so they can be part of a validator's cache key. */
export function ajvOptions(options: AjvFactoryOptions = {}): Options {
  return {
    allErrors: true,
    verbose: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    useDefaults: options.useDefaults ?? false,
    addUsedSchema: false,
    logger: false,
    code: { source: true },
  };
}

/** Keywords added beside JSON Schema's own (part of a validator's cache key too). */
export const CUSTOM_KEYWORDS: readonly string[] = ['x-secret'];

const instances = new Map<string, AnyAjv>();

/**
 * The ajv for schemas written against `$schema` (draft-07 when absent; 2019-09 and 2020-12 recognised).
 * One instance per dialect and option set, shared by the process, so the JSON-Schema meta-schema (which
 * checks every schema compiled) is compiled once rather than once per schema. Compiled schemas are not
 * registered by `$id`, so two schemas with the same `$id` never clash.
 */
export function createAjv(schemaDialect: unknown, options: AjvFactoryOptions = {}): AnyAjv {
  const family = schemaFamily(schemaDialect);
  const key = `${family}|${options.useDefaults ? 'defaults' : 'plain'}`;
  const known = instances.get(key);
  if (known) return known;
  const opts = ajvOptions(options);
  const ajv: AnyAjv = family === '2020-12' ? new (require('ajv/dist/2020') as typeof import('ajv/dist/2020.js')).Ajv2020(opts)
    : family === '2019-09' ? new (require('ajv/dist/2019') as typeof import('ajv/dist/2019.js')).Ajv2019(opts)
      : new (require('ajv') as typeof import('ajv')).Ajv(opts);
  // ajv-formats also sets `code.formats`, so standalone code requires its formats from ajv-formats/dist/formats.
  (require('ajv-formats') as (ajv: AnyAjv) => void)(ajv);
  // Marks a settings property as a secret (string | {env} | {file}); an annotation only.
  for (const keyword of CUSTOM_KEYWORDS) ajv.addKeyword({ keyword, schemaType: 'boolean' });
  instances.set(key, ajv);
  return ajv;
}
