/** Run history across pairings and statistics per day / week / month. */
import type { FastifyInstance } from 'fastify';
import { aggregate, type StatsPeriod } from '../stats.js';
import type { ServiceApi } from './api.js';
import { HttpError } from './errors.js';
import { errorResponse, runSummary, secured, statsBucket } from './schemas.js';

const DAY = 86_400_000;
/** Longest period one statistics request covers. */
const MAX_STATS_DAYS = 800;

function isoDay(text: string | undefined, fallback: number): string {
  if (text === undefined) return new Date(fallback).toISOString().slice(0, 10);
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new HttpError(400, `'${text}' is not a date (use YYYY-MM-DD or an ISO time)`);
  return new Date(t).toISOString().slice(0, 10);
}

export async function runRoutes(app: FastifyInstance, opts: { api: ServiceApi }): Promise<void> {
  const { api } = opts;
  const pairingFilter = (name: string | undefined) => {
    if (name !== undefined && !api.status(name)) throw new HttpError(404, `unknown pairing '${name}'`);
  };

  app.get<{ Querystring: { pairing?: string; since?: string; limit?: number } }>('/api/runs', {
    schema: {
      tags: ['runs'], summary: 'Recorded runs, newest first (failed runs included), without item lists', security: secured,
      querystring: { type: 'object', additionalProperties: false, properties: {
        pairing: { type: 'string', minLength: 1, maxLength: 200, description: 'Only this pairing.' },
        since: { type: 'string', format: 'date-time', description: 'Only runs started at or after this time.' },
        limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100, description: 'At most this many runs (default 100).' },
      } },
      response: { 200: { type: 'object', properties: { runs: { type: 'array', items: runSummary } } }, 404: errorResponse },
    },
  }, async (req) => {
    pairingFilter(req.query.pairing);
    return { runs: await api.runs({ pairing: req.query.pairing, since: req.query.since, limit: req.query.limit ?? 100 }) };
  });

  app.get<{ Querystring: { pairing?: string; period?: StatsPeriod; from?: string; to?: string } }>('/api/stats', {
    schema: {
      tags: ['runs'], summary: 'Statistics per day, week (from Monday) or month over a period: runs, failed runs, items written per side, conflicts, time spent', security: secured,
      querystring: { type: 'object', additionalProperties: false, properties: {
        pairing: { type: 'string', minLength: 1, maxLength: 200, description: 'Only this pairing (default: all).' },
        period: { type: 'string', enum: ['day', 'week', 'month'], default: 'day', description: 'Bucket size (default day).' },
        from: { type: 'string', description: 'First day, YYYY-MM-DD (default: 30 days ago).' },
        to: { type: 'string', description: 'Last day, YYYY-MM-DD (default: today, UTC).' },
      } },
      response: { 200: { type: 'object', properties: { period: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, buckets: { type: 'array', items: statsBucket } } }, 400: errorResponse, 404: errorResponse },
    },
  }, async (req) => {
    pairingFilter(req.query.pairing);
    const now = Date.now();
    const to = isoDay(req.query.to, now);
    const from = isoDay(req.query.from, Date.parse(`${to}T00:00:00Z`) - 29 * DAY);
    const days = (Date.parse(to) - Date.parse(from)) / DAY + 1;
    if (days < 1) throw new HttpError(400, `'from' (${from}) is after 'to' (${to})`);
    if (days > MAX_STATS_DAYS) throw new HttpError(400, `the period spans ${days} days; at most ${MAX_STATS_DAYS} per request`);
    const period = req.query.period ?? 'day';
    const sources = await api.dayStats(req.query.pairing ? [req.query.pairing] : api.pairingNames());
    return { period, from, to, buckets: aggregate(sources, period, from, to) };
  });
}
