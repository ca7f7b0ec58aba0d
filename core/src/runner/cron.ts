/**
 * Cron expressions through croner (no dependencies, time zones, 5- and 6-field patterns, well kept). Loaded on
 * first use (its CommonJS build, synchronously), so commands that meet no cron expression never load it.
 */
import { createRequire } from 'node:module';

type CronModule = typeof import('croner');
let croner: CronModule | undefined;
function Cron(...args: ConstructorParameters<CronModule['Cron']>): InstanceType<CronModule['Cron']> {
  croner ??= createRequire(import.meta.url)('croner') as CronModule;
  return new croner.Cron(...args);
}

/** The first time after `from` that the expression matches, in `timezone` (default: the machine's). */
export function nextCronRun(expression: string, timezone: string | undefined, from: Date): Date | undefined {
  const job = Cron(expression, { paused: true, ...(timezone ? { timezone } : {}) });
  try {
    return job.nextRun(from) ?? undefined;
  } finally {
    job.stop();
  }
}

/** Why an expression or zone cannot be used, or undefined when it can. */
export function cronProblem(expression: string, timezone: string | undefined): string | undefined {
  if (timezone !== undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: timezone });
    } catch {
      return `unknown time zone "${timezone}" (use an IANA name such as Europe/Berlin or UTC)`;
    }
  }
  try {
    if (!nextCronRun(expression, timezone, new Date())) return 'the expression never matches a future time';
  } catch (e) {
    return (e as Error).message.replace(/^CronPattern: /, '');
  }
  return undefined;
}
