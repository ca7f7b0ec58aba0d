// The floor of a no-change CalDAV/CardDAV run for a Node client built on Dovetail's own DAV stack: one process that
// loads @dovetail/dav (transport, undici, tsdav, XML parser) and sends one sync-collection with a known token, the
// request Dovetail's no-change run sends. Nothing else: no config, no state, no engine, no local side. Whatever
// Dovetail's CLI costs beyond this is its own work; this, beyond curl, is Node and the HTTP/DAV stack.
//
//   node bench/lib/dav-floor.mjs BASE_URL COLLECTION_HREF TOKEN USER PASSWORD   (exit 0: the delta was empty)
import { applyRuntimeFlags } from '../../core/dist/runtime-flags.js';

// The V8 flags the CLI sets (on Node 20: no second compile of undici's WebAssembly parser for the exit to wait for,
// 0.1–0.2 s): any client on this stack can set them, so the floor does too.
applyRuntimeFlags();
const [base, href, token, username, password] = process.argv.slice(2);
const { DavClient, Transport, syncCollection } = await import('@dovetail/dav');
const client = new DavClient(new Transport({ auth: { type: 'basic', username, password } }), base);
const delta = await syncCollection(client, href, token);
if (delta.changed.length || delta.deleted.length) {
  console.error(`expected an empty delta, got ${delta.changed.length} changed and ${delta.deleted.length} deleted`);
  process.exit(1);
}
process.exit(0);
