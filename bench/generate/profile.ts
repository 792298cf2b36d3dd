/**
 * Profile of one whole generate request (issue 14 item 1): our own timings around every stage plus onnxruntime's
 * profiler (Chrome trace JSON, kernel time per op type and model_run per forward), on the bench model.
 *   BENCH_MODEL=DIR (default build/bench/qwen2.5-0.5b-shape-L4-V32768, built by bench.ts) BENCH_PROMPT=512
 *   BENCH_NEW=64 BENCH_N=8 npx tsx bench/generate/profile.ts
 * Runs the request twice in one process, the old path (every output fetched, as REWARD_LENS_ORT_FETCH_ALL=1) and the
 * new one (prefill chunks before the last fetch only present.*), same seed: same tokens (checked and printed).
 * Prints a breakdown table (ms) for the README; the trace stays in build/profile/.
 */
import * as fs from 'fs';
import * as path from 'path';
import { generate } from '../../src/core/sampling/generate';
import { loadModelFolder } from '../../src/worker/inference/modelFolder';
import { OrtCausalLM } from '../../src/worker/inference/ortModel';
import { TextTokenizer } from '../../src/worker/inference/tokenizer';
import { mallocLabel, rerunWithWorkerMalloc } from './malloc';

const REPO = path.resolve(__dirname, '..', '..');
const DIR = process.env.BENCH_MODEL ?? path.join(REPO, 'build', 'bench', 'qwen2.5-0.5b-shape-L4-V32768');
const PROMPT = Number(process.env.BENCH_PROMPT ?? 512);
const NEW = Number(process.env.BENCH_NEW ?? 64);
const N = Number(process.env.BENCH_N ?? 8);
const SPEC = process.env.BENCH_SPEC === '1';
/** An extra (no-op) processor forces the general sampler path: processors over a copy of each row, then sampling. */
const SLOW = process.env.BENCH_SLOW_SAMPLER === '1';

interface TraceEvent { cat?: string; name?: string; dur?: number; ph?: string; args?: { op_name?: string } }

interface Breakdown {
  rows: [string, number][];
  steps: string;
}

