/** Jaccard index |A ∩ B| / |A ∪ B| of two collections taken as sets; null when both are empty (nothing to compare). */
export function jaccard<T>(a: Iterable<T>, b: Iterable<T>): number | null {
  const A = a instanceof Set ? (a as Set<T>) : new Set(a);
  const B = b instanceof Set ? (b as Set<T>) : new Set(b);
  if (A.size === 0 && B.size === 0) return null;
  let inter = 0;
  for (const x of A) if (B.has(x)) inter++;
  return inter / (A.size + B.size - inter);
}
