/**
 * Decode cost against a floor measured in the same run (issue 14 item 4), on the bench shape (Qwen2.5-0.5B layers,
 * BENCH_LAYERS=4 / BENCH_VOCAB=32768 by default; build it with bench.ts, and its q4 variant with
 *   npx tsx scripts/make-tiny-model/buildOnnx.ts --preset qwen2.5-0.5b --layers 4 --vocab 32768 \
 *     --out build/bench/qwen2.5-0.5b-shape-L4-V32768 --tokenizer-from fixtures/tiny-model --variant q4;
 *   add --accuracy-level 4 and another --out for the int8-activation graph onnxruntime-genai writes for CPUs, and run
 *   this bench on it with BENCH_MODEL=that folder BENCH_VARIANTS=q4):
 *   - memory read bandwidth: Buffer.compare (memcmp) of two 256 MiB buffers, best of 3
 *   - per variant (fp32, q4): decode ms/step at batch 1 and 8 over a 512-token cache; floor = weight bytes read per
 *     step / bandwidth; one verify pass of k+1 = 5 tokens against one decode step
 *   - generate() end to end at N=1 and N=8 (BENCH_NEW tokens, temperature 0.8, top-p 0.95): tokens/s, forward
 *     passes, plain vs prompt-lookup speculative decoding (k=4)
 *   - what onnxruntime-node's output copies cost (fp32, batch 8, one decode step over a PROMPT + 64 cache): the same
 *     step with every output returned as now, with present.* and logits pre-allocated (`fetches` mapping names to
 *     tensors: present.* written into double buffers that become the next past.*, logits into a reused buffer), and
 *     with only the logits fetched (no cache comes back: not usable, the lower bound of removing the cache copy);
 *     wall and process CPU ms per step, onnxruntime's model_run from its profiler, and a check that three chained
 *     double-buffered steps give the plain path's logits
 *   - the sampler per row (vocab of the model, 8 rows of uniform logits in [-2, 2], temperature 0.8 and 1, top-p
 *     0.95): the distribution plus a separate rowLogSumExp for the token's raw log-prob (before) against the
 *     log-sum-exp the build sums on the way (now), interleaved
 *   - onnxruntime's thread spinning (OrtModelOptions.spinning: during-run, off, always), fp32: generate() at N=8
 *     (BENCH_NEW tokens), the three sessions loaded at once and BENCH_ROUNDS=4 requests each interleaved; decode and sampler ms
 *     per step (the sampler runs right after each forward, when spinning threads compete with it)
 * Usage: npx tsx bench/generate/decode.ts   (BENCH_NEW=32 BENCH_STEPS=8 BENCH_VARIANTS=fp32,q4; BENCH_COPIES=0 skips
 *   the output-copy block, BENCH_COPIES=only runs just it; BENCH_SAMPLER=only runs just the sampler block;
 *   BENCH_SPIN=only just the spinning block, BENCH_SPIN=0 skips it)
 */
import * as fs from 'fs';
import * as path from 'path';
import { generate } from '../../src/core/sampling/generate';
import { DistributionBuilder, rowLogSumExp } from '../../src/core/sampling/distribution';
import { processorsFor } from '../../src/core/sampling/logitsProcessors';
import { mulberry32 } from '../../src/core/sampling/rng';
import { loadModelFolder, type ModelDtype } from '../../src/worker/inference/modelFolder';
import { OrtCausalLM, type OrtCache } from '../../src/worker/inference/ortModel';
import type * as Ort from 'onnxruntime-node';
import { mallocLabel, rerunWithWorkerMalloc } from './malloc';

