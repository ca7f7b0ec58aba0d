/** `GET /metrics`: Prometheus text format (token required). */
import type { FastifyInstance } from 'fastify';
import type { ServiceApi } from './api.js';
import { secured } from './schemas.js';

export async function metricsRoutes(app: FastifyInstance, opts: { api: ServiceApi }): Promise<void> {
  app.get('/metrics', { schema: { tags: ['metrics'], summary: 'Prometheus metrics: runs, items by operation and side, failures, run durations, circuit state, process', security: secured } }, async (_req, reply) => {
    const metrics = opts.api.metrics();
    return reply.type(metrics.contentType).send(await metrics.text());
  });
}
