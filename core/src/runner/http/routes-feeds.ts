/**
 * `GET /feeds/<endpoint>.ics?token=<serveToken>`: the file of an `ical-feed` endpoint, for calendar apps (which
 * cannot send headers, hence the token in the URL). Strong ETag from the content, `If-None-Match` → 304,
 * `Cache-Control: no-cache`. No such feed → 404; wrong or missing token → 401 (feed names are not secret: they are
 * endpoint names, and a 401 tells only that the name exists); file missing → 404.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { sameSecret } from './auth.js';
import type { ServiceApi } from './api.js';
import { HttpError } from './errors.js';
import { errorResponse } from './schemas.js';

/** True when an `If-None-Match` header names this ETag (or `*`). */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').map((t) => t.trim()).some((t) => t === '*' || t === etag || t === `W/${etag}`);
}

export async function feedRoutes(app: FastifyInstance, opts: { api: ServiceApi }): Promise<void> {
  app.get<{ Params: { file: string }; Querystring: { token?: string } }>('/feeds/:file', {
    config: { public: true },
    schema: {
      tags: ['feeds'], summary: 'A published iCal feed (an ical-feed endpoint with serveToken); the token goes in the URL', security: [],
      params: { type: 'object', required: ['file'], properties: { file: { type: 'string', maxLength: 300, description: '<endpoint name>.ics' } } },
      querystring: { type: 'object', properties: { token: { type: 'string', maxLength: 1024, description: "The endpoint's serveToken." } } },
      response: { 401: errorResponse, 404: errorResponse },
    },
  }, async (req, reply) => {
    const name = req.params.file.replace(/\.ics$/, '');
    const feed = req.params.file.endsWith('.ics') ? opts.api.feed(name) : undefined;
    if (!feed) throw new HttpError(404, `no published feed '${name}'`);
    if (!sameSecret(req.query.token, feed.token)) throw new HttpError(401, 'this feed needs its token: ?token=<serveToken>');
    let body: Buffer;
    try {
      body = await readFile(feed.file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR') throw new HttpError(404, `feed '${name}' has not been written yet`);
      throw e;
    }
    const etag = `"${createHash('sha256').update(body).digest('base64url')}"`;
    reply.header('ETag', etag).header('Cache-Control', 'no-cache');
    if (matches(req.headers['if-none-match'], etag)) return reply.code(304).send();
    return reply.type('text/calendar; charset=utf-8').send(body);
  });
}