const REPO = path.resolve(__dirname, '..', '..');
const L = Number(process.env.BENCH_LAYERS ?? 4);
const VOCAB = Number(process.env.BENCH_VOCAB ?? 32768);
const DIR = process.env.BENCH_MODEL ?? path.join(REPO, 'build', 'bench', `qwen2.5-0.5b-shape-L${L}-V${VOCAB}`);
const PROMPT = Number(process.env.BENCH_PROMPT ?? 512);
const NEW = Number(process.env.BENCH_NEW ?? 32);
const STEPS = Number(process.env.BENCH_STEPS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
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

const med = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;

/** A titled markdown table: the header, its separator, then rows already formatted as `| ... |` lines. */
function printTable(title: string, header: string[], rows: readonly string[]): void {
  console.log(`\n${title}`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---|').join('')}`);
  for (const r of rows) console.log(r);
}

/** One decode step three ways (see the header); returns the table rows. */
async function outputCopies(folder: ReturnType<typeof loadModelFolder>): Promise<string[]> {
  const outDir = path.join(REPO, 'build', 'profile');
  fs.mkdirSync(outDir, { recursive: true });
  const prefix = path.join(outDir, `copies-${process.pid}`);
  const lm = await OrtCausalLM.load(folder, { executionProvider: 'cpu', dtype: 'fp32', profileFilePrefix: prefix });
  const ort = require('onnxruntime-node') as typeof Ort;
  const s = lm.session;
  const { numKeyValueHeads: Hk, headDim: D, vocabSize: V } = folder.config;
  const B = 8;
  const T = PROMPT + 64;
  const pasts = s.inputNames.filter((n) => n.startsWith('past_key_values.'));
  const presents = pasts.map((n) => n.replace('past_key_values.', 'present.'));
  const i64 = (n: number, f: (i: number) => number) => BigInt64Array.from({ length: n }, (_, i) => BigInt(f(i)));
  const feedsAt = (t: number, cache: Record<string, Ort.Tensor>) => ({
    input_ids: new ort.Tensor('int64', i64(B, (b) => 5 + b), [B, 1]),
    attention_mask: new ort.Tensor('int64', i64(B * (t + 1), () => 1), [B, t + 1]),
    position_ids: new ort.Tensor('int64', i64(B, () => t), [B, 1]),
    ...cache,
  });
  let seed = 1;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.2;
  const cache0: Record<string, Ort.Tensor> = {};
  for (const n of pasts) cache0[n] = new ort.Tensor('float32', Float32Array.from({ length: B * Hk * T * D }, rnd), [B, Hk, T, D]);
  // double buffers sized for three chained steps; a step's views are [B, Hk, len, D] prefixes of them
  const cap = B * Hk * (T + 3) * D;
  const bufs = pasts.map(() => [new Float32Array(cap), new Float32Array(cap)] as const);
  const logitsBuf = new Float32Array(B * V);
  const prealloc = (t: number, side: 0 | 1) => {
    const f: Record<string, Ort.Tensor> = { logits: new ort.Tensor('float32', logitsBuf, [B, 1, V]) };
    presents.forEach((n, i) => (f[n] = new ort.Tensor('float32', bufs[i]![side].subarray(0, B * Hk * (t + 1) * D), [B, Hk, t + 1, D])));
    return f;
  };
  const kinds = ['all outputs returned (ortModel)', 'present.* and logits pre-allocated', 'logits only (no cache back: lower bound)'] as const;
  const wall: number[][] = kinds.map(() => []);
  const cpu: number[][] = kinds.map(() => []);
  const order: number[] = [];
  let writtenInPlace = true;
  const feeds = feedsAt(T, cache0);
  for (let rep = -1; rep < STEPS; rep++) {
    for (let k = 0; k < kinds.length; k++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const out = k === 0 ? await s.run(feeds) : k === 1 ? await s.run(feeds, prealloc(T, 1)) : await s.run(feeds, ['logits']);
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      order.push(rep < 0 ? -1 : k);
      if (rep < 0) continue; // warm-up round
      wall[k]!.push(ms);
      cpu[k]!.push((c.user + c.system) / 1000);
      if (k === 1) {
        // the binding writes into our buffers and still returns a copy of each
        const back = out[presents[0]!]!.data as Float32Array;
        if (back.buffer === bufs[0]![1].buffer || back[7] !== bufs[0]![1][7] || (out.logits!.data as Float32Array)[3] !== logitsBuf[3]) writtenInPlace = false;
      }
    }
  }
  // three chained steps: plain outputs fed back vs double buffers (present written where the next past is read)
  let plain: Record<string, Ort.Tensor> = { ...cache0 };
  let plainLogits: Float32Array = new Float32Array(0);
  for (let j = 0; j < 3; j++) {
    const o = await s.run(feedsAt(T + j, plain));
    plain = Object.fromEntries(pasts.map((n, i) => [n, o[presents[i]!]!]));
    plainLogits = o.logits!.data as Float32Array;
    order.push(-1);
  }
  let past: Record<string, Ort.Tensor> = { ...cache0 };
  for (let j = 0; j < 3; j++) {
    const side = (j % 2) as 0 | 1;
    const f = prealloc(T + j, side);
    await s.run(feedsAt(T + j, past), f);
    past = Object.fromEntries(pasts.map((n, i) => [n, f[presents[i]!]!]));
    order.push(-1);
  }
  let diff = 0;
  for (let i = 0; i < logitsBuf.length; i++) diff = Math.max(diff, Math.abs(logitsBuf[i]! - plainLogits[i]!));
  lm.endProfiling();
  const trace = fs.readdirSync(outDir).filter((f) => f.startsWith(path.basename(prefix)) && f.endsWith('.json')).map((f) => path.join(outDir, f))[0]!;
  const runs = (JSON.parse(fs.readFileSync(trace, 'utf8')) as { cat?: string; name?: string; dur?: number }[])
    .filter((e) => e.cat === 'Session' && e.name === 'model_run').map((e) => (e.dur ?? 0) / 1000);
  const mine = runs.slice(runs.length - order.length); // the smoke test ran first
  const modelRun: number[][] = kinds.map((_, k) => mine.filter((_, i) => order[i] === k));
  await lm.dispose();
  const cacheMB = (pasts.length * B * Hk * (T + 1) * D * 4) / 1e6;
  const rows = kinds.map((name, k) => {
    const beyond = wall[k]!.map((w, i) => w - modelRun[k]![i]!);
    return `| ${name} | ${med(wall[k]!).toFixed(1)} | ${med(cpu[k]!).toFixed(1)} | ${med(modelRun[k]!).toFixed(1)} | ${med(beyond).toFixed(1)} | ${((100 * med(beyond)) / med(wall[k]!)).toFixed(1)}% |`;
  });
  rows.push('');
  rows.push(`present.* is ${cacheMB.toFixed(1)} MB per step (${pasts.length} tensors [${B}, ${Hk}, ${T + 1}, ${D}] float32), logits ${((B * V * 4) / 1e6).toFixed(1)} MB. ` +
    `Pre-allocated outputs written in place and returned as copies: ${writtenInPlace ? 'yes' : 'NO'}; three chained double-buffered steps vs plain: max |logit diff| ${diff.toExponential(1)}.`);
  return rows;
}

/** ms per row: build + sample + separate rowLogSumExp (before) vs build + sample reading rawLogSumExp (now). */
function samplerRows(V: number): string[] {
  const R = 8;
  const gen = mulberry32(11);
  const logits = Float32Array.from({ length: R * V }, () => (gen() - 0.5) * 4);
  const row = { index: 0, promptIds: [], generatedIds: [] };
  return [0.8, 1].map((temperature) => {
    const s = { temperature, topP: 0.95 };
    const d = new DistributionBuilder(s, processorsFor(s), 0);
    const rng = mulberry32(5);
    const before: number[] = [];
    const now: number[] = [];
    let lp0 = 0;
    let lp1 = 0;
    for (let rep = 0; rep < STEPS + 1; rep++) {
      let t = performance.now();
      for (let b = 0; b < R; b++) {
        const dist = d.build(logits, b * V, V, row);
        const tok = dist.sample(rng);
        lp0 += logits[b * V + tok]! - rowLogSumExp(logits, b * V, V);
      }
      if (rep > 0) before.push((performance.now() - t) / R);
      t = performance.now();
      for (let b = 0; b < R; b++) {
        const dist = d.build(logits, b * V, V, row);
        const tok = dist.sample(rng);
        lp1 += logits[b * V + tok]! - dist.rawLogSumExp!;
      }
      if (rep > 0) now.push((performance.now() - t) / R);
    }
    if (!Number.isFinite(lp0 + lp1)) throw new Error('non-finite log-probs');
    return `| ${temperature} | ${med(before).toFixed(2)} | ${med(now).toFixed(2)} | ${(med(before) / med(now)).toFixed(2)}x |`;
  });
}

async function spinningRows(folder: ReturnType<typeof loadModelFolder>, ids: number[]): Promise<string[]> {
  const kinds = ['during-run', 'off', 'always'] as const;
  const lms: OrtCausalLM[] = [];
  for (const spinning of kinds) lms.push(await OrtCausalLM.load(folder, { executionProvider: 'cpu', dtype: 'fp32', spinning }));
  const acc = kinds.map(() => ({ decode: [] as number[], sample: [] as number[], total: [] as number[], tokens: '' }));
  const run = (lm: OrtCausalLM, maxNewTokens: number) => generate(lm, {
    prompts: [ids], numReturnSequences: 8, maxNewTokens, sampling: { temperature: 0.8, topP: 0.95 }, seed: 1, eosTokenIds: [], padTokenId: folder.padTokenId, now: () => performance.now(),
  });
  for (const lm of lms) await run(lm, 2); // warm-up: the first request grows onnxruntime's arena
  for (let rep = 0; rep < ROUNDS; rep++) {
    for (let k = 0; k < kinds.length; k++) {
      const r = await run(lms[k]!, NEW);
      const t = r.timings;
      acc[k]!.decode.push(t.decodeMs / t.decodeSteps);
      acc[k]!.sample.push(t.sampleMs / (t.decodeSteps + 1));
      acc[k]!.total.push(t.totalMs);
      acc[k]!.tokens = JSON.stringify(r.candidates.map((c) => c.tokenIds));
    }
  }
  for (const lm of lms) await lm.dispose();
  const same = acc.every((a) => a.tokens === acc[0]!.tokens);
  const list = (xs: number[]) => `${med(xs).toFixed(1)} (${xs.map((x) => x.toFixed(0)).join(', ')})`;
  return kinds.map((k, i) => `| ${k}${k === 'during-run' ? ' (default above 4 cores)' : k === 'off' ? ' (default up to 4 cores)' : ' (before)'} | ${list(acc[i]!.decode)} | ${list(acc[i]!.sample)} | ${med(acc[i]!.total).toFixed(0)} | ${same ? 'yes' : 'NO'} |`);
}

async function main(): Promise<void> {
  const folder = loadModelFolder(DIR);
  const { vocabSize: V } = folder.config;
  const H = Number(folder.config.raw.hidden_size);
  const bw = bandwidthGBs();
  console.log(mallocLabel());
  console.log(`\n${path.basename(DIR)}; memory read bandwidth ${bw.toFixed(1)} GB/s (memcmp, one thread); load average ${loadavg()}`);
  const rows: string[] = [];
  const gen: string[] = [];
  const SAMPLER = process.env.BENCH_SAMPLER ?? '1';
  if (SAMPLER !== '0') {
    const sr = samplerRows(V);
    printTable(`Sampler per row, vocab ${V}, top-p 0.95, median of ${STEPS}; load average ${loadavg()}`,
      ['temperature', 'distribution + separate rowLogSumExp ms', 'distribution with its raw log-sum-exp ms', 'speed-up'], sr);
    if (SAMPLER === 'only') return;
  }
  const SPIN = process.env.BENCH_SPIN ?? '1';
  if (SPIN !== '0') {
    const ids = Array.from({ length: PROMPT }, (_, i) => (i * 7919 + 13) % (V - 8));
    const l0 = loadavg();
    const sr = await spinningRows(folder, ids);
    printTable(`onnxruntime thread spinning, fp32, generate() N=8, prompt ${PROMPT}, ${NEW} new tokens, temperature 0.8 top-p 0.95, ${ROUNDS} interleaved rounds after a warm-up; load average ${l0} -> ${loadavg()}`,
      ['spinning', 'decode ms/step, median (each round)', 'sampler ms/step, median (each round)', 'median total ms', 'same tokens'], sr);
    if (SPIN === 'only') return;
  }
  const COPIES = process.env.BENCH_COPIES ?? '1';
  if (COPIES !== '0') {
    const copies = await outputCopies(folder);
    printTable(`One decode step, fp32, batch 8, cache ${PROMPT + 64} positions, CPU provider, median of ${STEPS} (interleaved); load average ${loadavg()}`,
      ['outputs', 'wall ms/step', 'process CPU ms/step', 'onnxruntime model_run ms', 'session.run beyond model_run ms', 'beyond / wall'], copies);
    if (COPIES === 'only') return;
  }
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
        // GroupQueryAttention graphs keep a dense cache: speculative decoding only at batch 1 (the cache is cut back
        // to the accepted prefix; onnxruntime's CPU kernel refuses more than one new token per row over a cache at
        // batch > 1), so their verify pass is measured at batch 1 only
        if (!lm.denseCache || B === 1) five.push(await step(tiled, 5));
      }
      const verify = five.length === 0 ? '| n/a (dense cache, batch > 1) | - |' : `| ${med(five).toFixed(1)} | ${(med(five) / med(one)).toFixed(2)}x |`;
      rows.push(`| ${dtype} (${lm.graph.file}${lm.denseCache ? ', GroupQueryAttention' : ''}) | ${B} | ${(bytes / 1e6).toFixed(0)} | ${floorMs.toFixed(1)} | ${med(one).toFixed(1)} | ${(med(one) / floorMs).toFixed(1)}x ${verify}`);
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
  printTable(`Decode over a ${PROMPT}-token cache, CPU provider, median of ${STEPS}; floor = weight bytes per step / bandwidth`,
    ['variant', 'batch', 'weight MB/step', 'floor ms', 'decode ms/step', 'vs floor', 'verify pass (5 tokens) ms', 'verify / decode'], rows);
  printTable(`generate(): prompt ${PROMPT} tokens, ${NEW} new tokens per candidate (EOS ignored), temperature 0.8, top-p 0.95, random weights (drafts are rarely accepted)`,
    ['variant', 'N', 'decoding', 'total ms', 'prefill ms', 'ms/forward', 'forwards', 'tokens/row/forward', 'accepted/drafted', 'sampler ms/forward', 'tokens/s'], gen);
  console.log(`\nload average at the end ${loadavg()}`);
}

if (!rerunWithWorkerMalloc()) main().catch((e) => {
  console.error(e);
  process.exit(1);
});
