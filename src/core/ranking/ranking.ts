import type { Rewards } from './types';

export interface RankOptions {
  /** Reward name -> weight. Rewards without a weight count 0. */
  weights: Record<string, number>;
  /** Rewards that gate the total: when one is not > 0 the total is 0 (ChartSimRL's "code must run"). */
  gate?: string[];
  /** Per-reward minimum. A candidate below any threshold gets total 0 and lists the failed names. */
  thresholds?: Record<string, number>;
  /**
   * Wang et al. 2024, "Transforming and Combining Rewards" (ICML): u_k = log σ(r_k − ref_k) before the weighted sum,
   * with a per-prompt reference ref_k (given, or the group mean of reward k). Summing transformed rewards is the log
   * probability of being good on every property at once, with diminishing returns on already-good outputs.
   */
  transform?: { kind: 'log-sigmoid'; reference: Record<string, number> | 'group-mean' };
}

export interface Scored {
  total: number;
  /** GRPO advantage: (total − group mean) / (group std + 1e-4), std with Bessel's correction (TRL GRPOTrainer). */
  advantage: number;
  /** 1 = best. Ties keep input order (stable). */
  rank: number;
  belowThreshold: string[];
}

export interface RankResult {
  scored: Scored[];
  allEqual: boolean;
}

const ADV_EPS = 1e-4;

/**
 * Reward and weight names come from users (`--weights constructor=2`, request bodies): read them as own properties
 * only, so `constructor`, `toString` or `__proto__` are plain names and never reach Object.prototype.
 */
function ownValue<T>(o: Readonly<Record<string, T>> | undefined, k: string): T | undefined {
  return o !== undefined && Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;
}

/** Sets an own, enumerable data property (also for `__proto__`, which plain assignment would treat as the prototype). */
export function setOwn<T>(o: Record<string, T>, k: string, v: T): void {
  Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
}

function logSigmoid(x: number): number {
  // Numerically stable log(1 / (1 + e^-x)).
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
}

export function weightedTotal(rewards: Rewards, opts: RankOptions, reference?: Record<string, number>): { total: number; belowThreshold: string[] } {
  const belowThreshold: string[] = [];
  for (const [name, min] of Object.entries(opts.thresholds ?? {})) {
    const v = ownValue(rewards, name);
    if (v === null || v === undefined || v < min) belowThreshold.push(name);
  }
  for (const name of opts.gate ?? []) {
    const v = ownValue(rewards, name);
    if (v === null || v === undefined || !(v > 0)) return { total: 0, belowThreshold };
  }
  if (belowThreshold.length > 0) return { total: 0, belowThreshold };
  let total = 0;
  for (const [name, w] of Object.entries(opts.weights)) {
    const v = ownValue(rewards, name);
    if (typeof v !== 'number' || Number.isNaN(v) || typeof w !== 'number' || w === 0) continue;
    total += w * (reference ? logSigmoid(v - (ownValue(reference, name) ?? 0)) : v);
  }
  return { total, belowThreshold };
}

export function groupMeanReference(group: Rewards[]): Record<string, number> {
  const sums = new Map<string, { s: number; n: number }>();
  for (const r of group) {
    for (const [k, v] of Object.entries(r)) {
      if (v === null || Number.isNaN(v)) continue;
      let acc = sums.get(k);
      if (!acc) sums.set(k, (acc = { s: 0, n: 0 }));
      acc.s += v;
      acc.n += 1;
    }
  }
  const ref: Record<string, number> = {};
  for (const [k, { s, n }] of sums) setOwn(ref, k, s / n);
  return ref;
}

/** Mean and sample standard deviation (Bessel's correction, as torch.std in TRL). std of one value is 0. */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const n = xs.length;
  if (n === 0) return { mean: 0, std: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, std: 0 };
  const ss = xs.reduce((a, x) => a + (x - mean) * (x - mean), 0);
  return { mean, std: Math.sqrt(ss / (n - 1)) };
}

export function grpoAdvantages(totals: readonly number[]): number[] {
  const { mean, std } = meanStd(totals);
  return totals.map((t) => (t - mean) / (std + ADV_EPS));
}

/** Scores, ranks and computes GRPO advantages for one group of candidates (one prompt). */
export function rankGroup(group: Rewards[], opts: RankOptions): RankResult {
  const reference = opts.transform
    ? opts.transform.reference === 'group-mean'
      ? groupMeanReference(group)
      : opts.transform.reference
    : undefined;
  const partial = group.map((r) => weightedTotal(r, opts, reference));
  const totals = partial.map((p) => p.total);
  const advantages = grpoAdvantages(totals);
  const order = totals.map((t, i) => ({ t, i })).sort((a, b) => b.t - a.t || a.i - b.i);
  const ranks = new Array<number>(group.length);
  order.forEach(({ i }, pos) => (ranks[i] = pos + 1));
  const allEqual = totals.length > 0 && totals.every((t) => t === totals[0]);
  return {
    scored: partial.map((p, i) => ({ total: p.total, advantage: advantages[i] ?? 0, rank: ranks[i] ?? i + 1, belowThreshold: p.belowThreshold })),
    allEqual,
  };
}

/** Parses "name=w,name2=w2" (the CLI's --weights) into a weight map; throws with the offending item. */
export function parseWeights(spec: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z_][\w.-]*)\s*=\s*(-?(?:\d+\.?\d*|\.\d+)(?:e-?\d+)?)$/i.exec(item);
    if (!m) throw new Error(`bad weight "${item}": expected name=number, e.g. execution_match=3`);
    setOwn(out, m[1]!, Number(m[2]));
  }
  return out;
}

/** Default weights overlaid with user weights (user wins; a weight of 0 switches a reward off). */
export function mergeWeights(defaults: Record<string, number>, user: Record<string, number> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(defaults)) setOwn(out, k, v);
  for (const [k, v] of Object.entries(user ?? {})) setOwn(out, k, v);
  return out;
}
