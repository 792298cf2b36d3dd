/**
 * The WebGPU path (CI: Mesa's lavapipe from bookworm-backports, Vulkan on the CPU). Skipped, with the reason printed,
 * only when no WebGPU adapter exists.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import { OrtCausalLM } from '../../../../src/worker/inference/ortModel';
import { loadModelFolder } from '../../../../src/worker/inference/modelFolder';
import { generate, type GenerateOptions } from '../../../../src/core/sampling/generate';
import { CodedError } from '../../../../src/core/errors';
import { TextTokenizer } from '../../../../src/worker/inference/tokenizer';
import { maxAbsDiff, TINY } from './helpers';

describe('WebGPU execution provider', function () {
  this.timeout(120000);
  let gpu: OrtCausalLM | undefined;
  let cpu: OrtCausalLM;
  before(async function () {
    process.env.XDG_RUNTIME_DIR ??= fs.mkdtempSync(`${os.tmpdir()}/xdg-`);
    const folder = loadModelFolder(TINY);
    cpu = await OrtCausalLM.load(folder, { executionProvider: 'cpu', threads: 1 });
    try {
      gpu = await OrtCausalLM.load(folder, { executionProvider: 'webgpu' });
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (e instanceof CodedError && e.code === 'model_load' && /adapter|vulkan|no WebGPU backend/i.test(msg)) {
        console.log(`    skipped: no WebGPU adapter (${msg}). Install Mesa's Vulkan drivers (bookworm-backports mesa-vulkan-drivers libvulkan1).`);
        this.skip();
      }
      throw e;
    }
  });
  after(async () => {
    await gpu?.dispose();
    await cpu?.dispose();
  });

  it('keeps the KV cache on the GPU and the logits on the CPU, agreeing with the CPU provider', async () => {
    const ids = [10, 275, 257, 46, 312, 44];
    const req = { inputIds: ids, batch: 1, seqLen: ids.length, attentionMask: ids.map(() => 1), positionIds: ids.map((_, i) => i), cache: null };
    const g = await gpu!.forward(req);
    const c = await cpu.forward(req);
    assert.strictEqual(gpu!.provider, 'webgpu');
    assert.strictEqual(g.cache.onCpu, false);
    for (const t of g.cache.tensors.values()) assert.strictEqual(t.location, 'gpu-buffer');
    assert.ok(maxAbsDiff(g.logits, c.logits) < 1e-3);
    // tile on the GPU, decode a batch of 3
    const tiled = await gpu!.selectRows(g.cache, [0, 0, 0]);
    const ctiled = await cpu.selectRows(c.cache, [0, 0, 0]);
    const step = { inputIds: [1, 2, 3], batch: 3, seqLen: 1, attentionMask: new Array(21).fill(1), positionIds: [6, 6, 6] };
    const g2 = await gpu!.forward({ ...step, cache: tiled });
    const c2 = await cpu.forward({ ...step, cache: ctiled });
    assert.ok(maxAbsDiff(g2.logits, c2.logits) < 1e-3);
    for (const x of [g.cache, tiled, g2.cache]) gpu!.release(x);
  });

  it('generates N candidates with tiling and compaction on the GPU, like the CPU provider', async () => {
    const tok = new TextTokenizer(loadModelFolder(TINY));
    const opts: GenerateOptions = {
      prompts: [tok.encode(tok.applyChatTemplate([{ role: 'user', content: 'count orders with amount above 100' }]))],
      numReturnSequences: 4, maxNewTokens: 30, sampling: { temperature: 0 }, seed: 3, eosTokenIds: [509, 511], padTokenId: 509,
    };
    const g = await generate(gpu!, opts);
    const c = await generate(cpu, opts);
    assert.deepStrictEqual(g.candidates.map((x) => x.tokenIds), c.candidates.map((x) => x.tokenIds));
    const sampled = await generate(gpu!, { ...opts, numReturnSequences: 6, sampling: { temperature: 1.2 } });
    assert.strictEqual(sampled.candidates.length, 6);
    assert.ok(sampled.timings.compactions >= 1 || new Set(sampled.candidates.map((x) => x.tokenCount)).size === 1);
  });
});
