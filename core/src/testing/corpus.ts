/**
 * Real third-party items for the conformance suite's round trip: the interop corpus (`.ics` and `.vcf` files
 * written by other programs) read from `$CORPUS_DIR`, by default `../shared/corpus` beside the repository.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseICalendar } from '../model/icalendar.js';
import { parseVCard } from '../model/vcard.js';
import { defaultRepoRoot } from '../host/paths.js';
import type { Entity, EntityType } from '../sdk/entities.js';

/** The corpus folder: `$CORPUS_DIR`, else `shared/corpus` beside the repository. */
export function defaultCorpusDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CORPUS_DIR ? path.resolve(env.CORPUS_DIR) : path.resolve(defaultRepoRoot(), '..', 'shared', 'corpus');
}

/** One corpus item and the file it came from. */
export interface CorpusItem {
  file: string;
  item: Entity;
}

function filesUnder(dir: string, extension: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((x, y) => x.name.localeCompare(y.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full, extension));
    else if (entry.name.toLowerCase().endsWith(extension)) out.push(full);
  }
  return out;
}

/**
 * Up to `limit` items of `entity` from the corpus, at most one per file (so the sample spans many writers), each
 * with a distinct UID; files that do not parse are passed over. Throws when `dir` does not exist.
 */
export function corpusItems(entity: EntityType, dir = defaultCorpusDir(), limit = 8): CorpusItem[] {
  if (!existsSync(dir)) throw new Error(`no interop corpus at ${dir}: set CORPUS_DIR to the folder holding ical/ and vcard/`);
  const files = filesUnder(dir, entity === 'contact' ? '.vcf' : '.ics');
  const uids = new Set<string>();
  const out: CorpusItem[] = [];
  for (const file of files) {
    if (out.length >= limit) break;
    let items: Entity[];
    try {
      const text = readFileSync(file, 'utf8');
      items = entity === 'contact' ? parseVCard(text).items : parseICalendar(text).items;
    } catch {
      continue;
    }
    const pick = items.find((i) => i.type === entity && !uids.has(i.uid) && (i.type === 'contact' ? !!i.formattedName : !!i.summary));
    if (!pick) continue;
    uids.add(pick.uid);
    out.push({ file: path.relative(dir, file), item: pick });
  }
  return out;
}
