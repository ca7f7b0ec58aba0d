/**
 * Built-in mapping transforms (DESIGN §5). A transform is written in the a→b sense; on a rule with direction
 * `both` the b→a direction applies its inverse:
 *
 * | transform                | a→b                                         | b→a (inverse)                    |
 * |--------------------------|---------------------------------------------|----------------------------------|
 * | identity                 | value as is                                 | same                             |
 * | html-to-text             | HTML → plain text                           | text-to-html                     |
 * | text-to-html             | plain text → HTML                           | html-to-text                     |
 * | priority-1-9-to-level    | 1–4 high, 5 normal, 6–9 low, 0/absent none  | high 1, normal 5, low 9          |
 * | priority-level-to-1-9    | the b→a column above                        | the a→b column                   |
 * | status-table             | table lookup (keys = A values)              | inverted table                   |
 * | category-color           | first category with a colour → colour       | colour → its category            |
 * | reminders                | policy filter (all / none / upcoming-only)  | same policy                      |
 * | constant, template       | one-way only (the rule needs a-to-b/b-to-a) | —                                |
 *
 * `status-table` with `table: "proad"` reads side A as PROAD task states (new, started, waiting, deferred, done,
 * cancelled) and side B as iCalendar STATUS (see PROAD_TO_ICAL; back: needs-action → new, in-process → started,
 * completed → done, cancelled → cancelled); add `invert: true` when A is the iCalendar side. A custom table maps
 * A values (keys) to B values, matched case-insensitively.
 *
 * "none" (priority 0) and unmapped table values come out as absent, so the rule's `default` fills them.
 * Lossy inverses prefer the target's current value when it maps forward to the same result: a PROAD task in
 * `waiting` stays `waiting` when the iCalendar side still says `in-process`; priority 3 stays 3 while the
 * other side says `high`; colour → category keeps the target's other categories.
 */
import type { Entity, Reminder, TimeValue } from '../sdk/entities.js';
import type { FieldKind } from './fields.js';
import { getField, isEmptyValue, parseFieldPath, textsOf } from './fields.js';
import { htmlToText, textToHtml } from './html-text.js';
import { toEpochMs } from '../model/time-value.js';

/** What a transform may look at besides the value. */
export interface TransformContext {
  now: Date;
  /** The entity being mapped (the source side of this direction). */
  source: Entity;
  /** The target's current value at the written path (undefined when creating). */
  current: unknown;
}

/** `forward` = the a→b sense the transform is written in; `backward` = its inverse for b→a. */
export type TransformSense = 'forward' | 'backward';

/** A compiled transform. */
export interface Transform {
  name: string;
  /** Kind class of the source value in the forward sense and of the written value (see kindClass). */
  input: KindClass;
  output: KindClass;
  /** False for constant and template: only one-way rules may use them. */
  invertible: boolean;
  /** Field paths the transform reads from the source entity (template placeholders). */
  reads: string[];
  apply(value: unknown, ctx: TransformContext, sense: TransformSense): unknown;
}

/** Coarse value classes for compatibility checks: scalars (text, html, number, timestamps) convert freely. */
export type KindClass = 'scalar' | 'time' | 'list' | 'object' | 'any';

/** The class a field kind belongs to. */
export function kindClass(kind: FieldKind): KindClass {
  if (kind === 'text' || kind === 'html' || kind === 'number' || kind === 'timestamp') return 'scalar';
  return kind;
}

/** One problem in a transform spec; `pointer` is relative to the transform (`""`, `/table`, `/policy`). */
export interface TransformError {
  pointer: string;
  message: string;
}

export const TRANSFORM_NAMES = [
  'identity', 'html-to-text', 'text-to-html', 'priority-1-9-to-level', 'priority-level-to-1-9',
  'status-table', 'reminders', 'category-color', 'constant', 'template',
] as const;

// ---------------------------------------------------------------------------------------------- priority

const LEVELS: Record<string, number> = { high: 1, normal: 5, medium: 5, low: 9 };

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v.trim());
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** iCalendar priority (1–9, 0 = none) → `high` | `normal` | `low`; none or out of range → undefined. */
export function priorityToLevel(v: unknown): string | undefined {
  const n = toNumber(v);
  if (n === undefined || !Number.isInteger(n) || n < 1 || n > 9) return undefined;
  return n <= 4 ? 'high' : n === 5 ? 'normal' : 'low';
}

