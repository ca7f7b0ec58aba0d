/**
 * Items in a workspace's collection folders, for end-to-end tests of contacts and events: write vCards of our own,
 * read back UIDs and content lines.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A vCard 3.0 with UID `uid` and the given content lines. */
export function vcard(uid: string, lines: string[]): string {
  return ['BEGIN:VCARD', 'VERSION:3.0', 'PRODID:-//Dovetail//Tests//EN', `UID:${uid}`, ...lines, 'END:VCARD', ''].join('\r\n');
}

/** Writes a card into `dir` (created if needed) as `<uid>.vcf`. */
export function putCard(dir: string, uid: string, lines: string[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${uid}.vcf`), vcard(uid, lines));
}

/** The file in `dir` holding the item with `uid` (.ics or .vcf), if any. */
export function fileWithUid(dir: string, uid: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const name = readdirSync(dir).filter((f) => /\.(ics|vcf)$/.test(f))
    .find((f) => new RegExp(`^UID:${uid.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\r?$`, 'm').test(readFileSync(join(dir, f), 'utf8')));
  return name && join(dir, name);
}

/** The unfolded text of the item with `uid` in `dir`. */
export function itemText(dir: string, uid: string): string {
  const f = fileWithUid(dir, uid);
  if (!f) throw new Error(`no ${uid} in ${dir}`);
  return readFileSync(f, 'utf8').replace(/\r?\n[ \t]/g, '');
}

/** Deletes the item with `uid` from `dir`. */
export function removeItem(dir: string, uid: string): void {
  const f = fileWithUid(dir, uid);
  if (!f) throw new Error(`no ${uid} in ${dir}`);
  unlinkSync(f);
}

/** The UIDs of the items in `dir`, sorted. */
export function uidsIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => /\.(ics|vcf)$/.test(f))
    .map((f) => /^UID:(.*?)\r?$/m.exec(readFileSync(join(dir, f), 'utf8'))?.[1] ?? '').sort();
}
