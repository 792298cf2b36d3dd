/**
 * Issue 11: the reward server gives the numbers `reward-lens rank` gives, reward by reward, through /v1/score and
 * through each trainer adapter of the Python client, called with /usr/bin/python3 exactly as TRL (GRPOTrainer
 * `_calculate_rewards`: keyword call with the dataset columns, trainer_state, log_extra, log_metric), verl (naive
 * reward manager: `compute_score(data_source=, solution_str=, ground_truth=, extra_info=)`) and OpenRLHF
 * (`reward_func(queries, prompts, labels)`, and the HTTP /get_reward) call them, on our own exports.
 */
import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pythonClientCommand } from '../../../src/cli/pythonClient';
import { rankCommand } from '../../../src/cli/rank';
import { startRewardServer, type RewardServer } from '../../../src/cli/serve/server';
import { toVerl } from '../../../src/core/export';
import { appendPreferenceRecord } from '../../../src/node/preferences/logFile';
import { exportLog } from '../../../src/node/preferences/exportFile';
import { makeRecord } from '../core/preferences/fixtures';
import { capture, jsonl, REPO } from './helpers';

const PY = '/usr/bin/python3';

export function runPython(args: string[], o: { cwd: string; input?: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(PY, args, { cwd: o.cwd, env: o.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 120_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(o.input ?? '');
  });
}

interface Cand { index: number; text: string; rewards: Record<string, number>; total: number; advantage: number; rank: number; error: { code: string } | null }
interface Group { group: string; allEqual: boolean; candidates: Cand[]; definitions: Record<string, string> }

async function post(url: string, body: unknown): Promise<{ status: number; json: any }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
}

async function rankOut(args: string[]): Promise<Group[]> {
  const r = await capture(() => rankCommand(args));
  assert.strictEqual(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { groups: Group[] }).groups;
}

/** Reward-by-reward equality of two ranked groups (timings aside). */
function assertSameGroups(served: Group[], ranked: Group[], what: string): void {
  assert.strictEqual(served.length, ranked.length, `${what}: group count`);
  served.forEach((g, i) => {
    const r = ranked[i]!;
    assert.deepStrictEqual(g.definitions, r.definitions, `${what}: definitions of ${g.group}`);
    assert.strictEqual(g.allEqual, r.allEqual);
    g.candidates.forEach((c, j) => {
      const rc = r.candidates[j]!;
      assert.deepStrictEqual(c.rewards, rc.rewards, `${what}: rewards of ${g.group}#${j}`);
      assert.strictEqual(c.total, rc.total, `${what}: total of ${g.group}#${j}`);
      assert.strictEqual(c.advantage, rc.advantage);
      assert.strictEqual(c.rank, rc.rank);
      assert.deepStrictEqual(c.error, rc.error);
    });
  });
}

