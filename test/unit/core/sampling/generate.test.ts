import * as assert from 'assert';
import { generate, type GenerateOptions, type GeneratedCandidate } from '../../../../src/core/sampling/generate';
import { CodedError } from '../../../../src/core/errors';
import { FakeLM, hashScript, letters, type ScriptFn } from './fakeModel';

const V = 12;
const EOS = 11;
const PAD = 10;
const base = (over: Partial<GenerateOptions> = {}): GenerateOptions => ({
  prompts: [[1, 2, 3]],
  numReturnSequences: 6,
  maxNewTokens: 12,
  sampling: { temperature: 1, topP: 0.95 },
  seed: 5,
  eosTokenIds: [EOS],
  padTokenId: PAD,
  decode: letters,
  ...over,
});
const texts = (cs: GeneratedCandidate[]) => cs.map((c) => c.tokenIds.join(','));
const timers = { setTimeout: (f: () => void, ms: number) => setTimeout(f, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };
async function rejects(p: Promise<unknown>, code: string): Promise<CodedError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof CodedError, `expected CodedError, got ${String(e)}`);
    assert.strictEqual(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

describe('generate (scripted model)', () => {
  it('prefills once, tiles N ways and decodes in one batch', async () => {
    const lm = new FakeLM(V);
    const out = await generate(lm, base({ maxNewTokens: 4, eosTokenIds: [] }));
    assert.strictEqual(out.candidates.length, 6);
    assert.deepStrictEqual(lm.calls[0], { batch: 1, seqLen: 3, cacheOnCpu: true, noLogits: false });
    assert.ok(lm.calls.slice(1).every((c) => c.batch === 6 && c.seqLen === 1));
    assert.strictEqual(out.timings.decodeSteps, 3); // the 4th token of every row needs no forward
    assert.ok(out.candidates.every((c) => c.tokenCount === 4 && c.finishReason === 'length'));
  });

  it('same seed gives the same candidates; candidates differ at temperature > 0', async () => {
    const a = await generate(new FakeLM(V), base());
    const b = await generate(new FakeLM(V), base());
    assert.deepStrictEqual(texts(a.candidates), texts(b.candidates));
    assert.ok(new Set(texts(a.candidates)).size > 3, texts(a.candidates).join(' | '));
    const c = await generate(new FakeLM(V), base({ seed: 6 }));
    assert.notDeepStrictEqual(texts(a.candidates), texts(c.candidates));
  });

  it('candidate i does not depend on N (one RNG stream per row)', async () => {
    const six = await generate(new FakeLM(V), base());
    const two = await generate(new FakeLM(V), base({ numReturnSequences: 2 }));
    assert.deepStrictEqual(texts(two.candidates), texts(six.candidates).slice(0, 2));
  });

  it('temperature 0 is greedy: all rows identical and equal to the argmax chain', async () => {
    const out = await generate(new FakeLM(V), base({ sampling: { temperature: 0 }, eosTokenIds: [], maxNewTokens: 5 }));
    const hist = [1, 2, 3];
    const greedy: number[] = [];
    for (let i = 0; i < 5; i++) {
      const l = hashScript(hist, V);
      const t = l.indexOf(Math.max(...l));
      greedy.push(t);
      hist.push(t);
    }
    for (const c of out.candidates) assert.deepStrictEqual(c.tokenIds, greedy);
  });

  it('keeps per-token log-probs of the raw distribution', async () => {
    const out = await generate(new FakeLM(V), base({ numReturnSequences: 2, eosTokenIds: [], maxNewTokens: 3, sampling: { temperature: 0.5, topK: 3 } }));
    for (const c of out.candidates) {
      const hist = [1, 2, 3];
      c.tokenIds.forEach((t, i) => {
        const l = Array.from(hashScript(hist, V));
        const m = Math.max(...l);
        const lz = m + Math.log(l.reduce((a, x) => a + Math.exp(x - m), 0));
        assert.ok(Math.abs(c.tokenLogprobs[i]! - (l[t]! - lz)) < 1e-5);
        hist.push(t);
      });
      const sum = c.tokenLogprobs.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(c.logprobs.sum - sum) < 1e-9);
      assert.strictEqual(c.logprobs.count, 3);
      assert.ok(Math.abs(c.logprobs.mean - sum / 3) < 1e-9);
      assert.strictEqual(c.logprobs.min, Math.min(...c.tokenLogprobs));
    }
  });

  it('EOS ends a row (text excludes it), finished rows leave the batch, candidates stream as they finish', async () => {
    // row history length decides: EOS becomes certain after 2 + (row-dependent first token % 4) tokens
    const script: ScriptFn = (h, v) => {
      const l = new Float32Array(v).fill(0);
      const gen = h.length - 3;
      const first = h[3] ?? 0;
      if (gen >= 1 && gen >= 1 + (first % 4)) l[EOS] = 50;
      else l[EOS] = -50;
      return l;
    };
    const lm = new FakeLM(V, script);
    const streamed: number[] = [];
    const out = await generate(lm, base({ numReturnSequences: 8, onCandidate: (c) => streamed.push(c.index) }));
    assert.strictEqual(streamed.length, 8);
    for (const c of out.candidates) {
      assert.strictEqual(c.finishReason, 'eos');
      assert.strictEqual(c.tokenIds[c.tokenIds.length - 1], EOS);
      assert.strictEqual(c.tokenCount, 2 + (c.tokenIds[0]! % 4));
      assert.strictEqual(c.text, letters(c.tokenIds.slice(0, -1)));
    }
    const batches = lm.calls.slice(1).map((c) => c.batch);
    assert.ok(batches.every((b, i) => i === 0 || b <= batches[i - 1]!), `batch sizes ${batches}`);
    assert.ok(batches[batches.length - 1]! < 8, `batch never shrank: ${batches}`);
    assert.ok(out.timings.compactions >= 1);
    // emitted in finish order: shorter candidates first
    const len = (i: number) => out.candidates[i]!.tokenCount;
    for (let i = 1; i < streamed.length; i++) assert.ok(len(streamed[i]!) >= len(streamed[i - 1]!));
  });

  it('a GPU-resident cache is compacted after one step that brings it to the CPU, with the same candidates', async () => {
    const script: ScriptFn = (h, v) => {
      const l = hashScript(h, v);
      if (h.length - 3 >= 2 + ((h[3] ?? 0) % 5)) l[EOS] = 40;
      else l[EOS] = -40;
      return l;
    };
    const cpu = new FakeLM(V, script);
    const gpu = new FakeLM(V, script, { gpu: true });
    const a = await generate(cpu, base({ numReturnSequences: 8 }));
    const b = await generate(gpu, base({ numReturnSequences: 8 }));
    assert.deepStrictEqual(texts(b.candidates), texts(a.candidates));
    assert.ok(gpu.calls.some((c, i) => i > 0 && c.cacheOnCpu), 'never asked for a CPU cache');
    assert.ok(b.timings.compactions >= 1);
  });

  it('stop strings end a row and are cut from the text', async () => {
    // tokens 0..9 map to letters a..j; make "cd" likely
    const script: ScriptFn = (h, v) => {
      const l = new Float32Array(v).fill(-5);
      l[EOS] = -50;
      const last = h[h.length - 1]!;
      l[(last + 1) % 5] = 3;
      l[2] = 2;
      return l;
    };
    const out = await generate(new FakeLM(V, script), base({ stop: ['cd'], maxNewTokens: 30 }));
    for (const c of out.candidates) {
      if (c.finishReason === 'stop') {
        const full = letters(c.tokenIds);
        assert.ok(full.endsWith('cd'), full);
        assert.strictEqual(c.text, full.slice(0, full.indexOf('cd')));
      } else assert.strictEqual(c.finishReason, 'length');
    }
    assert.ok(out.candidates.some((c) => c.finishReason === 'stop'));
  });

  it('several prompts of different lengths are left-padded and give what each gives alone', async () => {
    const prompts = [[1, 2, 3, 4, 5], [7], [4, 4, 9]];
    const together = await generate(new FakeLM(V), base({ prompts, numReturnSequences: 3, eosTokenIds: [], maxNewTokens: 5 }));
    const greedyTogether = await generate(new FakeLM(V), base({ prompts, numReturnSequences: 2, eosTokenIds: [], maxNewTokens: 5, sampling: { temperature: 0 } }));
    for (let p = 0; p < prompts.length; p++) {
      const alone = await generate(new FakeLM(V), base({ prompts: [prompts[p]!], numReturnSequences: 1, eosTokenIds: [], maxNewTokens: 5, sampling: { temperature: 0 } }));
      assert.deepStrictEqual(greedyTogether.candidates[2 * p]!.tokenIds, alone.candidates[0]!.tokenIds);
      assert.strictEqual(greedyTogether.candidates[2 * p]!.promptIndex, p);
    }
    assert.strictEqual(together.candidates.length, 9);
  });

  it('chunked prefill gives the same candidates as one prefill', async () => {
    const prompt = Array.from({ length: 23 }, (_, i) => i % 10);
    const lm = new FakeLM(V);
    const a = await generate(lm, base({ prompts: [prompt], prefillChunkSize: 5 }));
    assert.deepStrictEqual(lm.calls.filter((c) => c.seqLen > 1).map((c) => c.seqLen), [5, 5, 5, 5, 3]);
    const b = await generate(new FakeLM(V), base({ prompts: [prompt] }));
    assert.deepStrictEqual(texts(a.candidates), texts(b.candidates));
  });

  it('prefill chunks before the last ask for no logits, and the candidates do not change (T=0, T=0.8)', async () => {
    const prompts = [Array.from({ length: 23 }, (_, i) => (i * 7) % 10), Array.from({ length: 17 }, (_, i) => (i * 3) % 10)];
    for (const temperature of [0, 0.8]) {
      const lm = new FakeLM(V);
      const opts = base({ prompts, numReturnSequences: 3, prefillChunkSize: 5, sampling: { temperature, topP: 0.95 } });
      const a = await generate(lm, opts);
      assert.deepStrictEqual(lm.calls.slice(0, 5).map((c) => [c.batch, c.seqLen, c.noLogits]), [[2, 5, true], [2, 5, true], [2, 5, true], [2, 5, true], [2, 3, false]]);
      assert.ok(lm.calls.slice(5).every((c) => !c.noLogits && c.seqLen === 1));
      const b = await generate(new FakeLM(V, hashScript, { fetchAll: true }), opts);
      assert.deepStrictEqual(texts(a.candidates), texts(b.candidates), `temperature ${temperature}`);
      assert.deepStrictEqual(a.candidates.map((c) => c.tokenLogprobs), b.candidates.map((c) => c.tokenLogprobs));
    }
  });

  it('cancellation takes effect within one step and releases every cache', async () => {
    const ctl = new AbortController();
    const lm = new FakeLM(V);
    let steps = 0;
    const orig = lm.forward.bind(lm);
    lm.forward = async (req) => {
      if (++steps === 4) ctl.abort();
      return orig(req);
    };
    await rejects(generate(lm, base({ eosTokenIds: [], maxNewTokens: 50, signal: ctl.signal })), 'cancelled');
    assert.strictEqual(lm.calls.length, 4);
    assert.strictEqual(lm.released, lm.created);
  });

  it('cancellation interrupts a forward that never returns', async () => {
    const ctl = new AbortController();
    const lm = new FakeLM(V, hashScript, { hangAt: 2 });
    setTimeout(() => ctl.abort(), 20);
    await rejects(generate(lm, base({ eosTokenIds: [], maxNewTokens: 50, signal: ctl.signal })), 'cancelled');
  });

  it('a crashing forward surfaces as model_forward', async () => {
    const e = await rejects(generate(new FakeLM(V, hashScript, { failAt: 3 }), base({ eosTokenIds: [] })), 'model_forward');
    assert.match(e.message, /out of memory/);
  });

  it('a hanging forward surfaces as model_forward after the step timeout', async () => {
    const e = await rejects(generate(new FakeLM(V, hashScript, { hangAt: 1 }), base({ stepTimeoutMs: 30, timers })), 'model_forward');
    assert.match(e.message, /did not return within 30 ms/);
  });

  it('rejects empty prompts', async () => {
    await rejects(generate(new FakeLM(V), base({ prompts: [[]] })), 'bad_request');
  });
});
