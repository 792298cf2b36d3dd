/**
 * The sampler's distribution for one row of logits, built once and then sampled, queried (p(x) for speculative
 * acceptance) or sampled with one token removed (speculative rejection).
 *
 * Fast path for the standard settings (temperature, top-k, top-p, min-p, no repetition penalty or extra
 * processors): one max pass and one exp pass over the vocabulary, instead of a copy, a temperature pass, top-p's
 * binning pass and the multinomial's own exp pass. It keeps the processors' arithmetic (tempered logits rounded to
 * float32 as TemperatureWarper writes them, weights exp(l - max) summed in id order as MultinomialSampler does), so
 * with the same RNG it draws the same token as processorsFor(...) + MultinomialSampler; a test checks that.
 * Top-p only looks at tokens whose probability can matter: if n tokens remain, every token below (1 - p) / n of
 * the mass is outside the nucleus (together they hold less than 1 - p), so only the others are sorted.
 */
import type { LogitsProcessorList, RowView, SamplingSettings } from './logitsProcessors';
import type { Rng } from './rng';
import type { Sampler } from './sampler';

export interface Distribution {
  /** Draws a token (the argmax when greedy). */
  sample(rng: Rng): number;
  /** Probability of `tok` under the processed distribution. */
  prob(tok: number): number;
  /** Draws from the distribution with `tok` removed and the rest renormalised (needs prob(tok) < 1). */
  sampleExcluding(tok: number, rng: Rng): number;
}

/** Greedy: a point mass on the argmax (lowest id on ties, as torch.argmax). */
export class PointMass implements Distribution {
  constructor(readonly token: number) {}
  sample(): number {
    return this.token;
  }
  prob(tok: number): number {
    return tok === this.token ? 1 : 0;
  }
  sampleExcluding(): number {
    return this.token;
  }
}

export function argmax(logits: Float32Array, offset = 0, length = logits.length - offset): number {
  let best = 0;
  let bv = -Infinity;
  for (let i = 0; i < length; i++) {
    const v = logits[offset + i]!;
    if (v > bv) {
      bv = v;
      best = i;
    }
  }
  return best;
}

/** Kept tokens in ascending id order with their weights exp(l - max); `ids` null means every id 0..n-1. */
class Kept implements Distribution {
  constructor(private readonly ids: Int32Array | null, private readonly w: Float64Array, private readonly n: number, private readonly z: number) {}
  private id(j: number): number {
    return this.ids ? this.ids[j]! : j;
  }
  sample(rng: Rng): number {
    let r = rng() * this.z;
    for (let j = 0; j < this.n; j++) {
      const wj = this.w[j]!;
      if (wj === 0) continue;
      r -= wj;
      if (r <= 0) return this.id(j);
    }
    return this.last();
  }
  private last(): number {
    for (let j = this.n - 1; j >= 0; j--) if (this.w[j]! > 0) return this.id(j);
    return this.id(this.n - 1);
  }
  private weightOf(tok: number): number {
    if (!this.ids) return tok >= 0 && tok < this.n ? this.w[tok]! : 0;
    let lo = 0;
    let hi = this.n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.ids[mid]!;
      if (v === tok) return this.w[mid]!;
      if (v < tok) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }
  prob(tok: number): number {
    return this.weightOf(tok) / this.z;
  }
  sampleExcluding(tok: number, rng: Rng): number {
    const z = this.z - this.weightOf(tok);
    if (!(z > 0)) return tok;
    let r = rng() * z;
    let lastOther = -1;
    for (let j = 0; j < this.n; j++) {
      const id = this.id(j);
      const wj = this.w[j]!;
      if (id === tok || wj === 0) continue;
      lastOther = id;
      r -= wj;
      if (r <= 0) return id;
    }
    return lastOther;
  }
}

/** Scratch buffers reused across rows and steps (one builder per generation). */
export class DistributionBuilder {
  private e = new Float64Array(0);
  private lt = new Float32Array(0);
  private sel = new Float32Array(0);
  private cand = new Int32Array(0);
  private readonly fast: boolean;

  /**
   * @param processors the full list (used on the slow path)
   * @param sampler a custom sampler forces the slow path and plain sampling (no speculative queries)
   */
  constructor(private readonly s: SamplingSettings, private readonly processors: LogitsProcessorList, private readonly extraProcessors: number, readonly sampler?: Sampler) {
    this.fast = extraProcessors === 0 && !sampler && (s.repetitionPenalty === undefined || s.repetitionPenalty === 1);
  }

  private ensure(V: number): void {
    if (this.e.length < V) {
      this.e = new Float64Array(V);
      this.lt = new Float32Array(V);
      this.sel = new Float32Array(V);
      this.cand = new Int32Array(V);
    }
  }

  /** The processed distribution of logits[offset, offset + V). */
  build(logits: Float32Array, offset: number, V: number, row: RowView): Distribution {
    if (this.s.temperature <= 0 && this.fast) return new PointMass(argmax(logits, offset, V));
    return this.fast ? this.buildFast(logits, offset, V) : this.buildSlow(logits, offset, V, row);
  }

