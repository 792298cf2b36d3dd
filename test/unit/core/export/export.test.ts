import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EXPORT_FORMATS, exportRows, humanPairs, toTrlDpo, toTrlGrpo, toTrlKto, toVerl, toOpenRlhf } from '../../../../src/core/export';
import type { PreferenceRecord } from '../../../../src/core/preferences/record';
import { appendPreferenceRecord } from '../../../../src/node/preferences/logFile';
import { exportLog, verlParquet } from '../../../../src/node/preferences/exportFile';
import { exportCommand } from '../../../../src/cli/export';
import { makeRecord } from '../preferences/fixtures';

// Three candidates; rewards make 0 best, 2 worst (see fixtures).
const accepted = makeRecord({ id: 'acc', human: { accepted: 0, rejected: [2], ratings: { '1': 2 }, note: 'n' } });
const prefOnly = makeRecord({ id: 'pref', human: { preferences: [{ chosen: 1, rejected: 0 }] } });
const silent = makeRecord({ id: 'silent', reference: null });
const allEqual = makeRecord({ id: 'eq', texts: ['SELECT 1', 'SELECT 2'], rewards: [{ syntax: 1 }, { syntax: 1 }] });
const patch = makeRecord({ id: 'patch', task: 'patch', texts: ['<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE', 'x'], rewards: [{ syntax: 1 }, { syntax: 0 }], reference: 'diff --git a/x b/x' });
const tagged = makeRecord({ id: 'tagged', reference: null, texts: ['<reasoning>r</reasoning>\n<answer>SELECT name FROM state</answer>', 'SELECT 1'], rewards: [{ syntax: 1 }, { syntax: 0 }], human: { accepted: 0 } });
const ALL: PreferenceRecord[] = [accepted, prefOnly, silent, allEqual, patch, tagged];

const msgs = (x: unknown) => Array.isArray(x) && x.length > 0 && x.every((m) => typeof m === 'object' && m !== null && ['system', 'user', 'assistant'].includes((m as { role: string }).role) && typeof (m as { content: unknown }).content === 'string');

/**
 * The documented row shapes. TRL "Dataset formats" (conversational): DPO prompt/chosen/rejected, KTO
 * prompt/completion/label(bool); GRPOTrainer: prompt + any columns for reward functions. verl data preparation:
 * data_source, prompt (messages), ability, reward_model {style, ground_truth}, extra_info {split, index, ...}.
 * OpenRLHF PromptDataset: input (messages with --apply_chat_template) and label (--label_key).
 */
const SCHEMAS: Record<string, { keys?: string[]; check: (r: Record<string, unknown>) => boolean }> = {
  'trl-dpo': { keys: ['chosen', 'prompt', 'rejected'], check: (r) => msgs(r.prompt) && msgs(r.chosen) && msgs(r.rejected) && (r.chosen as { role: string }[])[0]!.role === 'assistant' },
  'trl-kto': { keys: ['completion', 'label', 'prompt'], check: (r) => msgs(r.prompt) && msgs(r.completion) && typeof r.label === 'boolean' },
  'trl-grpo': { check: (r) => msgs(r.prompt) && (r.reference === null || typeof r.reference === 'string') && (r.db_path === null || typeof r.db_path === 'string') },
  verl: {
    keys: ['ability', 'data_source', 'extra_info', 'prompt', 'reward_model'],
    check: (r) => {
      const rm = r.reward_model as Record<string, unknown>;
      const ei = r.extra_info as Record<string, unknown>;
      return typeof r.data_source === 'string' && msgs(r.prompt) && typeof r.ability === 'string' && rm.style === 'rule' && typeof rm.ground_truth === 'string' && typeof ei.split === 'string' && Number.isInteger(Number(ei.index));
    },
  },
  openrlhf: { check: (r) => msgs(r.input) && typeof r.label === 'string' },
};

function checkRows(format: string, rows: object[]): void {
  const s = SCHEMAS[format]!;
  for (const row of rows) {
    const r = row as Record<string, unknown>;
    if (s.keys) assert.deepStrictEqual(Object.keys(r).sort(), s.keys, `${format} columns`);
    assert.ok(s.check(r), `${format} row has the documented types: ${JSON.stringify(r).slice(0, 200)}`);
  }
}

