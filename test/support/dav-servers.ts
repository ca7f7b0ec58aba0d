/**
 * Real CalDAV/CardDAV servers for tests: Radicale and Xandikos (Debian packages) started on loopback
 * in a temp folder, plus raw HTTP helpers a "second client" uses to change the server behind the
 * connector's back. Independent of the code under test on purpose (own fetch calls, own tiny XML reader).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Which server to run. */
export type DavServerKind = 'radicale' | 'xandikos';

/** A running (or stopped, restartable) DAV server owned by the test. */
export interface DavServer {
  kind: DavServerKind;
  /** Base URL, e.g. http://127.0.0.1:PORT/ */
  url: string;
  port: number;
  /** Temp folder owned by this server: storage in `storage/`, stdout+stderr in `server.log`. */
  dataDir: string;
  /** For Radicale any Basic login works (tests use 'user' / 'pw'); Xandikos has no auth (same values, unused). */
  username: string;
  password: string;
  /** A calendar collection that exists (radicale `/user/calendar/`, xandikos `/user/calendars/calendar/`). */
  calendarUrl: string;
  /** An address book that exists (radicale `/user/contacts/`, xandikos `/user/contacts/addressbook/`). */
  addressBookUrl: string;
  /** Principal URL (`/user/` on both). */
  principalUrl: string;
  /** Stops the process (SIGTERM, then SIGKILL after 3 s) and waits for exit; keeps dataDir. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data (for "server restarted mid-sync" tests). */
  restart(): Promise<void>;
  /** stop() + rm -rf dataDir. */
  dispose(): Promise<void>;
}

const USERNAME = 'user';
const PASSWORD = 'pw';
const READY_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 3_000;
const REQUEST_TIMEOUT_MS = 30_000;
const PORT_ATTEMPTS = 5;
const INSTALL_HINT = 'apt-get install -y radicale xandikos';
const XML_CONTENT_TYPE = 'application/xml; charset=utf-8';

// ---------------------------------------------------------------------------------------------
// Binaries

/** Absolute path of `name` on PATH, or a clear error telling how to install it. */
function requireBinary(name: string): string {
  for (const dir of (process.env.PATH ?? '/usr/bin').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(`DAV test server '${name}' is not installed (not found on PATH). Install it with: ${INSTALL_HINT}`);
}

/** Command-line arguments for one server (DESIGN §8). */
function serverArgs(kind: DavServerKind, port: number, storageDir: string): string[] {
  if (kind === 'radicale') {
    // `--config ""` loads no config file, so Debian's /etc/radicale/config (remote_user auth) is ignored.
    return ['--config', '', '--server-hosts', `127.0.0.1:${port}`, '--auth-type', 'none',
      '--rights-type', 'owner_only', '--storage-filesystem-folder', storageDir];
  }
  // --defaults (implies --autocreate) creates calendars/calendar and contacts/addressbook;
  // --autocreate alone only creates the principal and the two home sets.
  return ['-d', storageDir, '--defaults', '--current-user-principal', '/user/', '-l', '127.0.0.1', '-p', String(port)];
}

// ---------------------------------------------------------------------------------------------
// Processes

const runningChildren = new Set<ChildProcess>();
let cleanupInstalled = false;

function killRunningChildren(): void {
  for (const child of runningChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Never leave servers behind: one 'exit' handler SIGKILLs every server still running. Vitest ends its
 * fork workers with SIGTERM, which skips 'exit', so SIGTERM/SIGINT/SIGHUP do the same and then re-raise
 * the signal (default action) unless someone else handles it.
 */
function killChildrenOnExit(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', killRunningChildren);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    const onSignal = () => {
      killRunningChildren();
      process.removeListener(signal, onSignal);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/** A spawned server process and a promise settled when it is gone. */
interface ServerProcess {
  child: ChildProcess;
  exited: Promise<void>;
  isRunning(): boolean;
}

function launch(binary: string, args: string[], logPath: string): ServerProcess {
  killChildrenOnExit();
  const logFd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(binary, args, {
      stdio: ['ignore', logFd, logFd],
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
  } finally {
    closeSync(logFd); // the child holds its own copy
  }
  let running = true;
  const exited = new Promise<void>((resolve) => {
    const done = () => {
      running = false;
      runningChildren.delete(child);
      resolve();
    };
    child.once('exit', done);
    child.once('error', done); // spawn failure: no 'exit' follows
  });
  runningChildren.add(child);
  child.unref();
  return { child, exited, isRunning: () => running };
}

/** SIGTERM, SIGKILL after the grace period, resolve once the process is gone. */
async function terminate(proc: ServerProcess): Promise<void> {
  if (!proc.isRunning()) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (proc.isRunning()) proc.child.kill('SIGKILL');
  }, STOP_GRACE_MS);
  await proc.exited;
  clearTimeout(timer);
}

function readLog(logPath: string, maxChars = 4000): string {
  try {
    const text = readFileSync(logPath, 'utf8');
    return text.length > maxChars ? `…${text.slice(-maxChars)}` : text;
  } catch {
    return '(no log)';
  }
}

/** Binds `port` on 127.0.0.1 (0 = any) and releases it: the port that was free, or the bind error. */
function probePort(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(port, '127.0.0.1', () => {
      const address = probe.address();
      const bound = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (bound ? resolve(bound) : reject(new Error('could not bind a port on 127.0.0.1'))));
    });
  });
}

