/**
 * FindItem Restriction and SortOrder for simple item properties: IsEqualTo, IsNotEqualTo, IsGreaterThan(OrEqualTo),
 * IsLessThan(OrEqualTo), Contains (ContainmentMode / ContainmentComparison), Exists, And, Or, Not. Comparisons are
 * by number for numbers, by instant for dateTimes and case-insensitive for text, as Exchange compares strings.
 */
import { readPath, type PropertyPath } from './shape.js';
import { EwsError } from './soap.js';
import { parseDateTime } from './time.js';
import type { ItemView } from './views.js';
import { child, type XmlElement } from './xml.js';
import { extendedKey } from './extended.js';

export type Predicate = (view: ItemView) => boolean;

function valueOf(view: ItemView, path: PropertyPath): string | undefined {
  if (path.type === 'extended') return view.extended.find((x) => extendedKey(x.uri) === extendedKey(path.uri))?.value;
  if (path.type === 'indexed') {
    const entry = view.props[path.container]?.c?.find((e) => e.a?.Key === path.key);
    return path.part ? entry?.c?.find((c) => c.n === path.part)?.t : entry?.t;
  }
  if (path.element === 'ItemClass') return view.item.itemClass;
  if (path.element === 'CalendarItemType') return view.type;
  if (path.element === 'LastModifiedTime') return view.item.modified;
  if (path.element === 'DateTimeCreated') return view.item.created;
  const node = view.props[path.element];
  if (!node) return undefined;
  if (node.c) return node.c.map((c) => c.t ?? '').join(' ');
  return node.t;
}

function compare(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a.trim() !== '' && b.trim() !== '' && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  const da = parseDateTime(a);
  const db = parseDateTime(b);
  if (!Number.isNaN(da) && !Number.isNaN(db)) return da - db;
  if (a === 'true' || a === 'false') return a === b ? 0 : a < b ? -1 : 1;
  return a.localeCompare(b, undefined, { sensitivity: 'accent' });
}

function operand(e: XmlElement): { path: PropertyPath; constant?: string } {
  const pathEl = e.children.find((c) => /FieldURI$/.test(c.local));
  if (!pathEl) throw new EwsError('ErrorInvalidRestriction', 'The restriction has no property path.');
  const constant = child(child(e, 'FieldURIOrConstant'), 'Constant')?.attrs.Value ?? child(e, 'Constant')?.attrs.Value;
  return { path: readPath(pathEl), ...(constant !== undefined ? { constant } : {}) };
}

const COMPARISONS: Record<string, (c: number) => boolean> = {
  IsEqualTo: (c) => c === 0, IsNotEqualTo: (c) => c !== 0, IsGreaterThan: (c) => c > 0,
  IsGreaterThanOrEqualTo: (c) => c >= 0, IsLessThan: (c) => c < 0, IsLessThanOrEqualTo: (c) => c <= 0,
};

/** Compiles one search expression. */
export function compile(e: XmlElement): Predicate {
  const cmp = COMPARISONS[e.local];
  if (cmp) {
    const { path, constant } = operand(e);
    if (constant === undefined) throw new EwsError('ErrorInvalidRestriction', `${e.local} needs a constant.`);
    return (v) => {
      const x = valueOf(v, path);
      return x === undefined ? e.local === 'IsNotEqualTo' : cmp(compare(x, constant));
    };
  }
  switch (e.local) {
    case 'Exists': {
      const { path } = operand(e);
      return (v) => valueOf(v, path) !== undefined;
    }
    case 'Contains': {
      const { path, constant } = operand(e);
      const mode = e.attrs.ContainmentMode ?? 'Substring';
      const ignoreCase = /IgnoreCase|Loose/.test(e.attrs.ContainmentComparison ?? 'Exact');
      return (v) => {
        let x = valueOf(v, path);
        let c = constant ?? '';
        if (x === undefined) return false;
        if (ignoreCase) { x = x.toLowerCase(); c = c.toLowerCase(); }
        if (mode === 'FullString') return x === c;
        if (mode === 'Prefixed') return x.startsWith(c);
        if (mode === 'PrefixOnWords') return x.split(/\s+/).some((w) => w.startsWith(c));
        return x.includes(c);
      };
    }
    case 'And': { const ps = e.children.map(compile); return (v) => ps.every((p) => p(v)); }
    case 'Or': { const ps = e.children.map(compile); return (v) => ps.some((p) => p(v)); }
    case 'Not': { const p = compile(e.children[0]!); return (v) => !p(v); }
    default:
      throw new EwsError('ErrorUnsupportedQueryFilter', `The restriction ${e.local} is not supported by this server.`);
  }
}

/** A Restriction element's predicate (everything matches without one). */
export function restrictionOf(e: XmlElement | undefined): Predicate {
  const expr = e?.children[0];
  return expr ? compile(expr) : () => true;
}

/** A SortOrder element's comparator, or undefined. */
export function sortOf(e: XmlElement | undefined): ((a: ItemView, b: ItemView) => number) | undefined {
  const orders = (e?.children ?? []).map((o) => ({ path: readPath(o.children[0]!), desc: o.attrs.Order === 'Descending' }));
  if (!orders.length) return undefined;
  return (a, b) => {
    for (const o of orders) {
      const x = valueOf(a, o.path);
      const y = valueOf(b, o.path);
      const c = x === undefined ? (y === undefined ? 0 : -1) : y === undefined ? 1 : compare(x, y);
      if (c !== 0) return o.desc ? -c : c;
    }
    return 0;
  };
}