/** `high` → 1, `normal` (or `medium`) → 5, `low` → 9, case-insensitive; anything else (incl. `none`) → undefined. */
export function levelToPriority(v: unknown): number | undefined {
  return typeof v === 'string' ? LEVELS[v.trim().toLowerCase()] : undefined;
}

function keepCurrentIf<T>(current: unknown, forwardOfCurrent: T | undefined, wanted: T | undefined): boolean {
  return current !== undefined && wanted !== undefined && forwardOfCurrent === wanted;
}

// ---------------------------------------------------------------------------------------------- tables

/** PROAD task states → iCalendar STATUS. `waiting` (started but blocked) → in-process; `deferred` (postponed,
 * not begun) → needs-action. */
export const PROAD_TO_ICAL: Readonly<Record<string, string>> = {
  new: 'needs-action', started: 'in-process', waiting: 'in-process', deferred: 'needs-action',
  done: 'completed', cancelled: 'cancelled',
};

/** A case-insensitive lookup table: `fwd` for a→b, `back` for b→a. */
class Table {
  private fwd: Map<string, string>;
  private back: Map<string, string>;
  constructor(fwd: Readonly<Record<string, string>>, back: Readonly<Record<string, string>>) {
    this.fwd = new Map(Object.entries(fwd).map(([k, v]) => [fold(k), v]));
    this.back = new Map(Object.entries(back).map(([k, v]) => [fold(k), v]));
  }
  forward(v: unknown): string | undefined { return typeof v === 'string' ? this.fwd.get(fold(v)) : undefined; }
  backward(v: unknown): string | undefined { return typeof v === 'string' ? this.back.get(fold(v)) : undefined; }
}

/** A table and its inverse; with `invert` the table is read right to left. */
function tableOf(record: Readonly<Record<string, string>>, invert: boolean): Table {
  return invert ? new Table(invertRecord(record), record) : new Table(record, invertRecord(record));
}

function fold(s: string): string {
  return s.trim().normalize('NFC').toLowerCase();
}

function tableTransform(name: string, table: Table): Transform {
  return {
    name, input: 'scalar', output: 'scalar', invertible: true, reads: [],
    apply(value, ctx, sense) {
      if (sense === 'forward') return table.forward(value);
      const back = table.backward(value);
      const wanted = typeof value === 'string' ? fold(value) : undefined;
      const fwdCurrent = table.forward(ctx.current);
      if (keepCurrentIf(ctx.current, fwdCurrent === undefined ? undefined : fold(fwdCurrent), wanted)) return ctx.current;
      return back;
    },
  };
}

// ---------------------------------------------------------------------------------------------- colours

function categoryColor(table: Record<string, string>): Transform {
  const byColor = new Map<string, string>();
  const categories = new Map<string, string>();
  for (const [cat, color] of Object.entries(table)) {
    categories.set(fold(cat), color);
    if (!byColor.has(fold(color))) byColor.set(fold(color), cat);
  }
  return {
    name: 'category-color', input: 'list', output: 'scalar', invertible: true, reads: [],
    apply(value, ctx, sense) {
      if (sense === 'forward') {
        const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
        for (const c of list) if (typeof c === 'string' && categories.has(fold(c))) return categories.get(fold(c));
        return undefined;
      }
      const wanted = typeof value === 'string' ? byColor.get(fold(value)) : undefined;
      const current = Array.isArray(ctx.current) ? (ctx.current as unknown[]).filter((c): c is string => typeof c === 'string') : [];
      // Keep the target's other categories; replace only those the table knows.
      const kept = current.filter((c) => !categories.has(fold(c)) || (wanted !== undefined && fold(c) === fold(wanted)));
      if (wanted !== undefined && !kept.some((c) => fold(c) === fold(wanted))) kept.push(wanted);
      return kept.length ? kept : undefined;
    },
  };
}

// ---------------------------------------------------------------------------------------------- reminders

