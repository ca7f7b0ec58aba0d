/**
 * The HTTP API as a Fastify app: route plugins, bearer-token auth, JSON errors, request ids, a body limit and the
 * OpenAPI document generated from the route schemas. Fastify: schemas validate params and query strings, the same
 * schemas become the OpenAPI document (@fastify/swagger), and plugins keep each group of routes in its own module.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { DovetailLogger } from '../../log.js';
import type { ServiceApi } from './api.js';
import { bearerAuth } from './auth.js';
import { jsonErrors } from './errors.js';
import { feedRoutes } from './routes-feeds.js';
import { healthRoutes } from './routes-health.js';
import { metricsRoutes } from './routes-metrics.js';
import { pairingRoutes } from './routes-pairings.js';
import { runRoutes } from './routes-runs.js';
import { statusPage } from './status-page.js';

/** Largest request body accepted (the API takes none today; this bounds what a client can make us read). */
export const BODY_LIMIT = 64 * 1024;

/** Request URLs as logged: query values of secret-looking keys (the feed token) are replaced. */
export function maskUrl(url: string): string {
  return url.replace(/([?&](?:token|access_token|key)=)[^&#]*/gi, '$1[redacted]');
}

export async function buildApp(options: { api: ServiceApi; logger: DovetailLogger; version: string }): Promise<FastifyInstance> {
  const logger = options.logger.child({ component: 'http' }, {
    serializers: {
      req: (req: { method: string; url: string; ip?: string; socket?: { remoteAddress?: string } }) => ({ method: req.method, url: maskUrl(req.url), remoteAddress: req.ip ?? req.socket?.remoteAddress }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
  const app: FastifyInstance = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    genReqId: () => randomUUID(),
    requestTimeout: 120_000,
    return503OnClosing: true,
  });
  jsonErrors(app);
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('X-Request-Id', request.id).header('X-Content-Type-Options', 'nosniff');
    return payload;
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Dovetail runner service', version: options.version, description: 'Pairings, runs, statistics, metrics and published feeds. Every route but /healthz, /readyz, the status page and feeds needs `Authorization: Bearer <service.token>`.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(bearerAuth, { token: () => options.api.token() });
  const deps = { api: options.api };
  await app.register(healthRoutes, deps);
  await app.register(pairingRoutes, deps);
  await app.register(runRoutes, deps);
  await app.register(metricsRoutes, deps);
  await app.register(feedRoutes, deps);
  await app.register(statusPage);
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
