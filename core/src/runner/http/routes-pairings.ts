/** Pairings: list, one, sync now (`?dryRun=1`), enable, disable, reset. */
import type { FastifyInstance } from 'fastify';
import type { ServiceApi } from './api.js';
import { HttpError } from './errors.js';
import { errorResponse, pairingParams, pairingStatus, runSummary, secured } from './schemas.js';

interface NameParams { name: string }

export async function pairingRoutes(app: FastifyInstance, opts: { api: ServiceApi }): Promise<void> {
  const { api } = opts;
  const known = (name: string) => {
    const status = api.status(name);
    if (!status) throw new HttpError(404, `unknown pairing '${name}'`);
    return status;
  };
  const tags = ['pairings'];

  app.get('/api/pairings', {
    schema: { tags, summary: 'Every pairing with health, enabled, last and next run, counts and last error', security: secured,
      response: { 200: { type: 'object', properties: { pairings: { type: 'array', items: pairingStatus } } } } },
  }, async () => ({ pairings: api.pairingNames().map((n) => api.status(n)!) }));

  app.get<{ Params: NameParams }>('/api/pairings/:name', {
    schema: { tags, summary: 'One pairing, with its newest runs', security: secured, params: pairingParams,
      response: { 200: { ...pairingStatus, properties: { ...pairingStatus.properties, runs: { type: 'array', items: runSummary } } }, 404: errorResponse } },
  }, async (req) => ({ ...known(req.params.name), runs: await api.runs({ pairing: req.params.name, limit: 20 }) }));

  app.post<{ Params: NameParams; Querystring: { dryRun?: string } }>('/api/pairings/:name/sync', {
    schema: {
      tags, summary: 'Sync now: 202 when queued; with ?dryRun=1 the plan is computed, nothing is changed, and the report is returned', security: secured,
      params: pairingParams,
      querystring: { type: 'object', additionalProperties: false, properties: { dryRun: { type: 'string', enum: ['1', '0', 'true', 'false'], description: '1 or true: plan only, change nothing; answers with the report.' } } },
      response: { 200: runSummary, 202: { type: 'object', properties: { pairing: { type: 'string' }, accepted: { type: 'boolean' } } }, 404: errorResponse, 409: errorResponse },
    },
  }, async (req, reply) => {
    known(req.params.name);
    const outcome = await api.trigger(req.params.name, { dryRun: req.query.dryRun === '1' || req.query.dryRun === 'true' });
    if (outcome.status === 'unknown') throw new HttpError(404, `unknown pairing '${req.params.name}'`);
    if (outcome.status === 'refused') throw new HttpError(409, outcome.reason);
    if (outcome.status === 'done') return outcome.entry;
    return reply.code(202).send({ pairing: req.params.name, accepted: true });
  });

  for (const action of ['enable', 'disable', 'reset'] as const) {
    app.post<{ Params: NameParams }>(`/api/pairings/:name/${action}`, {
      schema: {
        tags, security: secured, params: pairingParams, response: { 200: pairingStatus, 404: errorResponse },
        summary: action === 'reset' ? 'Close the circuit (after repeated failed runs); kept across restarts'
          : action === 'enable' ? 'Enable at runtime (also closes the circuit); kept across restarts' : 'Disable at runtime: no scheduled runs until enabled; kept across restarts',
      },
    }, async (req) => {
      known(req.params.name);
      const status = action === 'reset' ? await api.reset(req.params.name) : await api.setEnabled(req.params.name, action === 'enable');
      if (!status) throw new HttpError(404, `unknown pairing '${req.params.name}'`);
      return status;
    });
  }
}
