// Preloaded by bench/timeline.mjs (`node --import`): records, in the measured process, when each module was loaded
// (a loader hook), the CLI's own points (the `dovetail:timeline` diagnostics channel, core/src/timeline.ts) and when
// undici sent each request and got its answer (its diagnostics channels); writes them to DOVETAIL_TIMELINE_OUT as
// JSON when the process exits. Times are ms since the process's time origin (its start); `cpu` is the process's CPU
// time (user + system, all threads) at that point, in ms.
import { subscribe } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const origin = performance.timeOrigin;
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const events = [{ t: performance.now(), cpu: cpu(), what: 'preload ran (Node started)' }];
const modules = [];
const { port1, port2 } = new MessageChannel();
port1.on('message', (m) => modules.push({ t: m.t - origin, url: m.url }));
port1.unref();
register(new URL('./timeline-hooks.mjs', import.meta.url), { data: { port: port2 }, transferList: [port2] });

const requests = new WeakMap();
subscribe('dovetail:timeline', ({ name, pairing }) => events.push({ t: performance.now(), cpu: cpu(), what: pairing ? `${name} (${pairing})` : name }));
subscribe('undici:request:create', ({ request }) => {
  const r = { method: request.method, path: request.path, created: performance.now() };
  requests.set(request, r);
  events.push({ t: r.created, cpu: cpu(), what: `request ${request.method} ${request.path} created` });
});
subscribe('undici:client:sendHeaders', ({ request }) => events.push({ t: performance.now(), cpu: cpu(), what: `request ${request.method} headers sent` }));
subscribe('undici:request:headers', ({ request, response }) => events.push({ t: performance.now(), cpu: cpu(), what: `response ${response.statusCode} headers (${request.method})` }));
subscribe('undici:request:trailers', ({ request }) => events.push({ t: performance.now(), cpu: cpu(), what: `response complete (${request.method})` }));

process.on('exit', () => {
  events.push({ t: performance.now(), cpu: cpu(), what: 'exit' });
  writeFileSync(process.env.DOVETAIL_TIMELINE_OUT, JSON.stringify({ events: events.sort((a, b) => a.t - b.t), modules }));
});
