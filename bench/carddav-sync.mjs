// CardDAV-sync benchmark: the real CLI pulling a Radicale address book of N contacts (default 5,000) into
// a local vdir folder, beside vdirsyncer (carddav → filesystem) and raw curl requests on the same server,
// every client through one counting proxy. What is measured and asserted: bench/lib/dav-sync.mjs.
//
// Run: npm run build && node bench/carddav-sync.mjs [--items 5000] [--node PATH]   (--node: the Node that runs Dovetail and `node -e 0`)
//      node bench/carddav-sync.mjs --rss-scale [--rss-sizes 1000,100000]   (Dovetail's initial-sync peak RSS only)
import { contactText, nameOf } from './lib/contacts.mjs';
import { runDavSyncBench } from './lib/dav-sync.mjs';

await runDavSyncBench({
  bench: 'carddav-sync',
  noun: 'contacts',
  collectionNoun: 'address book',
  connector: 'carddav',
  entity: 'contact',
  ext: '.vcf',
  contentType: 'text/vcard; charset=utf-8',
  radicaleTag: 'VADDRESSBOOK',
  resourceType: 'addressbook',
  namespace: 'urn:ietf:params:xml:ns:carddav',
  multiget: 'addressbook-multiget',
  dataElement: 'address-data',
  dataBegin: 'BEGIN:VCARD',
  nameOf,
  itemText: contactText,
});
