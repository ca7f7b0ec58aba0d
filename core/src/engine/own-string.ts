/**
 * A copy of `s` that shares no memory with the text it was cut from. V8 keeps a substring of a long string as a
 * view into the whole ("sliced string"), so a UID or title kept after its item is dropped (in a report, a plan
 * outline) would keep the item's whole raw text alive. Concatenating, then slicing, makes V8 build a fresh flat
 * string first; short strings are always copied.
 */
export function ownString(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}
