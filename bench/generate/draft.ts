/**
 * Does drafting pay where the answer does not copy its prompt? The product's path (InferenceEngine, as the inference
 * worker runs it, under the worker's malloc settings) on the bundled model: SQL candidates for questions about the
 * sample workspace's database, the prompt the Generate SQL command builds (schema with sample values, then the
 * question), N=8, temperature 0.8, top-p 0.95, 256 new tokens at most, EOS honoured: what a new user's first request
 * does. Each draft length (`rewardLens.draftTokens`; 0 = off) runs every question in interleaved rounds with the same
 * seeds; the table sums the rounds. Drafting changes which random numbers each token uses, so the candidates (and
 * where they end) differ between draft lengths: compare time per new token.
 * Usage: npx tsx bench/generate/draft.ts   (BENCH_DRAFTS ("0,4,8,16"), BENCH_ROUNDS (3))
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import initSqlJs from 'sql.js';
import { buildSqlPrompt } from '../../src/core/sql/prompt';
import { extractSchema } from '../../src/worker/sql/schemaExtract';
import { InferenceEngine } from '../../src/worker/inference/engine';
import { mallocLabel, rerunWithWorkerMalloc } from './malloc';

const REPO = path.resolve(__dirname, '..', '..');
const DRAFTS = (process.env.BENCH_DRAFTS ?? '0,4,8,16').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const QUESTIONS = [
  'the five products with the most units sold',
  'revenue per country from delivered orders',
  'customers who never placed an order',
  'average order value per month in 2024',
  'which product category has the highest total revenue',
  'orders with more than three items, newest first',
];

const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

async function main(): Promise<void> {
  if (rerunWithWorkerMalloc()) return;
  const SQL = await initSqlJs();
  const db = new SQL.Database(fs.readFileSync(path.join(REPO, 'fixtures', 'sample-workspace', 'shop.sqlite')));
  const schema = extractSchema(db);
  db.close();
  const engine = new InferenceEngine();
  const backend = { kind: 'onnx' as const, modelPath: path.join(REPO, 'fixtures', 'tiny-model') };
  await engine.load(backend);
  const l0 = loadavg();
  const req = (q: number, draftTokens: number) => ({ backend, messages: buildSqlPrompt(schema, QUESTIONS[q]!), n: 8, temperature: 0.8, topP: 0.95, maxNewTokens: 256, seed: 1000 + q, draftTokens, tokenLogprobs: false });
  await engine.generate(req(0, 0)); // warm-up
  const sum = new Map(DRAFTS.map((d) => [d, { ms: 0, forwards: 0, tokens: 0, drafted: 0, accepted: 0 }]));
  let promptTokens = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (let q = 0; q < QUESTIONS.length; q++) {
      // rotate the order so no draft length always runs first (caches, thermal state)
      for (let j = 0; j < DRAFTS.length; j++) {
        const d = DRAFTS[(j + q + r) % DRAFTS.length]!;
        const out = await engine.generate(req(q, d));
        const t = out.timings;
        const s = sum.get(d)!;
        s.ms += t.totalMs;
        s.forwards += t.decodeSteps;
        s.tokens += t.newTokens;
        s.drafted += t.draftedTokens ?? 0;
        s.accepted += t.acceptedTokens ?? 0;
        promptTokens = t.promptTokens;
      }
    }
  }
  await engine.unload();
  const base = sum.get(DRAFTS[0]!)!;
  console.log(`\nBundled model (fixtures/tiny-model), ${QUESTIONS.length} SQL questions on the sample workspace (prompt ~${promptTokens} tokens), N=8, T=0.8, top-p 0.95, <=256 new tokens, EOS honoured, ${ROUNDS} interleaved rounds; ${mallocLabel()}; load average ${l0} -> ${loadavg()}`);
  console.log('| draftTokens | total ms | new tokens | ms per new token | forwards per new token | accepted/drafted | ms per token vs first row |');
  console.log('|---|---|---|---|---|---|---|');
  for (const d of DRAFTS) {
    const s = sum.get(d)!;
    console.log(`| ${d} | ${s.ms.toFixed(0)} | ${s.tokens} | ${(s.ms / s.tokens).toFixed(3)} | ${(s.forwards / s.tokens).toFixed(3)} | ${s.accepted}/${s.drafted} | ${(s.ms / s.tokens / (base.ms / base.tokens)).toFixed(2)}x |`);
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
