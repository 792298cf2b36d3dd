/**
 * Prompt-lookup speculative decoding and the sampler's distribution: token-for-token equality with plain decoding at
 * temperature 0, the output distribution at temperature 0.8 (chi-square against the exact one), rows that accept
 * different lengths, and the fast distribution path against processors + MultinomialSampler.
 */
import * as assert from 'assert';
import { generate, type GenerateOptions } from '../../../../src/core/sampling/generate';
import { DistributionBuilder, rowLogSumExp } from '../../../../src/core/sampling/distribution';
import { processorsFor, softmaxInto, type SamplingSettings } from '../../../../src/core/sampling/logitsProcessors';
import { promptLookup } from '../../../../src/core/sampling/promptLookup';
import { mulberry32 } from '../../../../src/core/sampling/rng';
import { GreedySampler, MultinomialSampler } from '../../../../src/core/sampling/sampler';
import { FakeLM, hashScript, type ScriptFn } from './fakeModel';

const row = { index: 0, promptIds: [], generatedIds: [] };

/** Peaked logits that mostly continue a fixed cycle 0,1,...,V-3 (so prompt lookup has something to copy). */
const cycleScript = (V: number, peak = 6): ScriptFn => (h) => {
  const out = new Float32Array(V);
  const last = h[h.length - 1] ?? 0;
  for (let i = 0; i < V; i++) out[i] = Math.sin(i * 1.7 + last * 0.3 + h.length * 0.11);
  out[(last + 1) % (V - 2)]! += peak;
  return out;
};

describe('prompt lookup drafts', () => {
  it('proposes what followed the last n-gram, longest n first, earliest match', () => {
    assert.deepStrictEqual(promptLookup([5, 6, 7, 8, 9, 5, 6], [], 3, 4), [7, 8, 9, 5]);
    assert.deepStrictEqual(promptLookup([1, 2, 3, 4], [2, 3], 3, 2), [4, 2]);
    assert.deepStrictEqual(promptLookup([1, 2, 3], [9], 3, 4), []);
    assert.deepStrictEqual(promptLookup([1, 2, 3], [4], 3, 0), []);
    // n = 1 fallback: only the last token matches (when allowed)
    assert.deepStrictEqual(promptLookup([7, 1, 8, 3], [9, 1], 3, 2), [8, 3]);
    assert.deepStrictEqual(promptLookup([7, 1, 8, 3], [9, 1], 3, 2, undefined, 2), []);
  });

  it('a copy in progress stays on its source', () => {
    const prompt = [1, 2, 3, 4, 9, 2, 3, 5, 6];
    const st = { next: -1 };
    assert.deepStrictEqual(promptLookup(prompt, [9, 2, 3], 2, 2, st), [4, 9]); // earliest "2 3" is at 1
    // the caller kept both drafts and then the source's next token came: continue from the source
    st.next += 3;
    assert.deepStrictEqual(promptLookup(prompt, [9, 2, 3, 4, 9, 2], 2, 2, st), [3, 5]);
  });
});

