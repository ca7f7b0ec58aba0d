/** The SDK conformance kit against real Radicale and Xandikos servers, one fresh calendar per test. */
import { afterAll, describe, expect, it } from 'vitest';
import { runConformanceSuite } from '@dovetail/core/testing';
import { rawPut, startDavServer, type DavServer, type DavServerKind } from '../../../test/support/dav-servers.js';
import { connectorFor, freshName } from './helpers.js';

for (const kind of ['radicale', 'xandikos'] as DavServerKind[]) {
  let server: Promise<DavServer> | undefined;
  afterAll(async () => { await (await server)?.dispose(); });

  runConformanceSuite(`caldav on ${kind}`, async (entity) => {
    const s = await (server ??= startDavServer(kind));
    const connector = await connectorFor(s);
    const info = await connector.createCollection!({ id: freshName(entity), name: `My ${entity}s`, entities: [entity] });
    return {
      connector,
      collection: info.id,
      async injectInvalidItem() {
        const href = `${info.id}broken.ics`;
        const comp = entity === 'event' ? 'VEVENT' : 'VTODO';
        // Well-formed enough for the server to store, but the time value cannot be read.
        const text = `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Dovetail//Tests//EN\r\nBEGIN:${comp}\r\nUID:broken-${Date.now()}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID=No/Such_Zone:20260301T100000\r\nSUMMARY:broken\r\nEND:${comp}\r\nEND:VCALENDAR\r\n`;
        const res = await rawPut(s, href, text);
        if (res.status >= 300) throw new Error(`server refused the invalid item: ${res.status}`);
        return href;
      },
      dispose: () => connector.close?.() ?? Promise.resolve(),
    };
  }, { describe, it, expect, entities: ['event', 'task'] });
}
