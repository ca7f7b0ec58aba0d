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

/** An ajv for a schema written against `$schema` (draft-07 when absent; 2019-09 and 2020-12 recognised). */
export function createAjv(schemaDialect: unknown, options: AjvFactoryOptions = {}): AnyAjv {
  const opts: Options = {
    allErrors: true,
    verbose: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    useDefaults: options.useDefaults ?? false,
    logger: false,
  };
  const dialect = typeof schemaDialect === 'string' ? schemaDialect : '';
  const ajv = dialect.includes('2020-12') ? new Ajv2020(opts) : dialect.includes('2019-09') ? new Ajv2019(opts) : new Ajv(opts);
  addFormats(ajv);
  // Marks a settings property as a secret (string | {env} | {file}); an annotation only.
  ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
  return ajv;
}
