/** Test helpers: corpus access and normalised property sets (names + parameters + values per component). */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ICAL from 'ical.js';
import { splitCards } from '../../src/model/vcard-lines.js';
import { decodedValue, unescapeFor } from '../../src/model/vcard-read.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** The interop corpus folder (env CORPUS_DIR, default ../shared/corpus beside the repo). */
export const CORPUS_DIR = process.env.CORPUS_DIR ?? path.resolve(repoRoot, '../shared/corpus');

export function corpusFiles(kind: 'ical' | 'vcard'): string[] {
  return readdirSync(path.join(CORPUS_DIR, kind)).filter((f) => f.endsWith(kind === 'ical' ? '.ics' : '.vcf')).sort();
}

export function readCorpus(kind: 'ical' | 'vcard', file: string): string {
  return readFileSync(path.join(CORPUS_DIR, kind, file), 'utf8');
}

type JCal = [string, [string, Record<string, unknown>, string, ...unknown[]][], JCal[]];

/** `component path` → sorted normalised property strings, for every component of an iCalendar text. */
export function icalPropertySets(text: string, ignore: string[] = []): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const walk = (c: JCal, parent: string) => {
    const idProp = (n: string) => c[1].find((p) => p[0] === n)?.slice(3).join(',') ?? '';
    const key = `${parent}/${c[0]}[${ignore.includes('uid') ? '' : idProp('uid')}|${idProp('recurrence-id')}|${idProp('tzid')}|${idProp('trigger')}]`;
    let k = key;
    for (let n = 2; k in out; n++) k = `${key}#${n}`;
    out[k] = c[1].filter((p) => !ignore.includes(p[0])).map(([name, params, type, ...values]) =>
      JSON.stringify([name, Object.keys(params).sort().map((p) => [p, params[p]]), type, values])).sort();
    for (const sub of c[2]) walk(sub, k);
  };
  walk(ICAL.parse(text) as unknown as JCal, '');
  return out;
}

/** Sorted normalised lines (group, name, parameters, decoded value) of the first card of a vCard text. */
export function vcardPropertySet(text: string, version: string, ignore: string[] = []): string[] {
  const card = splitCards(text)[0];
  return card.lines.filter((l) => !ignore.includes(l.name)).map((l) => JSON.stringify([
    l.group?.toLowerCase() ?? '', l.name,
    l.params.filter((p) => p.name !== 'ENCODING' && p.name !== 'CHARSET').map((p) => [p.name, p.values.map((v) => v.toUpperCase()).sort()]).sort(),
    /BASE64|^B$/i.test(l.params.find((p) => p.name === 'ENCODING')?.values[0] ?? '') ? l.value.replace(/\s+/g, '') : unescapeFor(version, decodedValue(l)),
  ])).sort();
}

/** An entity without its raw source (for comparing canonical fields). */
export function fieldsOf<T extends { raw?: unknown }>(e: T): Omit<T, 'raw'> {
  const { raw: _raw, ...rest } = e;
  return JSON.parse(JSON.stringify(rest)) as Omit<T, 'raw'>;
}