const DURATION = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** Milliseconds of an ISO-8601 duration such as `-PT15M` or `P1DT2H` (days taken as 24 h); undefined if invalid. */
export function durationMs(text: string): number | undefined {
  const m = DURATION.exec(text.trim().toUpperCase());
  if (!m || text.trim().toUpperCase().replace(/^[+-]/, '') === 'P') return undefined;
  const [, sign, w, d, h, min, s] = m;
  const ms = ((Number(w ?? 0) * 7 + Number(d ?? 0)) * 86400 + Number(h ?? 0) * 3600 + Number(min ?? 0) * 60 + Number(s ?? 0)) * 1000;
  return sign === '-' ? -ms : ms;
}

/** Epoch ms of a time value (the model's reading: `date` and `floating` as UTC wall-clock); undefined if absent
 * or malformed. */
function timeValueMs(t: TimeValue | undefined): number | undefined {
  if (!t || typeof t.value !== 'string') return undefined;
  const ms = toEpochMs(t);
  return Number.isFinite(ms) ? ms : undefined;
}

/** When a reminder fires for the entity's (first) occurrence; undefined when it cannot be computed. */
export function reminderTriggerMs(r: Reminder, entity: Entity): number | undefined {
  if (r.kind === 'absolute') {
    const at = r.at ? Date.parse(r.at) : NaN;
    return Number.isNaN(at) ? undefined : at;
  }
  const offset = r.offset ? durationMs(r.offset) : 0;
  if (offset === undefined) return undefined;
  const anchor = reminderAnchorMs(entity, r.related ?? 'start');
  return anchor === undefined ? undefined : anchor + offset;
}

function reminderAnchorMs(entity: Entity, related: 'start' | 'end'): number | undefined {
  if (entity.type === 'event') {
    const start = timeValueMs(entity.start);
    if (related === 'start') return start;
    const end = timeValueMs(entity.end);
    if (end !== undefined) return end;
    const dur = entity.duration ? durationMs(entity.duration) : undefined;
    return start !== undefined ? start + (dur ?? 0) : undefined;
  }
  if (entity.type === 'task') return timeValueMs(related === 'end' ? entity.due ?? entity.start : entity.start ?? entity.due);
  return undefined;
}

/** The moment an upcoming reminder must fire by: an event's start, a task's due (else start). */
function deadlineMs(entity: Entity): number | undefined {
  if (entity.type === 'event') return timeValueMs(entity.start);
  if (entity.type === 'task') return timeValueMs(entity.due ?? entity.start);
  return undefined;
}

function isRecurring(entity: Entity): boolean {
  if (entity.type === 'contact') return false;
  const r = entity.recurrence;
  return !!r && ((r.rrule?.length ?? 0) > 0 || (r.rdate?.length ?? 0) > 0);
}

/**
 * Reminder policy: `all` keeps every reminder, `none` drops them, `upcoming-only` keeps those that fire after
 * `now` and no later than the event's start (a task's due): it stops a sync from flooding the target with alarms
 * for the past. Relative reminders of a recurring item are kept (they fire for future occurrences); a reminder
 * whose time cannot be computed (no start, bad offset) is dropped.
 */
export function applyReminderPolicy(
  reminders: unknown, policy: 'all' | 'none' | 'upcoming-only', entity: Entity, now: Date,
): Reminder[] | undefined {
  if (policy === 'none' || !Array.isArray(reminders)) return undefined;
  const list = reminders as Reminder[];
  if (policy === 'all') return list.length ? list.map((r) => ({ ...r })) : undefined;
  const nowMs = now.getTime();
  const recurring = isRecurring(entity);
  const deadline = deadlineMs(entity);
  const kept = list.filter((r) => {
    if (r.kind === 'relative' && recurring) return true;
    const at = reminderTriggerMs(r, entity);
    if (at === undefined || at <= nowMs) return false;
    return deadline === undefined ? r.kind === 'absolute' : at <= deadline;
  });
  return kept.length ? kept.map((r) => ({ ...r })) : undefined;
}

// ---------------------------------------------------------------------------------------------- template

type TemplatePart = { literal: string } | { field: string };

