/**
 * Named points of a command's run on the `dovetail:timeline` diagnostics channel: the config read, the host ready,
 * the state open, the endpoints active, the sides listed, the run recorded. Nothing is recorded and nothing is
 * kept unless something subscribes (`bench/timeline.mjs` does, to show where a run's time goes); a long-running
 * service therefore collects nothing.
 */
import { channel } from 'node:diagnostics_channel';

/** What a subscriber receives: the point's name and, for a run's points, the pairing. */
export interface TimelinePoint {
  name: string;
  pairing?: string;
}

const points = channel('dovetail:timeline');

/** Publishes the point `name` (a no-op without a subscriber). */
export function timelinePoint(name: string, pairing?: string): void {
  if (points.hasSubscribers) points.publish({ name, ...(pairing === undefined ? {} : { pairing }) } satisfies TimelinePoint);
}
