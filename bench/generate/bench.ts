/**
 * Generation benchmark: N=8 candidates for one 512-token prompt, 64 new tokens each (EOS ignored), on
 *   - the tiny model (fixtures/tiny-model) and
 *   - a Qwen2.5-0.5B-shaped random-weight model built here by scripts/make-tiny-model/buildOnnx.ts (not committed;
 *     BENCH_LAYERS / BENCH_VOCAB shrink it for small machines, defaults: the full 24 layers and 151936 vocab)
 * Reward Lens (prefill once, tile the KV cache 8 ways, one batch) against @huggingface/transformers generate() on
 * the same folder (8 copies of the prompt, since it ignores num_return_sequences), each case in its own process so
 * the peak RSS is its own. CPU provider, onnxruntime's default thread count for both.
 * Usage: npx tsx bench/generate/bench.ts   (one case: --case ours|ours-spec|baseline --model DIR [--prompt-ids FILE.json]
 * [--new N] [--k K]; BENCH_TINY_ONLY=1: tiny model only). copy.ts runs its copy-heavy workload through runCase.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { allocatorEnv } from '../../src/node/allocatorEnv';

const REPO = path.resolve(__dirname, '..', '..');
const N = 8;
const PROMPT = Number(process.env.BENCH_PROMPT ?? 512);
const NEW = Number(process.env.BENCH_NEW ?? 64);

export interface CaseResult {
  engine: string;
  loadMs: number;
  prefillMs: number | null;
  decodeMsPerStep: number | null;
  totalMs: number;
  newTokens: number;
  peakRssMb: number;
  /** Ours only: decode forward passes, prompt-lookup drafts proposed and kept. */
  forwards?: number;
  /** Ours only: the passes counted once per row they advanced (newTokens / rowForwards: tokens per pass per row). */
  rowForwards?: number;
  draftedTokens?: number;
  acceptedTokens?: number;
  /** Each row's generated ids (--case ... with --prompt-ids), for checking what the model wrote. */
  outputs?: number[][];
}

export interface CaseOptions {
  /** Prompt token ids; default: the synthetic PROMPT-token prompt. */
  ids?: number[];
  newTokens?: number;
  /** Prompt-lookup draft length for ours-spec (default 4). */
  k?: number;
}

function promptIds(vocab: number): number[] {
  return Array.from({ length: PROMPT }, (_, i) => (i * 7919 + 13) % (vocab - 8));
}

async function runOurs(dir: string, speculative = false, co: CaseOptions = {}): Promise<CaseResult> {
  const { loadModelFolder } = await import('../../src/worker/inference/modelFolder');
  const { OrtCausalLM } = await import('../../src/worker/inference/ortModel');
  const { generate } = await import('../../src/core/sampling/generate');
  const folder = loadModelFolder(dir);
  const t0 = performance.now();
  // the same graph as the baseline (model.onnx): the folder may also hold model_q4.onnx, which auto would take
  const lm = await OrtCausalLM.load(folder, { executionProvider: 'cpu', dtype: 'fp32' });
  const loadMs = performance.now() - t0;
  const ids = co.ids ?? promptIds(folder.config.vocabSize);
  const k = co.k ?? 4;
  const opts = { prompts: [ids], numReturnSequences: N, maxNewTokens: co.newTokens ?? NEW, sampling: { temperature: 0.8, topP: 0.95 }, seed: Number(process.env.BENCH_SEED ?? 1), eosTokenIds: [], padTokenId: folder.padTokenId, now: () => performance.now(),
    ...(speculative ? { speculative: { maxDraft: k } } : {}) };
  await generate(lm, { ...opts, prompts: [ids.slice(0, 16)], maxNewTokens: 2 }); // warm-up
  const r = await generate(lm, opts);
  const t = r.timings;
  return { engine: speculative ? `reward-lens + prompt lookup k=${k} (${(t.newTokens / N / Math.max(1, t.forwards)).toFixed(2)} tok/row/pass)` : 'reward-lens (prefill once, tile x8)', loadMs, prefillMs: t.prefillMs, decodeMsPerStep: t.decodeMs / Math.max(1, t.decodeSteps), totalMs: t.totalMs, newTokens: t.newTokens, peakRssMb: process.resourceUsage().maxRSS / 1024,
    forwards: t.forwards, rowForwards: t.rowForwards, draftedTokens: t.draftedTokens, acceptedTokens: t.acceptedTokens, ...(co.ids ? { outputs: r.candidates.map((c) => c.tokenIds) } : {}) };
}