describe('distribution fast path', () => {
  const settings: SamplingSettings[] = [
    { temperature: 0.8, topP: 0.95 }, { temperature: 1 }, { temperature: 0.7, topK: 20 }, { temperature: 1.3, topP: 0.5, minP: 0.05 },
    { temperature: 0.8, topK: 50, topP: 0.9 }, { temperature: 0.6, minP: 0.1 }, { temperature: 1, topP: 0.999 },
    { temperature: 0.7, topP: 0.8, topK: 20, repetitionPenalty: 1.05 }, { temperature: 1, repetitionPenalty: 1.3 }, { temperature: 0.9, topP: 0.9, repetitionPenalty: 0.8 },
    { temperature: 1, topK: 20 },
  ];
  const seenRow = { index: 0, promptIds: [11, 12, 40, 41, 42], generatedIds: [7, 11, 2999] };
  for (const s of settings) {
    it(`draws exactly what processors + MultinomialSampler draw (${JSON.stringify(s)})`, () => {
      const V = 3000;
      const gen = mulberry32(7);
      const procs = processorsFor(s);
      const fast = new DistributionBuilder(s, processorsFor(s), 0);
      const sampler = new MultinomialSampler();
      for (let t = 0; t < 60; t++) {
        const scale = t % 6 === 5 ? 0.01 : 1 + (t % 5) * 3; // nearly flat (a random-weight model's) to peaked rows
        const logits = Float32Array.from({ length: V }, () => (gen() - 0.5) * scale);
        if (t % 7 === 0) logits[11] = logits[12] = 40; // exact ties at the top
        const ref = Float32Array.from(logits);
        procs.process(ref, seenRow);
        for (let d = 0; d < 5; d++) {
          const seed = t * 31 + d;
          const a = sampler.sample(ref, mulberry32(seed));
          const b = fast.build(logits, 0, V, seenRow).sample(mulberry32(seed));
          assert.strictEqual(b, a, `row ${t} draw ${d}`);
        }
        // probabilities of the processed distribution
        const { probs } = softmaxInto(ref);
        const dist = fast.build(logits, 0, V, seenRow);
        for (const x of [0, 11, 12, 100, 2999]) assert.ok(Math.abs(dist.prob(x) - probs[x]!) < 1e-9, `p(${x})`);
      }
    });
  }

  it('the raw log-sum-exp computed during the build is rowLogSumExp\'s, bit for bit (every setting, offsets, far tails, -Infinity)', () => {
    const V = 2000;
    const gen = mulberry32(3);
    for (const s of settings) {
      const fast = new DistributionBuilder(s, processorsFor(s), 0);
      for (let t = 0; t < 12; t++) {
        const scale = [0.01, 1, 8, 30][t % 4]!;
        const buf = Float32Array.from({ length: 3 * V }, () => (gen() - 0.5) * scale);
        const off = (t % 3) * V;
        if (t % 5 === 0) buf[off + 17] = 60; // most of the row more than 40 nats below the top
        if (t % 6 === 1) buf[off + 5] = buf[off + 900] = -Infinity;
        const dist = fast.build(buf, off, V, seenRow);
        assert.ok(dist.rawLogSumExp !== undefined, JSON.stringify(s));
        assert.strictEqual(dist.rawLogSumExp, rowLogSumExp(buf, off, V), `${JSON.stringify(s)} row ${t}`);
      }
    }
  });

  it('greedy with a repetition penalty is the argmax of the penalised logits', () => {
    const s = { temperature: 0, repetitionPenalty: 2 };
    const fast = new DistributionBuilder(s, processorsFor(s), 0);
    const logits = Float32Array.of(1, 5, 3, 4, -2);
    const r = { index: 0, promptIds: [1], generatedIds: [3] };
    const ref = Float32Array.from(logits);
    processorsFor(s).process(ref, r);
    assert.strictEqual(fast.build(logits, 0, 5, r).sample(mulberry32(1)), new GreedySampler().sample(ref));
    assert.strictEqual(fast.build(logits, 0, 5, r).sample(mulberry32(1)), 2);
  });

  it('greedy is the argmax with ties to the lowest id', () => {
    const fast = new DistributionBuilder({ temperature: 0 }, processorsFor({ temperature: 0 }), 0);
    const logits = Float32Array.of(1, 5, 3, 5, -2);
    assert.strictEqual(fast.build(logits, 0, 5, row).sample(mulberry32(1)), new GreedySampler().sample(logits));
    assert.strictEqual(fast.build(logits, 0, 5, row).sample(mulberry32(1)), 1);
  });
});

