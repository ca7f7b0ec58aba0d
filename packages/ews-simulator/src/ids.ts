/**
 * Item, folder and occurrence ids and ChangeKeys. Both are opaque base64 strings on the wire, like Exchange's; ours
 * carry a kind byte and, for ChangeKeys, the object's version number so a stale key can be told from a current one.
 */
import { randomBytes } from 'node:crypto';

/** The object a ChangeKey belongs to; the first byte mirrors Exchange's (0x01 folder, 0x0F calendar, …). */
export type ObjectKind = 'folder' | 'calendar' | 'task' | 'contact' | 'message';

const KIND_BYTE: Record<ObjectKind, number> = { folder: 0x01, calendar: 0x0f, task: 0x13, contact: 0x11, message: 0x09 };
const ID_MARK = Buffer.from('AAMkA', 'latin1');
const OCC_MARK = Buffer.from('OCCUR', 'latin1');

/** A new random item or folder id (40 bytes, base64). */
export function newId(): string {
  return Buffer.concat([ID_MARK, randomBytes(35)]).toString('base64');
}

/** A ChangeKey for version `version` of the object with id `id`. */
export function changeKeyFor(kind: ObjectKind, id: string, version: number): string {
  const head = Buffer.from([KIND_BYTE[kind], 0, 0, 0, 0x16, 0, 0, 0]);
  const tag = Buffer.from(id, 'base64').subarray(-8);
  const v = Buffer.alloc(4);
  v.writeUInt32BE(version >>> 0);
  return Buffer.concat([head, tag, v]).toString('base64');
}

/** The version a ChangeKey names for the object `id`, or undefined if it is malformed or belongs to another object. */
export function versionOf(id: string, changeKey: string): number | undefined {
  const b = Buffer.from(changeKey, 'base64');
  if (b.length !== 20) return undefined;
  const tag = Buffer.from(id, 'base64').subarray(-8);
  if (!b.subarray(8, 16).equals(tag)) return undefined;
  return b.readUInt32BE(16);
}

/** The id of one occurrence of a recurring master (the occurrence's original start, epoch ms). */
export function occurrenceId(masterId: string, originalStartMs: number): string {
  const t = Buffer.alloc(8);
  t.writeDoubleBE(originalStartMs);
  return Buffer.concat([OCC_MARK, Buffer.from(masterId, 'base64'), t]).toString('base64');
}

/** Splits an occurrence id; undefined for a plain item id. */
export function parseOccurrenceId(id: string): { masterId: string; originalStartMs: number } | undefined {
  const b = Buffer.from(id, 'base64');
  if (b.length < OCC_MARK.length + 9 || !b.subarray(0, OCC_MARK.length).equals(OCC_MARK)) return undefined;
  const master = b.subarray(OCC_MARK.length, b.length - 8);
  return { masterId: master.toString('base64'), originalStartMs: b.readDoubleBE(b.length - 8) };
}

/** True if the string is plausible base64 (Exchange answers ErrorInvalidIdMalformed otherwise). */
export function looksLikeBase64(s: string): boolean {
  return s.length > 0 && s.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(s);
}
