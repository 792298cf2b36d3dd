/** Real onnxruntime (CPU) on the tiny model: numerics of the cache, padding, and the whole loop. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { OrtCausalLM } from '../../../../src/worker/inference/ortModel';
import { loadModelFolder } from '../../../../src/worker/inference/modelFolder';
import { rowSelectModel } from '../../../../src/worker/inference/rowSelectGraph';
import { InferenceEngine } from '../../../../src/worker/inference/engine';
import { generate } from '../../../../src/core/sampling/generate';
import { CodedError } from '../../../../src/core/errors';
import type { GenerateParams } from '../../../../src/core/sampling/request';
import { buildModel, PRESETS } from '../../../../scripts/make-tiny-model/buildOnnx';
import { copyTiny, maxAbsDiff, REFERENCE, TINY } from './helpers';

const V = 512;
const ids = [10, 275, 257, 46, 312, 44, 379, 40, 300, 12];

describe('onnxruntime forward on the tiny model (CPU)', function () {
  this.timeout(60000);
  let lm: OrtCausalLM;
  before(async () => {
    lm = await OrtCausalLM.load(loadModelFolder(TINY), { executionProvider: 'cpu', threads: 1 });
  });
  after(async () => lm?.dispose());

  it('matches the torch reference (left-padded prefill, then one cached decode step) within 1e-4', async () => {
    const ref = JSON.parse(fs.readFileSync(REFERENCE, 'utf8'));
    const P = ref.prefill;
    const S = P.input_ids[0].length;
    const r = await lm.forward({ inputIds: P.input_ids.flat(), batch: 2, seqLen: S, attentionMask: P.attention_mask.flat(), positionIds: P.position_ids.flat(), cache: null });
    assert.ok(maxAbsDiff(r.logits, P.last_logits.flat()) < 1e-4);
    const D = ref.decode;
    const r2 = await lm.forward({ inputIds: D.input_ids.flat(), batch: 2, seqLen: 1, attentionMask: D.attention_mask.flat(), positionIds: D.position_ids.flat(), cache: r.cache });
    assert.ok(maxAbsDiff(r2.logits, D.logits.flat()) < 1e-4, `decode differs by ${maxAbsDiff(r2.logits, D.logits.flat())}`);
  });

  it('KV-cache decode equals a full recompute (logits within 1e-4)', async () => {
    const n = ids.length;
    const full = await lm.forward({ inputIds: ids, batch: 1, seqLen: n, attentionMask: ids.map(() => 1), positionIds: ids.map((_, i) => i), cache: null, allPositions: true });
    let r = await lm.forward({ inputIds: ids.slice(0, 4), batch: 1, seqLen: 4, attentionMask: [1, 1, 1, 1], positionIds: [0, 1, 2, 3], cache: null });
    for (let t = 4; t < n; t++) {
      const next = await lm.forward({ inputIds: [ids[t]!], batch: 1, seqLen: 1, attentionMask: new Array(t + 1).fill(1), positionIds: [t], cache: r.cache });
      lm.release(r.cache);
      r = next;
      const d = maxAbsDiff(r.logits, full.logits.subarray(t * V, (t + 1) * V));
      assert.ok(d < 1e-4, `step ${t}: ${d}`);
    }
  });

  it('a left-padded row gives the logits of the same prompt alone', async () => {
    const alone = await lm.forward({ inputIds: ids.slice(0, 5), batch: 1, seqLen: 5, attentionMask: [1, 1, 1, 1, 1], positionIds: [0, 1, 2, 3, 4], cache: null });
    const pad = 509;
    const r = await lm.forward({
      inputIds: [...ids.slice(0, 8), pad, pad, pad, ...ids.slice(0, 5)], batch: 2, seqLen: 8,
      attentionMask: [...new Array(8).fill(1), 0, 0, 0, 1, 1, 1, 1, 1], positionIds: [0, 1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 0, 1, 2, 3, 4], cache: null,
    });
    assert.ok(maxAbsDiff(r.logits.subarray(V, 2 * V), alone.logits) < 1e-4);
    // and keeps agreeing after a cached step
    const a2 = await lm.forward({ inputIds: [44], batch: 1, seqLen: 1, attentionMask: new Array(6).fill(1), positionIds: [5], cache: alone.cache });
    const r2 = await lm.forward({ inputIds: [44, 44], batch: 2, seqLen: 1, attentionMask: [...new Array(9).fill(1), 0, 0, 0, 1, 1, 1, 1, 1, 1], positionIds: [8, 5], cache: r.cache });
    assert.ok(maxAbsDiff(r2.logits.subarray(V, 2 * V), a2.logits) < 1e-4);
  });

  it('tiled and compacted caches decode like the original rows', async () => {
    const p = await lm.forward({ inputIds: ids.slice(0, 5), batch: 1, seqLen: 5, attentionMask: [1, 1, 1, 1, 1], positionIds: [0, 1, 2, 3, 4], cache: null });
    const tiled = await lm.selectRows(p.cache, [0, 0, 0]);
    const step = await lm.forward({ inputIds: [1, 2, 3], batch: 3, seqLen: 1, attentionMask: new Array(18).fill(1), positionIds: [5, 5, 5], cache: tiled });
    const kept = await lm.selectRows(step.cache, [2]);
    const next = await lm.forward({ inputIds: [7], batch: 1, seqLen: 1, attentionMask: new Array(7).fill(1), positionIds: [6], cache: kept });
    const direct = await lm.forward({ inputIds: [...ids.slice(0, 5), 3, 7], batch: 1, seqLen: 7, attentionMask: new Array(7).fill(1), positionIds: [0, 1, 2, 3, 4, 5, 6], cache: null });
    assert.ok(maxAbsDiff(next.logits, direct.logits) < 1e-4);
  });

  it('a failing forward surfaces as model_forward', async () => {
    await assert.rejects(
      lm.forward({ inputIds: [1, 2], batch: 1, seqLen: 2, attentionMask: [1, 1], positionIds: [0], cache: null }),
      (e: unknown) => e instanceof CodedError && e.code === 'model_forward' && /onnxruntime \(cpu\) failed/.test(e.message),
    );
  });

  it('cancellation stops a real generation within one decode step', async () => {
    const ctl = new AbortController();
    let forwards = 0;
    const counting = Object.create(lm) as OrtCausalLM;
    counting.forward = async (req) => {
      forwards++;
      if (forwards === 3) ctl.abort();
      return lm.forward(req);
    };
    await assert.rejects(generate(counting, { prompts: [ids], numReturnSequences: 4, maxNewTokens: 40, sampling: { temperature: 1 }, eosTokenIds: [], padTokenId: 509, signal: ctl.signal }),
      (e: unknown) => e instanceof CodedError && e.code === 'cancelled');
    assert.strictEqual(forwards, 3);
  });

  it('a pass without logits (not fetched) leaves the same cache as one with them', async () => {
    const a = await lm.forward({ inputIds: ids.slice(0, 6), batch: 1, seqLen: 6, attentionMask: new Array(6).fill(1), positionIds: [0, 1, 2, 3, 4, 5], cache: null, noLogits: true });
    assert.strictEqual(a.logits.length, 0);
    const b = await lm.forward({ inputIds: ids.slice(0, 6), batch: 1, seqLen: 6, attentionMask: new Array(6).fill(1), positionIds: [0, 1, 2, 3, 4, 5], cache: null });
    assert.strictEqual(b.logits.length, V);
    for (const [n, t] of a.cache.tensors) assert.deepStrictEqual(t.data, b.cache.tensors.get(n)!.data, n);
    lm.release(a.cache);
    lm.release(b.cache);
  });

  it('every thread-spinning setting loads and computes the same logits', async () => {
    const req = { inputIds: ids.slice(0, 5), batch: 1, seqLen: 5, attentionMask: [1, 1, 1, 1, 1], positionIds: [0, 1, 2, 3, 4], cache: null };
    const ref = await lm.forward(req);
    lm.release(ref.cache);
    for (const spinning of ['off', 'always', 'during-run'] as const) {
      const other = await OrtCausalLM.load(loadModelFolder(TINY), { executionProvider: 'cpu', threads: 2, spinning });
      try {
        const r = await other.forward(req);
        assert.ok(maxAbsDiff(r.logits, ref.logits) < 1e-5, spinning);
        other.release(r.cache);
      } finally {
        await other.dispose();
      }
    }
  });

  it('generate(): the same tokens and log-probs with and without fetching prefill chunks\' logits (T=0, T=0.8)', async () => {
    const prompt = [...ids, ...ids.slice(2), ...ids.slice(0, 5)];
    const run = async (fetchAll: boolean, temperature: number) => {
      lm.fetchAllOutputs = fetchAll;
      const before = lm.stats.forwards;
      try {
        const r = await generate(lm, { prompts: [prompt], numReturnSequences: 4, maxNewTokens: 12, sampling: { temperature, topP: 0.95 }, seed: 7, eosTokenIds: [], padTokenId: 509, prefillChunkSize: 4 });
        assert.strictEqual(lm.stats.forwards - before, Math.ceil(prompt.length / 4) + 11);
        return r.candidates;
      } finally {
        lm.fetchAllOutputs = false;
      }
    };
    for (const temperature of [0, 0.8]) {
      const [withLogits, without] = [await run(true, temperature), await run(false, temperature)];
      assert.deepStrictEqual(without.map((c) => c.tokenIds), withLogits.map((c) => c.tokenIds), `temperature ${temperature}`);
      assert.deepStrictEqual(without.map((c) => c.tokenLogprobs), withLogits.map((c) => c.tokenLogprobs));
      if (temperature > 0) assert.ok(new Set(without.map((c) => c.tokenIds.join())).size > 1, 'sampled rows differ');
    }
  });
});

describe('generation engine on the tiny model (CPU)', function () {
  this.timeout(60000);
  const engine = new InferenceEngine();
  after(async () => engine.unload());
  const params = (over: Partial<GenerateParams> = {}): GenerateParams => ({
    backend: { kind: 'onnx', modelPath: TINY, executionProvider: 'cpu', threads: 1 },
    messages: [{ role: 'user', content: 'top 5 products by price' }],
    n: 8, temperature: 1, topP: 0.95, maxNewTokens: 40, seed: 11, ...over,
  });

  it('writes SQL, stops on EOS, streams each candidate once, keeps log-probs', async () => {
    const streamed: number[] = [];
    const r = await engine.generate(params(), { onCandidate: (c) => streamed.push(c.index) });
    assert.strictEqual(r.provider, 'cpu');
    assert.strictEqual(r.candidates.length, 8);
    assert.deepStrictEqual([...streamed].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7]);
    for (const c of r.candidates) {
      assert.match(c.text, /^SELECT .*;$/s, c.text);
      assert.strictEqual(c.finishReason, 'eos');
      assert.strictEqual(c.tokenLogprobs!.length, c.tokenCount);
      assert.ok(c.logprobs!.mean < 0 && c.logprobs!.min <= c.logprobs!.mean);
    }
    assert.strictEqual(r.model.id, 'tiny-model');
    assert.ok(r.timings.promptTokens > 5);
  });

  it('same seed gives the same candidates; the N candidates differ', async () => {
    const a = await engine.generate(params());
    const b = await engine.generate(params());
    assert.deepStrictEqual(a.candidates.map((c) => c.text), b.candidates.map((c) => c.text));
    assert.ok(new Set(a.candidates.map((c) => c.text)).size >= 3, a.candidates.map((c) => c.text).join('\n'));
    const c = await engine.generate(params({ seed: 12 }));
    assert.notDeepStrictEqual(a.candidates.map((x) => x.text), c.candidates.map((x) => x.text));
  });

  it('stop strings cut the text; maxNewTokens ends with length', async () => {
    const r = await engine.generate(params({ stop: [' FROM'] }));
    for (const c of r.candidates) {
      assert.strictEqual(c.finishReason, 'stop');
      assert.ok(!c.text.includes(' FROM') && c.text.startsWith('SELECT'), c.text);
    }
    const short = await engine.generate(params({ maxNewTokens: 3 }));
    assert.ok(short.candidates.every((c) => c.finishReason === 'length' && c.tokenCount === 3));
  });

  it('drafts by prompt lookup by default, not with draftTokens 0; greedy candidates are the same either way', async () => {
    const on = await engine.generate(params({ temperature: 0, n: 2, maxNewTokens: 40, ignoreEos: true }));
    const off = await engine.generate(params({ temperature: 0, n: 2, maxNewTokens: 40, ignoreEos: true, draftTokens: 0 }));
    assert.ok(on.timings.draftedTokens! > 0, 'the default drafts');
    assert.strictEqual(off.timings.draftedTokens, 0);
    assert.deepStrictEqual(on.candidates.map((c) => c.text), off.candidates.map((c) => c.text));
  });

  it('greedy decoding gives N identical candidates', async () => {
    const r = await engine.generate(params({ temperature: 0, n: 3 }));
    assert.strictEqual(new Set(r.candidates.map((c) => c.text)).size, 1);
  });

  it('a graph without the Optimum inputs is a model_folder error naming model.onnx', async () => {
    const dir = copyTiny();
    const f = loadModelFolder(dir);
    fs.writeFileSync(f.onnxPath, rowSelectModel(['past_key_values.0.key'], 'float32', 2, 32));
    await assert.rejects(OrtCausalLM.load(loadModelFolder(dir), { executionProvider: 'auto' }),
      (e: unknown) => e instanceof CodedError && e.code === 'model_folder' && /model\.onnx has no input "input_ids": expected inputs input_ids, attention_mask/.test(e.message));
  });

  it('a graph onnxruntime cannot read is a model_load error', async () => {
    const dir = copyTiny();
    fs.writeFileSync(path.join(dir, 'onnx', 'model.onnx'), 'not a model');
    await assert.rejects(engine.generate(params({ backend: { kind: 'onnx', modelPath: dir, executionProvider: 'cpu' } })),
      (e: unknown) => e instanceof CodedError && e.code === 'model_load' && e.message.includes('model.onnx'));
  });

  it('auto records why CUDA was passed over', async () => {
    const r = await engine.generate(params({ backend: { kind: 'onnx', modelPath: TINY, executionProvider: 'auto', threads: 1 }, n: 1, maxNewTokens: 2 }));
    assert.match(r.fallbackReasons.cuda ?? '', /provider libraries not installed|no CUDA backend/);
    assert.ok(['webgpu', 'cpu'].includes(r.provider));
    if (r.provider === 'cpu') assert.ok(r.fallbackReasons.webgpu, 'a reason for passing over webgpu');
  });
});

describe('fp16 cache and logits (pure-Node built model)', function () {
  this.timeout(60000);
  it('loads, decodes with a float16 cache, and agrees with a full recompute', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-fp16-'));
    buildModel({ ...(PRESETS.tiny as Required<typeof PRESETS.tiny>), out: dir, seed: 3, kvDtype: 'float16', externalData: true, tokenizerFrom: TINY } as Parameters<typeof buildModel>[0]);
    assert.ok(fs.existsSync(path.join(dir, 'onnx', 'model.onnx_data')));
    const folder = loadModelFolder(dir);
    assert.deepStrictEqual(folder.externalData, ['model.onnx_data']);
    const lm = await OrtCausalLM.load(folder, { executionProvider: 'cpu', threads: 1 });
    try {
      assert.strictEqual(lm.kvType, 'float16');
      assert.strictEqual(lm.logitsType, 'float16');
      const n = ids.length;
      const full = await lm.forward({ inputIds: ids, batch: 1, seqLen: n, attentionMask: ids.map(() => 1), positionIds: ids.map((_, i) => i), cache: null, allPositions: true });
      let r = await lm.forward({ inputIds: ids.slice(0, 6), batch: 1, seqLen: 6, attentionMask: new Array(6).fill(1), positionIds: [0, 1, 2, 3, 4, 5], cache: null });
      for (let t = 6; t < n; t++) {
        r = await lm.forward({ inputIds: [ids[t]!], batch: 1, seqLen: 1, attentionMask: new Array(t + 1).fill(1), positionIds: [t], cache: r.cache });
        // both paths round the cache and the logits to fp16; differences stay at fp16 resolution
        assert.ok(maxAbsDiff(r.logits, full.logits.subarray(t * V, (t + 1) * V)) < 2e-3);
      }
      const out = await generate(lm, { prompts: [ids], numReturnSequences: 4, maxNewTokens: 6, sampling: { temperature: 1 }, seed: 1, eosTokenIds: [], padTokenId: 509 });
      assert.strictEqual(out.candidates.length, 4);
      assert.ok(out.candidates.every((c) => c.tokenLogprobs.every((x) => Number.isFinite(x) && x <= 0)));
    } finally {
      await lm.dispose();
    }
  });
});
