/**
 * The example CRM connector: each case's next-step date and contract date are events in two collections,
 * `next-step` and `contract`. Item id = the case id; version = the case's `rev`. Written only against the public
 * SDK (`@dovetail/core/sdk`); `stdio.ts` serves the same definition out of process.
 */
import path from 'node:path';
import {
  AuthFailed, defineConnector, Invalid, NotFound, PreconditionFailed, Unavailable,
  type CollectionInfo, type Connector, type EventEntity, type LoadResult, type WriteOp, type WriteResult,
} from '@dovetail/core/sdk';
import { CrmFileError, newCaseId, readCrm, writeCrm, type CrmCase, type CrmData, type DateKind } from './crm-file.js';
import { applyEvent, clearDate, COLLECTIONS, dateOf, isDateKind, toEvent } from './mapping.js';

/** The endpoint's settings (settings.schema.json). */
export interface CrmSettings {
  database: string;
  accessToken?: unknown;
  contractMinutes?: number;
}

export default defineConnector<CrmSettings>((ctx) => {
  const file = path.resolve(ctx.baseDir, ctx.settings.database);
  const contractMinutes = ctx.settings.contractMinutes ?? 60;
  const log = ctx.logger;

  /** Reads the CRM file and checks the access token; typed errors for the engine. */
  async function open(): Promise<CrmData> {
    let data: CrmData;
    try {
      data = await readCrm(file);
    } catch (e) {
      if (e instanceof CrmFileError) throw e.missing ? new Unavailable(e.message) : new Invalid(e.message);
      throw e;
    }
    if (data.accessToken !== undefined) {
      const token = await ctx.secrets.maybe('accessToken');
      if (token !== data.accessToken) throw new AuthFailed(token === undefined ? 'the CRM file is locked: set "accessToken"' : 'the access token does not open this CRM file');
    }
    return data;
  }

  function kindOf(collection: string): DateKind {
    if (!isDateKind(collection)) throw new NotFound(`no collection "${collection}" (collections: ${Object.keys(COLLECTIONS).join(', ')})`);
    return collection;
  }

  /** The case behind an item id, when it has a date of `kind`. */
  const itemCase = (data: CrmData, id: string, kind: DateKind): CrmCase | undefined =>
    data.cases.find((c) => c.caseId === id && dateOf(c, kind) !== undefined);

  function applyOne(data: CrmData, kind: DateKind, op: WriteOp): WriteResult {
    const now = new Date().toISOString();
    if (op.op === 'create') {
      if (op.item.type !== 'event') return { ok: false, error: new Invalid(`the CRM stores events, not ${op.item.type}s`) };
      const base: CrmCase = { caseId: newCaseId(data), subject: op.item.summary ?? '', rev: 0, modifiedAt: now };
      let created: CrmCase;
      try {
        created = { ...applyEvent(base, kind, op.item as EventEntity), rev: 1, modifiedAt: now };
      } catch (e) {
        return { ok: false, error: new Invalid((e as Error).message) };
      }
      data.cases.push(created);
      return { ok: true, id: created.caseId, version: String(created.rev) };
    }
    const index = data.cases.findIndex((c) => c.caseId === op.id && dateOf(c, kind) !== undefined);
    if (index < 0) return { ok: false, error: new NotFound(`case ${op.id} has no ${kind} date`) };
    const current = data.cases[index]!;
    if (op.ifVersion !== undefined && op.ifVersion !== String(current.rev)) {
      return { ok: false, error: new PreconditionFailed(`case ${op.id} changed (version ${current.rev}, expected ${op.ifVersion})`) };
    }
    let next: CrmCase;
    try {
      next = op.op === 'delete' ? clearDate(current, kind) : applyEvent(current, kind, op.item as EventEntity);
    } catch (e) {
      return { ok: false, error: new Invalid((e as Error).message) };
    }
    data.cases[index] = { ...next, rev: current.rev + 1, modifiedAt: now };
    return { ok: true, id: op.id, ...(op.op === 'delete' ? {} : { version: String(current.rev + 1) }) };
  }

  const connector: Connector = {
    async check() {
      try {
        const data = await open();
        return { ok: true, message: `${file}: ${data.cases.length} cases` };
      } catch (e) {
        return { ok: false, message: (e as Error).message };
      }
    },

    async discover(): Promise<CollectionInfo[]> {
      return Object.entries(COLLECTIONS).map(([id, name]) => ({ id, name, entities: ['event'] }));
    },

    async list(collection) {
      const kind = kindOf(collection);
      const data = await open();
      const items = data.cases.filter((c) => dateOf(c, kind) !== undefined).map((c) => ({ id: c.caseId, version: String(c.rev) }));
      return { kind: 'full', items };
    },

    async load(collection, ids): Promise<LoadResult[]> {
      const kind = kindOf(collection);
      const data = await open();
      return ids.map((id) => {
        const c = itemCase(data, id, kind);
        if (!c) return { ok: false, id, error: new NotFound(`case ${id} has no ${kind} date`) };
        return { ok: true, id, version: String(c.rev), item: toEvent(c, kind, contractMinutes) };
      });
    },

    async write(collection, ops) {
      const kind = kindOf(collection);
      const data = await open();
      const results = ops.map((op) => applyOne(data, kind, op));
      if (results.some((r) => r.ok)) await writeCrm(file, data);
      log.debug({ collection, ops: ops.length, failed: results.filter((r) => !r.ok).length }, 'wrote to the CRM file');
      return results;
    },
  };
  return connector;
});
