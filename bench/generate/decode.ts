/**
 * Decode cost against a floor measured in the same run (issue 14 item 4), on the bench shape (Qwen2.5-0.5B layers,
 * BENCH_LAYERS=4 / BENCH_VOCAB=32768 by default; build it with bench.ts, and its q4 variant with
 *   npx tsx scripts/make-tiny-model/buildOnnx.ts --preset qwen2.5-0.5b --layers 4 --vocab 32768 \
 *     --out build/bench/qwen2.5-0.5b-shape-L4-V32768 --tokenizer-from fixtures/tiny-model --variant q4):
 *   - memory read bandwidth: Buffer.compare (memcmp) of two 256 MiB buffers, best of 3
 *   - per variant (fp32, q4): decode ms/step at batch 1 and 8 over a 512-token cache; floor = weight bytes read per
 *     step / bandwidth; one verify pass of k+1 = 5 tokens against one decode step
 *   - generate() end to end at N=1 and N=8 (BENCH_NEW tokens, temperature 0.8, top-p 0.95): tokens/s, forward
 *     passes, plain vs prompt-lookup speculative decoding (k=4)
 * Usage: npx tsx bench/generate/decode.ts   (BENCH_NEW=32 BENCH_STEPS=8 BENCH_VARIANTS=fp32,q4)
 */
import * as fs from 'fs';
import * as path from 'path';
import { generate } from '../../src/core/sampling/generate';
import { loadModelFolder, type ModelDtype } from '../../src/worker/inference/modelFolder';
import { OrtCausalLM, type OrtCache } from '../../src/worker/inference/ortModel';

const REPO = path.resolve(__dirname, '..', '..');
const L = Number(process.env.BENCH_LAYERS ?? 4);
const VOCAB = Number(process.env.BENCH_VOCAB ?? 32768);
const DIR = process.env.BENCH_MODEL ?? path.join(REPO, 'build', 'bench', `qwen2.5-0.5b-shape-L${L}-V${VOCAB}`);
const PROMPT = Number(process.env.BENCH_PROMPT ?? 512);
const NEW = Number(process.env.BENCH_NEW ?? 32);
const STEPS = Number(process.env.BENCH_STEPS ?? 8);
const VARIANTS = (process.env.BENCH_VARIANTS ?? 'fp32,q4').split(',') as ModelDtype[];
const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function bandwidthGBs(): number {
  const n = 256 * 1024 * 1024;
  const a = Buffer.alloc(n, 7);
  const b = Buffer.alloc(n, 7);
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    if (Buffer.compare(a, b) !== 0) throw new Error('unequal');
    best = Math.min(best, performance.now() - t0);
  }
  return (2 * n) / (best / 1000) / 1e9;
}

/** Bytes of weights one decode step reads: every graph initializer except the embedding rows Gather skips. */
function weightBytes(file: string, dtype: ModelDtype, V: number, H: number): number {
  const dir = path.dirname(file);
  let bytes = fs.statSync(file).size;
  for (const f of fs.readdirSync(dir)) if (f.startsWith(path.basename(file) + '_data')) bytes += fs.statSync(path.join(dir, f)).size;
  // q4: the fp32 embedding table only feeds Gather (a few rows per step); its LM head is a separate 4-bit copy
  return dtype === 'q4' ? bytes - V * H * 4 : bytes;
}

