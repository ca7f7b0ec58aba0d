// Generated bench data, written by us: one event per resource with varied summaries and times; every 10th
// all-day, every 5th in Europe/Berlin with its VTIMEZONE, every 7th recurring, every 3rd with a description.

const WORDS = ['Standup', 'Review', 'Planning', 'Retro', '1:1', 'Lunch', 'Offsite', 'Demo', 'Interview', 'Budget', 'Roadmap', 'Training', 'Sync', 'Workshop'];
const TEAMS = ['Platform', 'Sales', 'Design', 'Support', 'Finance', 'Ops', 'Mobile', 'Data'];
const ROOMS = ['Room Ada', 'Room Turing', 'Room Hopper', 'Video call', 'Cafeteria', ''];
const BERLIN = [
  'BEGIN:VTIMEZONE', 'TZID:Europe/Berlin',
  'BEGIN:DAYLIGHT', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'TZNAME:CEST', 'DTSTART:19700329T020000', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'END:DAYLIGHT',
  'BEGIN:STANDARD', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'TZNAME:CET', 'DTSTART:19701025T030000', 'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'END:STANDARD',
  'END:VTIMEZONE',
];
const pad2 = (n) => String(n).padStart(2, '0');
const basic = (d, withTime = true) =>
  `${d.getUTCFullYear()}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}` + (withTime ? `T${pad2(d.getUTCHours())}${pad2(d.getUTCMinutes())}00` : '');

/** `bench-000042` for event 42. */
export const nameOf = (i) => `bench-${String(i).padStart(6, '0')}`;
/** The UID of event i. */
export const uidOf = (i) => `${nameOf(i)}@dovetail.test`;

/** Event i at revision rev (0 = as created; a change bumps SUMMARY, SEQUENCE and LAST-MODIFIED). */
export function eventText(i, rev, prodid = '-//Dovetail//bench//EN') {
  const start = new Date(Date.UTC(2025, 0, 1, 7 + (i % 11), (i % 4) * 15) + (i % 900) * 86_400_000);
  const end = new Date(start.getTime() + (30 + (i % 4) * 30) * 60_000);
  const stamp = new Date(Date.UTC(2025, 0, 1) + rev * 3_600_000);
  const allDay = i % 10 === 3;
  const zoned = !allDay && i % 5 === 1;
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${prodid}`];
  if (zoned) lines.push(...BERLIN);
  lines.push('BEGIN:VEVENT', `UID:${uidOf(i)}`, `DTSTAMP:${basic(stamp)}Z`, `LAST-MODIFIED:${basic(stamp)}Z`, `SEQUENCE:${rev}`);
  if (allDay) {
    lines.push(`DTSTART;VALUE=DATE:${basic(start, false)}`, `DTEND;VALUE=DATE:${basic(new Date(start.getTime() + 86_400_000), false)}`);
  } else if (zoned) {
    lines.push(`DTSTART;TZID=Europe/Berlin:${basic(start)}`, `DTEND;TZID=Europe/Berlin:${basic(end)}`);
  } else {
    lines.push(`DTSTART:${basic(start)}Z`, `DTEND:${basic(end)}Z`);
  }
  lines.push(`SUMMARY:${TEAMS[i % TEAMS.length]} ${WORDS[(i * 7) % WORDS.length]} #${i}` + (rev ? ` (rev ${rev})` : ''));
  const room = ROOMS[i % ROOMS.length];
  if (room) lines.push(`LOCATION:${room}`);
  if (i % 3 === 0) lines.push(`DESCRIPTION:Agenda for item ${i}:\\n- status\\n- next steps`);
  if (i % 7 === 0) lines.push(i % 14 === 0 ? 'RRULE:FREQ=WEEKLY;COUNT=12' : 'RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20271231T235959Z');
  if (i % 11 === 0) lines.push('CATEGORIES:Work,Team');
  lines.push('END:VEVENT', 'END:VCALENDAR', '');
  return lines.join('\r\n');
}
