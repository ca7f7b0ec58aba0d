/**
 * Compiled JSON-Schema validators kept as ajv standalone code, so a schema is compiled once, not on every start.
 *
 * A validator is stored under a key: the SHA-256 of the schema, the ajv and ajv-formats versions, the ajv options and
 * the custom keywords — any change to one of them is another key. Two places are looked in: `core/dist/validators`
 * (written by `scripts/build-validators.mjs` at build time for the schemas shipped with Dovetail) and the user cache
 * (`<cache>/validators`, written at run time for every other schema, e.g. a third-party connector's settings). A file
 * holds `{ key, digest, code }`; one whose key or digest does not match, or whose code does not load, is ignored and
 * the schema is compiled again (and the file rewritten). Only schemas that compiled are stored, so a stored key is
 * also the proof that the schema is valid.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import { userCacheDir, writeFileAtomicSync } from '../cache/user-cache.js';
import { ajvOptions, createAjv, CUSTOM_KEYWORDS, schemaFamily, type AjvFactoryOptions, type AnyAjv } from './ajv-factory.js';

const require = createRequire(import.meta.url);
/** Bumped when the stored file's layout changes. */
const STORE_FORMAT = 1;
/** core/dist/validators (this file is core/src/config/… or core/dist/config/…). */
const BUILT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'validators');

export interface ValidatorStoreDirs {
  /** Read-only validators generated at build time. */
  builtDir?: string;
  /** Where validators compiled at run time are written; undefined = the user cache. */
  cacheDir?: string;
}

let dirs: ValidatorStoreDirs = {};

/** Points the store at other folders (the build script writes into `builtDir`; tests use temporary folders). */
export function configureValidatorStore(next: ValidatorStoreDirs): void {
  dirs = { ...next };
}

function builtDir(): string {
  return dirs.builtDir ?? BUILT_DIR;
}

function cacheDir(): string | undefined {
  if (dirs.cacheDir) return dirs.cacheDir;
  const root = userCacheDir();
  return root ? path.join(root, 'validators') : undefined;
}

let versions: string | undefined;
function libraryVersions(): string {
  versions ??= ['ajv', 'ajv-formats'].map((name) => `${name}@${(require(`${name}/package.json`) as { version: string }).version}`).join(' ');
  return versions;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The key a schema's validator is stored under (changes with the schema, ajv, ajv-formats, options or keywords). */
export function validatorKey(schema: object, options: AjvFactoryOptions = {}): string {
  const family = schemaFamily((schema as { $schema?: unknown }).$schema);
  return sha256(JSON.stringify([STORE_FORMAT, libraryVersions(), family, ajvOptions(options), CUSTOM_KEYWORDS, schema]));
}

interface StoredValidator {
  key: string;
  /** SHA-256 of `code`. */
  digest: string;
  code: string;
}

/** Evaluates standalone code (CommonJS, requiring ajv's runtime and ajv-formats from this package). */
function evaluate(code: string): ValidateFunction {
  const module: { exports: { default?: ValidateFunction } } = { exports: {} };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- ajv's own standalone output, checked against its digest
  new Function('require', 'module', 'exports', code)(require, module, module.exports);
  const validate = module.exports.default ?? (module.exports as unknown as ValidateFunction);
  if (typeof validate !== 'function') throw new Error('stored code exports no validator');
  return validate;
}

/**
 * Whether a cache file may be run: owned by this user and writable by nobody else (stored code is executed, so a
 * file another user could have written is compiled again instead). Build output is trusted like the code beside it.
 */
function trustedCacheFile(file: string): boolean {
  const st = statSync(file);
  const uid = process.getuid?.();
  return (uid === undefined || st.uid === uid) && (st.mode & 0o022) === 0;
}

/** The validator in `file`, or undefined when it is missing, damaged, not for `key` or not trusted. */
function load(file: string, key: string): ValidateFunction | undefined {
  try {
    if (!file.startsWith(builtDir() + path.sep) && !trustedCacheFile(file)) return undefined;
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<StoredValidator>;
    if (stored.key !== key || typeof stored.code !== 'string' || stored.digest !== sha256(stored.code)) return undefined;
    return evaluate(stored.code);
  } catch {
    return undefined;
  }
}

/** Compiles (throws on an invalid schema) and saves the standalone code in the cache, if it can. */
function compileAndStore(schema: object, options: AjvFactoryOptions, key: string, into = cacheDir(), access: 'private' | 'shared' = 'private'): ValidateFunction {
  const ajv: AnyAjv = createAjv((schema as { $schema?: unknown }).$schema, options);
  const validate = ajv.compile(schema);
  if (into) {
    try {
      const standalone = require('ajv/dist/standalone') as { default: (ajv: AnyAjv, v: ValidateFunction) => string };
      const code = standalone.default(ajv, validate);
      const stored: StoredValidator = { key, digest: sha256(code), code };
      writeFileAtomicSync(path.join(into, `${key}.json`), JSON.stringify(stored), access);
    } catch {
      // Not saved: compiled again next time.
    }
  }
  return validate;
}

/**
 * Makes sure `schema` is a valid schema and returns a loader of its validator. When the store holds the validator,
 * nothing is compiled or loaded until the loader is called; otherwise the schema is compiled now (throwing ajv's
 * error when it is invalid) and saved for the next run.
 */
export function prepareValidator(schema: object, options: AjvFactoryOptions = {}): () => ValidateFunction {
  const key = validatorKey(schema, options);
  const cache = cacheDir();
  const files = [path.join(builtDir(), `${key}.json`), ...(cache ? [path.join(cache, `${key}.json`)] : [])].filter((f) => existsSync(f));
  let validate: ValidateFunction | undefined;
  if (files.length === 0) validate = compileAndStore(schema, options, key);
  return () => {
    if (!validate) {
      for (const file of files) if ((validate = load(file, key))) break;
      validate ??= compileAndStore(schema, options, key);
    }
    return validate;
  };
}

/** The validator of `schema`, from the store or compiled now (throws when the schema is invalid). */
export function storedValidator(schema: object, options: AjvFactoryOptions = {}): ValidateFunction {
  return prepareValidator(schema, options)();
}

/** Compiles `schema` and writes its validator into `dir` (the build step); returns the file written. */
export function buildValidator(schema: object, dir: string, options: AjvFactoryOptions = {}): string {
  const key = validatorKey(schema, options);
  compileAndStore(schema, options, key, dir, 'shared');
  const file = path.join(dir, `${key}.json`);
  if (!existsSync(file)) throw new Error(`could not write ${file}`);
  return file;
}
