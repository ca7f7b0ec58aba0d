/** Returns `o` without its undefined-valued keys (same object). */
export function compactObject<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
