// Module-load hook of bench/timeline.mjs (runs on the loader thread): one message per module loaded, with the time
// since the process's time origin.
let port;
export function initialize(data) { port = data.port; }
export async function load(url, context, next) {
  const result = await next(url, context);
  port.postMessage({ t: performance.timeOrigin + performance.now(), url });
  return result;
}
