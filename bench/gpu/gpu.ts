/**
 * Issue 14 item 6: decode ms/step of the Qwen2.5-0.5B shape on WebGPU (the KV cache kept on the GPU, logits to the
 * CPU, as the worker runs it) against the same machine's CPU provider, for the fp32 and q4f16 variants, batch 1 and
 * 8, and generate() end to end at N=1 and N=8; plus a check that WebGPU's logits agree with the CPU's.
 *
 * Built to run once on a lent GPU machine that has neither Node.js nor a Vulkan loader: bench/gpu/make_carry.sh
 * bundles this file with esbuild and packs node, onnxruntime-node and Debian's libvulkan1 into build/gpu-carry/;
 * bench/gpu/run.sh unpacks them there and runs it (bench/gpu/README.md). Here it checks itself on a small shape
 * (WebGPU on Mesa's lavapipe, so its WebGPU numbers mean nothing here):
 *   BENCH_GPU_LAYERS=2 BENCH_GPU_VOCAB=4096 npx tsx bench/gpu/gpu.ts
 * The model: random weights, built in this process by scripts/make-tiny-model/buildOnnx.ts (same seed for both
 * variants), tokenizer from fixtures/tiny-model. Env: BENCH_GPU_LAYERS (24), BENCH_GPU_VOCAB (151936), BENCH_PROMPT
 * (128, the prompt length of the earlier H100 measurement in ../shared/PLATFORM.md), BENCH_STEPS (16),
 * BENCH_NEW (32, generate()), BENCH_GPU_DIR (where the folder is built; default the OS temp dir),
 * BENCH_PROVIDERS (cpu,webgpu), BENCH_VARIANTS (fp32,q4f16), OUT (a folder for results.json and results.md).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildModel, PRESETS, type BuildOptions } from '../../scripts/make-tiny-model/buildOnnx';
import { generate } from '../../src/core/sampling/generate';
import { loadModelFolder, type ModelDtype } from '../../src/worker/inference/modelFolder';
import { OrtCausalLM, type OrtCache } from '../../src/worker/inference/ortModel';
import type { ProviderName } from '../../src/worker/inference/providers';

const L = Number(process.env.BENCH_GPU_LAYERS ?? 24);
const V = Number(process.env.BENCH_GPU_VOCAB ?? 151936);
const PROMPT = Number(process.env.BENCH_PROMPT ?? 128);
const STEPS = Number(process.env.BENCH_STEPS ?? 16);
const NEW = Number(process.env.BENCH_NEW ?? 32);
const PROVIDERS = (process.env.BENCH_PROVIDERS ?? 'cpu,webgpu').split(',') as ProviderName[];
const VARIANTS = (process.env.BENCH_VARIANTS ?? 'fp32,q4f16').split(',') as ('fp32' | 'q4f16')[];
const TOKENIZER = path.resolve(__dirname, '..', '..', 'fixtures', 'tiny-model');
const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface StepRow { provider: string; variant: string; batch: number; decodeMs: number; prefillMs: number; loadMs: number; maxAbsDiffVsCpu: number | null }
interface GenRow { provider: string; variant: string; n: number; totalMs: number; prefillMs: number; msPerForward: number; tokensPerSecond: number }

function buildFolder(): string {
  const dir = path.join(process.env.BENCH_GPU_DIR ?? os.tmpdir(), `reward-lens-gpu-bench-L${L}-V${V}`);
  const base = PRESETS['qwen2.5-0.5b']!;
  for (const variant of VARIANTS) {
    const file = path.join(dir, 'onnx', variant === 'fp32' ? 'model.onnx' : 'model_q4f16.onnx');
    if (fs.existsSync(file)) continue;
    const t0 = Date.now();
    const o: BuildOptions = {
      out: dir, vocab: V, hidden: base.hidden!, inter: base.inter!, layers: L, heads: base.heads!, kvHeads: base.kvHeads!, ropeTheta: base.ropeTheta!,
      seed: 1, kvDtype: 'float32', externalData: true, tokenizerFrom: TOKENIZER, variant,
    };
    const r = buildModel(o);
    console.log(`built ${variant}: ${(r.params / 1e6).toFixed(0)}M params, ${(r.bytes / 1e6).toFixed(0)} MB in ${Date.now() - t0} ms`);
  }
  return dir;
}

async function main(): Promise<void> {
  const load0 = loadavg();
  const dir = buildFolder();
  const folder = loadModelFolder(dir);
  const ids = Array.from({ length: PROMPT }, (_, i) => (i * 7919 + 13) % (V - 8));
  const steps: StepRow[] = [];
  const gens: GenRow[] = [];
  const notes: string[] = [];
  const cpuLogits = new Map<string, Float32Array>();
  for (const variant of VARIANTS) {
    for (const provider of PROVIDERS) {
      const t0 = performance.now();
      let lm: OrtCausalLM;
      try {
        lm = await OrtCausalLM.load(folder, { executionProvider: provider, dtype: variant as ModelDtype });
      } catch (e) {
        notes.push(`${provider} ${variant}: ${e instanceof Error ? e.message : String(e)}`);
        console.log(`! ${notes[notes.length - 1]}`);
        continue;
      }
      const loadMs = performance.now() - t0;
      for (const B of [1, 8]) {
        // prefill B copies of the prompt (a GPU-resident cache cannot be tiled without a trip to the CPU)
        const tp = performance.now();
        const pre = await lm.forward({ inputIds: Array.from({ length: B }, () => ids).flat(), batch: B, seqLen: PROMPT, attentionMask: new Array<number>(B * PROMPT).fill(1), positionIds: Array.from({ length: B }, () => ids.map((_, i) => i)).flat(), cache: null });
        const prefillMs = performance.now() - tp;
        let cache: OrtCache = pre.cache;
        const times: number[] = [];
        let first: Float32Array | null = null;
        for (let s = 0; s <= STEPS; s++) {
          const T = cache.pastLen + 1;
          const t1 = performance.now();
          const r = await lm.forward({ inputIds: new Array<number>(B).fill(5 + s), batch: B, seqLen: 1, attentionMask: new Array<number>(B * T).fill(1), positionIds: new Array<number>(B).fill(cache.pastLen), cache });
          const ms = performance.now() - t1;
          lm.release(cache);
          cache = r.cache;
          if (s === 0) first = r.logits.slice(0, V); // step 0 is the warm-up; its row-0 logits are compared across providers
          else times.push(ms);
        }
        lm.release(cache);
        const key = `${variant}/${B}`;
        let diff: number | null = null;
        if (lm.provider === 'cpu') cpuLogits.set(key, first!);
        else if (cpuLogits.has(key)) {
          const ref = cpuLogits.get(key)!;
          diff = 0;
          for (let i = 0; i < V; i++) diff = Math.max(diff, Math.abs(ref[i]! - first![i]!));
        }
        steps.push({ provider: lm.provider, variant: `${variant} (${lm.graph.file})`, batch: B, decodeMs: med(times), prefillMs, loadMs, maxAbsDiffVsCpu: diff });
        console.log(`${lm.provider} ${variant} batch ${B}: ${med(times).toFixed(1)} ms/step`);
      }
      for (const N of [1, 8]) {
        const r = await generate(lm, { prompts: [ids], numReturnSequences: N, maxNewTokens: NEW, sampling: { temperature: 0.8, topP: 0.95 }, seed: 1, eosTokenIds: [], padTokenId: folder.padTokenId, now: () => performance.now() });
        const t = r.timings;
        gens.push({ provider: lm.provider, variant, n: N, totalMs: t.totalMs, prefillMs: t.prefillMs, msPerForward: t.decodeMs / Math.max(1, t.forwards), tokensPerSecond: (t.newTokens * 1000) / t.totalMs });
      }
      await lm.dispose();
    }
  }
  const md: string[] = [];
  md.push(`Qwen2.5-0.5B shape, ${L} layers, vocab ${V}, random weights; prompt ${PROMPT} tokens, median of ${STEPS} decode steps; ${os.cpus().length} CPU cores (${os.cpus()[0]?.model ?? '?'}); onnxruntime-node ${require('onnxruntime-node/package.json').version}; load average ${load0} -> ${loadavg()}`);
  md.push('', '| provider | variant | batch | decode ms/step | vs CPU, same variant and batch | prefill ms | session load ms | max abs logit diff vs CPU |', '|---|---|---|---|---|---|---|---|');
  for (const s of steps) {
    const cpu = steps.find((c) => c.provider === 'cpu' && c.variant === s.variant && c.batch === s.batch);
    md.push(`| ${s.provider} | ${s.variant} | ${s.batch} | ${s.decodeMs.toFixed(1)} | ${cpu && s !== cpu ? `${(cpu.decodeMs / s.decodeMs).toFixed(2)}x` : '-'} | ${s.prefillMs.toFixed(0)} | ${s.loadMs.toFixed(0)} | ${s.maxAbsDiffVsCpu === null ? '-' : s.maxAbsDiffVsCpu.toExponential(1)} |`);
  }
  md.push('', `generate(): ${NEW} new tokens per candidate (EOS ignored), temperature 0.8, top-p 0.95`, '', '| provider | variant | N | total ms | prefill ms | ms/forward | tokens/s |', '|---|---|---|---|---|---|---|');
  for (const g of gens) md.push(`| ${g.provider} | ${g.variant} | ${g.n} | ${g.totalMs.toFixed(0)} | ${g.prefillMs.toFixed(0)} | ${g.msPerForward.toFixed(1)} | ${g.tokensPerSecond.toFixed(1)} |`);
  if (notes.length) md.push('', ...notes.map((n) => `- not run: ${n}`));
  console.log('\n' + md.join('\n'));
  if (process.env.OUT) {
    fs.mkdirSync(process.env.OUT, { recursive: true });
    fs.writeFileSync(path.join(process.env.OUT, 'results.md'), md.join('\n') + '\n');
    fs.writeFileSync(path.join(process.env.OUT, 'results.json'), JSON.stringify({ steps, gens, notes }, null, 2));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
