/** Validators for the JSON schemas shipped in schemas/, loaded once per process on first use (see validator-store.ts). */
import { readFileSync } from 'node:fs';
import type { ValidateFunction } from 'ajv';
import { schemaFile } from '../host/paths.js';
import { storedValidator } from './validator-store.js';
import { issuesFromAjv, type SchemaIssue } from './schema-issues.js';

/** Returns a function that checks a value against `schemas/<name>` and lists the issues (empty = valid). */
export function schemaValidator(name: string): (value: unknown) => SchemaIssue[] {
  let compiled: ValidateFunction | undefined;
  return (value) => {
    compiled ??= storedValidator(JSON.parse(readFileSync(schemaFile(name), 'utf8')) as Record<string, unknown>);
    return compiled(value) ? [] : issuesFromAjv(compiled.errors);
  };
}