describe('exports', () => {
  it('every format matches its trainer schema', () => {
    for (const f of EXPORT_FORMATS) {
      const { rows } = exportRows(f, ALL);
      assert.ok(rows.length > 0, f);
      checkRows(f, rows);
    }
  });

  it('TRL GRPO: prompt plus the columns reward functions need; gold from the user, else the accepted SQL extracted', () => {
    const { rows, stats } = toTrlGrpo(ALL);
    const byId = Object.fromEntries(rows.map((r) => [r.record_id, r]));
    assert.deepStrictEqual(byId.acc!.prompt, accepted.prompt);
    assert.strictEqual(byId.acc!.reference, 'SELECT name FROM state');
    assert.strictEqual(byId.acc!.reference_source, 'given');
    assert.strictEqual(byId.acc!.db_path, 'data/geo.sqlite');
    assert.match(byId.acc!.db_schema!, /CREATE TABLE state/);
    assert.strictEqual(byId.tagged!.reference, 'SELECT name FROM state');
    assert.strictEqual(byId.tagged!.reference_source, 'accepted');
    assert.strictEqual(byId.silent!.reference, null);
    assert.deepStrictEqual(byId.patch!.files, ['src/a.py']);
    assert.strictEqual(stats.withoutReference, 1);
    assert.strictEqual(new Set(rows.map((r) => Object.keys(r).join())).size, 1, 'same columns in every row');
  });

  it('all-equal groups are counted, and dropped on request', () => {
    const kept = toTrlGrpo(ALL);
    assert.strictEqual(kept.stats.allEqual, 1);
    assert.strictEqual(kept.stats.droppedAllEqual, 0);
    assert.ok(kept.rows.some((r) => r.record_id === 'eq'));
    const dropped = toTrlGrpo(ALL, { dropAllEqual: true });
    assert.strictEqual(dropped.stats.allEqual, 1);
    assert.strictEqual(dropped.stats.droppedAllEqual, 1);
    assert.ok(!dropped.rows.some((r) => r.record_id === 'eq'));
    assert.strictEqual(toVerl(ALL, { dropAllEqual: true }).rows.length, ALL.length - 1);
    assert.strictEqual(toOpenRlhf(ALL, { dropAllEqual: true }).rows.length, ALL.length - 1);
  });

  it('DPO pairs come from human choices first, reward order (with a margin) otherwise', () => {
    // Accepted 0 over rejected 2; one rating alone makes no pair; with a stated pair, no implicit one is added.
    assert.deepStrictEqual(humanPairs(accepted), [[0, 2]]);
    // Accepted with nothing else: paired with the lowest-ranked candidate.
    assert.deepStrictEqual(humanPairs(makeRecord({ human: { accepted: 1 } })), [[1, 2]]);
    const { rows, stats } = toTrlDpo([accepted, prefOnly, silent, allEqual]);
    const texts = rows.map((r) => [r.chosen[0]!.content, r.rejected[0]!.content]);
    assert.deepStrictEqual(texts, [
      ['SELECT name FROM state', 'SELEC name FROM state'], // accepted over rejected
      ['SELECT * FROM state', 'SELECT name FROM state'], // explicit preference, against the reward order
      ['SELECT name FROM state', 'SELEC name FROM state'], // silent: best vs worst total
    ]);
    assert.strictEqual(stats.fromHuman, 2);
    assert.strictEqual(stats.fromRewards, 1);
    assert.deepStrictEqual(stats.skipped, { 'no human preference and reward margin < 1': 1 }, 'the all-equal group has no margin');
    assert.strictEqual(toTrlDpo([silent], { minMargin: 100 }).rows.length, 0);
    assert.strictEqual(toTrlDpo([silent], { humanOnly: true }).rows.length, 0);
  });

  it('contradictory human pairs are dropped', () => {
    const r = makeRecord({ human: { preferences: [{ chosen: 0, rejected: 1 }], ratings: { '0': 1, '1': 5 } } });
    assert.deepStrictEqual(humanPairs(r), []);
  });

  it('KTO labels: accepted and 4-5 good, rejected and 1-2 bad; else the sign of a clear advantage', () => {
    const { rows, stats } = toTrlKto([accepted, silent]);
    const acc = rows.slice(0, 3).map((r) => [r.completion[0]!.content, r.label]);
    assert.deepStrictEqual(acc, [
      ['SELECT name FROM state', true],
      ['SELECT * FROM state', false],
      ['SELEC name FROM state', false],
    ]);
    assert.strictEqual(stats.fromHuman, 3);
    assert.ok(stats.fromRewards >= 1);
    const silentRows = rows.slice(3);
    assert.ok(silentRows.find((r) => r.completion[0]!.content === 'SELECT name FROM state')?.label === true);
  });

  it('JSONL exports load with python3 json, with the documented types', async function () {
    const py = spawnSync('python3', ['--version']);
    if (py.status !== 0) {
      console.log('      skipped: no python3');
      this.skip();
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-export-'));
    try {
      const log = path.join(dir, 'preferences.jsonl');
      for (const r of ALL) await appendPreferenceRecord(log, r);
      fs.appendFileSync(log, '{"torn": '); // a crash mid-write: skipped and reported
      const files: Record<string, string> = {};
      for (const f of EXPORT_FORMATS.filter((x) => x !== 'verl')) {
        files[f] = path.join(dir, `${f}.jsonl`);
        const s = await exportLog(f, log, files[f]!);
        assert.strictEqual(s.torn, 1);
      }
      const script = `
import json, sys
files = json.loads(sys.argv[1])
def msgs(x): return isinstance(x, list) and len(x) > 0 and all(isinstance(m, dict) and m.get("role") in ("system","user","assistant") and isinstance(m.get("content"), str) for m in x)
out = {}
for fmt, path in files.items():
    rows = [json.loads(line) for line in open(path, encoding="utf-8")]
    for r in rows:
        if fmt == "trl-dpo": assert set(r) == {"prompt","chosen","rejected"} and msgs(r["prompt"]) and msgs(r["chosen"]) and msgs(r["rejected"]), r
        if fmt == "trl-kto": assert set(r) == {"prompt","completion","label"} and isinstance(r["label"], bool) and msgs(r["completion"]), r
        if fmt == "trl-grpo": assert msgs(r["prompt"]) and (r["reference"] is None or isinstance(r["reference"], str)), r
        if fmt == "openrlhf": assert msgs(r["input"]) and isinstance(r["label"], str), r
    out[fmt] = len(rows)
print(json.dumps(out))
`;
      const res = spawnSync('python3', ['-c', script, JSON.stringify(files)], { encoding: 'utf8' });
      assert.strictEqual(res.status, 0, res.stderr);
      const counts = JSON.parse(res.stdout) as Record<string, number>;
      assert.deepStrictEqual(counts, {
        'trl-grpo': toTrlGrpo(ALL).rows.length,
        'trl-dpo': toTrlDpo(ALL).rows.length,
        'trl-kto': toTrlKto(ALL).rows.length,
        openrlhf: toOpenRlhf(ALL).rows.length,
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('verl parquet reads back (hyparquet) with nested prompt / reward_model / extra_info', async () => {
    const { rows } = toVerl(ALL);
    const buf = await verlParquet(rows);
    const { parquetReadObjects, parquetMetadata, parquetSchema } = await import('hyparquet');
    const back = (await parquetReadObjects({ file: buf })) as Record<string, unknown>[];
    const norm = JSON.parse(JSON.stringify(back, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))) as unknown;
    assert.deepStrictEqual(norm, JSON.parse(JSON.stringify(rows)));
    const schema = parquetSchema(parquetMetadata(buf));
    const names = schema.children.map((c) => c.element.name);
    assert.deepStrictEqual(names, ['data_source', 'prompt', 'ability', 'reward_model', 'extra_info']);
    const prompt = schema.children[1]!;
    assert.strictEqual(prompt.element.converted_type, 'LIST', 'prompt is a parquet LIST (Arrow: list<struct<role, content>>)');
    assert.deepStrictEqual(prompt.children[0]!.children[0]!.children.map((c) => c.element.name), ['role', 'content']);
    checkRows('verl', norm as object[]);
  });

  it('reward-lens export: writes the file, reports counts, rejects bad arguments', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-cli-'));
    const write = process.stdout.write.bind(process.stdout);
    const errWrite = process.stderr.write.bind(process.stderr);
    let out = '';
    try {
      const log = path.join(dir, 'p.jsonl');
      for (const r of ALL) await appendPreferenceRecord(log, r);
      process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
      process.stderr.write = ((s: string) => ((out += s), true)) as typeof process.stderr.write;
      const pq = path.join(dir, 'train.parquet');
      assert.strictEqual(await exportCommand(['--format', 'verl', '--log', log, '--out', pq, '--drop-all-equal', '--json']), 0);
      const summary = JSON.parse(out.trim()) as { stats: { rows: number; droppedAllEqual: number } };
      assert.deepStrictEqual([summary.stats.rows, summary.stats.droppedAllEqual], [ALL.length - 1, 1]);
      assert.ok(fs.statSync(pq).size > 0);
      out = '';
      assert.strictEqual(await exportCommand(['--format', 'trl-dpo', '--log', log, '--out', path.join(dir, 'dpo.jsonl')]), 0);
      assert.match(out, /rows? from 6 groups written to .*dpo\.jsonl; \d+ from your choices, \d+ from reward order; 1 all-equal group/);
      assert.strictEqual(await exportCommand(['--format', 'nope', '--log', log, '--out', 'x']), 2);
      assert.strictEqual(await exportCommand(['--format', 'trl-kto', '--log', path.join(dir, 'missing.jsonl'), '--out', path.join(dir, 'k.jsonl')]), 1);
      assert.match(out, /no such file/);
    } finally {
      process.stdout.write = write;
      process.stderr.write = errWrite;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
