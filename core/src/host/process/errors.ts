/** Errors of out-of-process connectors. Both are `Unavailable` to the engine: the items they hit are retried later. */
import { Unavailable } from '../../sdk/errors.js';
import type { QuarantineInfo } from './crash-ledger.js';

/** The connector's process died (exit, signal, hang, protocol violation) while a request was in flight. */
export class ConnectorCrashed extends Unavailable {
  constructor(readonly connectorId: string, readonly reason: string) {
    super(`connector "${connectorId}" crashed: ${reason}`);
    this.name = 'ConnectorCrashed';
  }
}

/**
 * The connector crashed too often and is not started until `quarantine.until`. `stopsRun`: the engine ends the run
 * (as for AuthFailed) instead of failing every remaining item one by one; other pairings are unaffected.
 */
export class ConnectorQuarantined extends Unavailable {
  readonly stopsRun = true;
  constructor(readonly quarantine: QuarantineInfo) {
    const last = quarantine.crashes[quarantine.crashes.length - 1];
    super(`connector "${quarantine.connectorId}" is quarantined after ${quarantine.crashes.length} crashes (last: ${last?.reason ?? 'unknown'}); it is started again after ${quarantine.until}`);
    this.name = 'ConnectorQuarantined';
  }
}

/** True for an error that should end the whole run, not just fail the items it hit. */
export function stopsRun(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { stopsRun?: unknown }).stopsRun === true;
}

/** The quarantine behind an error (the error itself or its cause), if any. */
export function quarantineOf(e: unknown): QuarantineInfo | undefined {
  for (let cur = e, depth = 0; cur && depth < 4; cur = (cur as { cause?: unknown }).cause, depth++) {
    if (cur instanceof ConnectorQuarantined) return cur.quarantine;
  }
  return undefined;
}
