// A real HTTP server on 127.0.0.1 serving iCalendar feeds, for the iCal feed tests and benchmark: ETag and
// Last-Modified on every answer, 304 to conditional requests that match, Basic or Bearer protection, and knobs
// for what real feed servers do (ignore conditional headers, regenerate the body, answer a login page, stall).
// Every request is logged with its conditional and auth headers; bytes sent are counted.
// Plain ESM JavaScript so the benchmark (plain node) and the tests (vitest) share it.
import { createHash } from 'node:crypto';
import http from 'node:http';

/**
 * @typedef {object} Feed
 * @property {string | Buffer | (() => string)} body  the feed's bytes, or a function called per request (a feed
 *   generated on each request, e.g. with a fresh DTSTAMP)
 * @property {string} [contentType]  default `text/calendar; charset=utf-8`
 * @property {number} [status]  answer this status instead (with `body`), e.g. 500 or 403
 * @property {Record<string, string>} [headers]  extra headers of such an answer, e.g. `{ 'retry-after': '3600' }`
 * @property {boolean} [validators]  send ETag and Last-Modified and honour conditional requests (default true)
 * @property {{ basic?: [string, string], bearer?: string }} [auth]  credentials the feed requires
 * @property {number} [delayMs]  wait this long before answering (a stalled server)
 */

/**
 * @typedef {object} LoggedRequest
 * @property {string} method
 * @property {string} path  path and query as requested
 * @property {string} [ifNoneMatch]
 * @property {string} [ifModifiedSince]
 * @property {string} [authorization]
 * @property {number} status  what the server answered
 */

/**
 * Starts the server. `set(path, feed)` publishes a feed at a path (path without query: the query is ignored
 * when matching, so a token in it is just part of the URL the client uses).
 * @returns {Promise<{ url: (path: string) => string, port: number, log: LoggedRequest[], bytesSent: () => number,
 *   set: (path: string, feed: Feed) => void, remove: (path: string) => void, reset: () => void, close: () => Promise<void> }>}
 */
export async function startFeedServer() {
  /** @type {Map<string, Feed & { etag: string, lastModified: string, bodyText?: string }>} */
  const feeds = new Map();
  /** @type {LoggedRequest[]} */
  const log = [];
  let sent = 0;
  let clock = Date.now();

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const feed = feeds.get(url.pathname);
    const entry = {
      method: req.method ?? 'GET', path: req.url ?? '/', status: 0,
      ...(req.headers['if-none-match'] ? { ifNoneMatch: String(req.headers['if-none-match']) } : {}),
      ...(req.headers['if-modified-since'] ? { ifModifiedSince: String(req.headers['if-modified-since']) } : {}),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    };
    log.push(entry);
    const answer = (status, headers, body) => {
      entry.status = status;
      const bytes = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
      if (bytes) sent += bytes.length;
      res.writeHead(status, { ...headers, ...(bytes ? { 'content-length': String(bytes.length) } : {}) });
      res.end(bytes);
    };
    const respond = () => {
      if (!feed) return answer(404, { 'content-type': 'text/plain' }, 'no such feed');
      if (feed.auth) {
        const auth = req.headers.authorization ?? '';
        const wanted = feed.auth.basic
          ? `Basic ${Buffer.from(`${feed.auth.basic[0]}:${feed.auth.basic[1]}`, 'utf8').toString('base64')}`
          : `Bearer ${feed.auth.bearer}`;
        if (auth !== wanted) {
          return answer(401, { 'www-authenticate': feed.auth.basic ? 'Basic realm="feed"' : 'Bearer realm="feed"', 'content-type': 'text/plain' }, 'unauthorized');
        }
      }
      const body = typeof feed.body === 'function' ? feed.body() : feed.body;
      if (feed.status) return answer(feed.status, { 'content-type': feed.contentType ?? 'text/plain', ...feed.headers }, body);
      const headers = { 'content-type': feed.contentType ?? 'text/calendar; charset=utf-8' };
      if (feed.validators !== false) {
        const etag = typeof feed.body === 'function' ? `"${createHash('sha1').update(body).digest('hex')}"` : feed.etag;
        Object.assign(headers, { etag, 'last-modified': feed.lastModified });
        const inm = req.headers['if-none-match'];
        const ims = req.headers['if-modified-since'];
        const notModified = inm !== undefined ? inm.split(',').map((t) => t.trim()).includes(etag)
          : ims !== undefined && Date.parse(ims) >= Date.parse(feed.lastModified);
        if (notModified) return answer(304, headers, undefined);
      }
      return answer(200, headers, body);
    };
    if (feed?.delayMs) setTimeout(respond, feed.delayMs);
    else respond();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;

  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    port,
    log,
    bytesSent: () => sent,
    set(path, feed) {
      // Last-Modified has one-second resolution: each change gets a later second, as a real server's clock would.
      clock = Math.max(clock + 1000, Date.now());
      const fixed = typeof feed.body === 'function' ? undefined : feed.body;
      feeds.set(path, {
        ...feed,
        etag: fixed === undefined ? '' : `"${createHash('sha1').update(fixed).digest('hex')}"`,
        lastModified: new Date(clock).toUTCString(),
      });
    },
    remove(path) { feeds.delete(path); },
    reset() { log.length = 0; sent = 0; },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve(undefined)); }),
  };
}
