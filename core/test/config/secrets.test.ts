import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSecretsAccessor, resolveSecret } from '../../src/config/secrets.js';
import { cleanTemp, tempDir } from '../host/helpers.js';

afterEach(cleanTemp);

describe('resolveSecret', () => {
  it('returns a literal string as is', async () => {
    expect(await resolveSecret('pa ss\n', '/nowhere')).toBe('pa ss\n');
  });

  it('reads an environment variable, naming it (never a value) when unset or empty', async () => {
    const env = { WORK_PASSWORD: 'from-env', EMPTY: '' };
    expect(await resolveSecret({ env: 'WORK_PASSWORD' }, '/x', { env })).toBe('from-env');
    await expect(resolveSecret({ env: 'MISSING_VAR' }, '/x', { env })).rejects.toThrow('environment variable MISSING_VAR is not set');
    await expect(resolveSecret({ env: 'EMPTY' }, '/x', { env, label: 'service token' })).rejects.toThrow('service token: environment variable EMPTY is empty');
  });

  it('reads a file relative to the base folder with trailing newlines trimmed', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'secrets'));
    await writeFile(path.join(dir, 'secrets', 'pw'), 'line one\r\n');
    await writeFile(path.join(dir, 'secrets', 'inner'), '  keep spaces \nsecond line\n\n');
    expect(await resolveSecret({ file: './secrets/pw' }, dir)).toBe('line one');
    expect(await resolveSecret({ file: path.join(dir, 'secrets', 'inner') }, '/elsewhere')).toBe('  keep spaces \nsecond line');
  });

  it('names a missing or empty file', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'empty'), '\n');
    await expect(resolveSecret({ file: 'gone.txt' }, dir)).rejects.toThrow(`secret file ${path.join(dir, 'gone.txt')} does not exist`);
    await expect(resolveSecret({ file: 'empty' }, dir)).rejects.toThrow(`secret file ${path.join(dir, 'empty')} is empty`);
    await expect(resolveSecret({ file: '.' }, dir)).rejects.toThrow(/is a folder/);
  });

  it('rejects malformed references', async () => {
    await expect(resolveSecret({ env: 'A', file: 'b' } as never, '/')).rejects.toThrow(/invalid secret reference/);
    await expect(resolveSecret(42 as never, '/')).rejects.toThrow(/invalid secret reference/);
  });
});

describe('createSecretsAccessor', () => {
  it('reads only x-secret keys, reports unset ones, and reports every resolved value', async () => {
    const seen: string[] = [];
    const secrets = createSecretsAccessor({
      settings: { url: 'https://x', password: { env: 'PW' }, nested: { token: 'literal-token' } },
      secretKeys: ['password', 'nested.token', 'apiKey'],
      baseDir: '/', endpoint: 'work', env: { PW: 'pw-value' }, onResolved: (v) => seen.push(v),
    });
    expect(await secrets.get('password')).toBe('pw-value');
    expect(await secrets.get('nested.token')).toBe('literal-token');
    expect(await secrets.maybe('apiKey')).toBeUndefined();
    await expect(secrets.get('apiKey')).rejects.toThrow('endpoint "work": secret setting "apiKey" is not set');
    await expect(secrets.get('url')).rejects.toThrow(/"url" is not marked "x-secret": true .*secret settings: password, nested.token, apiKey/);
    expect(seen).toEqual(['pw-value', 'literal-token']);
  });

  it('labels resolution errors with the endpoint and key', async () => {
    const secrets = createSecretsAccessor({ settings: { password: { env: 'NOPE' } }, secretKeys: ['password'], baseDir: '/', endpoint: 'work', env: {} });
    await expect(secrets.get('password')).rejects.toThrow('endpoint "work", setting "password": environment variable NOPE is not set');
  });
});
