/** Bearer-token checks in constant time (for the API) and the token-in-the-URL check (for feeds). */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from './errors.js';

/**
 * Compares two secrets in time that does not depend on where they differ, nor on the expected length: both are
 * hashed to 32 bytes first, then compared with timingSafeEqual.
 */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The token of `Authorization: Bearer <token>`. */
function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const m = typeof header === 'string' ? /^Bearer[ ]+(\S+)\s*$/i.exec(header) : null;
  return m?.[1];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Anyone may call the route: health checks, the status page's files, feeds (which check their own token). */
    public?: boolean;
  }
}

/**
 * Requires the bearer token on every route not marked `config: { public: true }`; unknown routes fall through to
 * the 404 handler. Missing or wrong token → 401 with `WWW-Authenticate: Bearer`.
 */
export const bearerAuth = fp(async (app: FastifyInstance, opts: { token: () => string }) => {
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url === undefined || request.routeOptions.config.public) return;
    if (!sameSecret(bearer(request), opts.token())) {
      reply.header('WWW-Authenticate', 'Bearer realm="dovetail"');
      throw new HttpError(401, 'a valid bearer token is required: send "Authorization: Bearer <service.token>"');
    }
  });
}, { name: 'dovetail-bearer-auth' });
