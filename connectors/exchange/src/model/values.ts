/** Exchange's enumerations ↔ canonical values (iCalendar semantics). */
import type { Attendee, EventEntity, TaskEntity } from '@dovetail/core/sdk';
import type { ExImportance, ExResponse, ExSensitivity, ExShowAs, ExTaskStatus } from './types.js';

/** high → 1, low → 9 (Outlook's iCalendar export); normal is no priority. */
export function priorityOf(importance: ExImportance | undefined): number | undefined {
  return importance === 'high' ? 1 : importance === 'low' ? 9 : undefined;
}

/** iCalendar PRIORITY 1–4 is high, 6–9 low, 5 and none normal (RFC 5545 §3.8.1.9). */
export function importanceOf(priority: number | undefined): ExImportance {
  if (!priority) return 'normal';
  return priority < 5 ? 'high' : priority > 5 ? 'low' : 'normal';
}

export function sensitivityFromEx(s: ExSensitivity | undefined): EventEntity['sensitivity'] {
  switch (s) {
    case 'private': case 'personal': return 'private';
    case 'confidential': return 'confidential';
    default: return undefined;
  }
}

export function sensitivityToEx(s: EventEntity['sensitivity']): ExSensitivity {
  return s === 'private' ? 'private' : s === 'confidential' ? 'confidential' : 'normal';
}

/** Exchange's free/busy; "working elsewhere" and "no data" have no canonical value and read as free / unset. */
export function showAsFromEx(s: ExShowAs | undefined): EventEntity['showAs'] {
  switch (s) {
    case 'free': case 'workingElsewhere': return 'free';
    case 'tentative': return 'tentative';
    case 'busy': return 'busy';
    case 'oof': return 'oof';
    default: return undefined;
  }
}

export function showAsToEx(s: EventEntity['showAs']): ExShowAs {
  return s ?? 'busy';
}

export function partstatFromEx(r: ExResponse | undefined): Attendee['partstat'] {
  switch (r) {
    case 'accepted': case 'organizer': return 'accepted';
    case 'declined': return 'declined';
    case 'tentativelyAccepted': return 'tentative';
    case 'notResponded': case 'none': return 'needs-action';
    default: return undefined;
  }
}

export function responseToEx(p: Attendee['partstat']): ExResponse {
  switch (p) {
    case 'accepted': return 'accepted';
    case 'declined': return 'declined';
    case 'tentative': return 'tentativelyAccepted';
    default: return 'notResponded';
  }
}

/** Outlook's task states; "waiting on others" and "deferred" are open tasks in iCalendar's terms. */
export function taskStatusFromEx(s: ExTaskStatus | undefined): TaskEntity['status'] {
  switch (s) {
    case 'completed': return 'completed';
    case 'inProgress': case 'waitingOnOthers': return 'in-process';
    case 'deferred': case 'notStarted': return 'needs-action';
    default: return undefined;
  }
}

export function taskStatusToEx(s: TaskEntity['status']): ExTaskStatus {
  switch (s) {
    case 'completed': return 'completed';
    case 'in-process': return 'inProgress';
    case 'cancelled': return 'deferred';
    default: return 'notStarted';
  }
}
