/** `GET /healthz` (the process answers) and `GET /readyz` (the scheduler runs; 503 while starting or stopping). No token. */
import type { FastifyInstance } from 'fastify';
import type { ServiceApi } from './api.js';
import { errorBody } from './errors.js';

export async function healthRoutes(app: FastifyInstance, opts: { api: ServiceApi }): Promise<void> {
  const publicRoute = { config: { public: true } };
  app.get('/healthz', { ...publicRoute, schema: { tags: ['health'], summary: 'Liveness: the process answers', security: [] } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { ...publicRoute, schema: { tags: ['health'], summary: 'Readiness: the scheduler runs (503 while starting or shutting down)', security: [] } }, async (_req, reply) => {
    if (opts.api.ready()) return { status: 'ready' };
    return reply.code(503).send(errorBody(503, 'not ready (starting or shutting down)'));
  });
}
