/** Ajv instances configured the same way everywhere: all errors, verbose (for hints), formats, `x-secret`. */
import { Ajv, type Options } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

type AnyAjv = Ajv | Ajv2019 | Ajv2020;
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: AnyAjv) => void;

export interface AjvFactoryOptions {
  /** Fill in `default` values while validating (mutates the data). */
  useDefaults?: boolean;
}

const instances = new Map<string, AnyAjv>();

/**
 * The ajv for schemas written against `$schema` (draft-07 when absent; 2019-09 and 2020-12 recognised).
 * One instance per dialect and option set, shared by the process, so the JSON-Schema meta-schema (which
 * checks every schema compiled) is compiled once rather than once per schema. Compiled schemas are not
 * registered by `$id`, so two schemas with the same `$id` never clash.
 */
export function createAjv(schemaDialect: unknown, options: AjvFactoryOptions = {}): AnyAjv {
  const dialect = typeof schemaDialect === 'string' ? schemaDialect : '';
  const family = dialect.includes('2020-12') ? '2020-12' : dialect.includes('2019-09') ? '2019-09' : 'draft-07';
  const key = `${family}|${options.useDefaults ? 'defaults' : 'plain'}`;
  const known = instances.get(key);
  if (known) return known;
  const opts: Options = {
    allErrors: true,
    verbose: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    useDefaults: options.useDefaults ?? false,
    addUsedSchema: false,
    logger: false,
  };
  const ajv = family === '2020-12' ? new Ajv2020(opts) : family === '2019-09' ? new Ajv2019(opts) : new Ajv(opts);
  addFormats(ajv);
  // Marks a settings property as a secret (string | {env} | {file}); an annotation only.
  ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
  instances.set(key, ajv);
  return ajv;
}
