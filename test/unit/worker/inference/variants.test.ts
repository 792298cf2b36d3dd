/**
 * Model variants as onnx-community ships them (issue 14 item 3): model.onnx, model_fp16.onnx, model_q4.onnx
 * (MatMulNBits), model_q4f16.onnx, and GroupQueryAttention graphs fed seqlens_k / total_sequence_length; the variants
 * are built from the same seed by scripts/make-tiny-model/buildOnnx.ts, so they share their weights.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildModel, PRESETS, type BuildOptions } from '../../../../scripts/make-tiny-model/buildOnnx';
import { CodedError } from '../../../../src/core/errors';
import { generate } from '../../../../src/core/sampling/generate';
import { parseBackend } from '../../../../src/core/sampling/request';
import { InferenceEngine } from '../../../../src/worker/inference/engine';
import { loadModelFolder, pickGraph } from '../../../../src/worker/inference/modelFolder';
import { OrtCausalLM } from '../../../../src/worker/inference/ortModel';
import { maxAbsDiff, TINY } from './helpers';

describe('model variants: fp16, q4 (MatMulNBits), q4f16, GroupQueryAttention', function () {
  this.timeout(180000);
  let plain: string;
  let gqa: string;
  let acc4: string;
  let gqaMask: string;
  before(() => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-variants-'));
    plain = path.join(root, 'plain');
    gqa = path.join(root, 'gqa');
    acc4 = path.join(root, 'acc4');
    gqaMask = path.join(root, 'gqa-mask');
    const base = { ...PRESETS.tiny, seed: 3, kvDtype: 'float32', externalData: false, tokenizerFrom: TINY } as BuildOptions;
    for (const variant of ['fp32', 'fp16', 'q4', 'q4f16'] as const) buildModel({ ...base, out: plain, variant });
    for (const variant of ['fp32', 'q4'] as const) buildModel({ ...base, out: gqa, variant, gqa: true });
    buildModel({ ...base, out: acc4, variant: 'q4', accuracyLevel: 4 });
    buildModel({ ...base, out: gqaMask, variant: 'fp32', gqa: true, gqaMask: true });
  });

  const ids = [5, 9, 14, 3, 77, 120, 8, 41, 2, 19];
  async function logitsOf(dir: string, dtype: 'fp32' | 'fp16' | 'q4' | 'q4f16'): Promise<{ prefill: Float32Array; step: Float32Array; lm: OrtCausalLM }> {
    const lm = await OrtCausalLM.load(loadModelFolder(dir), { executionProvider: 'cpu', threads: 1, dtype });
    const r = await lm.forward({ inputIds: ids, batch: 1, seqLen: ids.length, attentionMask: ids.map(() => 1), positionIds: ids.map((_, i) => i), cache: null });
    const r2 = await lm.forward({ inputIds: [7], batch: 1, seqLen: 1, attentionMask: [...ids.map(() => 1), 1], positionIds: [ids.length], cache: r.cache });
    lm.release(r.cache);
    lm.release(r2.cache);
    return { prefill: r.logits, step: r2.logits, lm };
  }

  it('finds every variant; auto prefers q4 on the CPU and q4f16 on a GPU; a missing dtype names the setting', () => {
    const f = loadModelFolder(plain);
    assert.deepStrictEqual(f.graphs.map((g) => `${g.file}:${g.dtype}`).sort(), ['model.onnx:fp32', 'model_fp16.onnx:fp16', 'model_q4.onnx:q4', 'model_q4f16.onnx:q4f16']);
    assert.strictEqual(pickGraph(f, 'auto', 'cpu').file, 'model_q4.onnx');
    assert.strictEqual(pickGraph(f, 'auto', 'webgpu').file, 'model_q4f16.onnx');
    assert.strictEqual(pickGraph(f, 'fp16', 'cpu').file, 'model_fp16.onnx');
    const g = loadModelFolder(gqa);
    assert.throws(() => pickGraph(g, 'q8', 'cpu'), (e: unknown) => e instanceof CodedError && e.code === 'model_folder' && /no q8 graph \(model_int8\.onnx or model_quantized\.onnx.*rewardLens\.modelDtype/.test(e.message));
    assert.strictEqual(pickGraph(loadModelFolder(TINY), 'auto', 'cpu').file, 'model.onnx'); // only fp32: auto takes it
    assert.strictEqual(pickGraph(loadModelFolder(plain, 'model_fp16.onnx'), 'q4', 'cpu').file, 'model_fp16.onnx'); // an explicit file wins
  });

  it('fp16 and q4f16 run with float16 cache and logits; fp16 matches fp32, q4 is close but not equal', async () => {
    const fp32 = await logitsOf(plain, 'fp32');
    const fp16 = await logitsOf(plain, 'fp16');
    const q4 = await logitsOf(plain, 'q4');
    const q4f16 = await logitsOf(plain, 'q4f16');
    assert.strictEqual(fp16.lm.kvType, 'float16');
    assert.strictEqual(q4f16.lm.kvType, 'float16');
    assert.strictEqual(q4.lm.graph.file, 'model_q4.onnx');
    assert.ok(maxAbsDiff(fp32.prefill, fp16.prefill) < 5e-3, `fp16 ${maxAbsDiff(fp32.prefill, fp16.prefill)}`);
    assert.ok(maxAbsDiff(fp32.step, fp16.step) < 5e-3);
    const dq = maxAbsDiff(fp32.step, q4.step);
    assert.ok(dq > 1e-4 && dq < 0.5, `q4 vs fp32 ${dq}`);
    assert.ok(maxAbsDiff(q4.step, q4f16.step) < 5e-3);
    for (const x of [fp32, fp16, q4, q4f16]) await x.lm.dispose();
  });

  it('q4 with accuracy_level 4 (int8 activations, as onnxruntime-genai writes for the CPU) runs: near q4, not equal', async () => {
    const graph = fs.readFileSync(path.join(acc4, 'onnx', 'model_q4.onnx'));
    assert.ok(graph.includes('accuracy_level') && !fs.readFileSync(path.join(plain, 'onnx', 'model_q4.onnx')).includes('accuracy_level'));
    const q4 = await logitsOf(plain, 'q4');
    const a4 = await logitsOf(acc4, 'q4');
    // the same 4-bit weights; only the activations are quantised on the way in (onnxruntime's int8 kernels)
    const d = maxAbsDiff(q4.step, a4.step);
    assert.ok(d > 0 && d < 0.1, `accuracy_level 4 vs 0: ${d}`);
    const o = { prompts: [ids], numReturnSequences: 2, maxNewTokens: 8, sampling: { temperature: 0 }, eosTokenIds: [], padTokenId: 0, speculative: { maxDraft: 4 } };
    assert.strictEqual((await generate(a4.lm, o)).candidates.length, 2);
    await q4.lm.dispose();
    await a4.lm.dispose();
  });

  it('GroupQueryAttention graphs (seqlens_k, total_sequence_length) give the logits and tokens of the plain graph', async () => {
    for (const dtype of ['fp32', 'q4'] as const) {
      const a = await logitsOf(plain, dtype);
      const b = await logitsOf(gqa, dtype);
      assert.ok(maxAbsDiff(a.prefill, b.prefill) < 1e-4 && maxAbsDiff(a.step, b.step) < 1e-4, dtype);
      assert.strictEqual(b.lm.denseCache, true);
      // chunked prefill over a cache, tiling, dropping finished rows: the same greedy tokens
      const o = { prompts: [ids], numReturnSequences: 3, maxNewTokens: 12, sampling: { temperature: 0 }, eosTokenIds: [], padTokenId: 0, prefillChunkSize: 4, speculative: { maxDraft: 4 } };
      const ra = await generate(a.lm, o);
      const rb = await generate(b.lm, o);
      assert.deepStrictEqual(rb.candidates.map((c) => c.tokenIds), ra.candidates.map((c) => c.tokenIds));
      assert.strictEqual(rb.timings.draftedTokens, 0, 'no speculative holes in a GQA cache');
      // at batch 1 it drafts: multi-token passes over the cache, cut back to the accepted prefix, the same tokens
      const rep = [5, 9, 14, 3, 5, 9, 14, 3, 5, 9, 14, 3];
      const one = { ...o, prompts: [rep], numReturnSequences: 1, maxNewTokens: 16 };
      const pa = await generate(a.lm, { ...one, speculative: undefined });
      const pb = await generate(b.lm, one);
      assert.ok(pb.timings.draftedTokens > 0 && pb.timings.forwards < pa.timings.forwards, `${dtype}: ${pb.timings.forwards} vs ${pa.timings.forwards} passes`);
      assert.deepStrictEqual(pb.candidates.map((c) => c.tokenIds), pa.candidates.map((c) => c.tokenIds), `${dtype}, batch 1 drafting`);
      await assert.rejects(generate(b.lm, { ...o, prompts: [ids, ids.slice(2)] }), (e: unknown) => e instanceof CodedError && e.code === 'bad_request' && /same length/.test(e.message));
      await a.lm.dispose();
      await b.lm.dispose();
    }
  });

  it('GroupQueryAttention graphs fed attention_mask (lengths derived inside, as onnxruntime-genai exports) are found out on the first request that needs masked positions: no drafts above batch 1, the plain graph\'s tokens', async () => {
    assert.ok(fs.readFileSync(path.join(gqaMask, 'onnx', 'model.onnx')).includes('GroupQueryAttention'));
    const a = await logitsOf(plain, 'fp32');
    const b = await logitsOf(gqaMask, 'fp32');
    assert.ok(!b.lm.session.inputNames.includes('seqlens_k') && b.lm.session.inputNames.includes('attention_mask'));
    assert.ok(maxAbsDiff(a.prefill, b.prefill) < 1e-4 && maxAbsDiff(a.step, b.step) < 1e-4);
    assert.strictEqual(b.lm.denseCache, false, 'not probed yet: its inputs look like a plain export\'s');
    // a repetitive prompt: the tiny model copies it, so drafts are proposed and some rejected (holes in a mask cache)
    const rep = [5, 9, 14, 3, 5, 9, 14, 3, 5, 9, 14, 3];
    for (const n of [1, 4]) {
      const o = { prompts: [rep], numReturnSequences: n, maxNewTokens: 16, sampling: { temperature: 0 }, eosTokenIds: [], padTokenId: 0, prefillChunkSize: 4, speculative: { maxDraft: 4 } };
      const ra = await generate(a.lm, o);
      const rb = await generate(b.lm, o);
      assert.ok(ra.timings.draftedTokens > 0, 'the plain graph drafts on this prompt');
      assert.strictEqual(a.lm.denseCache, false, 'the probe passes the plain graph');
      assert.strictEqual(b.lm.denseCache, true, 'a mask with holes would be read as a shorter row');
      // batch 1 drafts with the cache cut back to the accepted prefix (no holes); above, no drafts
      assert.strictEqual(rb.timings.draftedTokens > 0, n === 1, `n=${n}: drafted ${rb.timings.draftedTokens}`);
      assert.deepStrictEqual(rb.candidates.map((c) => c.tokenIds), ra.candidates.map((c) => c.tokenIds), `n=${n}`);
    }
    await a.lm.dispose();
    await b.lm.dispose();
    // prompts of different lengths (left padding) also need masked positions: refused, not decoded wrongly
    const c = await OrtCausalLM.load(loadModelFolder(gqaMask), { executionProvider: 'cpu', threads: 1, dtype: 'fp32' });
    await assert.rejects(generate(c, { prompts: [ids, ids.slice(3)], numReturnSequences: 1, maxNewTokens: 4, sampling: { temperature: 0 }, eosTokenIds: [], padTokenId: 0 }),
      (e: unknown) => e instanceof CodedError && e.code === 'bad_request' && /same length/.test(e.message));
    await c.dispose();
  });

  it('the engine takes backend.dtype and reports the graph it ran', async () => {
    const engine = new InferenceEngine();
    try {
      const r = await engine.generate({ backend: parseBackend({ kind: 'onnx', modelPath: gqa, executionProvider: 'cpu', dtype: 'q4', threads: 1 }), prompt: 'SELECT', n: 2, temperature: 0.8, maxNewTokens: 6, seed: 2 });
      assert.strictEqual(r.model.onnxFile, 'model_q4.onnx');
      assert.strictEqual(r.model.dtype, 'q4');
      assert.strictEqual(r.candidates.length, 2);
    } finally {
      await engine.unload();
    }
    assert.throws(() => parseBackend({ kind: 'onnx', modelPath: '', dtype: 'int3' }), /backend\.dtype must be one of auto, fp32, fp16, q8, q4, q4f16/);
  });
});