describe('reward server (reward-lens serve)', function () {
  this.timeout(180_000);
  let dir: string;
  let server: RewardServer;
  let client: string;

  before(async function () {
    if (spawnSync(PY, ['-c', 'import sqlite3, asyncio, urllib.request']).status !== 0) {
      console.log(`      skipped: ${PY} with sqlite3 is needed`);
      this.skip();
    }
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'rl-serve-')));
    fs.mkdirSync(path.join(dir, 'data'));
    fs.copyFileSync(path.join(REPO, 'fixtures/sample-workspace/shop.sqlite'), path.join(dir, 'shop.sqlite'));
    const py = `import sqlite3\ncon = sqlite3.connect("data/geo.sqlite")\ncon.executescript("CREATE TABLE state (name TEXT, population INT); INSERT INTO state VALUES ('texas', 29), ('ohio', 11), ('utah', 3);")\ncon.commit()`;
    assert.strictEqual(spawnSync(PY, ['-c', py], { cwd: dir }).status, 0);
    server = await startRewardServer({ port: 0, roots: [dir], defaultDb: path.join(dir, 'data/geo.sqlite') });
    client = path.join(dir, 'reward_lens_client.py');
    const w = await capture(() => pythonClientCommand(['--out', client]));
    assert.strictEqual(w.code, 0, w.stderr);
  });
  after(async () => {
    await server?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Runs Python with the client importable and the server's URL in the environment (asynchronously: the server
   * runs in this process and must keep answering). */
  async function python(code: string, input?: object): Promise<any> {
    const r = await runPython(['-c', code], { cwd: dir, input: input ? JSON.stringify(input) : '', env: { PATH: process.env.PATH ?? '/usr/bin', REWARD_LENS_URLS: server.url, PYTHONPATH: dir } });
    assert.strictEqual(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  }

  it('POST /v1/score equals rank --task sql reward by reward (groups with and without gold, per-group db)', async () => {
    const groups = [
      { group: 'a', prompt: 'how many products', candidates: ['SELECT count(*) FROM products', '<answer>SELECT COUNT(*) FROM products</answer>', 'SELECT 1', 'SELEC nonsense', 'DELETE FROM products'], reference: 'SELECT count(*) FROM products', db: 'shop.sqlite' },
      { group: 'b', prompt: 'states', candidates: ['SELECT name FROM state', 'SELECT name FROM state ORDER BY 1', 'SELECT population FROM state'], reference: 'SELECT name FROM state', db: 'data/geo.sqlite' },
      { group: 'c', prompt: 'no gold', candidates: ['SELECT name FROM state', 'SELECT name FROM state', 'SELECT 2'], db: 'data/geo.sqlite' },
    ];
    const input = path.join(dir, 'sql.jsonl');
    fs.writeFileSync(input, jsonl(groups));
    const ranked = await rankOut(['--task', 'sql', '--input', input]);
    const served = await post(`${server.url}/v1/score`, { task: 'sql', groups });
    assert.strictEqual(served.status, 200, JSON.stringify(served.json));
    assertSameGroups(served.json.groups, ranked, 'sql');
    // with weights, as --weights
    const w = await post(`${server.url}/v1/score`, { task: 'sql', groups, weights: { ngram: 0, constructor: 2 } });
    assertSameGroups(w.json.groups, await rankOut(['--task', 'sql', '--input', input, '--weights', 'ngram=0,constructor=2']), 'sql weights');
    // options, as rank's flags
    const b = await post(`${server.url}/v1/score`, { task: 'sql', groups, options: { match: 'bird', evalPipeline: true, timeoutMs: 1000 } });
    assert.strictEqual(b.status, 200, JSON.stringify(b.json));
    assertSameGroups(b.json.groups, await rankOut(['--task', 'sql', '--input', input, '--match', 'bird', '--eval-pipeline', '--timeout-ms', '1000']), 'sql bird pipeline');
  });

  it('POST /v1/score equals rank for patch (files inline) and chart (README reference field)', async () => {
    const MATH = 'export function add(a: number, b: number): number {\n  return a - b;\n}\n';
    const fix = '```ts\n### src/math.ts\n<<<<<<< SEARCH\n  return a - b;\n=======\n  return a + b;\n>>>>>>> REPLACE\n```';
    const wrong = fix.replace('a + b', 'a * b');
    const patchGroups = [{ group: 'p', prompt: 'fix add', candidates: [fix, 'not a patch', wrong, `\`\`\`ts\n${MATH.replace('-', '+')}\`\`\``], reference: fix, files: { 'src/math.ts': MATH } }];
    const pin = path.join(dir, 'patch.jsonl');
    fs.writeFileSync(pin, jsonl(patchGroups));
    const pr = await post(`${server.url}/v1/score`, { task: 'patch', groups: patchGroups });
    assert.strictEqual(pr.status, 200, JSON.stringify(pr.json));
    const prank = await rankOut(['--task', 'patch', '--input', pin]);
    assertSameGroups(pr.json.groups, prank, 'patch');
    assert.strictEqual(prank[0]!.candidates[0]!.rewards.similarity, 1, 'the right fix is scored, not a format error');
    assert.ok(prank[0]!.candidates[2]!.rewards.similarity! < 1);

    const golden = JSON.parse(fs.readFileSync(path.join(REPO, 'test/fixtures/chart/golden.jsonl'), 'utf8').split('\n')[0]!) as { candidates: string[]; reference_spec: object };
    fs.copyFileSync(path.join(REPO, 'test/fixtures/chart/sales.csv'), path.join(dir, 'data/sales.csv'));
    const chartGroups = [{ group: 'c', prompt: 'bar chart', candidates: golden.candidates.slice(0, 2), reference: golden.reference_spec, data: 'data/sales.csv' }];
    const cin = path.join(dir, 'chart.jsonl');
    fs.writeFileSync(cin, jsonl(chartGroups));
    const cr = await post(`${server.url}/v1/score`, { task: 'chart', groups: chartGroups });
    assert.strictEqual(cr.status, 200, JSON.stringify(cr.json));
    const ranked = await rankOut(['--task', 'chart', '--input', cin]);
    assertSameGroups(cr.json.groups, ranked, 'chart');
    assert.ok('attributes' in ranked[0]!.candidates[0]!.rewards, 'the reference was read');
  });

  it('GRPO-shaped loop in Python on our trl-grpo export: TRL adapters (standard, conversational, async) equal rank', async () => {
    const log = path.join(dir, 'preferences.jsonl');
    fs.rmSync(log, { force: true });
    await appendPreferenceRecord(log, makeRecord({ id: 'r1' }));
    await appendPreferenceRecord(log, makeRecord({ id: 'r2', question: 'Which states have more than 10 people?', reference: 'SELECT name FROM state WHERE population > 10' }));
    await appendPreferenceRecord(log, makeRecord({ id: 'r3', question: 'No gold here', reference: null }));
    await exportLog('trl-grpo', log, path.join(dir, 'grpo.jsonl'));
    const pool = ['SELECT name FROM state', '<answer>SELECT name FROM state WHERE population > 10</answer>', 'SELECT * FROM state', '```sql\nSELECT name FROM state ORDER BY population\n```', 'SELEC nonsense', 'SELECT name FROM state WHERE population > 20'];
    // Three GRPO steps: each prompt gets G=4 completions drawn with a fixed seed; TRL calls the reward function with
    // the batch flattened (prompt repeated G times) and every other column as a keyword argument.
    const loop = `
import asyncio, json, random, sys
import reward_lens_client as rl
rows = [json.loads(l) for l in open("grpo.jsonl", encoding="utf-8")]
pool = json.load(sys.stdin)["pool"]
rng = random.Random(7)
G = 4
steps = []
for step in range(3):
    prompts, completions, cols = [], [], {k: [] for k in rows[0] if k != "prompt"}
    for row in rows:
        for _ in range(G):
            prompts.append(row["prompt"])
            completions.append([{"role": "assistant", "content": rng.choice(pool)}])
            for k in cols:
                cols[k].append(row[k])
    kwargs = dict(cols, trainer_state=None, log_extra=lambda *a, **k: None, log_metric=lambda *a, **k: None)
    conv = rl.trl_reward(prompts=prompts, completions=completions, completion_ids=[[1, 2]] * len(completions), **kwargs)
    std_prompts = [p[-1]["content"] for p in prompts]
    std = rl.trl_reward(prompts=std_prompts, completions=[c[0]["content"] for c in completions], completion_ids=None, **kwargs)
    asy = asyncio.run(rl.trl_reward_async(prompts=prompts, completions=completions, completion_ids=None, **kwargs))
    made = rl.make_trl_reward("sql")(prompts=prompts, completions=completions, **kwargs)
    steps.append({"completions": [c[0]["content"] for c in completions], "conv": conv, "std": std, "async": asy, "made": made})
print(json.dumps({"rows": rows, "steps": steps}))
`;
    const out = await python(loop, { pool }) as { rows: { reference: string | null; db_path: string; prompt: { content: string }[] }[]; steps: { completions: string[]; conv: number[]; std: number[]; async: number[]; made: number[] }[] };
    assert.strictEqual(out.rows.length, 3);
    for (const s of out.steps) {
      // rank on the same groups: one group per prompt, its G completions, the export's gold and database.
      const lines = out.rows.flatMap((row, k) => s.completions.slice(k * 4, k * 4 + 4).map((c) => ({ group: String(k), prompt: row.prompt[row.prompt.length - 1]!.content, candidate: c, ...(row.reference ? { reference: row.reference } : {}), db: row.db_path })));
      const input = path.join(dir, 'loop.jsonl');
      fs.writeFileSync(input, jsonl(lines));
      const ranked = await rankOut(['--task', 'sql', '--input', input]);
      const totals = ranked.flatMap((g) => g.candidates.map((c) => c.total));
      assert.deepStrictEqual(s.conv, totals, 'conversational');
      assert.deepStrictEqual(s.std, totals, 'standard');
      assert.deepStrictEqual(s.async, totals, 'async def');
      assert.deepStrictEqual(s.made, totals, 'make_trl_reward');
    }
  });

  it('verl compute_score (naive manager call) and compute_score_batch equal rank on our verl export rows', async () => {
    const { rows } = toVerl([makeRecord({ id: 'v1' }), makeRecord({ id: 'v2', reference: 'SELECT name FROM state WHERE population > 10' })]);
    const sols = ['<answer>SELECT name FROM state</answer>', 'SELECT name FROM state WHERE population > 10', 'SELEC x'];
    const code = `
import json, sys
from reward_lens_client import compute_score, compute_score_batch
d = json.load(sys.stdin)
one = []
for row in d["rows"]:
    for s in d["sols"]:
        extra = dict(row["extra_info"], num_turns=None, rollout_reward_scores={})
        one.append(compute_score(data_source=row["data_source"], solution_str=s, ground_truth=row["reward_model"]["ground_truth"], extra_info=extra))
flat = [(row, s) for row in d["rows"] for s in d["sols"]]
batch = compute_score_batch(data_sources=[r["data_source"] for r, _ in flat], solution_strs=[s for _, s in flat], ground_truths=[r["reward_model"]["ground_truth"] for r, _ in flat], extra_infos=[r["extra_info"] for r, _ in flat])
print(json.dumps({"one": one, "batch": batch}))
`;
    const out = await python(code, { rows, sols }) as { one: Record<string, number>[]; batch: Record<string, number>[] };
    // verl's naive manager scores one response per call: a group of one. rank the same way.
    const singles = rows.flatMap((row, k) => sols.map((s, j) => ({ group: `${k}-${j}`, candidate: s, reference: row.reward_model.ground_truth, db: row.extra_info.db_path })));
    const inS = path.join(dir, 'verl1.jsonl');
    fs.writeFileSync(inS, jsonl(singles));
    const rs = await rankOut(['--task', 'sql', '--input', inS]);
    const keys = new Set(out.one.map((r) => Object.keys(r).sort().join(',')));
    assert.strictEqual(keys.size, 1, 'verl needs the same keys in every result');
    out.one.forEach((r, i) => {
      const c = rs[i]!.candidates[0]!;
      assert.strictEqual(r.score, c.total);
      for (const [k, v] of Object.entries(c.rewards)) assert.strictEqual(r[k], v, k);
      assert.strictEqual(r.unscored, 0);
    });
    const grouped = rows.flatMap((row, k) => sols.map((s) => ({ group: String(k), candidate: s, reference: row.reward_model.ground_truth, db: row.extra_info.db_path })));
    const inG = path.join(dir, 'verl2.jsonl');
    fs.writeFileSync(inG, jsonl(grouped));
    const rg = (await rankOut(['--task', 'sql', '--input', inG])).flatMap((g) => g.candidates);
    assert.deepStrictEqual(out.batch.map((r) => r.score), rg.map((c) => c.total));
  });

  it('OpenRLHF: /get_reward and reward_func(queries, prompts, labels) on our openrlhf export equal rank; empty lists valid', async () => {
    const log = path.join(dir, 'preferences.jsonl');
    fs.rmSync(log, { force: true });
    await appendPreferenceRecord(log, makeRecord({ id: 'o1' }));
    await appendPreferenceRecord(log, makeRecord({ id: 'o2', reference: 'SELECT name FROM state WHERE population > 10' }));
    await exportLog('openrlhf', log, path.join(dir, 'prompts.jsonl'));
    const responses = ['SELECT name FROM state', '<answer>SELECT name FROM state WHERE population > 10</answer>', 'SELECT 1'];
    const code = `
import json, sys
import reward_lens_client as rl
rows = [json.loads(l) for l in open("prompts.jsonl", encoding="utf-8")]
resp = json.load(sys.stdin)["responses"]
queries, prompts, labels = [], [], []
for row in rows:
    # OpenRLHF applies the chat template to "input"; the query is prompt + response + the end token, as decoded.
    p = "".join(f"<|im_start|>{m['role']}\\n{m['content']}<|im_end|>\\n" for m in row["input"]) + "<|im_start|>assistant\\n"
    for r in resp:
        queries.append(p + r + "<|im_end|>")
        prompts.append(p)
        labels.append(row["label"])
# Where torch is installed (as in a trainer) reward_func returns float32 tensors, as OpenRLHF's example does.
try:
    import torch
except ImportError:
    torch = None
def plain(r):
    if torch is not None:
        assert all(isinstance(r[k], torch.Tensor) for k in ("rewards", "scores")), "tensors where torch is installed"
    conv = lambda v: v.tolist() if hasattr(v, "tolist") else v
    return {"rewards": conv(r["rewards"]), "scores": conv(r["scores"]), "extra_logs": {k: conv(v) for k, v in r["extra_logs"].items()}}
whole = plain(rl.reward_func(queries, prompts, labels))
one_by_one = [plain(rl.reward_func([q], [p], [l])) for q, p, l in zip(queries, prompts, labels)]
empty = plain(rl.reward_func([], [], []))
structured = plain(rl.reward_func(queries[:1], prompts[:1], [json.dumps({"task": "sql", "reference": labels[0], "db": "data/geo.sqlite"})]))
print(json.dumps({"rows": rows, "whole": whole, "one": one_by_one, "empty": empty, "structured": structured, "torch": torch is not None}))
`;
    const out = await python(code, { responses }) as { rows: { label: string }[]; whole: { rewards: number[]; scores: number[]; extra_logs: Record<string, number[]> }; one: { rewards: number[] }[]; empty: unknown; structured: { rewards: number[] }; torch: boolean };
    // float32 tensors where torch is installed: the same numbers at float32 precision.
    const f32 = out.torch ? Math.fround : (x: number) => x;
    assert.deepStrictEqual(out.empty, { rewards: [], scores: [], extra_logs: {} });
    const lines = out.rows.flatMap((row, k) => responses.map((r) => ({ group: String(k), candidate: r, reference: row.label, db: 'data/geo.sqlite' })));
    const input = path.join(dir, 'orlhf.jsonl');
    fs.writeFileSync(input, jsonl(lines));
    const ranked = (await rankOut(['--task', 'sql', '--input', input])).flatMap((g) => g.candidates);
    assert.deepStrictEqual(out.whole.rewards, ranked.map((c) => f32(c.total)));
    assert.deepStrictEqual(out.whole.extra_logs.execution_match, ranked.map((c) => f32(c.rewards.execution_match ?? 0)));
    for (const s of out.whole.scores) assert.ok(s >= 0 && s <= 1);
    // OpenRLHF's current agent sends one sample per request: a group of one.
    const singles = lines.map((l, i) => ({ ...l, group: String(i) }));
    fs.writeFileSync(input, jsonl(singles));
    const rankedSingles = (await rankOut(['--task', 'sql', '--input', input])).map((g) => f32(g.candidates[0]!.total));
    assert.deepStrictEqual(out.one.map((r) => r.rewards[0]), rankedSingles);
    assert.strictEqual(out.structured.rewards[0], rankedSingles[0]);
  });
});