  private buildSlow(logits: Float32Array, offset: number, V: number, row: RowView): Distribution {
    this.ensure(V);
    const x = this.lt.subarray(0, V);
    x.set(logits.subarray(offset, offset + V));
    this.processors.process(x, row);
    if (this.sampler) {
      const sampler = this.sampler;
      const copy = Float32Array.from(x);
      const tok = { v: -1 };
      // A custom sampler only samples: speculative decoding is off for it (see generate()).
      return { sample: (rng) => (tok.v = sampler.sample(copy, rng)), prob: (t) => (t === tok.v ? 1 : 0), sampleExcluding: (_t, rng) => sampler.sample(copy, rng) };
    }
    if (this.s.temperature <= 0) return new PointMass(argmax(x, 0, V));
    let max = -Infinity;
    for (let i = 0; i < V; i++) if (x[i]! > max) max = x[i]!;
    if (max === -Infinity) throw new RangeError('every token was filtered out');
    const w = new Float64Array(V);
    let z = 0;
    for (let i = 0; i < V; i++) {
      const l = x[i]!;
      if (l === -Infinity) continue;
      const e = Math.exp(l - max);
      w[i] = e;
      z += e;
    }
    return new Kept(null, w, V, z);
  }

  private buildFast(logits: Float32Array, offset: number, V: number): Distribution {
    this.ensure(V);
    const { e, lt } = this;
    const T = this.s.temperature;
    const inv = 1 / T;
    // tempered logits exactly as TemperatureWarper leaves them (float32), and their max
    let maxT = -Infinity;
    if (T === 1) {
      for (let i = 0; i < V; i++) {
        const v = logits[offset + i]!;
        lt[i] = v;
        if (v > maxT) maxT = v;
      }
    } else {
      for (let i = 0; i < V; i++) {
        const v = Math.fround(logits[offset + i]! * inv);
        lt[i] = v;
        if (v > maxT) maxT = v;
      }
    }
    if (maxT === -Infinity) throw new RangeError('every token was filtered out');
    // top-k: the k-th largest tempered logit; ties at it are kept (TopKWarper)
    let floor = -Infinity;
    const k = this.s.topK;
    if (k !== undefined && k > 0 && k < V) {
      const sel = this.sel.subarray(0, V);
      sel.set(lt.subarray(0, V));
      floor = quickselectDesc(sel, k - 1);
    }
    let z = 0;
    let n = 0;
    for (let i = 0; i < V; i++) {
      const l = lt[i]!;
      if (l < floor || l === -Infinity) {
        e[i] = 0;
        continue;
      }
      const w = Math.exp(l - maxT);
      e[i] = w;
      z += w;
      n++;
    }
    const p = this.s.topP;
    const minP = this.s.minP;
    const hasMinP = minP !== undefined && minP > 0;
    if ((p === undefined || p >= 1) && !hasMinP) {
      return new Kept(null, e.slice(0, V), V, z);
    }
    // top-p over the survivors: only tokens at or above (1 - p) / n of the mass can be in the nucleus (half that, for
    // rounding)
    const cand = this.cand;
    if (p !== undefined && p < 1) {
      const thr = (0.5 * (1 - p) * z) / n;
      let m = 0;
      for (let i = 0; i < V; i++) if (e[i]! >= thr && e[i]! > 0) cand[m++] = i;
      const c = Array.from(cand.subarray(0, m)).sort((a, b) => e[b]! - e[a]! || a - b);
      const target = p * z;
      let cum = 0;
      let cut = c.length;
      for (let j = 0; j < c.length; j++) {
        cum += e[c[j]!]!;
        if (cum >= target) {
          cut = j + 1;
          break;
        }
      }
      // ties with the last kept token are dropped if they sort after it (TopPWarper keeps a stable prefix)
      const kept = c.slice(0, cut).sort((a, b) => a - b);
      const ids = Int32Array.from(kept);
      let w = Float64Array.from(kept, (i) => e[i]!);
      let ids2 = ids;
      if (hasMinP) {
        const cut2 = maxT + Math.log(minP!);
        const keepIdx: number[] = [];
        for (let j = 0; j < ids.length; j++) if (!(lt[ids[j]!]! < cut2)) keepIdx.push(j);
        ids2 = Int32Array.from(keepIdx, (j) => ids[j]!);
        w = Float64Array.from(keepIdx, (j) => w[j]!);
      }
      let zk = 0;
      for (let j = 0; j < w.length; j++) zk += w[j]!;
      return new Kept(ids2, w, ids2.length, zk);
    }
    // min-p only
    const cut2 = maxT + Math.log(minP!);
    const ids: number[] = [];
    for (let i = 0; i < V; i++) if (e[i]! > 0 && !(lt[i]! < cut2)) ids.push(i);
    const w = Float64Array.from(ids, (i) => e[i]!);
    let zk = 0;
    for (let j = 0; j < w.length; j++) zk += w[j]!;
    return new Kept(Int32Array.from(ids), w, ids.length, zk);
  }
}

/** k-th largest value (0-based) by quickselect; reorders `a`. */
function quickselectDesc(a: Float32Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! > pivot) i++;
      while (a[j]! < pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}
