/** Types shared by the planner, the applier and the reports. */
import type { Entity, EntityType } from '../sdk/entities.js';
import type { PairingMeta, Relation } from '../state/types.js';
import type { EffectivePolicy } from './policy.js';

export type Side = 'a' | 'b';

/** An item as loaded and hashed by the orchestrator. */
export interface LoadedItem {
  id: string;
  version: string;
  entity: Entity;
  hash: string;
}

/** Everything the planner knows about one side. */
export interface SideInput {
  /** Every item currently on the side: id → version. */
  listing: Map<string, string>;
  /** Items loaded this run (new, changed, and counterparts of changed ones). */
  loaded: Map<string, LoadedItem>;
  /** Items that could not be loaded or parsed: id → reason. */
  failed: Map<string, string>;
  /** The connector honoured the window: a missing item whose span is outside it is out of scope, not deleted. */
  windowed: boolean;
  /** Items on the side before this run was listed (for the empty-side guard); undefined on a first run. */
  previousCount?: number;
}

/** The data-driven rules of a pairing, compiled. */
export interface PlanRules {
  /** Builds the entity to write on `target` from `source`, given the target's current copy if any. */
  compose(direction: 'aToB' | 'bToA', source: Entity, target: Entity | undefined): Entity;
  /** True when the item passes the pairing's filters (include/exclude rules) for its side. */
  inFilters(entity: Entity, side: Side): boolean;
  /** True when the item meets the window, or the window does not apply to its side. */
  inWindow(entity: Entity, side: Side): boolean;
  /**
   * The only side the window applies to (`window.side`): items the other side holds sync whatever their date.
   * Undefined when the window (if any) applies to both sides.
   */
  windowSide?: Side;
  /** True when the item's stored span meets the window (always true without a window). */
  spanInWindow(span: [number, number | null]): boolean;
  /** The item's span for the window, if it has dates. */
  span(entity: Entity): [number, number | null] | undefined;
  /** Content hash of an entity as it will read back after being written. */
  hashWritten(entity: Entity): string;
  /** True when writing `source` onto `target` would change nothing the mapping carries. */
  equivalent(direction: 'aToB' | 'bToA', source: Entity, target: Entity): boolean;
}

export interface PlanInput {
  pairing: string;
  entity: EntityType;
  policy: EffectivePolicy;
  relations: Iterable<Relation>;
  meta: Readonly<PairingMeta>;
  a: SideInput;
  b: SideInput;
  rules: PlanRules;
  now: Date;
  /**
   * `once` with `add` or `update`: UIDs an earlier run imported. Such an item missing on B was deleted there since and
   * is not imported again (`recreate` passes none).
   */
  imported?: ReadonlySet<string>;
  /** Overrides the mass-delete and empty-side guards. */
  force: boolean;
  /** Ignore stored versions: every item was loaded (first run, lost cursor, changed config). */
  fullRescan: boolean;
}

interface ActionBase {
  /** Relation key the action belongs to. */
  key: string;
  uid: string;
  /** Side written to. */
  target: Side;
  /** Human-readable title (summary / formatted name / uid). */
  title: string;
  /** Why: "new on a", "changed on b", "deleted on a", "conflict: newer-wins", … */
  reason: string;
}

export type Action =
  | (ActionBase & { kind: 'create'; item: Entity; hash: string })
  | (ActionBase & { kind: 'update'; id: string; ifVersion?: string; item: Entity; hash: string })
  | (ActionBase & { kind: 'delete'; id: string; ifVersion?: string });

/** An item the run left alone, with why. */
export interface Skipped {
  key: string;
  side?: Side;
  id?: string;
  title: string;
  reason: string;
  kind: 'error' | 'conflict' | 'quarantined' | 'duplicate' | 'backoff';
}

/** A change on `side` the run did not carry to the other side, on purpose (a read-only side, an earlier import). */
export interface Held {
  key: string;
  side: Side;
  title: string;
  reason: string;
}

/** The plan: actions plus the state each relation will have once its actions succeed. */
export interface Plan {
  actions: Action[];
  /** Relation key → relation after success (null = forget). Contains every relation that changes, written or not. */
  after: Map<string, Relation | null>;
  /** Relation key → relation before the run (to fall back to when a write fails). */
  before: Map<string, Relation | undefined>;
  skipped: Skipped[];
  /** Changes not carried over on purpose, with why (counted per side and reason in the report). */
  held: Held[];
  /** Count of items whose relation is in sync and needs nothing. */
  unchanged: number;
  /** Set when a guard stopped the run; no actions are planned then. */
  blocked?: string;
}

/** An action as reports and dry-run output show it: without the item it writes. */
export type ActionOutline = Pick<Action, 'kind' | 'key' | 'uid' | 'target' | 'title' | 'reason'>;

/**
 * What a run planned, without the items (a run that plans in chunks drops each chunk's items once it is applied):
 * the actions' outlines in plan order, the skipped items, the changes held back, and the count of untouched items.
 */
export interface PlanOutline {
  actions: ActionOutline[];
  skipped: Skipped[];
  held: Held[];
  unchanged: number;
  blocked?: string;
}
