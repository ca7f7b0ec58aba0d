/** "Did you mean …" suggestions and readable value lists for hints. */

/** Edit distance between two strings (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The candidate closest to `word` (case-insensitive), if it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDistance) { best = c; bestDistance = d; }
  }
  const limit = Math.max(1, Math.floor(word.length / 3));
  return best !== undefined && bestDistance <= limit ? best : undefined;
}

/** `one of: a, b, c` (or another label). */
export function oneOf(values: readonly unknown[], label = 'one of'): string {
  return `${label}: ${values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}`;
}

/** `did you mean "x"? one of: …` or just `one of: …` (or `noneText` when the list is empty). */
export function suggestion(word: unknown, candidates: readonly string[], noneText = 'none defined', label = 'one of'): string {
  if (candidates.length === 0) return noneText;
  const near = typeof word === 'string' ? closest(word, candidates) : undefined;
  const list = oneOf(candidates, label);
  return near !== undefined && near !== word ? `did you mean "${near}"? ${list}` : list;
}
