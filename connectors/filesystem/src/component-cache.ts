/**
 * What each item file of a folder holds (its component kinds, by version), kept in the endpoint's connector cache so
 * that a listing — in this process or in the next run's — reads only the files that changed since. One scope per
 * folder (its absolute path), one entry per file name: `"<version> <KIND,KIND>"`. An entry is used only while the
 * file's version (`mtimeNs:size:inode`) is the same, so an edit, a replacement or a retargeted link is read again.
 */
import { promises as fsp } from 'node:fs';
import type { ConnectorCache } from '@dovetail/core/sdk';
import { componentKinds, type ComponentKind } from './components.js';

const KINDS: ReadonlySet<string> = new Set<ComponentKind>(['VEVENT', 'VTODO', 'VJOURNAL', 'VFREEBUSY', 'VCARD']);

/**
 * What is known about one folder's files — file name → entry as stored (`"<version> <KIND,KIND>"`) — and whether it
 * differs from what the store holds. Entries stay in their stored form (one flat string per file, decoded on use): a
 * folder of 100,000 files costs about a third of what a version string and a set of kinds per file did.
 */
interface Folder { files: Map<string, string>; changed: boolean }

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

/** The component kinds of files by version, read from the files only when the cache does not know them. */
export class ComponentCache {
  private readonly folders = new Map<string, Promise<Folder>>();

  /** `store` undefined: remembered by this instance only. */
  constructor(private readonly store?: ConnectorCache) {}

  /** The folder's entries, loaded from the store on its first listing by this connector instance. */
  private folder(dir: string): Promise<Folder> {
    let pending = this.folders.get(dir);
    if (!pending) {
      pending = (this.store?.read(dir) ?? Promise.resolve({})).catch(() => ({})).then((stored: Record<string, string>) => {
        const files = new Map<string, string>();
        for (const [name, text] of Object.entries(stored)) {
          if (typeof text === 'string' && kindsIn(text)) files.set(name, text);
        }
        return { files, changed: files.size !== Object.keys(stored).length };
      });
      this.folders.set(dir, pending);
    }
    return pending;
  }

  /**
   * The components of the file `name` in `dir` at `version`; `file` is where its content is (a link's target). Reads
   * the file only when the cache holds another version; throws what reading throws (nothing is remembered then).
   */
  async kindsOf(dir: string, name: string, file: string, version: string): Promise<ReadonlySet<ComponentKind>> {
    const folder = await this.folder(dir);
    const hit = folder.files.get(name);
    if (hit !== undefined && versionIn(hit) === version) return kindsIn(hit)!;
    const kinds = componentKinds(await fsp.readFile(file, 'utf8'));
    folder.files.set(name, encode(version, kinds));
    folder.changed = true;
    return kinds;
  }

  /** Remembers what the file `name` in `dir` holds at `version`, known without reading it (this connector wrote it). */
  async remember(dir: string, name: string, version: string, kinds: ReadonlySet<ComponentKind>): Promise<void> {
    const folder = await this.folder(dir);
    folder.files.set(name, encode(version, kinds));
    folder.changed = true;
  }

  /**
   * Ends a listing of `dir`: forgets files that are not among `names` (deleted or renamed, so the cache stays as
   * large as the folder) and writes the folder's entries to the store when they changed.
   */
  async commit(dir: string, names: ReadonlySet<string>): Promise<void> {
    const folder = await this.folder(dir);
    for (const name of folder.files.keys()) {
      if (!names.has(name)) {
        folder.files.delete(name);
        folder.changed = true;
      }
    }
    await this.save(dir, folder);
  }

  /** Writes every folder whose entries changed since they were read or last written (call before closing). */
  async flush(): Promise<void> {
    for (const [dir, pending] of this.folders) await this.save(dir, await pending);
  }

  private async save(dir: string, folder: Folder): Promise<void> {
    if (!folder.changed) return;
    folder.changed = false;
    await this.store?.write(dir, Object.fromEntries(folder.files));
  }
}
