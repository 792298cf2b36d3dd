/** Seeded pseudo-random numbers for reproducible sampling (no Math.random anywhere in generation). */
export type Rng = () => number;

/** mulberry32: 32-bit state, uniform in [0, 1). Small, fast and good enough for sampling from a categorical. */
export function mulberry32(seed: number): Rng {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One independent stream per candidate, derived from (seed, candidate index) with a splitmix-style hash, so
 * candidate i is the same whatever N is and whenever the other rows finish.
 */
export function rowRng(seed: number, row: number): Rng {
  let h = (seed ^ Math.imul(row + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return mulberry32((h ^ (h >>> 16)) >>> 0);
}