async function runBaseline(dir: string, co: CaseOptions = {}): Promise<CaseResult> {
  const tf = await import('@huggingface/transformers');
  tf.env.allowRemoteModels = false;
  tf.env.localModelPath = path.dirname(path.resolve(dir)) + '/';
  const t0 = performance.now();
  const model = await tf.AutoModelForCausalLM.from_pretrained(path.basename(dir), { dtype: 'fp32', device: 'cpu' });
  const loadMs = performance.now() - t0;
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { vocab_size: number };
  const ids = co.ids ?? promptIds(cfg.vocab_size);
  const P = ids.length;
  const NEWT = co.newTokens ?? NEW;
  const mk = (rows: number, len: number, f: (i: number) => bigint) => new tf.Tensor('int64', BigInt64Array.from({ length: rows * len }, (_, i) => f(i)), [rows, len]);
  const gen = (rows: number, len: number, max: number) => model.generate({
    input_ids: mk(rows, len, (i) => BigInt(ids[i % len]!)), attention_mask: mk(rows, len, () => 1n),
    do_sample: true, temperature: 0.8, top_p: 0.95, max_new_tokens: max, min_new_tokens: max,
  } as never);
  await gen(1, 16, 2); // warm-up
  const t1 = performance.now();
  const out = (await gen(N, P, NEWT)) as { dims: number[] };
  const totalMs = performance.now() - t1;
  const newTokens = N * (out.dims[1]! - P);
  await (model as unknown as { dispose?: () => Promise<void> }).dispose?.();
  return { engine: '@huggingface/transformers generate (8 rows)', loadMs, prefillMs: null, decodeMsPerStep: null, totalMs, newTokens, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

function buildQwenShape(): { dir: string; label: string } {
  const layers = Number(process.env.BENCH_LAYERS ?? 24);
  const vocab = Number(process.env.BENCH_VOCAB ?? 151936);
  const dir = path.join(REPO, 'build', 'bench', `qwen2.5-0.5b-shape-L${layers}-V${vocab}`);
  const full = layers === 24 && vocab === 151936;
  const label = full ? 'Qwen2.5-0.5B shape (random)' : `Qwen2.5-0.5B shape, ${layers} layers, vocab ${vocab} (random)`;
  if (!fs.existsSync(path.join(dir, 'onnx', 'model.onnx'))) {
    const big = layers * 15e6 + vocab * 896 > 400e6;
    execFileSync(process.execPath, [require.resolve('tsx/cli'), path.join(REPO, 'scripts', 'make-tiny-model', 'buildOnnx.ts'), '--preset', 'qwen2.5-0.5b', '--layers', String(layers), '--vocab', String(vocab),
      '--out', dir, '--tokenizer-from', path.join(REPO, 'fixtures', 'tiny-model'), ...(big ? ['--external-data'] : [])], { stdio: 'inherit' });
    if (big) { // transformers.js reads external data only when told so
      const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
      cfg['transformers.js_config'] = { use_external_data_format: true };
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg, null, 2));
    }
  }
  return { dir, label };
}

/** One case in its own process (its peak RSS is its own); a prompt given as ids travels in a JSON file. */
export function runCase(kind: 'ours' | 'ours-spec' | 'baseline', dir: string, co: CaseOptions = {}): CaseResult {
  const extra: string[] = [];
  if (co.ids) {
    const f = path.join(REPO, 'build', 'bench', `prompt-${process.pid}.json`);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, JSON.stringify(co.ids));
    extra.push('--prompt-ids', f);
  }
  if (co.newTokens !== undefined) extra.push('--new', String(co.newTokens));
  if (co.k !== undefined) extra.push('--k', String(co.k));
  // Our cases run as the product's worker process does, with its glibc malloc settings (src/node/allocatorEnv.ts);
  // transformers.js as its users run it. BENCH_MALLOC=default: neither gets them; =all: both do.
  const tuned = process.env.BENCH_MALLOC === 'all' || (process.env.BENCH_MALLOC !== 'default' && kind !== 'baseline');
  const env = { ...process.env, ...(tuned ? allocatorEnv(process.env, process.platform) : {}) };
  const out = execFileSync(process.execPath, [require.resolve('tsx/cli'), __filename, '--case', kind, '--model', dir, ...extra], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24, env });
  const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error(`no result from the ${kind} case on ${dir}`);
  return JSON.parse(line) as CaseResult;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const ci = argv.indexOf('--case');
  if (ci >= 0) {
    const dir = argv[argv.indexOf('--model') + 1]!;
    const kind = argv[ci + 1];
    const arg = (name: string): string | undefined => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
    const pf = arg('--prompt-ids');
    const co: CaseOptions = { ...(pf ? { ids: JSON.parse(fs.readFileSync(pf, 'utf8')) as number[] } : {}),
      ...(arg('--new') ? { newTokens: Number(arg('--new')) } : {}), ...(arg('--k') ? { k: Number(arg('--k')) } : {}) };
    const r = kind === 'ours' ? await runOurs(dir, false, co) : kind === 'ours-spec' ? await runOurs(dir, true, co) : await runBaseline(dir, co);
    process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  const models = [{ dir: path.join(REPO, 'fixtures', 'tiny-model'), label: 'tiny-model (0.36M)' }];
  if (process.env.BENCH_TINY_ONLY !== '1') models.push(buildQwenShape()); // BENCH_TINY_ONLY=1: a quick run
  const rows: string[][] = [];
  for (const m of models) {
    const ours = runCase('ours', m.dir);
    const spec = runCase('ours-spec', m.dir);
    const base = runCase('baseline', m.dir);
    for (const r of [ours, spec, base]) {
      rows.push([m.label, r.engine, r.prefillMs === null ? '-' : r.prefillMs.toFixed(0), r.decodeMsPerStep === null ? '-' : r.decodeMsPerStep.toFixed(1),
        r.totalMs.toFixed(0), (r.newTokens / (r.totalMs / 1000)).toFixed(1), r.peakRssMb.toFixed(0), r === base ? '1.00x' : `${(base.totalMs / r.totalMs).toFixed(2)}x`]);
    }
  }
  const head = ['model', 'engine', 'prefill ms', 'decode ms/step', 'total ms', 'new tok/s', 'peak RSS MB', 'speed-up'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(w[i]!)).join(' | ') + ' |';
  console.log(`\nload average ${require('fs').readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}; N=${N}, prompt ${PROMPT} tokens, ${NEW} new tokens per candidate (EOS ignored), CPU provider, ${require('os').cpus().length} cores, onnxruntime-node ${require('onnxruntime-node/package.json').version}`);
  console.log(line(head));
  console.log('|' + w.map((x) => '-'.repeat(x + 2)).join('|') + '|');
  for (const r of rows) console.log(line(r));
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
