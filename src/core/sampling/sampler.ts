/** Picks the next token from a processed row of logits. */
import type { Rng } from './rng';

export interface Sampler {
  sample(logits: Float32Array, rng: Rng): number;
}

/** Argmax; ties go to the lowest id, as torch.argmax does. */
export class GreedySampler implements Sampler {
  sample(logits: Float32Array): number {
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
    return best;
  }
}

/** Draws from softmax(logits); entries at -Infinity (filtered) cost one comparison each. */
export class MultinomialSampler implements Sampler {
  private idx = new Int32Array(0);
  private w = new Float64Array(0);
  sample(logits: Float32Array, rng: Rng): number {
    const V = logits.length;
    if (this.idx.length !== V) {
      this.idx = new Int32Array(V);
      this.w = new Float64Array(V);
    }
    let max = -Infinity;
    for (let i = 0; i < V; i++) if (logits[i]! > max) max = logits[i]!;
    if (max === -Infinity) throw new RangeError('every token was filtered out');
    let k = 0;
    let z = 0;
    for (let i = 0; i < V; i++) {
      const l = logits[i]!;
      if (l === -Infinity) continue;
      const e = Math.exp(l - max);
      this.idx[k] = i;
      this.w[k++] = e;
      z += e;
    }
    let r = rng() * z;
    for (let j = 0; j < k; j++) {
      r -= this.w[j]!;
      if (r <= 0) return this.idx[j]!;
    }
    return this.idx[k - 1]!; // rounding left a sliver of mass: the last kept token
  }
}
