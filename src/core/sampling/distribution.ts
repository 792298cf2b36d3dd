/**
 * The sampler's distribution for one row of logits, built once and then sampled, queried (p(x) for speculative
 * acceptance) or sampled with one token removed (speculative rejection).
 *
 * Fast path for the standard settings (repetition penalty, temperature, top-k, top-p, min-p; no extra processors): one max pass and one exp pass over the vocabulary, instead of a copy, a temperature pass, top-p's
 * binning pass and the multinomial's own exp pass. It keeps the processors' arithmetic (tempered logits rounded to
 * float32 as TemperatureWarper writes them, weights exp(l - max) summed in id order as MultinomialSampler does), so
 * with the same RNG it draws the same token as processorsFor(...) + MultinomialSampler (up to the far tail: see FAR);
 * a test checks that.
 * The same passes also sum the raw logits' log-sum-exp (each sampled token's log-prob needs it): one exp pass fewer
 * per row at temperature 1, one max pass and one loop fewer otherwise.
 * Tokens far below the top (see FAR) skip their exp. Top-p bins tokens by log-weight in the same pass and sorts only the bin where the mass crosses p, with
 * TopPWarper's bins and sums, so it keeps the same set.
 */
import { quickselectDesc, type LogitsProcessorList, type RowView, type SamplingSettings } from './logitsProcessors';
import type { Rng } from './rng';
import type { Sampler } from './sampler';

export interface Distribution {
  /** Draws a token (the argmax when greedy). */
  sample(rng: Rng): number;
  /** Probability of `tok` under the processed distribution. */
  prob(tok: number): number;
  /** Draws from the distribution with `tok` removed and the rest renormalised (needs prob(tok) < 1). */
  sampleExcluding(tok: number, rng: Rng): number;
  /**
   * rowLogSumExp of the raw logits the distribution was built from, when the build computed it on the way (the fast
   * path: bit for bit what rowLogSumExp returns); undefined otherwise.
   */
  readonly rawLogSumExp?: number;
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
  constructor(private readonly ids: Int32Array | null, private readonly w: Float64Array, private readonly n: number, private readonly z: number, readonly rawLogSumExp?: number) {}
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
  private bins = new Uint16Array(0);
  private readonly mass = new Float64Array(BINS + 1);
  private readonly count = new Uint32Array(BINS + 1);
  private readonly fast: boolean;
  private readonly penalty: number | null;

  /**
   * @param processors the full list (used on the slow path)
   * @param sampler a custom sampler forces the slow path and plain sampling (no speculative queries)
   */
  constructor(private readonly s: SamplingSettings, private readonly processors: LogitsProcessorList, private readonly extraProcessors: number, readonly sampler?: Sampler) {
    this.fast = extraProcessors === 0 && !sampler;
    this.penalty = s.repetitionPenalty !== undefined && s.repetitionPenalty !== 1 ? s.repetitionPenalty : null;
  }

  private ensure(V: number): void {
    if (this.e.length < V) {
      this.e = new Float64Array(V);
      this.lt = new Float32Array(V);
      this.sel = new Float32Array(V);
      this.bins = new Uint16Array(V);
    }
  }

  /** The processed distribution of logits[offset, offset + V); valid until the next build (it shares scratch). */
  build(logits: Float32Array, offset: number, V: number, row: RowView): Distribution {
    if (this.s.temperature <= 0 && this.fast && this.penalty === null) return new PointMass(argmax(logits, offset, V));
    return this.fast ? this.buildFast(logits, offset, V, row) : this.buildSlow(logits, offset, V, row);
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
    const w = this.e;
    let z = 0;
    for (let i = 0; i < V; i++) {
      const l = x[i]!;
      w[i] = 0;
      if (l === -Infinity) continue;
      const e = Math.exp(l - max);
      w[i] = e;
      z += e;
    }
    return new Kept(null, w, V, z);
  }

