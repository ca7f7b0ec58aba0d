/**
 * A copy of `s` that shares no memory with the text it was cut from. V8 keeps a substring of a long string as a
 * view into the whole ("sliced string"), so a UID or title kept after its item is dropped (in a report, a plan
 * outline) would keep the item's whole raw text alive. Short strings are always copied. An ASCII string (hrefs,
 * ETags, most UIDs) is copied through its bytes into a flat string of its own; another one is concatenated, then
 * sliced, which makes V8 build a fresh flat string first (kept behind a small view: 32 bytes more per string).
 */
export function ownString(s: string): string {
  if (s.length < 13) return s;
  return Buffer.byteLength(s, 'utf8') === s.length ? Buffer.from(s, 'latin1').toString('latin1') : (' ' + s).slice(1);
}
