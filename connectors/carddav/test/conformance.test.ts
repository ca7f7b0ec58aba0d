/** The SDK conformance kit against real Radicale and Xandikos servers, one fresh address book per test. */
import { afterAll, describe, expect, it } from 'vitest';
import { runConformanceSuite } from '@dovetail/core/testing';
import { rawPut, startDavServer, type DavServer, type DavServerKind } from '../../../test/support/dav-servers.js';
import { cardDavFor, freshBook } from './helpers.js';

for (const kind of ['radicale', 'xandikos'] as DavServerKind[]) {
  let server: Promise<DavServer> | undefined;
  afterAll(async () => { await (await server)?.dispose(); });

  runConformanceSuite(`carddav on ${kind}`, async () => {
    const s = await (server ??= startDavServer(kind));
    const connector = await cardDavFor(s);
    const info = await connector.createCollection!({ id: freshBook(), name: 'People', entities: ['contact'] });
    return {
      connector,
      collection: info.id,
      async injectInvalidItem() {
        const href = `${info.id}broken.vcf`;
        // Stored by the server, refused by our codec: a vCard version nobody speaks.
        const res = await rawPut(s, href, `BEGIN:VCARD\r\nVERSION:9.9\r\nUID:broken-${Date.now()}\r\nFN:Broken\r\nN:Broken;;;;\r\nEND:VCARD\r\n`);
        if (res.status >= 300) throw new Error(`server refused the invalid card: ${res.status}`);
        return href;
      },
      dispose: () => connector.close?.() ?? Promise.resolve(),
    };
  }, { describe, it, expect, entities: ['contact'] });
}