  private buildFast(logits: Float32Array, offset: number, V: number, row: RowView): Distribution {
    this.ensure(V);
    const { e, lt, bins } = this;
    const greedy = this.s.temperature <= 0;
    const T = greedy ? 1 : this.s.temperature;
    const inv = 1 / T;
    // tempered logits exactly as TemperatureWarper leaves them (float32), and their max; the raw max too (for the
    // raw log-sum-exp that every sampled token's log-prob needs, computed in the exp pass below)
    let maxT = -Infinity;
    let maxRaw = -Infinity;
    if (T === 1) {
      for (let i = 0; i < V; i++) {
        const v = logits[offset + i]!;
        lt[i] = v;
        if (v > maxT) maxT = v;
      }
      maxRaw = maxT;
    } else {
      for (let i = 0; i < V; i++) {
        const r = logits[offset + i]!;
        const v = Math.fround(r * inv);
        lt[i] = v;
        if (v > maxT) maxT = v;
        if (r > maxRaw) maxRaw = r;
      }
    }
    if (this.penalty !== null) {
      // RepetitionPenaltyProcessor on the seen tokens (in float32, as it writes them), then the temperature
      const pen = this.penalty;
      const seen = new Set<number>(row.generatedIds);
      for (const t of row.promptIds) seen.add(t);
      let hitMax = false;
      for (const t of seen) {
        if (t < 0 || t >= V) continue;
        const v = logits[offset + t]!;
        const pv = Math.fround(v > 0 ? v / pen : v * pen);
        if (lt[t] === maxT) hitMax = true;
        lt[t] = T === 1 ? pv : Math.fround(pv * inv);
      }
      if (hitMax || pen < 1) {
        // the max was penalised (or a penalty below 1 raised a seen token): find it again
        maxT = -Infinity;
        for (let i = 0; i < V; i++) if (lt[i]! > maxT) maxT = lt[i]!;
      }
    }
    if (greedy) return new PointMass(argmax(lt, 0, V));
    if (maxT === -Infinity) throw new RangeError('every token was filtered out');
    // top-k: the k-th largest tempered logit; ties at it are kept (TopKWarper)
    let floor = -Infinity;
    const k = this.s.topK;
    if (k !== undefined && k > 0 && k < V) {
      const sel = this.sel.subarray(0, V);
      sel.set(lt.subarray(0, V));
      floor = quickselectDesc(sel, k - 1);
    }
    // one exp pass: weights, their sum, and (for top-p) TopPWarper's bins by log-weight below the max
    const p = this.s.topP;
    const topP = p !== undefined && p < 1;
    const NB = BINS;
    const scale = NB / SPAN;
    const mass = this.mass.fill(0);
    const count = this.count.fill(0);
    let z = 0;
    const far = maxT - FAR;
    // The raw log-sum-exp, summed in id order with rowLogSumExp's skip rule so it is the same number. When the
    // tempered logits are the raw ones (T = 1, no penalty), the weights below are its terms: no second exp.
    const sameRaw = T === 1 && this.penalty === null;
    const farRaw = maxRaw - FAR;
    let zr = 0;
    for (let i = 0; i < V; i++) {
      const l = lt[i]!;
      if (!sameRaw) {
        const r = logits[offset + i]!;
        if (r >= farRaw) zr += Math.exp(r - maxRaw);
      }
      if (l < floor || l === -Infinity) {
        if (sameRaw && l >= far) zr += Math.exp(l - maxT);
        e[i] = 0;
        bins[i] = NB;
        continue;
      }
      if (l < far) {
        // weight below e^-40 (4e-18): not worth an exp; it stays in the last bin with no mass
        e[i] = 0;
        if (topP) {
          bins[i] = NB - 1;
          count[NB - 1]!++;
        }
        continue;
      }
      const w = Math.exp(l - maxT);
      e[i] = w;
      z += w;
      if (sameRaw) zr += w;
      if (topP) {
        const f = (maxT - l) * scale; // >= 0: truncation is Math.floor
        const b = f < NB - 1 ? f | 0 : NB - 1;
        bins[i] = b;
        mass[b]! += w;
        count[b]!++;
      }
    }
    const rawLse = maxRaw === -Infinity ? -Infinity : maxRaw + Math.log(zr);
    let changed = false;
    if (topP) {
      // whole bins from the top while their mass stays under p, then the boundary bin sorted (as TopPWarper)
      const target = p * z;
      let cum = 0;
      let kept = 0;
      let boundary = NB;
      for (let b = 0; b < NB; b++) {
        if (cum + mass[b]! >= target && kept + count[b]! >= 1) {
          boundary = b;
          break;
        }
        cum += mass[b]!;
        kept += count[b]!;
      }
      let members: number[] = [];
      for (let i = 0; i < V; i++) if (bins[i] === boundary) members.push(i);
      // A flat row (random weights, high temperature) puts most of the vocabulary in one bin: narrow it down with
      // finer bins over its members' own range before sorting, so no row sorts tens of thousands of tokens.
      while (members.length > 64) {
        let dmin = Infinity;
        let dmax = -Infinity;
        for (const m of members) {
          const d = maxT - lt[m]!;
          if (d < dmin) dmin = d;
          if (d > dmax) dmax = d;
        }
        if (!(dmax > dmin)) break; // all equal: id order is already the sorted order
        const SB = 256;
        const sc = SB / (dmax - dmin);
        const smass = new Float64Array(SB);
        for (const m of members) {
          const f = (maxT - lt[m]! - dmin) * sc;
          smass[f < SB - 1 ? f | 0 : SB - 1]! += e[m]!;
        }
        let sb = SB - 1;
        for (let j = 0; j < SB; j++) {
          if (cum + smass[j]! >= target) {
            sb = j;
            break;
          }
          cum += smass[j]!;
        }
        const next: number[] = [];
        for (const m of members) {
          const f = (maxT - lt[m]! - dmin) * sc;
          const j = f < SB - 1 ? f | 0 : SB - 1;
          if (j === sb) next.push(m);
          else if (j > sb) e[m] = 0;
        }
        if (next.length === members.length) break;
        members = next;
      }
      members.sort((a, b) => e[b]! - e[a]! || a - b);
      let cut = members.length;
      for (let j = 0; j < members.length; j++) {
        cum += e[members[j]!]!;
        if (cum >= target && kept + j + 1 >= 1) {
          cut = j + 1;
          break;
        }
      }
      for (let j = cut; j < members.length; j++) e[members[j]!] = 0;
      changed = true;
      const minP = this.s.minP;
      // MinPWarper: p_i / p_max < minP  <=>  l_i < l_max + ln(minP) (the max survives top-k and top-p)
      const cutP = minP !== undefined && minP > 0 ? maxT + Math.log(minP) : -Infinity;
      z = 0;
      for (let i = 0; i < V; i++) {
        if (bins[i]! > boundary || lt[i]! < cutP) e[i] = 0;
        else z += e[i]!; // in id order, as MultinomialSampler sums
      }
      return new Kept(null, e, V, z, rawLse);
    }
    const minP = this.s.minP;
    if (minP !== undefined && minP > 0) {
      const cut = maxT + Math.log(minP);
      for (let i = 0; i < V; i++) if (lt[i]! < cut) e[i] = 0;
      changed = true;
    }
    if (changed) {
      z = 0;
      for (let i = 0; i < V; i++) z += e[i]!;
    }
    return new Kept(null, e, V, z, rawLse);
  }
}

/**
 * Tokens more than FAR nats below the top get weight 0 instead of exp(-FAR) or less: with a vocabulary under 2^22
 * their total is below 2e-11 of the mass. Trained models put most of the vocabulary there, so most exps are skipped.
 */
const FAR = 40;

/** log-sum-exp of logits[offset, offset + V), skipping the exps of entries FAR below the max (see FAR). */
export function rowLogSumExp(logits: Float32Array, offset: number, V: number): number {
  let max = -Infinity;
  for (let i = 0; i < V; i++) if (logits[offset + i]! > max) max = logits[offset + i]!;
  if (max === -Infinity) return -Infinity;
  const far = max - FAR;
  let z = 0;
  for (let i = 0; i < V; i++) {
    const l = logits[offset + i]!;
    if (l >= far) z += Math.exp(l - max);
  }
  return max + Math.log(z);
}

const BINS = 512;
const SPAN = 32; // nats below the max covered by the bins (TopPWarper's constants)