function parseTemplate(template: string): TemplatePart[] | { error: string } {
  const parts: TemplatePart[] = [];
  let lit = '';
  for (let i = 0; i < template.length; i++) {
    const ch = template[i];
    if ((ch === '{' || ch === '}') && template[i + 1] === ch) { lit += ch; i++; continue; }
    if (ch === '}') return { error: `unmatched "}" at position ${i} (write "}}" for a literal brace)` };
    if (ch !== '{') { lit += ch; continue; }
    const close = template.indexOf('}', i + 1);
    if (close < 0) return { error: `unclosed "{" at position ${i}` };
    parts.push({ literal: lit });
    lit = '';
    parts.push({ field: template.slice(i + 1, close).trim() });
    i = close;
  }
  parts.push({ literal: lit });
  return parts;
}

/** Text of a template value: lists joined with ", ", time values as written, objects' texts with spaces. */
function templateText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return textsOf(v).map((s) => s.trim()).filter(Boolean).join(', ');
  return textsOf(v).map((s) => s.trim()).filter(Boolean).join(' ');
}

/**
 * Renders a template such as `{summary} – {location}` against an entity. Placeholders are field paths; a missing
 * value is empty. Separator rule: the text before the first placeholder and after the last is kept; text between
 * placeholders is a separator that appears only between two non-empty values (when values in between are empty,
 * the separator that precedes the next non-empty value is used). So `{summary} – {location}` gives "Lunch" when
 * there is no location and "Canteen" when there is no summary. All placeholders empty → undefined (the rule's
 * `default` applies). Write `{{` / `}}` for literal braces.
 */
export function renderTemplate(parts: TemplatePart[], entity: Entity): string | undefined {
  const values: string[] = [];
  const seps: string[] = [];
  for (let i = 1; i < parts.length; i += 2) {
    values.push(templateText(getField(entity, (parts[i] as { field: string }).field)));
    seps.push((parts[i - 1] as { literal: string }).literal);
  }
  if (values.every((v) => v === '')) return undefined;
  let out = (parts[0] as { literal: string }).literal;
  let emitted = false;
  for (let k = 0; k < values.length; k++) {
    if (values[k] === '') continue;
    if (emitted) out += seps[k];
    out += values[k];
    emitted = true;
  }
  out += (parts[parts.length - 1] as { literal: string }).literal;
  const trimmed = out.trim();
  return trimmed === '' ? undefined : trimmed;
}

// ---------------------------------------------------------------------------------------------- compile

function simple(name: string, input: KindClass, output: KindClass, fwd: (v: unknown) => unknown, back: (v: unknown, ctx: TransformContext) => unknown): Transform {
  return {
    name, input, output, invertible: true, reads: [],
    apply: (v, ctx, sense) => (sense === 'forward' ? fwd(v) : back(v, ctx)),
  };
}

const htmlOf = (v: unknown) => (typeof v === 'string' ? textToHtml(v) || undefined : undefined);
const textOf = (v: unknown) => (typeof v === 'string' ? htmlToText(v) || undefined : undefined);

const priorityLevel = simple('priority-1-9-to-level', 'scalar', 'scalar', priorityToLevel, (v, ctx) => {
  const wanted = typeof v === 'string' ? v.trim().toLowerCase() : undefined;
  const wantedLevel = wanted === 'medium' ? 'normal' : wanted;
  return keepCurrentIf(ctx.current, priorityToLevel(ctx.current), wantedLevel) ? ctx.current : levelToPriority(v);
});
const levelPriority = simple('priority-level-to-1-9', 'scalar', 'scalar', levelToPriority, (v, ctx) => {
  const cur = typeof ctx.current === 'string' ? ctx.current.trim().toLowerCase() : undefined;
  const fwdCur = cur === undefined ? undefined : levelToPriority(cur);
  const level = priorityToLevel(v);
  return keepCurrentIf(ctx.current, fwdCur === undefined ? undefined : priorityToLevel(fwdCur), level) ? ctx.current : level;
});

const BUILT_INS: Record<string, Transform> = {
  identity: simple('identity', 'any', 'any', (v) => v, (v) => v),
  'html-to-text': simple('html-to-text', 'scalar', 'scalar', textOf, htmlOf),
  'text-to-html': simple('text-to-html', 'scalar', 'scalar', htmlOf, textOf),
  'priority-1-9-to-level': priorityLevel,
  'priority-level-to-1-9': levelPriority,
};

const PARAMETERIZED = new Set(['status-table', 'reminders', 'category-color', 'constant', 'template']);

function isStringRecord(v: unknown): v is Record<string, string> {
  return !!v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
}

