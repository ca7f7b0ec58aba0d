import { existsSync, statSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildValidator, configureValidatorStore, prepareValidator, storedValidator, validatorKey } from '../../src/config/validator-store.js';

const needsName = { type: 'object', required: ['name'], properties: { name: { type: 'string' } } };
const needsAge = { type: 'object', required: ['age'], properties: { age: { type: 'integer' } } };
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let tmp: string;
let cache: string;
let built: string;

beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'dovetail-validators-'));
  cache = path.join(tmp, 'cache');
  built = path.join(tmp, 'built');
  configureValidatorStore({ builtDir: built, cacheDir: cache });
});

afterEach(async () => {
  configureValidatorStore({});
  await rm(tmp, { recursive: true, force: true });
});

const cacheFile = (schema: object, options = {}) => path.join(cache, `${validatorKey(schema, options)}.json`);

describe('validator store', () => {
  it('saves a compiled validator as standalone code in the cache (private file), and loads it on the next run instead of compiling', async () => {
    expect(storedValidator(needsName)({ name: 'x' })).toBe(true);
    const file = cacheFile(needsName);
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(await readFile(file, 'utf8'));
    expect(stored.key).toBe(validatorKey(needsName));
    expect(stored.digest).toBe(sha256(stored.code));

    // Put the code of another schema under needsName's key (with a matching digest): a validator that now checks
    // "age" proves the stored code ran and nothing was compiled.
    const other = JSON.parse(await readFile(buildValidator(needsAge, path.join(tmp, 'other')), 'utf8'));
    await writeFile(file, JSON.stringify({ key: stored.key, digest: other.digest, code: other.code }));
    const validate = storedValidator(needsName);
    expect(validate({ name: 'x' })).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ keyword: 'required', params: { missingProperty: 'age' } });
  });

  it('does not run a cache file that other users can write; compiles and rewrites it privately', async () => {
    storedValidator(needsName);
    const file = cacheFile(needsName);
    const other = JSON.parse(await readFile(buildValidator(needsAge, path.join(tmp, 'other')), 'utf8'));
    await writeFile(file, JSON.stringify({ key: validatorKey(needsName), digest: other.digest, code: other.code }));
    await chmod(file, 0o666);
    expect(storedValidator(needsName)({ name: 'x' })).toBe(true); // needsName's own rule, compiled again
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8')).digest).not.toBe(other.digest);
  });

  it('keeps ajv\'s errors (verbose: schema and parentSchema) in the stored validator', () => {
    storedValidator(needsName);
    const fromStore = storedValidator(needsName);
    expect(fromStore({ name: 7 })).toBe(false);
    expect(fromStore.errors?.[0]).toMatchObject({ instancePath: '/name', keyword: 'type', schema: 'string', parentSchema: { type: 'string' } });
  });

  it('ignores a tampered or damaged cache file, compiles again and rewrites it', async () => {
    storedValidator(needsName);
    const file = cacheFile(needsName);
    const good = await readFile(file, 'utf8');
    const stored = JSON.parse(good);
    // code changed without its digest: not run
    await writeFile(file, JSON.stringify({ ...stored, code: 'module.exports = () => true;' }));
    expect(storedValidator(needsName)({})).toBe(false);
    expect(JSON.parse(await readFile(file, 'utf8')).digest).toBe(stored.digest);
    // not JSON at all
    await writeFile(file, '{ half a fi');
    expect(storedValidator(needsName)({})).toBe(false);
    expect(await readFile(file, 'utf8')).toBe(good);
    // code that throws when loaded (with a matching digest)
    const broken = 'throw new Error("boom")';
    await writeFile(file, JSON.stringify({ key: stored.key, digest: sha256(broken), code: broken }));
    expect(storedValidator(needsName)({ name: 'ok' })).toBe(true);
    expect(await readFile(file, 'utf8')).toBe(good);
  });

  it('a changed schema, or other options, is another key: the old validator is not used', async () => {
    storedValidator(needsName);
    const changed = { ...needsName, required: ['name', 'email'] };
    expect(validatorKey(changed)).not.toBe(validatorKey(needsName));
    expect(validatorKey(needsName, { useDefaults: true })).not.toBe(validatorKey(needsName));
    expect(storedValidator(changed)({ name: 'x' })).toBe(false);
    expect((await readdir(cache)).sort()).toEqual([`${validatorKey(needsName)}.json`, `${validatorKey(changed)}.json`].sort());
  });

  it('fills in defaults from a stored validator compiled with useDefaults', () => {
    const withDefault = { type: 'object', properties: { port: { type: 'integer', default: 8080 } } };
    storedValidator(withDefault, { useDefaults: true });
    const data: Record<string, unknown> = {};
    expect(storedValidator(withDefault, { useDefaults: true })(data)).toBe(true);
    expect(data).toEqual({ port: 8080 });
  });

  it('keeps formats (ajv-formats) in the stored code', () => {
    const dated = { type: 'object', properties: { at: { type: 'string', format: 'date-time' } } };
    storedValidator(dated);
    const fromStore = storedValidator(dated);
    expect(fromStore({ at: '2026-01-02T03:04:05Z' })).toBe(true);
    expect(fromStore({ at: 'yesterday' })).toBe(false);
  });

  it('uses a validator generated at build time without writing the cache', () => {
    buildValidator(needsName, built);
    expect(storedValidator(needsName)({ name: 'x' })).toBe(true);
    expect(existsSync(cache)).toBe(false);
  });

  it('still validates, and still refuses invalid schemas, when the cache folder cannot be written', async () => {
    const blocker = path.join(tmp, 'a-file');
    await writeFile(blocker, 'not a folder');
    configureValidatorStore({ builtDir: built, cacheDir: path.join(blocker, 'validators') });
    expect(storedValidator(needsName)({ name: 'x' })).toBe(true);
    expect(storedValidator(needsName)({})).toBe(false);
    expect(() => prepareValidator({ type: 'object', required: 'name' })).toThrow(/must be array/);
  });

  it('refuses an invalid schema when it is prepared, and stores nothing for it', async () => {
    expect(() => prepareValidator({ type: 'object', properties: { a: { type: 'strin' } } })).toThrow(/must be equal to one of the allowed values|must match a schema in anyOf/);
    expect(existsSync(cache) ? await readdir(cache) : []).toEqual([]);
  });

  it('defers loading a stored validator until it is first used', async () => {
    storedValidator(needsName);
    const file = cacheFile(needsName);
    const load = prepareValidator(needsName);
    // Damaged after preparing: the loader notices when it runs, compiles and still gives the right answer.
    await writeFile(file, 'garbage');
    expect(load()({ name: 'x' })).toBe(true);
    expect(load()).toBe(load());
  });
});
