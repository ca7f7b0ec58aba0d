/**
 * Turns ajv errors (allErrors + verbose) into issues a person can act on: one per problem, a JSON pointer
 * to the offending place, a short message and a hint (allowed values, "did you mean", or the key's description).
 */
import { maskUrlCredentials } from '../log.js';
import type { ErrorObject } from 'ajv';
import { joinPointer } from './json-pointer.js';
import { oneOf, suggestion } from './suggest.js';

/** One problem in a JSON document: where (RFC 6901 pointer), what, and how to fix it. */
export interface SchemaIssue {
  pointer: string;
  message: string;
  hint: string;
}

type SchemaNode = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  description?: string;
  examples?: unknown[];
  properties?: Record<string, SchemaNode>;
  propertyNames?: SchemaNode;
  [k: string]: unknown;
};

const article = (type: string): string => (type === 'integer' || type === 'object' || type === 'array' ? `an ${type}` : `a ${type}`);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number' && Number.isInteger(v)) return 'integer';
  return typeof v;
}

function show(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(maskUrlCredentials(v)) : JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** A hint from a schema node: its allowed values, else its description plus an example. */
export function describeSchema(node: SchemaNode | undefined): string {
  if (!node || typeof node !== 'object') return '';
  if (Array.isArray(node.enum)) return oneOf(node.enum);
  if ('const' in node && typeof node.description !== 'string') return `must be ${show(node.const)}`;
  const parts: string[] = [];
  if (typeof node.description === 'string') parts.push(node.description);
  if (Array.isArray(node.examples) && node.examples.length > 0) parts.push(`e.g. ${show(node.examples[0])}`);
  return parts.join(' ');
}

const branchKeywords = new Set(['anyOf', 'oneOf']);

/** Replaces each failed anyOf/oneOf by the errors of its most plausible branch (innermost first). */
function resolveAlternatives(input: ErrorObject[]): ErrorObject[] {
  // `if` failures are followed by the `then` errors that matter; `propertyNames` wraps the error naming the key.
  let errors = input.filter((e) => e.keyword !== 'if' && e.keyword !== 'propertyNames');
  const composites = errors.filter((e) => branchKeywords.has(e.keyword))
    .sort((x, y) => y.schemaPath.length - x.schemaPath.length);
  for (const composite of composites) {
    if (!errors.includes(composite)) continue;
    const prefix = `${composite.schemaPath}/`;
    const inner = errors.filter((e) => e !== composite && e.schemaPath.startsWith(prefix)
      && (e.instancePath === composite.instancePath || e.instancePath.startsWith(`${composite.instancePath}/`)));
    if (inner.length === 0) continue;
    const branches = new Map<string, ErrorObject[]>();
    for (const e of inner) {
      const idx = e.schemaPath.slice(prefix.length).split('/')[0];
      branches.set(idx, [...(branches.get(idx) ?? []), e]);
    }
    const wrongType = (idx: string, errs: ErrorObject[]) => errs.some((e) => e.keyword === 'type'
      && e.instancePath === composite.instancePath && e.schemaPath === `${prefix}${idx}/type`);
    const ranked = [...branches.entries()].map(([idx, errs]) => ({ idx, errs, mismatch: wrongType(idx, errs) }))
      .sort((x, y) => Number(x.mismatch) - Number(y.mismatch) || x.errs.length - y.errs.length);
    let replacement: ErrorObject[];
    if (ranked[0].mismatch) {
      const types = [...new Set(ranked.flatMap((b) => b.errs.filter((e) => e.keyword === 'type' && e.instancePath === composite.instancePath)
        .flatMap((e) => (Array.isArray(e.schema) ? e.schema : [e.schema]) as string[])))];
      replacement = [{ ...composite, keyword: 'type', params: { type: types.join(',') }, schema: types, message: '' }];
    } else {
      replacement = ranked[0].errs;
    }
    const at = errors.indexOf(composite);
    const kept = errors.filter((e) => e !== composite && !inner.includes(e));
    const before = kept.filter((e) => errors.indexOf(e) < at);
    const after = kept.filter((e) => errors.indexOf(e) > at);
    errors = [...before, ...replacement, ...after];
  }
  return errors;
}

function toIssue(e: ErrorObject): SchemaIssue | undefined {
  const parent = e.parentSchema as SchemaNode | undefined;
  const at = e.instancePath;
  switch (e.keyword) {
    case 'type': {
      const types = (Array.isArray(e.schema) ? e.schema : String(e.params.type).split(',')) as string[];
      const expected = types.map(article).join(' or ');
      return { pointer: at, message: `must be ${expected}, not ${article(typeOf(e.data))}`, hint: describeSchema(parent) || `expected ${expected}` };
    }
    case 'enum':
      return { pointer: at, message: `${show(e.data)} is not an allowed value`, hint: suggestion(e.data, (e.schema as unknown[]).map(String)) };
    case 'const':
      return { pointer: at, message: `must be ${show(e.schema)}`, hint: describeSchema(parent) };
    case 'required': {
      const missing = String(e.params.missingProperty);
      const prop = parent?.properties?.[missing];
      return { pointer: joinPointer(at, missing), message: `required property "${missing}" is missing`, hint: describeSchema(prop) || describeSchema(parent) || `add "${missing}"` };
    }
    case 'additionalProperties': {
      const extra = String(e.params.additionalProperty);
      const allowed = Object.keys(parent?.properties ?? {});
      return {
        pointer: joinPointer(at, extra), message: `unknown property "${extra}"`,
        hint: allowed.length === 0 ? 'no properties are allowed here' : suggestion(extra, allowed, '', 'allowed here'),
      };
    }
    case 'dependencies':
    case 'dependentRequired':
      return { pointer: joinPointer(at, String(e.params.missingProperty)), message: `required when "${e.params.property}" is set`, hint: `add "${e.params.missingProperty}"` };
    case 'not':
      return { pointer: at, message: 'combines properties that cannot be used together', hint: describeSchema(parent) };
    case 'pattern':
      return { pointer: at, message: `${show(e.data)} does not have the expected form`, hint: describeSchema(parent) || `must match ${e.params.pattern}` };
    case 'format':
      return { pointer: at, message: `${show(e.data)} is not a valid ${e.params.format}`, hint: describeSchema(parent) };
    case 'minLength':
      return { pointer: at, message: e.params.limit === 1 ? 'must not be empty' : `must be at least ${e.params.limit} characters long`, hint: describeSchema(parent) };
    default:
      return { pointer: at, message: e.message ?? `fails "${e.keyword}"`, hint: describeSchema(parent) };
  }
}

/** Converts ajv errors into issues, pointers prefixed with `rootPointer` (e.g. `/endpoints/work/settings`). */
export function issuesFromAjv(errors: ErrorObject[] | null | undefined, rootPointer = ''): SchemaIssue[] {
  if (!errors || errors.length === 0) return [];
  const issues: SchemaIssue[] = [];
  for (const e of resolveAlternatives(errors)) {
    const issue = e.propertyName !== undefined
      ? { pointer: joinPointer(e.instancePath, e.propertyName), message: `invalid name "${e.propertyName}"`, hint: describeSchema(e.parentSchema as SchemaNode) }
      : toIssue(e);
    if (issue) issues.push({ ...issue, pointer: rootPointer + issue.pointer });
  }
  // One issue per place: a wrong type makes the other complaints about that value noise.
  const typed = new Set(issues.filter((i) => i.message.startsWith('must be ') && i.message.includes(', not ')).map((i) => i.pointer));
  const seen = new Set<string>();
  return issues.filter((i) => {
    if (typed.has(i.pointer) && !(i.message.startsWith('must be ') && i.message.includes(', not '))) return false;
    const key = `${i.pointer}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
