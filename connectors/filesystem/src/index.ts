/**
 * The local-folder (vdir) connector: one `.ics`/`.vcf` file per item and one subfolder per collection,
 * as vdirsyncer writes and khal, khard and todoman read. See README.md.
 */
import { defineConnector } from '@dovetail/core/sdk';
import { createFilesystemConnector } from './connector.js';
import type { FilesystemSettings } from './settings.js';

export type { FilesystemSettings } from './settings.js';
export { createFilesystemConnector, type FilesystemConnectorOptions } from './connector.js';
export { uidForFileName } from './names.js';

export default defineConnector<FilesystemSettings>((ctx) => createFilesystemConnector({
  settings: ctx.settings, baseDir: ctx.baseDir, logger: ctx.logger, signal: ctx.signal, cache: ctx.cache,
}));