/** Fails clearly when a requested port is taken (otherwise the other listener would look "ready"). */
async function ensurePortFree(kind: DavServerKind, port: number): Promise<void> {
  try {
    await probePort(port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`cannot start ${kind}: port ${port} on 127.0.0.1 is not free (${code ?? String(error)})`);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Raised when the server process exits before answering. */
class ServerExitedEarly extends Error {
  constructor(readonly kind: DavServerKind, readonly log: string) {
    super(`${kind} exited before it was ready. Log:\n${log}`);
  }
  get portInUse(): boolean {
    return /address already in use|EADDRINUSE|errno 98/i.test(this.log);
  }
}

/** `Server` header each server sends: tells our process apart from whatever else might answer. */
const SERVER_HEADER: Record<DavServerKind, RegExp> = { radicale: /WSGIServer/, xandikos: /aiohttp/ };

/** Polls OPTIONS on the base URL until the expected kind of server answers (any HTTP status). */
async function waitUntilReady(kind: DavServerKind, url: string, proc: ServerProcess, logPath: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!proc.isRunning()) throw new ServerExitedEarly(kind, readLog(logPath));
    try {
      const res = await fetch(url, { method: 'OPTIONS', signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (proc.isRunning() && SERVER_HEADER[kind].test(res.headers.get('server') ?? '')) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${kind} did not answer on ${url} within ${READY_TIMEOUT_MS / 1000} s. Log:\n${readLog(logPath)}`);
}

/** Starts the server on `port` (or on fresh free ports, retrying when the port was taken meanwhile). */
async function launchReady(
  kind: DavServerKind, binary: string, storageDir: string, logPath: string, port: number | undefined,
): Promise<{ proc: ServerProcess; port: number }> {
  const attempts = port === undefined ? PORT_ATTEMPTS : 1;
  for (let attempt = 1; ; attempt++) {
    const chosen = port ?? (await probePort(0));
    if (port !== undefined) await ensurePortFree(kind, port);
    const proc = launch(binary, serverArgs(kind, chosen, storageDir), logPath);
    try {
      await waitUntilReady(kind, baseUrl(chosen), proc, logPath);
      return { proc, port: chosen };
    } catch (error) {
      await terminate(proc);
      if (error instanceof ServerExitedEarly && error.portInUse && attempt < attempts) continue;
      throw error;
    }
  }
}

const baseUrl = (port: number) => `http://127.0.0.1:${port}/`;

// ---------------------------------------------------------------------------------------------
// Collections

/** Where each server keeps the principal, calendar and address book used by tests. */
const LAYOUT: Record<DavServerKind, { principal: string; calendar: string; addressBook: string }> = {
  radicale: { principal: '/user/', calendar: '/user/calendar/', addressBook: '/user/contacts/' },
  xandikos: { principal: '/user/', calendar: '/user/calendars/calendar/', addressBook: '/user/contacts/addressbook/' },
};

const MKCALENDAR_BODY = '<?xml version="1.0" encoding="utf-8"?>\n'
  + '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>'
  + '<D:displayname>calendar</D:displayname></D:prop></D:set></C:mkcalendar>';

const MKCOL_ADDRESSBOOK_BODY = '<?xml version="1.0" encoding="utf-8"?>\n'
  + '<D:mkcol xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:set><D:prop>'
  + '<D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype>'
  + '<D:displayname>contacts</D:displayname></D:prop></D:set></D:mkcol>';

/** Radicale starts empty: create the calendar (MKCALENDAR) and the address book (extended MKCOL). */
async function createRadicaleCollections(server: DavServer): Promise<void> {
  for (const [method, url, body] of [
    ['MKCALENDAR', server.calendarUrl, MKCALENDAR_BODY],
    ['MKCOL', server.addressBookUrl, MKCOL_ADDRESSBOOK_BODY],
  ] as const) {
    const res = await davFetch(server, url, { method, body, headers: { 'Content-Type': XML_CONTENT_TYPE } });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`${method} ${url} on radicale answered ${res.status}: ${text.slice(0, 300)}`);
  }
}

/** Fails clearly unless the principal, calendar and address book exist with the right resource types. */
async function verifyCollections(server: DavServer): Promise<void> {
  for (const [url, expected] of [
    [server.principalUrl, 'principal'],
    [server.calendarUrl, 'calendar'],
    [server.addressBookUrl, 'addressbook'],
  ] as const) {
    const types = await resourceTypes(server, url);
    if (!types.includes(expected)) {
      throw new Error(`${server.kind}: ${url} should be a ${expected} but has resourcetype [${types.join(', ')}]`);
    }
  }
}

/** Local names inside <resourcetype> of the resource itself (PROPFIND Depth: 0). */
async function resourceTypes(server: DavServer, url: string): Promise<string[]> {
  const res = await davFetch(server, url, {
    method: 'PROPFIND',
    headers: { Depth: '0', 'Content-Type': XML_CONTENT_TYPE },
    body: '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/></d:prop></d:propfind>',
  });
  const text = await res.text();
  if (res.status !== 207) throw new Error(`${server.kind}: PROPFIND ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  const [response] = readMultistatus(text);
  return response?.resourceTypes ?? [];
}

// ---------------------------------------------------------------------------------------------
// Start

/** Starts a server in a fresh temp folder, creates/verifies the test collections, returns its handle. */
export async function startDavServer(kind: DavServerKind, options: { port?: number } = {}): Promise<DavServer> {
  const binary = requireBinary(kind);
  const dataDir = await mkdtemp(join(tmpdir(), `dovetail-${kind}-`));
  const storageDir = join(dataDir, 'storage');
  const logPath = join(dataDir, 'server.log');
  await mkdir(storageDir);

  let proc: ServerProcess | undefined;
  try {
    const launched = await launchReady(kind, binary, storageDir, logPath, options.port);
    proc = launched.proc;
    const port = launched.port;
    const url = baseUrl(port);
    const layout = LAYOUT[kind];

    const stop = async () => {
      if (proc) await terminate(proc);
    };
    const server: DavServer = {
      kind,
      url,
      port,
      dataDir,
      username: USERNAME,
      password: PASSWORD,
      principalUrl: new URL(layout.principal, url).href,
      calendarUrl: new URL(layout.calendar, url).href,
      addressBookUrl: new URL(layout.addressBook, url).href,
      stop,
      restart: async () => {
        await stop();
        proc = (await launchReady(kind, binary, storageDir, logPath, port)).proc;
      },
      dispose: async () => {
        await stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
    if (kind === 'radicale') await createRadicaleCollections(server);
    await verifyCollections(server);
    return server;
  } catch (error) {
    if (proc) await terminate(proc);
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Raw "second client" helpers

/** Authorization header for the server (Basic for radicale, nothing for xandikos). */
export function authHeaders(server: DavServer): Record<string, string> {
  if (server.kind !== 'radicale') return {};
  return { Authorization: `Basic ${Buffer.from(`${server.username}:${server.password}`).toString('base64')}` };
}

/** fetch against the server: href may be absolute or a path; auth added; 30 s timeout. */
function davFetch(server: DavServer, href: string, init: { method: string; headers?: Record<string, string>; body?: string | Uint8Array }) {
  return fetch(new URL(href, server.url), {
    method: init.method,
    headers: { ...authHeaders(server), ...init.headers },
    body: init.body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
}

function defaultContentType(href: string): string {
  return /\.vcf$/i.test(new URL(href, 'http://x/').pathname) ? 'text/vcard; charset=utf-8' : 'text/calendar; charset=utf-8';
}

/** PUT a resource (content type from the extension unless given: .vcf → text/vcard, else text/calendar). */
export async function rawPut(
  server: DavServer, href: string, body: string | Uint8Array, contentType?: string,
): Promise<{ status: number; etag: string | null }> {
  const res = await davFetch(server, href, {
    method: 'PUT',
    headers: { 'Content-Type': contentType ?? defaultContentType(href) },
    body,
  });
  await res.arrayBuffer();
  return { status: res.status, etag: res.headers.get('etag') };
}

/** Creates a calendar (MKCALENDAR) or an address book (extended MKCOL) at `href`; returns the HTTP status. */
export async function rawCreateCollection(server: DavServer, href: string, kind: 'calendar' | 'addressbook'): Promise<number> {
  const [method, body] = kind === 'calendar' ? ['MKCALENDAR', MKCALENDAR_BODY] : ['MKCOL', MKCOL_ADDRESSBOOK_BODY];
  const res = await davFetch(server, href, { method, body, headers: { 'Content-Type': XML_CONTENT_TYPE } });
  await res.arrayBuffer();
  return res.status;
}

/** DELETE a resource; returns the HTTP status. */
export async function rawDelete(server: DavServer, href: string): Promise<number> {
  const res = await davFetch(server, href, { method: 'DELETE' });
  await res.arrayBuffer();
  return res.status;
}

/** GET a resource. */
export async function rawGet(server: DavServer, href: string): Promise<{ status: number; body: string; etag: string | null }> {
  const res = await davFetch(server, href, { method: 'GET' });
  return { status: res.status, body: await res.text(), etag: res.headers.get('etag') };
}

/**
 * All member resources (not sub-collections, not the collection itself) with their etags, via
 * PROPFIND Depth: 1. Hrefs are returned exactly as the server wrote them.
 */
export async function rawList(server: DavServer, collectionUrl: string): Promise<{ href: string; etag: string }[]> {
  const res = await davFetch(server, collectionUrl, {
    method: 'PROPFIND',
    headers: { Depth: '1', 'Content-Type': XML_CONTENT_TYPE },
    body: '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop>'
      + '<d:resourcetype/><d:getetag/></d:prop></d:propfind>',
  });
  const text = await res.text();
  if (res.status !== 207) throw new Error(`PROPFIND ${collectionUrl} answered ${res.status}: ${text.slice(0, 300)}`);
  const out: { href: string; etag: string }[] = [];
  for (const r of readMultistatus(text)) {
    if (r.resourceTypes.includes('collection') || r.etag === null) continue;
    out.push({ href: r.href, etag: r.etag });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tiny namespace-agnostic XML reader (enough for multistatus; refuses DOCTYPE/entities)

/** An XML element by local name (prefix dropped), with its children and direct text. */
interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

/** Index just after `terminator` searching from `from`; throws on truncated input. */
function skipPast(xml: string, from: number, terminator: string): number {
  const end = xml.indexOf(terminator, from);
  if (end < 0) throw new Error(`malformed XML: missing '${terminator}'`);
  return end + terminator.length;
}

/** Index of the '>' closing a tag that starts at `from`, skipping quoted attribute values. */
function tagEnd(xml: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < xml.length; i++) {
    const c = xml[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '>') {
      return i;
    }
  }
  throw new Error('malformed XML: unterminated tag');
}

function localName(qname: string): string {
  const colon = qname.indexOf(':');
  return colon < 0 ? qname : qname.slice(colon + 1);
}

/** Parses an XML document into a tree of local names. */
function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#document', children: [], text: '' };
  const stack: XmlElement[] = [root];
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const textEnd = lt < 0 ? xml.length : lt;
    if (textEnd > i) stack[stack.length - 1].text += decodeEntities(xml.slice(i, textEnd));
    if (lt < 0) break;
    if (xml.startsWith('<?', lt)) {
      i = skipPast(xml, lt, '?>');
    } else if (xml.startsWith('<!--', lt)) {
      i = skipPast(xml, lt, '-->');
    } else if (xml.startsWith('<![CDATA[', lt)) {
      const end = skipPast(xml, lt, ']]>');
      stack[stack.length - 1].text += xml.slice(lt + 9, end - 3);
      i = end;
    } else if (xml.startsWith('<!', lt)) {
      throw new Error('XML with DOCTYPE/entity declarations is refused');
    } else if (xml.startsWith('</', lt)) {
      const end = tagEnd(xml, lt);
      const name = localName(xml.slice(lt + 2, end).trim());
      const open = stack.pop();
      if (!open || open === root || open.name !== name) throw new Error(`malformed XML: unexpected </${name}>`);
      i = end + 1;
    } else {
      const end = tagEnd(xml, lt);
      const inner = xml.slice(lt + 1, end);
      const selfClosing = inner.endsWith('/');
      const qname = (selfClosing ? inner.slice(0, -1) : inner).trim().split(/\s/, 1)[0];
      if (!qname) throw new Error('malformed XML: empty tag name');
      const element: XmlElement = { name: localName(qname), children: [], text: '' };
      stack[stack.length - 1].children.push(element);
      if (!selfClosing) stack.push(element);
      i = end + 1;
    }
  }
  if (stack.length !== 1) throw new Error(`malformed XML: <${stack[stack.length - 1].name}> not closed`);
  return root;
}

const firstChild = (el: XmlElement | undefined, name: string) => el?.children.find((c) => c.name === name);
const childrenNamed = (el: XmlElement | undefined, name: string) => el?.children.filter((c) => c.name === name) ?? [];

/** One <response> of a multistatus: href, the etag from a 200 propstat (if any), resourcetype names. */
interface MultistatusEntry {
  href: string;
  etag: string | null;
  resourceTypes: string[];
}

/** Reads <multistatus>/<response>*: only properties inside a propstat whose status is 200 count. */
function readMultistatus(xml: string): MultistatusEntry[] {
  const multistatus = firstChild(parseXml(xml), 'multistatus');
  if (!multistatus) throw new Error('not a DAV multistatus document');
  return childrenNamed(multistatus, 'response').map((response) => {
    const entry: MultistatusEntry = { href: firstChild(response, 'href')?.text.trim() ?? '', etag: null, resourceTypes: [] };
    for (const propstat of childrenNamed(response, 'propstat')) {
      if (!/^\S+\s+200\b/.test(firstChild(propstat, 'status')?.text.trim() ?? '')) continue;
      const prop = firstChild(propstat, 'prop');
      const etag = firstChild(prop, 'getetag');
      if (etag && etag.text.trim()) entry.etag = etag.text.trim();
      const types = firstChild(prop, 'resourcetype');
      if (types) entry.resourceTypes = types.children.map((c) => c.name);
    }
    return entry;
  });
}
