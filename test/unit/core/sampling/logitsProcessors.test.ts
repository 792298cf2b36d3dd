import * as assert from 'assert';
import { MinPWarper, RepetitionPenaltyProcessor, TemperatureWarper, TopKWarper, TopPWarper, processorsFor, logSumExp } from '../../../../src/core/sampling/logitsProcessors';
import { mulberry32 } from '../../../../src/core/sampling/rng';

const row = { index: 0, promptIds: [] as number[], generatedIds: [] as number[] };
const kept = (l: Float32Array) => [...l.keys()].filter((i) => l[i] !== -Infinity);

/** Reference nucleus by a full sort, as HF's TopPLogitsWarper does it. */
function refTopP(logits: number[], p: number): number[] {
  const m = logits.reduce((a, b) => Math.max(a, b), -Infinity);
  const e = logits.map((x) => Math.exp(x - m));
  const z = e.reduce((a, b) => a + b, 0);
  const order = [...logits.keys()].sort((a, b) => e[b]! - e[a]! || a - b);
  const out: number[] = [];
  let cum = 0;
  for (const i of order) {
    out.push(i);
    cum += e[i]! / z;
    if (cum >= p) break;
  }
  return out.sort((a, b) => a - b);
}

describe('logits processors', () => {
  it('temperature divides logits', () => {
    const l = Float32Array.from([1, 2, -4]);
    new TemperatureWarper(0.5).process(l);
    assert.deepStrictEqual([...l], [2, 4, -8]);
  });

  it('top-k keeps the k largest', () => {
    const l = Float32Array.from([0.1, 5, 3, -1, 4]);
    new TopKWarper(2).process(l);
    assert.deepStrictEqual(kept(l), [1, 4]);
  });

  it('top-p matches a full-sort reference on random rows, large and small vocabularies', () => {
    const rnd = mulberry32(7);
    for (const V of [5, 50, 5000, 151936]) {
      for (const p of V > 10000 ? [0.9] : [0.1, 0.5, 0.9, 0.95, 0.999]) {
        const base = Array.from({ length: V }, () => (rnd() - 0.5) * (V > 1000 ? 20 : 6));
        const l = Float32Array.from(base);
        new TopPWarper(p).process(l);
        assert.deepStrictEqual(kept(l), refTopP(Array.from(Float32Array.from(base)), p), `V=${V} p=${p}`);
      }
    }
  });

  it('min-p drops tokens below minP * p_max', () => {
    const l = Float32Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)]);
    new MinPWarper(0.2).process(l); // threshold 0.1
    assert.deepStrictEqual(kept(l), [0, 1, 2]);
  });

  it('repetition penalty divides positive and multiplies negative logits of seen tokens', () => {
    const l = Float32Array.from([2, -2, 2, 1]);
    new RepetitionPenaltyProcessor(2).process(l, { index: 0, promptIds: [0], generatedIds: [1, 1] });
    assert.deepStrictEqual([...l], [1, -4, 2, 1]);
  });

  it('processorsFor follows the HF order and skips no-op settings', () => {
    assert.deepStrictEqual(processorsFor({ temperature: 0.7, topP: 0.9, topK: 20, minP: 0.05, repetitionPenalty: 1.1 }).processors.map((p) => p.name),
      ['repetition_penalty', 'temperature', 'top_k', 'top_p', 'min_p']);
    assert.deepStrictEqual(processorsFor({ temperature: 0, topP: 0.9 }).processors.map((p) => p.name), []);
    assert.deepStrictEqual(processorsFor({ temperature: 1, topP: 1 }).processors.map((p) => p.name), ['temperature']);
    void row;
  });

  it('logSumExp is stable', () => {
    assert.ok(Math.abs(logSumExp(Float32Array.from([1000, 1000])) - (1000 + Math.log(2))) < 1e-9);
  });
});
