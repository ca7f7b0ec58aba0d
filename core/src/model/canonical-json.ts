/** Canonical JSON: sorted keys; undefined, null, empty strings, empty arrays and empty objects dropped. */

/** Removes empty values recursively; returns undefined when nothing is left. */
export function pruneEmpty(value: unknown): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value)) {
    const list = value.map(pruneEmpty).filter((v) => v !== undefined);
    return list.length ? list : undefined;
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) {
      const v = pruneEmpty((value as Record<string, unknown>)[key]);
      if (v !== undefined) out[key] = v;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return value;
}

/** Stable text of a value: equal content ⇒ equal text, regardless of key order or empty fields. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(pruneEmpty(value)) ?? '';
}
