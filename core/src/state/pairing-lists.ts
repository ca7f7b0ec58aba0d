/**
 * Two small lists in a pairing's state folder that filters read:
 * - `selection.json`: the UIDs someone chose for the pairing (`dovetail select PAIRING add|remove|list`), read by
 *   the include rule `{ "predicate": "selected" }`;
 * - `attendees.json`: the attendees' e-mail addresses of an event pairing's items, per UID, kept up to date by the
 *   pairing's own runs while another pairing's rule `{ "predicate": "attendee-of", "pairing": NAME }` names it.
 * Both are written atomically (temp file + rename). A list that cannot be read is an error: a filter that silently
 * saw an empty list would freeze every item.
 */
import { readFile } from 'node:fs/promises';
import { TextFile } from 'lowdb/node';
import { hasCode } from './durable-fs.js';

/** File names inside a pairing's folder. */
export const LIST_FILES = { selection: 'selection.json', attendees: 'attendees.json' } as const;

/** A list file exists but is not what it should be; names the file and how to recover. */
export class ListFileCorrupt extends Error {
  constructor(readonly file: string, reason: string) {
    super(`${file} is corrupt: ${reason}; move it away to start the list over`);
    this.name = 'ListFileCorrupt';
  }
}

async function readJson(file: string): Promise<unknown | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (hasCode(e, 'ENOENT')) return undefined;
    throw e;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ListFileCorrupt(file, (e as Error).message);
  }
}

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** The selected UIDs in `file` (sorted); empty when none were chosen yet. */
export async function readSelection(file: string): Promise<string[]> {
  const v = await readJson(file);
  if (v === undefined) return [];
  if (typeof v !== 'object' || v === null || !isStringList((v as { uids?: unknown }).uids)) throw new ListFileCorrupt(file, 'expected { "uids": [ … ] }');
  return (v as { uids: string[] }).uids;
}

/** Adds and removes UIDs and writes the file; returns the new list (sorted, without duplicates). */
export async function updateSelection(file: string, add: readonly string[], remove: readonly string[]): Promise<string[]> {
  const set = new Set(await readSelection(file));
  for (const uid of add) set.add(uid);
  for (const uid of remove) set.delete(uid);
  const uids = [...set].sort();
  await new TextFile(file).write(`${JSON.stringify({ uids, changedAt: new Date().toISOString() }, null, 2)}\n`);
  return uids;
}

/** UID → the lower-cased attendee e-mail addresses of that event. */
export type AttendeeIndex = Map<string, string[]>;

/** The attendee index in `file`, or undefined when the pairing has not recorded one yet. */
export async function readAttendees(file: string): Promise<AttendeeIndex | undefined> {
  const v = await readJson(file);
  if (v === undefined) return undefined;
  const items = typeof v === 'object' && v !== null ? (v as { items?: unknown }).items : undefined;
  if (typeof items !== 'object' || items === null || Array.isArray(items) || !Object.values(items).every(isStringList)) {
    throw new ListFileCorrupt(file, 'expected { "items": { "<uid>": [ "<e-mail>", … ] } }');
  }
  return new Map(Object.entries(items as Record<string, string[]>));
}

export async function writeAttendees(file: string, index: AttendeeIndex): Promise<void> {
  const items = Object.fromEntries([...index].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  await new TextFile(file).write(`${JSON.stringify({ items }, null, 1)}\n`);
}
