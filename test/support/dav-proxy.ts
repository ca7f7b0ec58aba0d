/**
 * A reverse proxy in front of a real DAV server, for tests: forwards every request unchanged, counts
 * requests (and hrefs asked for in multiget REPORTs), and lets a test change what real servers
 * sometimes do: drop the ETag of a PUT answer, answer 503/429 with Retry-After, or run a hook (a second
 * client's edit, a server restart) before a request is forwarded.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What a hook may do to one request: pass it on (default), or answer it without asking the server. */
export type HookResult = void | { status: number; headers?: Record<string, string>; body?: string };

export interface DavProxy {
  url: string;
  /** Requests forwarded or answered, in order. */
  log: ProxiedRequest[];
  /** Requests by method since the last reset. */
  count(method?: string): number;
  /** hrefs asked for by multiget REPORTs since the last reset. */
  multigetHrefs(): number;
  reset(): void;
  /** Runs before each request; may answer it instead of the server. */
  before?: (req: ProxiedRequest) => Promise<HookResult> | HookResult;
  /** Drops the ETag header from PUT answers (servers that rewrite what they store). */
  stripPutEtag: boolean;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 forwarding to `target` (e.g. http://127.0.0.1:5232/). */
export async function startDavProxy(target: string): Promise<DavProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const proxy: DavProxy = {
    url: '',
    log: [],
    stripPutEtag: false,
    count: (method) => (method ? proxy.log.filter((r) => r.method === method).length : proxy.log.length),
    multigetHrefs: () => proxy.log
      .filter((r) => r.method === 'REPORT' && /multiget/.test(r.body))
      .reduce((n, r) => n + (r.body.match(/<([A-Za-z0-9]+:)?href>/g)?.length ?? 0), 0),
    reset: () => { proxy.log.length = 0; },
    close: () => new Promise((resolve) => { agent.destroy(); server.close(() => resolve()); server.closeAllConnections(); }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const entry: ProxiedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: body.toString('utf8') };
      proxy.log.push(entry);
      try {
        const answer = await proxy.before?.(entry);
        if (answer) {
          res.writeHead(answer.status, answer.headers ?? {});
          res.end(answer.body ?? '');
          return;
        }
      } catch (e) {
        res.writeHead(500);
        res.end(String(e));
        return;
      }
      const headers = { ...req.headers, host: upstream.host };
      const up = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent }, (ur) => {
        const out = { ...ur.headers };
        if (proxy.stripPutEtag && req.method === 'PUT') delete out.etag;
        res.writeHead(ur.statusCode ?? 502, out);
        ur.pipe(res);
      });
      up.on('error', () => {
        // The server is gone (stopped mid-run): the client sees the connection drop, as it would.
        res.socket?.destroy();
      });
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return proxy;
}
