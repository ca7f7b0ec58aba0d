/** The SDK conformance kit run against the filesystem connector, one fresh temp vdir per test. */
import { writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runConformanceSuite } from '@dovetail/core/testing';
import { makeConnector, tempDir } from './helpers.js';

runConformanceSuite('filesystem', async (entity) => {
  const { dir } = tempDir();
  const connector = await makeConnector(dir, { path: 'vdir', createRoot: true });
  const collection = `${entity}s`;
  await connector.createCollection!({ id: collection, name: `My ${entity}s`, entities: [entity] });
  const extension = entity === 'contact' ? '.vcf' : '.ics';
  return {
    connector,
    collection,
    async injectInvalidItem() {
      const id = `broken${extension}`;
      const text = entity === 'contact'
        ? 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:broken\r\nthis line is not a property\r\n'
        : `BEGIN:VCALENDAR\r\nBEGIN:${entity === 'event' ? 'VEVENT' : 'VTODO'}\r\nUID:broken\r\nthis line is not a property\r\n`;
      writeFileSync(path.join(dir, 'vdir', collection, id), text);
      return id;
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}, { describe, it, expect, entities: ['event', 'task', 'contact'] });
