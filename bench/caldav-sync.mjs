// CalDAV-sync benchmark: the real CLI pulling a Radicale calendar of N events (default 5,000) into a local
// vdir folder, beside vdirsyncer (caldav → filesystem) and raw curl requests on the same server, every
// client through one counting proxy. What is measured and asserted: bench/lib/dav-sync.mjs.
//
// Run: npm run build && node bench/caldav-sync.mjs [--items 5000] [--node PATH]   (--node: the Node that runs Dovetail and `node -e 0`)
//      node bench/caldav-sync.mjs --rss-scale [--rss-sizes 1000,100000]   (Dovetail's initial-sync peak RSS only;
//      100,000 takes ~20 min: Radicale parses every event once to build its cache, not measured)
import { runDavSyncBench } from './lib/dav-sync.mjs';
import { eventText, nameOf } from './lib/events.mjs';

await runDavSyncBench({
  bench: 'caldav-sync',
  noun: 'events',
  collectionNoun: 'calendar',
  connector: 'caldav',
  entity: 'event',
  ext: '.ics',
  contentType: 'text/calendar; charset=utf-8',
  radicaleTag: 'VCALENDAR',
  resourceType: 'calendar',
  namespace: 'urn:ietf:params:xml:ns:caldav',
  multiget: 'calendar-multiget',
  dataElement: 'calendar-data',
  dataBegin: 'BEGIN:VCALENDAR',
  nameOf,
  itemText: (i, rev) => eventText(i, rev, '-//Dovetail//caldav-sync bench//EN'),
});
