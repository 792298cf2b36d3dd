/**
 * Logits processors and warpers, composable in a list as in transformers.js `src/generation/logits_process.js` and
 * Hugging Face transformers `LogitsProcessorList`. Each works in place on one row of logits (length = vocab size);
 * filtering warpers set removed entries to -Infinity. All are O(vocab) per row: no full-vocabulary sort (top-p sorts
 * only the tokens above a probability threshold), so a 150k vocabulary costs well under a millisecond per row.
 */

/** What a processor may look at besides the logits of a row. */
export interface RowView {
  /** Candidate index (0..N-1 within its prompt). */
  readonly index: number;
  readonly promptIds: readonly number[];
  readonly generatedIds: readonly number[];
}

export interface LogitsProcessor {
  readonly name: string;
  process(logits: Float32Array, row: RowView): void;
}

/** Keskar et al. 2019 (CTRL) repetition penalty, as HF applies it: divide positive logits, multiply negative ones. */
export class RepetitionPenaltyProcessor implements LogitsProcessor {
  readonly name = 'repetition_penalty';
  constructor(private readonly penalty: number, private readonly includePrompt = true) {
    if (!(penalty > 0)) throw new RangeError('repetition penalty must be > 0');
  }
  process(logits: Float32Array, row: RowView): void {
    if (this.penalty === 1) return;
    const seen = new Set<number>(row.generatedIds);
    if (this.includePrompt) for (const t of row.promptIds) seen.add(t);
    for (const t of seen) {
      if (t < 0 || t >= logits.length) continue;
      const v = logits[t]!;
      logits[t] = v > 0 ? v / this.penalty : v * this.penalty;
    }
  }
}

export class TemperatureWarper implements LogitsProcessor {
  readonly name = 'temperature';
  constructor(private readonly temperature: number) {
    if (!(temperature > 0)) throw new RangeError('temperature must be > 0 (use greedy decoding for 0)');
  }
  process(logits: Float32Array): void {
    if (this.temperature === 1) return;
    const inv = 1 / this.temperature;
    for (let i = 0; i < logits.length; i++) logits[i]! *= inv;
  }
}

/** Keeps the k largest logits (ties at the k-th value are kept). */
export class TopKWarper implements LogitsProcessor {
  readonly name = 'top_k';
  private scratch = new Float32Array(0);
  constructor(private readonly k: number) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError('top-k must be an integer >= 1');
  }
  process(logits: Float32Array): void {
    if (this.k >= logits.length) return;
    if (this.scratch.length !== logits.length) this.scratch = new Float32Array(logits.length);
    this.scratch.set(logits);
    const kth = quickselectDesc(this.scratch, this.k - 1);
    for (let i = 0; i < logits.length; i++) if (logits[i]! < kth) logits[i] = -Infinity;
  }
}

/**
 * Nucleus sampling (Holtzman et al. 2020): keep the smallest set of most probable tokens whose probability sums to
 * at least p. Exact without sorting the vocabulary: tokens are binned by log-probability below the maximum, whole
 * bins are taken from the top while their mass stays under p, and only the bin where the mass crosses p is sorted.
 */
export class TopPWarper implements LogitsProcessor {
  readonly name = 'top_p';
  private static readonly BINS = 512;
  private static readonly SPAN = 32; // nats below the max covered by the bins; the rest share the last bin
  private exps = new Float64Array(0);
  private bins = new Uint16Array(0);
  constructor(private readonly p: number, private readonly minTokensToKeep = 1) {
    if (!(p > 0 && p <= 1)) throw new RangeError('top-p must be in (0, 1]');
  }
  process(logits: Float32Array): void {
    if (this.p >= 1) return;
    const V = logits.length;
    const NB = TopPWarper.BINS;
    if (this.exps.length !== V) {
      this.exps = new Float64Array(V);
      this.bins = new Uint16Array(V);
    }
    const { exps, bins } = this;
    let max = -Infinity;
    for (let i = 0; i < V; i++) if (logits[i]! > max) max = logits[i]!;
    const scale = NB / TopPWarper.SPAN;
    const mass = new Float64Array(NB + 1);
    const count = new Uint32Array(NB + 1);
    let z = 0;
    for (let i = 0; i < V; i++) {
      const l = logits[i]!;
      const e = l === -Infinity ? 0 : Math.exp(l - max);
      exps[i] = e;
      z += e;
      const b = l === -Infinity ? NB : Math.min(NB - 1, Math.floor((max - l) * scale));
      bins[i] = b;
      mass[b]! += e;
      count[b]!++;
    }
    const target = this.p * z;
    let cum = 0;
    let kept = 0;
    let boundary = NB;
    for (let b = 0; b < NB; b++) {
      if (cum + mass[b]! >= target && kept + count[b]! >= this.minTokensToKeep) {
        boundary = b;
        break;
      }
      cum += mass[b]!;
      kept += count[b]!;
    }
    // inside the boundary bin: most probable first, ties to the lower id (a stable sort, as torch.sort is used by HF)
    const members: number[] = [];
    for (let i = 0; i < V; i++) if (bins[i] === boundary) members.push(i);
    members.sort((a, b) => exps[b]! - exps[a]! || a - b);
    let cut = members.length;
    for (let j = 0; j < members.length; j++) {
      cum += exps[members[j]!]!;
      if (cum >= target && kept + j + 1 >= this.minTokensToKeep) {
        cut = j + 1;
        break;
      }
    }
    const lastKept = new Set(members.slice(0, cut));
    for (let i = 0; i < V; i++) {
      const b = bins[i]!;
      if (b > boundary || (b === boundary && !lastKept.has(i))) logits[i] = -Infinity;
    }
  }
}

