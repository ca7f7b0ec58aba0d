/**
 * What each item file of a folder holds (its component kinds, by version), kept in the endpoint's connector cache so
 * that a listing — in this process or in the next run's — reads only the files that changed since. One scope per
 * folder (its absolute path), one entry per file name: `"<version> <KIND,KIND>"`. An entry is used only while the
 * file's version (`mtimeNs:size:inode`) is the same, so an edit, a replacement or a retargeted link is read again.
 *
 * Each folder's entries are the cache's own scope (`ConnectorCache.scope`), changed in place: in process the host
 * keeps them once, outside the JavaScript heap, instead of a Map here and an object in the host (a 100,000-file
 * folder: 10.5 MiB outside the heap, where the two copies were 8.6–14.6 MiB of heap that V8 lets grow 3–4× before it
 * collects).
 */
import { promises as fsp } from 'node:fs';
import { memoryCacheScope, type CacheScope, type ConnectorCache } from '@dovetail/core/sdk';
import { componentKinds, type ComponentKind } from './components.js';

const KINDS: ReadonlySet<string> = new Set<ComponentKind>(['VEVENT', 'VTODO', 'VJOURNAL', 'VFREEBUSY', 'VCARD']);

/** The entry of a file at `version` holding `kinds`, as one flat string (`join` builds it flat, not as a rope). */
const encode = (version: string, kinds: ReadonlySet<ComponentKind>): string => [version, [...kinds].sort().join(',')].join(' ');

/** The version an entry was made for ('' when it is not an entry). */
function versionIn(entry: string): string {
  const space = entry.indexOf(' ');
  return space < 0 ? entry : entry.slice(0, space);
}

/** Kinds per distinct kinds text ("VEVENT", "VEVENT,VTODO", …: 32 valid ones; at most 64 texts kept), shared by every entry that names them. */
const kindSets = new Map<string, ReadonlySet<ComponentKind> | undefined>();

/** The kinds an entry names; undefined when it is not an entry (a corrupt entry is read again, never trusted). */
function kindsIn(entry: string): ReadonlySet<ComponentKind> | undefined {
  const space = entry.indexOf(' ');
  if (entry === '' || space === 0) return undefined;
  const text = space < 0 ? '' : entry.slice(space + 1);
  if (kindSets.has(text)) return kindSets.get(text);
  const names = text.split(',').filter((k) => k !== '');
  const kinds = names.every((k) => KINDS.has(k)) ? new Set(names as ComponentKind[]) : undefined;
  if (kindSets.size < 64) kindSets.set(text, kinds);
  return kinds;
}

/** What the entry of `name` says it holds, if the entry was made for `version`. */
function knownKinds(folder: CacheScope, name: string, version: string): ReadonlySet<ComponentKind> | undefined {
  const hit = folder.get(name);
  return hit !== undefined && versionIn(hit) === version ? kindsIn(hit) : undefined;
}

/** The component kinds of files by version, read from the files only when the cache does not know them. */
export class ComponentCache {
  private readonly folders = new Map<string, Promise<CacheScope>>();

  /** `store` undefined: remembered by this instance only. */
  constructor(private readonly store?: ConnectorCache) {}

  /** The folder's entries, opened in the store on its first listing by this connector instance. */
  private folder(dir: string): Promise<CacheScope> {
    let pending = this.folders.get(dir);
    if (!pending) {
      pending = this.store ? this.store.scope(dir).catch(() => memoryCacheScope()) : Promise.resolve(memoryCacheScope());
      this.folders.set(dir, pending);
    }
    return pending;
  }

  /**
   * The components of the file `name` in `dir` at `version`; `file` is where its content is (a link's target). Reads
   * the file only when the cache holds another version or an entry it cannot read; throws what reading throws
   * (nothing is remembered then).
   */
  async kindsOf(dir: string, name: string, file: string, version: string): Promise<ReadonlySet<ComponentKind>> {
    const folder = await this.folder(dir);
    const known = knownKinds(folder, name, version);
    if (known) return known;
    const kinds = componentKinds(await fsp.readFile(file, 'utf8'));
    folder.set(name, encode(version, kinds));
    return kinds;
  }

  /**
   * A lookup without reading any file, for a listing's common case (the file unchanged since the cache last saw it):
   * opens the folder's entries once and returns `(name, version) => kinds`, undefined where `kindsOf` must read.
   */
  async lookup(dir: string): Promise<(name: string, version: string) => ReadonlySet<ComponentKind> | undefined> {
    const folder = await this.folder(dir);
    return (name, version) => knownKinds(folder, name, version);
  }

  /** Remembers what the file `name` in `dir` holds at `version`, known without reading it (this connector wrote it). */
  async remember(dir: string, name: string, version: string, kinds: ReadonlySet<ComponentKind>): Promise<void> {
    (await this.folder(dir)).set(name, encode(version, kinds));
  }

  /**
   * Ends a listing of `dir`: forgets files that are not among `names` (deleted or renamed, so the cache stays as
   * large as the folder) and hands the changes to the store (see `CacheScope.flush`).
   */
  async commit(dir: string, names: ReadonlySet<string>): Promise<void> {
    const folder = await this.folder(dir);
    for (const name of folder.keys()) if (!names.has(name)) folder.delete(name);
    await folder.flush();
  }

  /** Hands every folder's changes to the store (call before closing). */
  async flush(): Promise<void> {
    for (const pending of this.folders.values()) await (await pending).flush();
  }
}
