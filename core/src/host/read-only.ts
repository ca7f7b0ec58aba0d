/**
 * A manifest's `readOnlyWhen` rule: a JSON Schema matched against an endpoint's validated settings. A match
 * makes the endpoint read-only (validate refuses pairings that would write to it; the engine never writes it).
 */
import { prepareValidator } from '../config/validator-store.js';
import type { ReadOnlyRule } from '../sdk/manifest.js';

/** Why an endpoint with `settings` is read-only, or undefined when it is not. */
export type ReadOnlyCheck = (settings: unknown) => string | undefined;

const never: ReadOnlyCheck = () => undefined;

/** Compiles the rule; throws a readable Error when its schema is not a valid JSON Schema. */
export function compileReadOnlyRule(rule: ReadOnlyRule | undefined): ReadOnlyCheck {
  if (!rule) return never;
  const matches = prepareValidator(rule.settings);
  return (settings) => (matches()(settings ?? {}) ? rule.reason : undefined);
}
