/**
 * Symbolic links inside the vdir. A link in a synced folder can reach any file the user can read (an SSH key, another
 * calendar) and would upload it; writing "the item" would then replace the link with a regular file. So:
 *
 * - Item files that are links: refused by default, as a per-item error (`symlinks: "refuse"`). With
 *   `symlinks: "inside-root"` a link whose target (all links resolved) is a file inside the root is followed: it is
 *   read through, an update replaces the target's content (the link stays a link) and a delete removes the link.
 *   A link that leaves the root, dangles or loops is refused under either setting.
 * - Collection folders that are links: followed when they resolve inside the root, refused otherwise.
 * - A link is never overwritten.
 */
import { constants as fsConstants, promises as fsp } from 'node:fs';
import path from 'node:path';
import { Invalid } from '@dovetail/core/sdk';
import { errnoCode } from './versions.js';

/** The `symlinks` setting. */
export type SymlinkPolicy = 'refuse' | 'inside-root';

/** Open flags for reading an item: never through a link at the last path component (no swap after the check). */
export const READ_NO_FOLLOW = fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0);

/** Where an item's content lives: the file itself, its link's target inside the root, or why it is refused. */
export type ItemPath = { path: string; link: boolean } | { refused: string };

export class LinkGuard {
  private realRoot?: Promise<string>;

  constructor(private readonly root: string, private readonly policy: SymlinkPolicy) {}

  /** The root with its own links resolved (a root that is itself a link is the user's choice). */
  private resolvedRoot(): Promise<string> {
    this.realRoot ??= fsp.realpath(this.root).catch(() => path.resolve(this.root));
    return this.realRoot;
  }

  private inside(real: string, realRoot: string): boolean {
    const rel = path.relative(realRoot, real);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  }

  /** Where to read and write the item file `file` (its name in the collection folder); a missing file is its own path. */
  async item(file: string): Promise<ItemPath> {
    let link: boolean;
    try {
      link = (await fsp.lstat(file)).isSymbolicLink();
    } catch (e) {
      if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return { path: file, link: false };
      throw e;
    }
    if (!link) return { path: file, link: false };
    const name = path.basename(file);
    if (this.policy === 'refuse') {
      return { refused: `${file} is a symbolic link; links are not followed (set "symlinks": "inside-root" to follow links that stay inside the folder)` };
    }
    let real: string;
    try {
      real = await fsp.realpath(file);
    } catch (e) {
      return { refused: `${file} is a symbolic link that leads nowhere (${errnoCode(e) ?? (e as Error).message}); refused` };
    }
    if (!this.inside(real, await this.resolvedRoot())) {
      return { refused: `${file} is a symbolic link to ${real}, outside the folder ${this.root}; refused` };
    }
    const target = await fsp.stat(real).catch(() => undefined);
    if (!target?.isFile()) return { refused: `${file} (${name}) links to ${real}, which is not a file; refused` };
    return { path: real, link: true };
  }

  /** Throws `Invalid` when the collection folder `dir` is a link that resolves outside the root. */
  async assertCollection(dir: string): Promise<void> {
    const reason = await this.collectionRefusal(dir);
    if (reason) throw new Invalid(reason);
  }

  /** Why the collection folder `dir` is refused (a link out of the root), or undefined. */
  async collectionRefusal(dir: string): Promise<string | undefined> {
    const stat = await fsp.lstat(dir).catch(() => undefined);
    if (!stat?.isSymbolicLink()) return undefined;
    const real = await fsp.realpath(dir).catch(() => undefined);
    if (real && this.inside(real, await this.resolvedRoot())) return undefined;
    return `collection folder ${dir} is a symbolic link to ${real ?? 'nothing'}, outside the folder ${this.root}; refused (point an endpoint's "path" at that folder instead)`;
  }
}
