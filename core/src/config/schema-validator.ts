/** Validators for the JSON schemas shipped in schemas/, compiled once per process on first use. */
import { readFileSync } from 'node:fs';
import type { ValidateFunction } from 'ajv';
import { schemaFile } from '../host/paths.js';
import { createAjv } from './ajv-factory.js';
import { issuesFromAjv, type SchemaIssue } from './schema-issues.js';

/** Returns a function that checks a value against `schemas/<name>` and lists the issues (empty = valid). */
export function schemaValidator(name: string): (value: unknown) => SchemaIssue[] {
  let compiled: ValidateFunction | undefined;
  return (value) => {
    if (!compiled) {
      const schema = JSON.parse(readFileSync(schemaFile(name), 'utf8')) as Record<string, unknown>;
      compiled = createAjv(schema.$schema).compile(schema);
    }
    return compiled(value) ? [] : issuesFromAjv(compiled.errors);
  };
}
