/** Exchange tasks ↔ canonical tasks. Outlook tasks are dated (start and due are days), not timed. */
import { Invalid, toEpochMs, type Reminder, type TaskEntity, type TimeValue } from '@dovetail/core/sdk';
import { baseFields, bodyOf, descriptionOf, durationMinutes, type MappingContext } from './common.js';
import { exRecurrenceOf, RecurrenceNotStorable, rruleOf } from './recurrence.js';
import type { ExTask, ExTime } from './types.js';
import { importanceOf, priorityOf, taskStatusFromEx, taskStatusToEx } from './values.js';
import { utcIso } from './zones.js';

/** Task fields compared for carrying. */
export const TASK_FIELDS = [
  'summary', 'description', 'descriptionHtml', 'start', 'due', 'completed', 'status', 'percent', 'priority',
  'reminders', 'parent', 'recurrence', 'categories', 'x',
] as const;

const dateOf = (t: ExTime): TimeValue => ({ kind: 'date', value: t.dateTime.slice(0, 10) });

/** The canonical task of an Exchange task as Exchange shows it (carried values are applied by the caller). */
export function taskFromEx(ex: ExTask, fallbackUid: string): TaskEntity {
  const t: TaskEntity = { type: 'task', ...baseFields(ex, ex.stamp?.uid || fallbackUid) };
  if (ex.subject) t.summary = ex.subject;
  Object.assign(t, descriptionOf(ex.body));
  if (ex.startDate) t.start = dateOf(ex.startDate);
  if (ex.dueDate) t.due = dateOf(ex.dueDate);
  const status = taskStatusFromEx(ex.status);
  if (status) t.status = status;
  if (ex.completedDateTime && status === 'completed') t.completed = utcIso(Date.parse(ex.completedDateTime));
  if (ex.percentComplete) t.percent = ex.percentComplete;
  const priority = priorityOf(ex.importance);
  if (priority) t.priority = priority;
  if (ex.isReminderOn && ex.reminderDateTime) t.reminders = [{ kind: 'absolute', at: utcIso(Date.parse(ex.reminderDateTime)), action: 'display' }];
  const first = t.start ?? t.due;
  if (ex.recurrence && !ex.regenerates && first) t.recurrence = { rrule: [rruleOf(ex.recurrence, first)] };
  return t;
}

/** A task date: the wall date of the value in its own zone, at midnight in the mailbox's zone. */
function exDate(t: TimeValue, ctx: MappingContext): ExTime {
  return { dateTime: `${t.value.slice(0, 10)}T00:00:00`, timeZone: ctx.defaultZone };
}

/** The instant of a task's first reminder, if it has one Exchange can hold. */
function reminderAt(t: TaskEntity): string | undefined {
  for (const r of t.reminders ?? [] as Reminder[]) {
    if (r.action === 'email') continue;
    if (r.kind === 'absolute' && r.at) return utcIso(Date.parse(r.at));
    const anchor = (r.related === 'end' ? t.due : t.start ?? t.due);
    const minutes = r.offset ? durationMinutes(r.offset) : undefined;
    if (r.kind === 'relative' && anchor && minutes !== undefined) return utcIso(toEpochMs(anchor) + minutes * 60_000);
  }
  return undefined;
}

/** The Exchange task for a canonical task (without the carry). Throws `Invalid` for a recurrence Exchange cannot hold. */
export function taskToEx(t: TaskEntity, ctx: MappingContext): ExTask {
  const ex: ExTask = {
    kind: 'task',
    subject: t.summary ?? '',
    status: taskStatusToEx(t.status),
    importance: importanceOf(t.priority),
    categories: t.categories ?? [],
    percentComplete: t.status === 'completed' ? 100 : Math.max(0, Math.min(100, Math.round(t.percent ?? 0))),
    stamp: { uid: t.uid },
  };
  const body = bodyOf(t);
  if (body) ex.body = body;
  if (t.start) ex.startDate = exDate(t.start, ctx);
  if (t.due) ex.dueDate = exDate(t.due, ctx);
  if (t.status === 'completed' && t.completed) ex.completedDateTime = utcIso(Date.parse(t.completed));
  const at = reminderAt(t);
  ex.isReminderOn = at !== undefined;
  if (at) ex.reminderDateTime = at;
  const first = t.start ?? t.due;
  if (t.recurrence?.rrule?.length || t.recurrence?.rdate?.length) {
    if (!first) throw new Invalid(`task ${t.uid} repeats but has neither a start nor a due date; Exchange needs one`);
    try {
      ex.recurrence = exRecurrenceOf(t.recurrence, first);
    } catch (err) {
      if (err instanceof RecurrenceNotStorable) throw new Invalid(`task ${t.uid} cannot be stored in Exchange: ${err.message}`);
      throw err;
    }
  }
  return ex;
}
