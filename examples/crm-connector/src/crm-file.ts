/**
 * The CRM's data: one JSON file holding its cases, in the CRM's own field names. Reads parse the whole file; writes
 * re-read it, change it and replace it atomically (a temporary file, then rename), so a reader never sees half a file.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** One CRM case ("opportunity") with the dates the calendar shows. */
export interface CrmCase {
  caseId: string;
  subject: string;
  customer?: string;
  contactPerson?: string;
  contactEmail?: string;
  /** What happens next ("Call about the renewal"). */
  nextStep?: string;
  /** When: `YYYY-MM-DD` (a day) or an ISO instant in UTC. */
  nextStepDate?: string;
  /** Length of a timed next step, minutes. */
  nextStepMinutes?: number;
  /** When the contract is signed or due: `YYYY-MM-DD` or an ISO instant in UTC. */
  contractDate?: string;
  notes?: string;
  /** Bumped on every change: the version the calendar sees. */
  rev: number;
  modifiedAt: string;
  /** The calendar UID of each date, kept so an event keeps its identity across systems. */
  calendarUids?: Partial<Record<DateKind, string>>;
}

/** The two dates of a case that become events; each is one collection. */
export type DateKind = 'next-step' | 'contract';

export interface CrmData {
  /** When set, the connector's `accessToken` setting must match it. */
  accessToken?: string;
  cases: CrmCase[];
}

/** The file could not be read or is not a CRM file. */
export class CrmFileError extends Error {
  constructor(message: string, readonly missing = false) {
    super(message);
    this.name = 'CrmFileError';
  }
}

export async function readCrm(file: string): Promise<CrmData> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CrmFileError(code === 'ENOENT' ? `CRM file ${file} does not exist` : `CRM file ${file} cannot be read (${code})`, code === 'ENOENT');
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new CrmFileError(`CRM file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || !Array.isArray((data as CrmData).cases)) {
    throw new CrmFileError(`CRM file ${file} has no "cases" list`);
  }
  return data as CrmData;
}

/** Replaces the file atomically. */
export async function writeCrm(file: string, data: CrmData): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomUUID()}.tmp`);
  await writeFile(temp, `${JSON.stringify(data, null, 2)}\n`);
  await rename(temp, file);
}

/** A new case id, unique in `data`. */
export function newCaseId(data: CrmData): string {
  const numbers = data.cases.map((c) => Number(/^C-(\d+)$/.exec(c.caseId)?.[1] ?? 0));
  return `C-${Math.max(1000, ...numbers) + 1}`;
}
