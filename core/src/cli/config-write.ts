/**
 * Writing pairings back into dovetail.json: the new pairings are inserted as text edits (jsonc-parser's `modify`),
 * so everything else — comments, trailing commas, key order, indentation — stays as the user wrote it, and the file
 * is replaced atomically (temp file in the same folder, fsync, rename), so a crash leaves either the old or the new
 * config, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { applyEdits, modify } from '#jsonc-parser';
import { parseJsoncText } from '../config/json-text.js';
import type { PairingConfig } from '../config/types.js';

/** The config changed on disk between reading and writing: writing would lose someone else's edit. */
export class ConfigChangedMeanwhile extends Error {
  constructor(readonly file: string) {
    super(`${file} changed while the pairings were being prepared; nothing was written (run the command again)`);
    this.name = 'ConfigChangedMeanwhile';
  }
}

/** The config text as read, to write a changed copy of it later. */
export interface ConfigSnapshot {
  /** The file written to (symlinks resolved, so the link stays a link). */
  file: string;
  text: string;
  /** The parsed object, in the file's key order. */
  value: Record<string, unknown>;
}

const BOM = '\ufeff';

/** Reads the config file as it is now. */
export async function snapshotConfig(file: string): Promise<ConfigSnapshot> {
  const real = await fsp.realpath(file);
  const text = await fsp.readFile(real, 'utf8');
  const value = parseJsoncText(text, real) as Record<string, unknown>;
  return { file: real, text, value };
}

/**
 * A copy of `config` with `pairings` appended after the existing ones (a `pairings` key is added at the end
 * when there is none). Existing pairing names are never overwritten: a clash throws.
 */
export function withPairings(config: Record<string, unknown>, added: Record<string, PairingConfig>): Record<string, unknown> {
  const current = config.pairings;
  const pairings: Record<string, unknown> = typeof current === 'object' && current !== null && !Array.isArray(current) ? { ...current } : {};
  for (const [name, p] of Object.entries(added)) {
    if (Object.prototype.hasOwnProperty.call(pairings, name)) throw new Error(`pairing '${name}' already exists`);
    pairings[name] = p;
  }
  if ('pairings' in config) return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, k === 'pairings' ? pairings : v]));
  return { ...config, pairings };
}

/**
 * `original` with `added` inserted after the existing pairings (a `pairings` member is added when there is none),
 * edited in place: comments and formatting elsewhere are untouched; new text is indented like the file's first
 * indented line (tabs or N spaces; 2 spaces when the file has none).
 */
export function configTextWithPairings(original: string, added: Record<string, PairingConfig>): string {
  const bom = original.startsWith(BOM) ? BOM : '';
  let text = original.slice(bom.length);
  const indent = /^([ \t]+)\S/m.exec(text)?.[1] ?? '  ';
  const formattingOptions = {
    insertSpaces: !indent.startsWith('\t'), tabSize: indent.startsWith('\t') ? 1 : indent.length, eol: text.includes('\r\n') ? '\r\n' : '\n',
  };
  for (const [name, pairing] of Object.entries(added)) {
    text = applyEdits(text, modify(text, ['pairings', name], pairing, { formattingOptions }));
  }
  return bom + text;
}

/**
 * Replaces the snapshot's file with `text` atomically, keeping its permission bits. Throws
 * ConfigChangedMeanwhile (and writes nothing) when the file no longer holds the snapshot's text.
 */
export async function writeConfigAtomically(snapshot: ConfigSnapshot, text: string): Promise<void> {
  const { file } = snapshot;
  const stat = await fsp.stat(file);
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await fsp.open(temp, 'wx', stat.mode & 0o777);
  try {
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    if ((await fsp.readFile(file, 'utf8')) !== snapshot.text) throw new ConfigChangedMeanwhile(file);
    await fsp.rename(temp, file);
  } catch (e) {
    await fsp.rm(temp, { force: true });
    throw e;
  }
  await syncFolder(path.dirname(file));
}

/** Makes the rename durable where the platform allows fsync on a folder. */
async function syncFolder(dir: string): Promise<void> {
  let handle;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch {
    // not supported here (Windows); the rename itself is still atomic
  } finally {
    await handle?.close();
  }
}
