/** The filesystem connector's settings (settings.schema.json) and the defaults derived from them. */
import path from 'node:path';
import type { EntityType } from '@dovetail/core/sdk';

/** Validated settings as the host hands them over. */
export interface FilesystemSettings {
  /** Root folder; relative paths resolve against the config's folder. */
  path: string;
  /** Item file extension with the dot; default by entity (`.ics` / `.vcf`). */
  fileExtension?: string;
  /** vCard version to write; default: keep the card's own 3.0/4.0, new cards 3.0. */
  vcardVersion?: '3.0' | '4.0';
  /** Charset of item files that are not UTF-8 (e.g. `windows-1252`); detected when absent. Files are written as UTF-8. */
  charset?: string;
  /** Create the root folder when missing (default false). */
  createRoot?: boolean;
  /** Item files that are symbolic links: refused (default), or followed when they stay inside the root. */
  symlinks?: 'refuse' | 'inside-root';
}

/** The extension used for an entity type when the settings name none. */
export const DEFAULT_EXTENSIONS: Readonly<Record<EntityType, string>> = Object.freeze({
  event: '.ics',
  task: '.ics',
  contact: '.vcf',
});

/** The vCard version written for new cards (and cards whose source was not 3.0/4.0). */

/** Absolute root folder of the vdir. */
export function resolveRoot(settings: FilesystemSettings, baseDir: string): string {
  return path.resolve(baseDir, settings.path);
}

/** The file extension (with dot) items of `entity` use under these settings. */
export function extensionFor(settings: FilesystemSettings, entity: EntityType): string {
  return settings.fileExtension ?? DEFAULT_EXTENSIONS[entity];
}

/** True when `fileName` ends with `extension`, ignoring case (`.ICS` counts as `.ics`). */
export function hasExtension(fileName: string, extension: string): boolean {
  return fileName.length > extension.length && fileName.toLowerCase().endsWith(extension.toLowerCase());
}

/** True when other entity types use the same extension as `entity` (so a listing must look inside files). */
export function extensionIsShared(settings: FilesystemSettings, entity: EntityType): boolean {
  if (settings.fileExtension !== undefined) return true;
  const own = DEFAULT_EXTENSIONS[entity];
  return (Object.keys(DEFAULT_EXTENSIONS) as EntityType[]).some((other) => other !== entity && DEFAULT_EXTENSIONS[other] === own);
}
