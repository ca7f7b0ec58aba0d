/**
 * The status page: plain HTML, CSS and JavaScript from `core/status-page/` (shipped in the package, no build step),
 * read once at start-up. The files hold no data and need no token; the page asks for the token and sends it as a
 * bearer token with every API call.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';

/** The page's files, relative to core/ (this module is core/src/runner/http or core/dist/runner/http). */
const PAGE_DIR = new URL('../../../status-page/', import.meta.url);

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

/** Only the page's own files and the API; no inline scripts, no framing. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export async function statusPage(app: FastifyInstance): Promise<void> {
  for (const [route, { file, type }] of Object.entries(FILES)) {
    const body = await readFile(new URL(file, PAGE_DIR));
    app.get(route, { config: { public: true }, schema: { hide: true } }, async (_req, reply) => {
      reply.header('Content-Security-Policy', CSP).header('Cache-Control', 'no-cache').type(type);
      return reply.send(body);
    });
  }
}