async function main(): Promise<void> {
  const head: [string, number][] = [];
  const t0 = performance.now();
  const folder = loadModelFolder(DIR);
  const tok = new TextTokenizer(folder);
  head.push(['read folder + tokenizer', performance.now() - t0]);
  const outDir = path.join(REPO, 'build', 'profile');
  fs.mkdirSync(outDir, { recursive: true });
  const t1 = performance.now();
  const lm = await OrtCausalLM.load(folder, { executionProvider: 'cpu', profileFilePrefix: path.join(outDir, 'ort') });
  head.push(['load (session create + smoke test)', performance.now() - t1]);
  const t2 = performance.now();
  const text = 'SELECT name, price FROM products ORDER BY price DESC;\n'.repeat(Math.ceil(PROMPT / 10));
  let ids = tok.encode(tok.applyChatTemplate([{ role: 'user', content: text }]));
  ids = ids.slice(ids.length - PROMPT);
  head.push(['chat template + encode', performance.now() - t2]);
  const prefillChunks = Math.ceil(PROMPT / 256);

  // One request; per forward: its index among the session's runs (to find model_run in the trace) and session.run ms.
  const request = async (fetchAll: boolean) => {
    lm.fetchAllOutputs = fetchAll;
    const before = { ...lm.stats };
    const forwards: { index: number; runMs: number }[] = [];
    let tileMs = 0;
    let prefillDone = false;
    const m = Object.create(lm) as OrtCausalLM;
    m.forward = async (req) => {
      const index = lm.stats.forwards;
      const r0 = lm.stats.runMs;
      const r = await lm.forward(req);
      forwards.push({ index, runMs: lm.stats.runMs - r0 });
      if (req.seqLen === 1 || req.allPositions) prefillDone = true;
      return r;
    };
    m.selectRows = async (c, rows) => {
      const s0 = performance.now();
      const r = await lm.selectRows(c, rows);
      if (!prefillDone) tileMs += performance.now() - s0;
      return r;
    };
    const r = await generate(m, {
      prompts: [ids], numReturnSequences: N, maxNewTokens: NEW, sampling: { temperature: 0.8, topP: 0.95 }, seed: 1,
      eosTokenIds: [], padTokenId: folder.padTokenId, decode: (x) => tok.decode(x), now: () => performance.now(),
      ...(SPEC ? { speculative: { maxDraft: 4, ngram: 3 } } : {}),
      ...(SLOW ? { logitsProcessors: [{ name: 'noop', process: () => undefined }] } : {}),
    } as Parameters<typeof generate>[1]);
    lm.fetchAllOutputs = false;
    const d = (k: keyof typeof lm.stats) => lm.stats[k] - before[k];
    return { t: r.timings, forwards, tileMs, feedMs: d('feedMs'), logitsMs: d('logitsMs'), selectMs: d('selectMs'), tokens: r.candidates.map((c) => c.tokenIds.join()) };
  };
  // old path first, then the new one (BENCH_ORDER=new,old to swap): the same seed, so the same tokens
  const order = (process.env.BENCH_ORDER ?? 'old,new').split(',');
  const results = new Map<string, Awaited<ReturnType<typeof request>>>();
  const loads = new Map<string, string>();
  for (const k of order) {
    results.set(k, await request(k === 'old'));
    loads.set(k, fs.readFileSync('/proc/loadavg', 'utf8').trim().split(' ')[0]!);
  }
  lm.endProfiling();
  const traceFile = fs.readdirSync(outDir).filter((f) => f.startsWith('ort_') && f.endsWith('.json')).map((f) => path.join(outDir, f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0]!;
  await lm.dispose();

  const trace = JSON.parse(fs.readFileSync(traceFile, 'utf8')) as TraceEvent[];
  const runs = trace.filter((e) => e.cat === 'Session' && e.name === 'model_run').map((e) => (e.dur ?? 0) / 1000);
  const byOp = new Map<string, number>();
  let kernels = 0;
  for (const e of trace) {
    if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time')) continue;
    const op = e.args?.op_name ?? '?';
    byOp.set(op, (byOp.get(op) ?? 0) + (e.dur ?? 0) / 1000);
    kernels += (e.dur ?? 0) / 1000;
  }
  const breakdown = (x: Awaited<ReturnType<typeof request>>): Breakdown => {
    const { t } = x;
    const pre = x.forwards.slice(0, prefillChunks);
    const dec = x.forwards.slice(prefillChunks);
    const ortOf = (fs: typeof pre) => fs.reduce((a, f) => a + runs[f.index]!, 0);
    const runOf = (fs: typeof pre) => fs.reduce((a, f) => a + f.runMs, 0);
    const rows: [string, number][] = [
      ['request total (generate())', t.totalMs],
      [`  prefill, ${prefillChunks} chunks of 256, incl. tile x${N}`, t.prefillMs],
      ['    onnxruntime model_run', ortOf(pre)],
      ['    session.run beyond model_run (binding: output copies into JS)', runOf(pre) - ortOf(pre)],
      [`    tiling the cache ${N} ways (JS copies)`, x.tileMs],
      [`  decode forwards (${t.decodeSteps} steps)`, t.decodeMs],
      ['    onnxruntime model_run (graph)', ortOf(dec)],
      ['    session.run beyond model_run (binding: present.* and logits copied into JS)', runOf(dec) - ortOf(dec)],
      ['    building feeds, all forwards', x.feedMs],
      ['    taking logits out, all forwards', x.logitsMs],
      ['    dropping finished rows (cache copies)', Math.max(0, x.selectMs - x.tileMs)],
      ['  sampler: processors, sampling, log-probs, stop checks', t.sampleMs],
      ['  other (loop bookkeeping)', t.totalMs - t.prefillMs - t.decodeMs - t.sampleMs],
    ];
    const steps = `decode ${(t.decodeMs / Math.max(1, t.decodeSteps)).toFixed(1)} ms/step, of which beyond model_run ${((runOf(dec) - ortOf(dec)) / Math.max(1, dec.length)).toFixed(1)}; sampler ${(t.sampleMs / Math.max(1, t.decodeSteps + 1)).toFixed(1)} ms/step`;
    return { rows, steps };
  };
  const keys = [...results.keys()];
  const label = (k: string) => (k === 'old' ? 'old path: every output fetched' : 'new path: no logits for prefill chunks before the last') + ` (load ${loads.get(k)})`;
  const bs = keys.map((k) => breakdown(results.get(k)!));
  const load = fs.readFileSync('/proc/loadavg', 'utf8').trim().split(' ').slice(0, 3).join(' ');
  console.log(mallocLabel());
  console.log(`\n${path.basename(DIR)}: N=${N}, prompt ${ids.length} tokens, ${NEW} new tokens, temperature 0.8 top-p 0.95, CPU, load average at the end ${load}${SPEC ? ', speculative' : ''}${SLOW ? ', general sampler path' : ', fast sampler path'}`);
  console.log(`| stage (ms) | ${keys.map(label).join(' | ')} |\n|---|${keys.map(() => '---|').join('')}`);
  for (const [k, v] of head) console.log(`| ${k} | ${v.toFixed(0)} |${keys.slice(1).map(() => ' |').join('')}`);
  for (let i = 0; i < bs[0]!.rows.length; i++) console.log(`| ${bs[0]!.rows[i]![0]} | ${bs.map((b) => b.rows[i]![1].toFixed(0)).join(' | ')} |`);
  for (let i = 0; i < keys.length; i++) console.log(`${label(keys[i]!)}: ${bs[i]!.steps}`);
  const tok0 = results.get(keys[0]!)!.tokens;
  console.log(`tokens identical across the runs: ${keys.every((k) => JSON.stringify(results.get(k)!.tokens) === JSON.stringify(tok0))}`);
  const ops = [...byOp.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10);
  console.log('\nonnxruntime kernel time by op type (all runs of the session, ms):\n| op | ms | share |\n|---|---|---|');
  for (const [op, ms] of ops) console.log(`| ${op} | ${ms.toFixed(0)} | ${((100 * ms) / kernels).toFixed(1)}% |`);
  console.log(`\ntrace: ${path.relative(REPO, traceFile)}`);
}

if (!rerunWithWorkerMalloc()) main().catch((e) => {
  console.error(e);
  process.exit(1);
});
