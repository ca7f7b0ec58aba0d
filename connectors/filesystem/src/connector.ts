/** The filesystem (vdir) connector: binds settings to the collection, listing and item modules. */
import { constants as fsConstants, promises as fsp } from 'node:fs';
import path from 'node:path';
import {
  Invalid, isKnownCharset, NotFound, removeStaleTempFiles, syncDirectory, type CheckResult, type CollectionInfo, type CollectionSpec, type Connector, type ListOptions,
  type CollectionMetadata, type ConnectorCache, type ListResult, type LoadOptions, type LoadResult, type Logger, type WatchHandle, type WriteOp, type WriteResult,
} from '@dovetail/core/sdk';
import { createCollectionFolder, discoverCollections, readFolderMetadata, writeFolderMetadata } from './collections.js';
import { componentKinds } from './components.js';
import { loadItems, writeItems } from './items.js';
import { LinkGuard } from './links.js';
import { ComponentCache } from './component-cache.js';
import { listItemFiles } from './listing.js';
import { assertSafeName } from './names.js';
import { extensionFor, extensionIsShared, hasExtension, resolveRoot, type FilesystemSettings } from './settings.js';
import { errnoCode } from './versions.js';
import { watchFolder } from './watch.js';

/** What the connector needs from its context. */
export interface FilesystemConnectorOptions {
  settings: Readonly<FilesystemSettings>;
  baseDir: string;
  logger?: Logger;
  signal?: AbortSignal;
  /** Where what each file holds is remembered between runs (the context's `cache`); without it, only in memory. */
  cache?: ConnectorCache;
}

/** Creates a connector for one vdir root. */
export function createFilesystemConnector(options: FilesystemConnectorOptions): Connector {
  const { settings, baseDir, signal } = options;
  if (settings.charset !== undefined && !isKnownCharset(settings.charset)) {
    throw new Invalid(`"charset": "${settings.charset}" is not a character set Dovetail can read (e.g. "windows-1252", "ISO-8859-15", "Shift_JIS")`);
  }
  const root = resolveRoot(settings, baseDir);
  const cache = new ComponentCache(options.cache);
  const links = new LinkGuard(root, settings.symlinks ?? 'refuse');
  /** Collection folders already cleared of temp files a stopped run left (once per folder and connector instance). */
  const swept = new Set<string>();

  /** True when listings look inside files named like `name` (an extension that events and tasks share). */
  function sniffsItems(name: string): boolean {
    return (['event', 'task', 'contact'] as const).some((entity) => extensionIsShared(settings, entity) && hasExtension(name, extensionFor(settings, entity)));
  }

  /** The root folder; created when missing and `createRoot` is set, NotFound otherwise. */
  async function ensureRoot(): Promise<string> {
    try {
      if ((await fsp.stat(root)).isDirectory()) return root;
      throw new NotFound(`vdir root ${root} is not a folder`);
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
      if (!settings.createRoot) throw new NotFound(`vdir root ${root} does not exist (create it, or set "createRoot": true)`);
      await fsp.mkdir(root, { recursive: true });
      options.logger?.info({ root }, 'created vdir root folder');
      return root;
    }
  }

  /** The folder of `collection`; Invalid for unsafe ids, NotFound when missing. */
  async function collectionDir(collection: string): Promise<string> {
    assertSafeName(collection, 'collection');
    const dir = path.join(root, collection);
    const isDir = await fsp.stat(dir).then((s) => s.isDirectory(), () => false);
    if (!isDir) throw new NotFound(`collection folder ${dir} does not exist`);
    await links.assertCollection(dir);
    return dir;
  }

  /** Removes the temp files of writes a killed run never finished (their writer is gone, or they are old). */
  async function sweep(dir: string): Promise<void> {
    if (swept.has(dir)) return;
    swept.add(dir);
    const removed = await removeStaleTempFiles(dir);
    if (removed.length) options.logger?.info({ dir, removed: removed.length }, 'removed temp files left by a run that was stopped mid-write');
  }

  return {
    async check(): Promise<CheckResult> {
      try {
        await ensureRoot();
      } catch (e) {
        return { ok: false, message: e instanceof Error ? e.message : String(e) };
      }
      try {
        await fsp.access(root, fsConstants.R_OK | fsConstants.W_OK | fsConstants.X_OK);
      } catch {
        return { ok: false, message: `vdir root ${root} is not readable and writable by this user` };
      }
      const collections = await discoverCollections(root, settings.fileExtension, links);
      return { ok: true, message: `${root}: ${collections.length} collection(s)` };
    },

    async discover(): Promise<CollectionInfo[]> {
      return discoverCollections(await ensureRoot(), settings.fileExtension, links);
    },

    async createCollection(spec: CollectionSpec): Promise<CollectionInfo> {
      return createCollectionFolder(await ensureRoot(), spec, settings.fileExtension);
    },

    async list(collection: string, listOptions: ListOptions): Promise<ListResult> {
      const dir = await collectionDir(collection);
      await sweep(dir);
      const items = await listItemFiles(dir, {
        extension: extensionFor(settings, listOptions.entity),
        entity: listOptions.entity,
        sniff: extensionIsShared(settings, listOptions.entity),
        cache,
        links,
      });
      // The folder's `displayname` and `color` files cost two small reads: reported with every listing.
      return { kind: 'full', items, metadata: await readFolderMetadata(dir) };
    },

    async collectionMetadata(collection: string): Promise<CollectionMetadata> {
      return readFolderMetadata(await collectionDir(collection));
    },

    async updateCollection(collection: string, changes: CollectionMetadata): Promise<void> {
      const dir = await collectionDir(collection);
      await writeFolderMetadata(dir, changes);
      await syncDirectory(dir);
    },

    async load(collection: string, ids: string[], loadOptions: LoadOptions): Promise<LoadResult[]> {
      return loadItems(await collectionDir(collection), collection, ids, loadOptions.entity, links, settings.charset);
    },

    async write(collection: string, ops: WriteOp[]): Promise<WriteResult[]> {
      const dir = await collectionDir(collection);
      // What a written file holds is known from its content: the next listing need not read it back.
      const results = await writeItems(dir, ops, settings, links, signal, (name, version, content) => {
        if (sniffsItems(name)) return cache.remember(dir, name, version, componentKinds(content));
      });
      await syncDirectory(dir);
      return results;
    },

    async close(): Promise<void> {
      await cache.flush();
    },

    async watch(collection: string, onChange: () => void): Promise<WatchHandle> {
      return watchFolder(await collectionDir(collection), onChange);
    },
  };
}