describe('speculative decoding (scripted model)', () => {
  const V = 12;
  const opts = (over: Partial<GenerateOptions>): GenerateOptions => ({
    prompts: [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2]], numReturnSequences: 1, maxNewTokens: 30, sampling: { temperature: 0 }, seed: 3,
    eosTokenIds: [], padTokenId: 11, ...over,
  });

  for (const [name, script] of [['copyable', cycleScript(V)], ['hash (drafts mostly rejected)', hashScript]] as const) {
    it(`temperature 0: token for token what plain decoding gives, in fewer passes when it copies (${name})`, async () => {
      for (const k of [1, 3, 6]) {
        const prompts = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2], [3, 4, 5, 6, 1, 2], [9, 9, 9]];
        const plain = await generate(new FakeLM(V, script), opts({ prompts, numReturnSequences: 2 }));
        const lm = new FakeLM(V, script);
        const spec = await generate(lm, opts({ prompts, numReturnSequences: 2, speculative: { maxDraft: k } }));
        assert.deepStrictEqual(spec.candidates.map((c) => c.tokenIds), plain.candidates.map((c) => c.tokenIds), `k=${k}`);
        for (let i = 0; i < plain.candidates.length; i++) {
          const a = plain.candidates[i]!.tokenLogprobs;
          const b = spec.candidates[i]!.tokenLogprobs;
          assert.ok(a.every((x, j) => Math.abs(x - b[j]!) < 1e-6), 'log-probs of the raw distribution');
        }
        assert.ok(spec.timings.draftedTokens > 0);
        if (name !== 'copyable') assert.ok(lm.truncations > 0, 'rejected drafts are cut from the cache');
        if (name === 'copyable') {
          assert.ok(spec.timings.acceptedTokens > 0);
          assert.ok(spec.timings.forwards < plain.timings.forwards, `${spec.timings.forwards} vs ${plain.timings.forwards} passes`);
        }
      }
    });
  }

  it('rows that accept different lengths each match their plain decoding (holes masked, cache cut back)', async () => {
    // one prompt copies well, the other not at all: in one batch their accepted lengths differ every pass
    const prompts = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0], [10, 4, 10, 7, 10, 2]];
    const script: ScriptFn = (h, VV) => (h[0] === 10 ? hashScript(h, VV) : cycleScript(VV)(h, VV));
    const plain = await generate(new FakeLM(V, script), opts({ prompts, numReturnSequences: 3, maxNewTokens: 25 }));
    for (const gpu of [false, true]) {
      // on the CPU the cache is cut back after each pass; a GPU-resident one keeps the masked holes
      const lm = new FakeLM(V, script, { gpu });
      const spec = await generate(lm, opts({ prompts, numReturnSequences: 3, maxNewTokens: 25, speculative: { maxDraft: 4 } }));
      assert.deepStrictEqual(spec.candidates.map((c) => c.tokenIds), plain.candidates.map((c) => c.tokenIds), gpu ? 'gpu' : 'cpu');
      assert.ok(lm.calls.some((c) => c.seqLen > 1), 'verify passes longer than one token');
      if (gpu) assert.strictEqual(lm.truncations, 0);
    }
  });

  it('counts passes per row as well as per batch (a finished row leaves the count)', async () => {
    // plain decoding: the first token comes from the prefill, then one pass per token while the row is live
    const prompts = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2], [3, 4, 5, 6, 1, 2], [9, 9, 9], [1, 5, 9]];
    for (const gpu of [false, true]) {
      const r = await generate(new FakeLM(V, hashScript, { gpu }), opts({ prompts, maxNewTokens: 20, eosTokenIds: [7], sampling: { temperature: 1 } }));
      const lengths = r.candidates.map((c) => c.tokenCount);
      assert.ok(Math.min(...lengths) < Math.max(...lengths), `rows finish at different lengths: ${lengths}`);
      assert.strictEqual(r.timings.forwards, Math.max(...lengths) - 1);
      assert.strictEqual(r.timings.rowForwards, lengths.reduce((a, n) => a + n - 1, 0), gpu ? 'gpu (finished rows stay in the batch)' : 'cpu');
    }
    // drafting: each row's tokens per pass is at least the batch's, and above 1 where it copies
    const spec = await generate(new FakeLM(V, cycleScript(V)), opts({ prompts: prompts.slice(0, 2), numReturnSequences: 2, maxNewTokens: 25, speculative: { maxDraft: 4 } }));
    const t = spec.timings;
    assert.ok(t.rowForwards <= 4 * t.forwards && t.rowForwards >= t.forwards, `${t.rowForwards} row passes, ${t.forwards} passes`);
    assert.ok(t.newTokens / t.rowForwards > 1.5, `${t.newTokens} tokens in ${t.rowForwards} row passes`);
  });

  it('a row with no draft of its own fills the columns another row\'s draft opened (single-token match), never widening a pass', async () => {
    // Row A copies its prompt (long drafts of its own). Row B drafts by itself (minNgram 2) only once its last two
    // tokens occur in its prompt; before that its last token alone does occur, followed by what the model says next.
    const a = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2];
    const b = [9, 10, 3, 4, 5, 6, 10, 1];
    const k = 4;
    const run = async (prompts: number[][], speculative: boolean) => {
      const lm = new FakeLM(V, cycleScript(V));
      const r = await generate(lm, opts({ prompts, maxNewTokens: 12, ...(speculative ? { speculative: { maxDraft: k } } : {}) }));
      return { r, lm };
    };
    const plain = await run([a, b], false);
    const both = await run([a, b], true);
    const aloneA = await run([a], true);
    const aloneB = await run([b], true);
    assert.deepStrictEqual(both.r.candidates.map((c) => c.tokenIds), plain.r.candidates.map((c) => c.tokenIds));
    // rows drafting alone are independent of each other: without the fill the batch would accept exactly their sum
    const alone = aloneA.r.timings.acceptedTokens + aloneB.r.timings.acceptedTokens;
    assert.ok(both.r.timings.acceptedTokens > alone, `batch accepted ${both.r.timings.acceptedTokens}, rows alone ${alone}`);
    // the fill never widens a pass beyond the widest own draft (k), and a batch with no own drafts stays 1 wide
    // (call 0 is the prefill)
    assert.ok(both.lm.calls.slice(1).every((c) => c.seqLen <= 1 + k), 'verify passes at most k + 1 wide');
  });

  it('a model\'s probe for masked positions runs only for requests that need them; a model that turns dense gets no drafts', async () => {
    class ProbedLM extends FakeLM {
      probes = 0;
      denseCache = false;
      constructor(private readonly dense: boolean) {
        super(V, cycleScript(V));
      }
      async probeMaskedPositions(): Promise<void> {
        this.probes++;
        if (this.dense) this.denseCache = true;
      }
    }
    const plain = await generate(new FakeLM(V, cycleScript(V)), opts({ numReturnSequences: 2 }));
    const quiet = new ProbedLM(true);
    await generate(quiet, opts({ numReturnSequences: 2 })); // one prompt, no drafting: nothing masked
    assert.strictEqual(quiet.probes, 0);
    for (const dense of [false, true]) {
      const lm = new ProbedLM(dense);
      const r = await generate(lm, opts({ numReturnSequences: 2, speculative: { maxDraft: 4 } }));
      assert.strictEqual(lm.probes, 1);
      assert.deepStrictEqual(r.candidates.map((c) => c.tokenIds), plain.candidates.map((c) => c.tokenIds));
      assert.strictEqual(r.timings.draftedTokens > 0, !dense, dense ? 'no drafts on a dense cache' : 'drafts where masks hold');
    }
    const ragged = new ProbedLM(true);
    await assert.rejects(generate(ragged, opts({ prompts: [[1, 2, 3], [1, 2]] })), /same length/);
    assert.strictEqual(ragged.probes, 1);
  });

  it('a dense cache (GroupQueryAttention) drafts at batch 1, never holding a masked position; not above batch 1, not on a GPU', async () => {
    // like OrtCausalLM on a seqlens_k graph: every row's cache must be one dense run of real tokens
    class DenseLM extends FakeLM {
      readonly denseCache = true;
      override async forward(req: Parameters<FakeLM['forward']>[0]) {
        if (req.attentionMask.some((m) => m !== 1)) throw new Error('masked position in a dense cache');
        return super.forward(req);
      }
    }
    const prompt = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1];
    for (const temperature of [0, 0.8]) {
      const o = opts({ prompts: [prompt], numReturnSequences: 1, maxNewTokens: 30, sampling: { temperature, topP: 0.95 } });
      const plain = await generate(new FakeLM(V, cycleScript(V)), o);
      const lm = new DenseLM(V, cycleScript(V));
      const spec = await generate(lm, { ...o, speculative: { maxDraft: 4 } });
      assert.ok(spec.timings.acceptedTokens > 0 && spec.timings.forwards < plain.timings.forwards, `T=${temperature}: ${spec.timings.forwards} vs ${plain.timings.forwards} passes`);
      if (temperature === 0) assert.deepStrictEqual(spec.candidates.map((c) => c.tokenIds), plain.candidates.map((c) => c.tokenIds));
      assert.ok(lm.truncations > 0, 'rejected drafts are cut off the cache');
    }
    const two = await generate(new DenseLM(V, cycleScript(V)), opts({ prompts: [prompt], numReturnSequences: 2, maxNewTokens: 10, speculative: { maxDraft: 4 } }));
    assert.strictEqual(two.timings.draftedTokens, 0, 'batch 2: no drafts');
    const gpu = await generate(new DenseLM(V, cycleScript(V), { gpu: true }), opts({ prompts: [prompt], numReturnSequences: 1, maxNewTokens: 10, speculative: { maxDraft: 4 } }));
    assert.strictEqual(gpu.timings.draftedTokens, 0, 'a GPU-resident cache: no drafts');
  });

  it('temperature 0.8 + top-p: the output distribution is the sampler\'s (chi-square, fixed seeds)', async () => {
    // Markov model over 6 tokens: p(next | last). Two new tokens after the prompt [0, 1, 2, 0]; the prompt makes the
    // lookup draft "1" then "2" after a 0, which the sampler accepts or rejects.
    const VV = 6;
    const table = [
      [0.1, 2.0, 0.5, -1, 0.3, 0.0], [0.2, 0.1, 1.8, 0.4, -0.5, 0.9], [1.5, 0.3, 0.2, 0.8, 0.1, -1],
      [0.4, 0.4, 0.4, 0.4, 0.4, 0.4], [2.2, -0.3, 0.1, 0.9, 0.0, 0.5], [0.0, 1.0, -1.0, 0.5, 1.2, 0.3],
    ];
    const script: ScriptFn = (h) => Float32Array.from(table[h[h.length - 1]!]!);
    const sampling = { temperature: 0.8, topP: 0.9 };
    const p = table.map((l) => {
      const x = Float32Array.from(l);
      processorsFor(sampling).process(x, row);
      return Array.from(softmaxInto(x).probs);
    });
    const counts = new Map<string, number>();
    let total = 0;
    let drafted = 0;
    let accepted = 0;
    for (let seed = 0; seed < 12; seed++) {
      const r = await generate(new FakeLM(VV, script), {
        prompts: [[0, 1, 2, 0]], numReturnSequences: 500, maxNewTokens: 2, sampling, seed, eosTokenIds: [], padTokenId: 5, speculative: { maxDraft: 3, minNgram: 1 },
      });
      drafted += r.timings.draftedTokens;
      accepted += r.timings.acceptedTokens;
      for (const c of r.candidates) {
        const k = c.tokenIds.join(',');
        counts.set(k, (counts.get(k) ?? 0) + 1);
        total++;
      }
    }
    assert.ok(drafted > 1000 && accepted > 500 && accepted < drafted, `drafted ${drafted}, accepted ${accepted}`);
    let chi = 0;
    let cells = 0;
    let seen = 0;
    for (let a = 0; a < VV; a++) for (let b = 0; b < VV; b++) {
      const e = total * p[0]![a]! * p[a]![b]!;
      const o = counts.get(`${a},${b}`) ?? 0;
      if (e === 0) {
        assert.strictEqual(o, 0, `${a},${b} is outside the nucleus but was drawn`);
        continue;
      }
      seen += o;
      chi += ((o - e) ** 2) / e;
      cells++;
    }
    assert.strictEqual(seen, total);
    // Wilson-Hilferty: the chi-square quantile at 1 - 1e-4 (z = 3.72) for cells - 1 degrees of freedom
    const df = cells - 1;
    const crit = df * (1 - 2 / (9 * df) + 3.72 * Math.sqrt(2 / (9 * df))) ** 3;
    assert.ok(chi < crit, `chi-square ${chi.toFixed(1)} over ${df} df (critical ${crit.toFixed(1)})`);
  });
});
