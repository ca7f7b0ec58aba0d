/**
 * The connector index: which packages of a node_modules folder carry the `dovetail-connector` keyword, remembered
 * in the user cache (`<cache>/connector-index.json`) so discovery does not read every package.json of node_modules
 * on every start. A folder's entry holds a stamp — the modification times of the folder and of its @scope folders,
 * which change whenever npm adds, removes or replaces a package — and is used only while the stamp still matches.
 * Symlinked packages (workspaces, `npm link`) can change without touching node_modules, so they are not remembered:
 * their package.json is read on every run. A missing, damaged or unwritable index only costs a full scan.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { userCacheDir, writeFileAtomicSync } from '../cache/user-cache.js';

/** Bumped when the file's layout changes. */
const INDEX_FORMAT = 1;

/** The packages (incl. @scope/name) of one node_modules folder and the stamp that tells whether it changed. */
export interface FolderListing {
  stamp: string;
  /** Package folders that are real folders (their content changes only with the stamp). */
  plain: string[];
  /** Package folders that are symlinks (read on every run). */
  linked: string[];
  /** All package folders in discovery order (names sorted, scoped packages under their @scope). */
  order: string[];
}

interface IndexFile {
  format: number;
  folders: Record<string, { stamp: string; connectors: string[] }>;
}

/** The default index file, or undefined when there is no user cache folder. */
export function defaultIndexFile(): string | undefined {
  const root = userCacheDir();
  return root ? path.join(root, 'connector-index.json') : undefined;
}

async function entries(dir: string) {
  try { return (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)); } catch { return []; }
}

async function mtime(dir: string): Promise<number> {
  try { return (await stat(dir)).mtimeMs; } catch { return -1; }
}

/** Lists a node_modules folder (two levels for @scopes) without reading any package.json. */
export async function listPackages(nodeModules: string): Promise<FolderListing> {
  const stamp = [`${await mtime(nodeModules)}`];
  const plain: string[] = [];
  const linked: string[] = [];
  const order: string[] = [];
  const add = (dir: string, symlink: boolean) => { (symlink ? linked : plain).push(dir); order.push(dir); };
  for (const entry of await entries(nodeModules)) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(nodeModules, entry.name);
    if (entry.name.startsWith('@')) {
      stamp.push(`${entry.name}:${await mtime(full)}`);
      for (const scoped of await entries(full)) {
        if (!scoped.name.startsWith('.')) add(path.join(full, scoped.name), scoped.isSymbolicLink());
      }
    } else {
      add(full, entry.isSymbolicLink());
    }
  }
  return { stamp: stamp.join('|'), plain, linked, order };
}

/** The index as read at the start of a discovery; `save` writes it back when an entry changed. */
export class ConnectorIndex {
  private changed = false;

  private constructor(private readonly file: string | undefined, private readonly data: IndexFile) {}

  /** Reads the index (an empty one when `file` is undefined, missing or damaged). */
  static open(file: string | undefined): ConnectorIndex {
    let data: IndexFile = { format: INDEX_FORMAT, folders: {} };
    if (file) {
      try {
        const read = JSON.parse(readFileSync(file, 'utf8')) as Partial<IndexFile>;
        if (read.format === INDEX_FORMAT && typeof read.folders === 'object' && read.folders !== null) data = { format: INDEX_FORMAT, folders: read.folders };
      } catch {
        // missing or damaged: start empty
      }
    }
    return new ConnectorIndex(file, data);
  }

  /** The remembered connector folders among `listing.plain`, or undefined when the folder changed since. */
  connectors(nodeModules: string, listing: FolderListing): string[] | undefined {
    const entry = this.data.folders[nodeModules];
    if (!entry || entry.stamp !== listing.stamp || !Array.isArray(entry.connectors)) return undefined;
    return entry.connectors.filter((d) => typeof d === 'string');
  }

  /** Remembers the connector folders found among `listing.plain`. */
  remember(nodeModules: string, listing: FolderListing, connectors: string[]): void {
    this.data.folders[nodeModules] = { stamp: listing.stamp, connectors };
    this.changed = true;
  }

  /**
   * Writes the index back if an entry changed, without the entries of folders that no longer exist (best effort:
   * an unwritable cache is not an error).
   */
  save(): void {
    if (!this.changed || !this.file) return;
    this.changed = false;
    const folders = Object.fromEntries(Object.entries(this.data.folders).filter(([dir]) => existsSync(dir)));
    writeFileAtomicSync(this.file, JSON.stringify({ format: INDEX_FORMAT, folders }));
  }
}