/** min-p sampling (Nguyen et al. 2024): drop tokens whose probability is below minP times the top probability. */
export class MinPWarper implements LogitsProcessor {
  readonly name = 'min_p';
  constructor(private readonly minP: number) {
    if (!(minP >= 0 && minP <= 1)) throw new RangeError('min-p must be in [0, 1]');
  }
  process(logits: Float32Array): void {
    if (this.minP <= 0) return;
    let max = -Infinity;
    for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
    // p_i / p_max = exp(l_i - l_max) < minP  <=>  l_i < l_max + ln(minP)
    const cut = max + Math.log(this.minP);
    for (let i = 0; i < logits.length; i++) if (logits[i]! < cut) logits[i] = -Infinity;
  }
}

/** Applies processors in order. */
export class LogitsProcessorList implements LogitsProcessor {
  readonly name = 'list';
  constructor(readonly processors: LogitsProcessor[] = []) {}
  push(p: LogitsProcessor): this {
    this.processors.push(p);
    return this;
  }
  process(logits: Float32Array, row: RowView): void {
    for (const p of this.processors) p.process(logits, row);
  }
}

export interface SamplingSettings {
  temperature: number;
  topP?: number;
  topK?: number;
  minP?: number;
  repetitionPenalty?: number;
}

/** The Hugging Face order: repetition penalty, then temperature, top-k, top-p, min-p. */
export function processorsFor(s: SamplingSettings): LogitsProcessorList {
  const list = new LogitsProcessorList();
  if (s.repetitionPenalty !== undefined && s.repetitionPenalty !== 1) list.push(new RepetitionPenaltyProcessor(s.repetitionPenalty));
  if (s.temperature > 0) {
    list.push(new TemperatureWarper(s.temperature));
    if (s.topK !== undefined && s.topK > 0) list.push(new TopKWarper(s.topK));
    if (s.topP !== undefined && s.topP < 1) list.push(new TopPWarper(s.topP));
    if (s.minP !== undefined && s.minP > 0) list.push(new MinPWarper(s.minP));
  }
  return list;
}

let probsScratch = new Float64Array(0);
/** Softmax of a row into a shared scratch buffer (valid until the next call). */
export function softmaxInto(logits: Float32Array): { probs: Float64Array; max: number } {
  if (probsScratch.length !== logits.length) probsScratch = new Float64Array(logits.length);
  const probs = probsScratch;
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  let z = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp(logits[i]! - max);
    probs[i] = e;
    z += e;
  }
  for (let i = 0; i < logits.length; i++) probs[i]! /= z;
  return { probs, max };
}

/** log(sum(exp(row))) in one stable pass pair. */
export function logSumExp(logits: Float32Array, offset = 0, length = logits.length - offset): number {
  let max = -Infinity;
  for (let i = 0; i < length; i++) if (logits[offset + i]! > max) max = logits[offset + i]!;
  if (max === -Infinity) return -Infinity;
  let z = 0;
  for (let i = 0; i < length; i++) z += Math.exp(logits[offset + i]! - max);
  return max + Math.log(z);
}

/** k-th largest value (0-based) by quickselect; reorders `a`. */
export function quickselectDesc(a: Float32Array, k: number): number {
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
