/**
 * Profile of one whole generate request (issue 14 item 1): our own timings around every stage plus onnxruntime's
 * profiler (Chrome trace JSON, kernel time per op type and model_run per forward), on the bench model.
 *   BENCH_MODEL=DIR (default build/bench/qwen2.5-0.5b-shape-L4-V32768, built by bench.ts) BENCH_PROMPT=512
 *   BENCH_NEW=64 BENCH_N=8 npx tsx bench/generate/profile.ts
 * Prints a breakdown table (ms) for the README; the trace stays in build/profile/.
 */
import * as fs from 'fs';
import * as path from 'path';
import { generate } from '../../src/core/sampling/generate';
import { loadModelFolder } from '../../src/worker/inference/modelFolder';
import { OrtCausalLM } from '../../src/worker/inference/ortModel';
import { TextTokenizer } from '../../src/worker/inference/tokenizer';

const REPO = path.resolve(__dirname, '..', '..');
const DIR = process.env.BENCH_MODEL ?? path.join(REPO, 'build', 'bench', 'qwen2.5-0.5b-shape-L4-V32768');
const PROMPT = Number(process.env.BENCH_PROMPT ?? 512);
const NEW = Number(process.env.BENCH_NEW ?? 64);
const N = Number(process.env.BENCH_N ?? 8);
const SPEC = process.env.BENCH_SPEC === '1';
/** An extra (no-op) processor forces the general sampler path: processors over a copy of each row, then sampling. */
const SLOW = process.env.BENCH_SLOW_SAMPLER === '1';

interface TraceEvent { cat?: string; name?: string; dur?: number; ph?: string; args?: { op_name?: string } }

async function main(): Promise<void> {
  const rows: [string, number][] = [];
  const t0 = performance.now();
  const folder = loadModelFolder(DIR);
  const tok = new TextTokenizer(folder);
  rows.push(['read folder + tokenizer', performance.now() - t0]);
  const outDir = path.join(REPO, 'build', 'profile');
  fs.mkdirSync(outDir, { recursive: true });
  const t1 = performance.now();
  const lm = await OrtCausalLM.load(folder, { executionProvider: 'cpu', profileFilePrefix: path.join(outDir, 'ort') });
  rows.push(['load (session create + smoke test)', performance.now() - t1]);
  const t2 = performance.now();
  const text = 'SELECT name, price FROM products ORDER BY price DESC;\n'.repeat(Math.ceil(PROMPT / 10));
  let ids = tok.encode(tok.applyChatTemplate([{ role: 'user', content: text }]));
  ids = ids.slice(ids.length - PROMPT);
  rows.push(['chat template + encode', performance.now() - t2]);
  const before = { ...lm.stats };
  const r = await generate(lm, {
    prompts: [ids], numReturnSequences: N, maxNewTokens: NEW, sampling: { temperature: 0.8, topP: 0.95 }, seed: 1,
    eosTokenIds: [], padTokenId: folder.padTokenId, decode: (x) => tok.decode(x), now: () => performance.now(),
    ...(SPEC ? { speculative: { maxDraft: 4, ngram: 3 } } : {}),
    ...(SLOW ? { logitsProcessors: [{ name: 'noop', process: () => undefined }] } : {}),
  } as Parameters<typeof generate>[1]);
  const t = r.timings;
  const st = lm.stats;
  const d = (k: keyof typeof st) => st[k] - before[k];
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
  // The request's forwards are the last ones in the trace (the smoke test ran first).
  const reqRuns = runs.slice(runs.length - d('forwards'));
  const ortRunMs = reqRuns.reduce((a, b) => a + b, 0);
  const prefillChunks = Math.ceil(PROMPT / 256);
  const prefillOrt = reqRuns.slice(0, prefillChunks).reduce((a, b) => a + b, 0);
  const decodeOrt = ortRunMs - prefillOrt;
  const other = t.totalMs - t.prefillMs - t.decodeMs - t.sampleMs;

  rows.push(['request total (generate())', t.totalMs]);
  rows.push(['  prefill incl. tile x' + N, t.prefillMs]);
  rows.push(['    onnxruntime model_run (prefill chunks)', prefillOrt]);
  rows.push(['    tile the cache (JS copies)', 0]);
  rows.push([`  decode forwards (${t.decodeSteps} steps)`, t.decodeMs]);
  rows.push(['    onnxruntime model_run (graph)', decodeOrt]);
  rows.push(['    session.run beyond model_run, all forwards (binding: output copies into JS)', d('runMs') - ortRunMs]);
  rows.push(['    building feeds (int64 ids/mask/positions)', d('feedMs')]);
  rows.push(['    taking logits out', d('logitsMs')]);
  rows.push(['    dropping finished rows (cache copies)', d('selectMs')]);
  rows.push(['  sampler: processors, sampling, log-probs, stop checks', t.sampleMs]);
  rows.push(['  other (loop bookkeeping)', other]);
  const tileIdx = rows.findIndex((x) => x[0].startsWith('    tile'));
  rows[tileIdx]![1] = t.prefillMs - prefillOrt - 0; // prefill beyond the graph: tiling plus the chunks' JS side

  const ops = [...byOp.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10);
  const load = fs.readFileSync('/proc/loadavg', 'utf8').trim().split(' ').slice(0, 3).join(' ');
  console.log(`\n${path.basename(DIR)}: N=${N}, prompt ${ids.length} tokens, ${NEW} new tokens, temperature 0.8 top-p 0.95, CPU, load average ${load}${SPEC ? ', speculative' : ''}${SLOW ? ', general sampler path' : ', fast sampler path'}`);
  console.log('| stage | ms |\n|---|---|');
  for (const [k, v] of rows) console.log(`| ${k} | ${v.toFixed(0)} |`);
  console.log(`\nforwards ${d('forwards')}, decode ms/step ${(t.decodeMs / Math.max(1, t.decodeSteps)).toFixed(1)}, sampler ms/step ${(t.sampleMs / Math.max(1, t.decodeSteps + 1)).toFixed(1)}, new tokens ${t.newTokens}`);
  console.log('\nonnxruntime kernel time by op type (all runs of the session, ms):\n| op | ms | share |\n|---|---|---|');
  for (const [op, ms] of ops) console.log(`| ${op} | ${ms.toFixed(0)} | ${((100 * ms) / kernels).toFixed(1)}% |`);
  console.log(`\ntrace: ${path.relative(REPO, traceFile)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
