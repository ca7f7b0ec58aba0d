/** JSON Schemas of the API (validation of params and query strings, and the OpenAPI document). */

export const pairingParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 200, description: 'Pairing name as in the config.' } },
} as const;

/** Loose response shapes: documented in OpenAPI, every field passed through. */
const object = (description: string, properties: Record<string, unknown> = {}) => ({ type: 'object', description, additionalProperties: true, properties });

export const errorResponse = object('An error: `{ statusCode, error, message }`.', {
  statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' },
});

export const pairingStatus = object('A pairing: health (ok, warning, error, never-run) and reasons, enabled, circuit, last run, pending items, next run.', {
  pairing: { type: 'string' }, health: { type: 'string', enum: ['ok', 'warning', 'error', 'never-run'] }, enabled: { type: 'boolean' },
  nextRunAt: { type: 'string', format: 'date-time' }, lastError: { type: 'string' },
});

export const runSummary = object('A run without its item list (the `sync --json` run object plus trigger, failure kind and pending work).', {
  pairing: { type: 'string' }, ok: { type: 'boolean' }, startedAt: { type: 'string', format: 'date-time' }, durationMs: { type: 'number' },
});

export const statsBucket = object('Totals of one day, week (starting Monday) or month.', {
  start: { type: 'string', format: 'date' }, runs: { type: 'integer' }, failedRuns: { type: 'integer' },
});

export const secured = [{ bearer: [] }];