/**
 * Compiles a transform spec (a name, or `{ name, …params }`); template placeholders are checked against the
 * entity type's fields. Errors carry pointers relative to the spec.
 */
export function compileTransform(spec: unknown, entityType: Entity['type']): Transform | { errors: TransformError[] } {
  const fail = (pointer: string, message: string) => ({ errors: [{ pointer, message }] });
  const name = typeof spec === 'string' ? spec : spec && typeof spec === 'object' ? (spec as { name?: unknown }).name : undefined;
  const at = typeof spec === 'string' ? '' : '/name';
  if (typeof name !== 'string') return fail('', 'transform must be a name or an object with "name"');
  if (BUILT_INS[name]) return BUILT_INS[name];
  if (!PARAMETERIZED.has(name)) return fail(at, `unknown transform "${name}" (known: ${TRANSFORM_NAMES.join(', ')})`);
  if (typeof spec === 'string') return fail('', `transform "${name}" needs parameters: write { "name": "${name}", … }`);
  const p = spec as Record<string, unknown>;
  switch (name) {
    case 'status-table': {
      const invert = p.invert === true;
      if (p.invert !== undefined && typeof p.invert !== 'boolean') return fail('/invert', '"invert" must be true or false');
      if (p.table === 'proad') {
        return tableTransform('status-table', tableOf(PROAD_TO_ICAL, invert));
      }
      if (!isStringRecord(p.table) || Object.keys(p.table).length === 0) {
        return fail('/table', '"table" must be "proad" or a non-empty object of text → text');
      }
      return tableTransform('status-table', tableOf(p.table, invert));
    }
    case 'category-color': {
      if (!isStringRecord(p.table) || Object.keys(p.table).length === 0) {
        return fail('/table', '"table" must be a non-empty object of category → colour');
      }
      return categoryColor(p.table);
    }
    case 'reminders': {
      const policy = p.policy;
      if (policy !== 'all' && policy !== 'none' && policy !== 'upcoming-only') {
        return fail('/policy', '"policy" must be "all", "none" or "upcoming-only"');
      }
      return {
        name, input: 'list', output: 'list', invertible: true, reads: [],
        apply: (v, ctx) => applyReminderPolicy(v, policy, ctx.source, ctx.now),
      };
    }
    case 'constant': {
      if (!('value' in p) || p.value === undefined) return fail('/value', 'constant needs a "value"');
      const value = p.value;
      const output: KindClass = Array.isArray(value) ? 'list' : value !== null && typeof value === 'object' ? 'any' : 'scalar';
      return {
        name, input: 'any', output, invertible: false, reads: [],
        apply: () => structuredClone(value),
      };
    }
    case 'template': {
      if (typeof p.template !== 'string' || p.template === '') return fail('/template', '"template" must be a non-empty text');
      const parts = parseTemplate(p.template);
      if ('error' in parts) return fail('/template', parts.error);
      const fields = parts.filter((x): x is { field: string } => 'field' in x).map((x) => x.field);
      if (fields.length === 0) return fail('/template', 'template has no {field} placeholder; use "constant" for fixed text');
      const errors: TransformError[] = [];
      const normalized: TemplatePart[] = parts.map((part) => {
        if (!('field' in part)) return part;
        const fp = parseFieldPath(entityType, part.field);
        if ('error' in fp) { errors.push({ pointer: '/template', message: `placeholder {${part.field}}: ${fp.error}` }); return part; }
        return { field: fp.path };
      });
      if (errors.length) return { errors };
      return {
        name, input: 'any', output: 'scalar', invertible: false,
        reads: normalized.filter((x): x is { field: string } => 'field' in x).map((x) => x.field),
        apply: (_v, ctx) => renderTemplate(normalized, ctx.source),
      };
    }
  }
  return fail(at, `unknown transform "${name}"`);
}

/** value → first key with that value (compared case-insensitively). */
function invertRecord(r: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  for (const [k, v] of Object.entries(r)) {
    if (seen.has(fold(v))) continue;
    seen.add(fold(v));
    out[v] = k;
  }
  return out;
}

/** Applies a rule's `default` when the (transformed) value is empty. */
export function withDefault(value: unknown, def: unknown): unknown {
  return isEmptyValue(value) && def !== undefined ? structuredClone(def) : value;
}