async function main(): Promise<void> {
  const folder = loadModelFolder(DIR);
  const { vocabSize: V } = folder.config;
  const H = Number(folder.config.raw.hidden_size);
  const bw = bandwidthGBs();
  console.log(`\n${path.basename(DIR)}; memory read bandwidth ${bw.toFixed(1)} GB/s (memcmp, one thread); load average ${loadavg()}`);
  const rows: string[] = [];
  const gen: string[] = [];
  for (const dtype of VARIANTS) {
    const lm = await OrtCausalLM.load(folder, { executionProvider: 'cpu', dtype });
    const bytes = weightBytes(lm.graph.path, dtype, V, H);
    const floorMs = (bytes / (bw * 1e9)) * 1000;
    const ids = Array.from({ length: PROMPT }, (_, i) => (i * 7919 + 13) % (V - 8));
    for (const B of [1, 8]) {
      // prefill once, tile B ways
      let cache: OrtCache | null = null;
      for (let s = 0; s < PROMPT; s += 256) {
        const e = Math.min(PROMPT, s + 256);
        const r = await lm.forward({ inputIds: ids.slice(s, e), batch: 1, seqLen: e - s, attentionMask: new Array<number>(e).fill(1), positionIds: ids.slice(s, e).map((_, i) => s + i), cache });
        if (cache) lm.release(cache);
        cache = r.cache;
      }
      const tiled = B > 1 ? await lm.selectRows(cache!, new Array<number>(B).fill(0)) : cache!;
      const step = async (c: OrtCache, S: number) => {
        const T = c.pastLen + S;
        const t0 = performance.now();
        const r = await lm.forward({ inputIds: new Array<number>(B * S).fill(5), batch: B, seqLen: S, attentionMask: new Array<number>(B * T).fill(1), positionIds: Array.from({ length: B * S }, (_, i) => c.pastLen + (i % S)), cache: c, allPositions: S > 1 });
        const ms = performance.now() - t0;
        lm.release(r.cache);
        return ms;
      };
      await step(tiled, 1); // warm-up
      const one: number[] = [];
      const five: number[] = [];
      for (let i = 0; i < STEPS; i++) {
        one.push(await step(tiled, 1));
        five.push(await step(tiled, 5));
      }
      const med = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;
      rows.push(`| ${dtype} (${lm.graph.file}) | ${B} | ${(bytes / 1e6).toFixed(0)} | ${floorMs.toFixed(1)} | ${med(one).toFixed(1)} | ${(med(one) / floorMs).toFixed(1)}x | ${med(five).toFixed(1)} | ${(med(five) / med(one)).toFixed(2)}x |`);
      lm.release(tiled);
      if (tiled !== cache) lm.release(cache!);
    }
    for (const N of [1, 8]) {
      for (const spec of [false, true]) {
        const r = await generate(lm, {
          prompts: [ids], numReturnSequences: N, maxNewTokens: NEW, sampling: { temperature: 0.8, topP: 0.95 }, seed: 1, eosTokenIds: [], padTokenId: folder.padTokenId,
          now: () => performance.now(), ...(spec ? { speculative: { maxDraft: 4 } } : {}),
        });
        const t = r.timings;
        gen.push(`| ${dtype} | ${N} | ${spec ? 'prompt lookup, k=4' : 'plain'} | ${t.totalMs.toFixed(0)} | ${t.prefillMs.toFixed(0)} | ${(t.decodeMs / Math.max(1, t.forwards)).toFixed(1)} | ${t.forwards} | ${(t.newTokens / N / Math.max(1, t.forwards)).toFixed(2)} | ${t.acceptedTokens}/${t.draftedTokens} | ${(t.sampleMs / Math.max(1, t.forwards)).toFixed(1)} | ${((t.newTokens * 1000) / t.totalMs).toFixed(1)} |`);
      }
    }
    await lm.dispose();
  }
  console.log(`\nDecode over a ${PROMPT}-token cache, CPU provider, median of ${STEPS}; floor = weight bytes per step / bandwidth`);
  console.log('| variant | batch | weight MB/step | floor ms | decode ms/step | vs floor | verify pass (5 tokens) ms | verify / decode |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  console.log(`\ngenerate(): prompt ${PROMPT} tokens, ${NEW} new tokens per candidate (EOS ignored), temperature 0.8, top-p 0.95, random weights (drafts are rarely accepted)`);
  console.log('| variant | N | decoding | total ms | prefill ms | ms/forward | forwards | tokens/row/forward | accepted/drafted | sampler ms/forward | tokens/s |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of gen) console.log(r);
  console.log(`\nload average at the end ${loadavg()}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
