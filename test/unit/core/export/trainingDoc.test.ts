/**
 * docs/training.md's standard-library Python (reward functions, export check) runs against a real export and a real
 * SQLite database, and its extract_sql agrees with src/core/sql/extract.ts.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { extractSql } from '../../../../src/core/sql/extract';
import { toVerl } from '../../../../src/core/export';
import { appendPreferenceRecord } from '../../../../src/node/preferences/logFile';
import { exportLog } from '../../../../src/node/preferences/exportFile';
import { makeRecord } from '../preferences/fixtures';

const doc = fs.readFileSync(path.resolve(__dirname, '../../../../docs/training.md'), 'utf8');

/** The ```python block whose first line is `# <name>`. */
function pythonBlock(name: string): string {
  const m = [...doc.matchAll(/^```python\n([\s\S]*?)^```$/gm)].map((x) => x[1]!).find((b) => b.startsWith(`# ${name}`));
  assert.ok(m, `docs/training.md has a python block starting "# ${name}"`);
  return m;
}

describe('docs/training.md Python snippets', function () {
  let dir: string;
  before(function () {
    if (spawnSync('python3', ['-c', 'import sqlite3']).status !== 0) {
      console.log('      skipped: no python3 with sqlite3');
      this.skip();
    }
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-doc-'));
    fs.writeFileSync(path.join(dir, 'reward_lens_rewards.py'), pythonBlock('reward_lens_rewards.py'));
    fs.writeFileSync(path.join(dir, 'check_export.py'), pythonBlock('check_export.py'));
    fs.mkdirSync(path.join(dir, 'data'));
    const py = `import sqlite3\ncon = sqlite3.connect("data/geo.sqlite")\ncon.executescript("CREATE TABLE state (name TEXT, population INT); INSERT INTO state VALUES ('texas', 29), ('ohio', 11);")\ncon.commit()`;
    const r = spawnSync('python3', ['-c', py], { cwd: dir, encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('check_export.py scores every gold query 3.0 on a trl-grpo export', async () => {
    const log = path.join(dir, 'preferences.jsonl');
    await appendPreferenceRecord(log, makeRecord({ id: 'a' }));
    await appendPreferenceRecord(log, makeRecord({ id: 'b', reference: null, texts: ['<answer>\n```sql\nSELECT name FROM state WHERE population > 20\n```\n</answer>', 'x'], rewards: [{ syntax: 1 }, { syntax: 0 }], human: { accepted: 0 } }));
    await appendPreferenceRecord(log, makeRecord({ id: 'c', reference: null }));
    await exportLog('trl-grpo', log, path.join(dir, 'grpo.jsonl'));
    const r = spawnSync('python3', ['check_export.py', 'grpo.jsonl'], { cwd: dir, encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.strictEqual(r.stdout.trim(), '3 prompts, 2 SQL prompts with a gold query, gold scores: [3.0, 3.0]');
  });

  it('TRL and verl reward functions score completions against the export columns', () => {
    const { rows } = toVerl([makeRecord({ id: 'v' })]);
    const row = rows[0]!;
    const py = `
import json, sys
from reward_lens_rewards import compute_score, execution_match, extract_sql
row = json.loads(sys.argv[1])
cases = json.loads(sys.argv[2])
out = {
  "verl_good": compute_score(row["data_source"], "<answer>SELECT name FROM state</answer>", row["reward_model"]["ground_truth"], row["extra_info"]),
  "verl_bad": compute_score(row["data_source"], "SELECT name FROM state WHERE 0", row["reward_model"]["ground_truth"], row["extra_info"]),
  "verl_broken": compute_score(row["data_source"], "SELEC nonsense", row["reward_model"]["ground_truth"], row["extra_info"]),
  "trl": execution_match(None, [[{"role": "assistant", "content": "SELECT name FROM state ORDER BY 1"}], [{"role": "assistant", "content": "x"}]], reference=["SELECT name FROM state", None], db_path=["data/geo.sqlite", None]),
  "extract": [extract_sql(c) for c in cases],
}
print(json.dumps(out))
`;
    const cases = ['<reasoning>r</reasoning>\n<answer>SELECT 1</answer>', 'text\n```sql\nSELECT 2\n```\nmore\n```sql\nSELECT 3\n```', '```\nSELECT 4\n```', '  SELECT 5  ', '<answer>\n```sqlite\nSELECT 6\n```'];
    const r = spawnSync('python3', ['-c', py, JSON.stringify(row), JSON.stringify(cases)], { cwd: dir, encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { verl_good: number; verl_bad: number; verl_broken: number; trl: (number | null)[]; extract: string[] };
    assert.deepStrictEqual([out.verl_good, out.verl_bad, out.verl_broken], [3, 0, 0]);
    assert.deepStrictEqual(out.trl, [3, null]);
    assert.deepStrictEqual(out.extract, cases.map((c) => extractSql(c).sql), 'same SQL extraction as the extension');
  });

  it('every Python block in the guide is valid Python', () => {
    const blocks = [...doc.matchAll(/^```python\n([\s\S]*?)^```$/gm)].map((x) => x[1]!);
    assert.ok(blocks.length >= 6);
    const r = spawnSync('python3', ['-c', 'import ast, json, sys\nfor b in json.loads(sys.argv[1]): ast.parse(b)', JSON.stringify(blocks)], { encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
  });
});
