/**
 * Secrets: resolving `SecretRef`s (string | {env} | {file}) and the per-endpoint `Secrets` accessor
 * a connector receives. Error messages name the variable, file or key — never the value.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Secrets } from '../sdk/connector.js';
import type { SecretRef } from './types.js';

/** A secret could not be resolved (unset variable, unreadable file, malformed reference). */
export class SecretError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretError';
  }
}

/** True when `v` has the shape of a SecretRef. */
export function isSecretRef(v: unknown): v is SecretRef {
  if (typeof v === 'string') return true;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1
    && ((keys[0] === 'env' && typeof (v as { env: unknown }).env === 'string')
      || (keys[0] === 'file' && typeof (v as { file: unknown }).file === 'string'));
}

export interface ResolveSecretOptions {
  /** Environment to read `{env}` from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** What the secret is for, prefixed to error messages (e.g. `endpoint "work", setting "password"`). */
  label?: string;
}

/**
 * Resolves a secret: a literal string as is; `{env}` from the environment (unset or empty is an error);
 * `{file}` read relative to `baseDir`, trailing newlines trimmed (an empty file is an error).
 */
export async function resolveSecret(ref: SecretRef, baseDir: string, options: ResolveSecretOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const prefix = options.label ? `${options.label}: ` : '';
  if (!isSecretRef(ref)) {
    throw new SecretError(`${prefix}invalid secret reference: expected a string, { "env": NAME } or { "file": PATH }`);
  }
  if (typeof ref === 'string') return ref;
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined) throw new SecretError(`${prefix}environment variable ${ref.env} is not set`);
    if (value === '') throw new SecretError(`${prefix}environment variable ${ref.env} is empty`);
    return value;
  }
  const file = path.resolve(baseDir, ref.file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable (permission denied)'
      : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code ?? 'error'})`;
    throw new SecretError(`${prefix}secret file ${file} ${why}`);
  }
  const value = text.replace(/[\r\n]+$/, '');
  if (value === '') throw new SecretError(`${prefix}secret file ${file} is empty`);
  return value;
}

/** Reads a dotted key (`auth.password`) from nested settings. */
function readKey(settings: Readonly<Record<string, unknown>>, key: string): unknown {
  let cur: unknown = settings;
  for (const part of key.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export interface SecretsAccessorOptions {
  /** The endpoint's validated settings (holding SecretRefs at the secret keys). */
  settings: Readonly<Record<string, unknown>>;
  /** Dotted settings keys whose schema property carries `"x-secret": true`. */
  secretKeys: readonly string[];
  baseDir: string;
  /** Endpoint name, for error messages. */
  endpoint: string;
  /** Called with every resolved value (the host registers it for log masking). */
  onResolved?: (value: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** The `Secrets` a connector receives: only keys marked `x-secret` in its settings schema can be read. */
export function createSecretsAccessor(options: SecretsAccessorOptions): Secrets {
  const allowed = new Set(options.secretKeys);
  const resolveKey = async (key: string): Promise<string | undefined> => {
    if (!allowed.has(key)) {
      const known = [...allowed].join(', ') || 'none';
      throw new SecretError(`endpoint "${options.endpoint}": setting "${key}" is not marked "x-secret": true in the connector's settings schema (secret settings: ${known})`);
    }
    const ref = readKey(options.settings, key);
    if (ref === undefined || ref === null) return undefined;
    const value = await resolveSecret(ref as SecretRef, options.baseDir, {
      env: options.env, label: `endpoint "${options.endpoint}", setting "${key}"`,
    });
    options.onResolved?.(value);
    return value;
  };
  return {
    async get(key: string): Promise<string> {
      const value = await resolveKey(key);
      if (value === undefined) throw new SecretError(`endpoint "${options.endpoint}": secret setting "${key}" is not set`);
      return value;
    },
    maybe: resolveKey,
  };
}
