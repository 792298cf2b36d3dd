/**
 * ChartMimic's colour, text, type and layout rewards against ChartMimic's own code (issue 10): 2,400 generated cases
 * (colour pairs, colour lists of more than 10 colours for the merge, colour lists for the F1, text multisets by role,
 * chart-type counts, subplot layouts) go in one batch to chartmimic_oracle.py, which runs the reference's functions
 * from ../shared/oracles with Debian's Python (colormath, numpy); every answer must agree (CIEDE2000 to 1e-6, F1s to
 * 1e-9, merged lists exactly). Skips, saying so, when ../shared is absent; the golden subset with stored answers
 * (test/fixtures/chart/chartmimic-golden.json) runs everywhere. `RL_WRITE_CHART_GOLDEN=1` rewrites that file from the
 * oracle.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { disagreement, generateCases, ours, REWARD_OF, toOracle, type Answer, type Case } from './chartmimicCases';

const ROOT = path.resolve(__dirname, '../../../..');
const ORACLES = path.resolve(ROOT, '..', 'shared', 'oracles');
const SCRIPT = path.join(__dirname, 'chartmimic_oracle.py');
const GOLDEN = path.join(ROOT, 'test', 'fixtures', 'chart', 'chartmimic-golden.json');
const PYTHON = '/usr/bin/python3';

function runOracle(cases: readonly Case[]): Answer[] {
  const r = spawnSync(PYTHON, [SCRIPT], {
    input: JSON.stringify({ cases: cases.map(toOracle) }),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONPATH: ORACLES, PYTHONHASHSEED: '0' },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`oracle failed (status ${r.status}): ${(r.stderr ?? '').slice(-2000)}`);
  return (JSON.parse(r.stdout) as { results: Answer[] }).results;
}

interface Tally { cases: number; agree: number; examples: string[] }

function tally(cases: readonly Case[], answers: readonly Answer[]): Map<string, Tally> {
  const byReward = new Map<string, Tally>();
  cases.forEach((c, i) => {
    const t = byReward.get(REWARD_OF[c.kind]) ?? { cases: 0, agree: 0, examples: [] };
    const why = disagreement(c, ours(c), answers[i]!);
    t.cases++;
    if (why === null) t.agree++;
    else if (t.examples.length < 3) t.examples.push(`${JSON.stringify(c).slice(0, 300)} -> ${why}`);
    byReward.set(REWARD_OF[c.kind], t);
  });
  return byReward;
}

function table(byReward: Map<string, Tally>): string {
  const rows = [...byReward].map(([k, t]) => `| ${k} | ${t.cases} | ${t.agree} | ${((100 * t.agree) / t.cases).toFixed(1)}% |`);
  return ['| reward | cases | agree | agreement |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

describe('ChartMimic rewards equal ChartMimic\'s own code', function () {
  this.timeout(600_000);

  describe('golden set (stored answers of the reference)', () => {
    it('our text, type, layout and colour rewards give the stored reference answers', () => {
      const golden = JSON.parse(fs.readFileSync(GOLDEN, 'utf8')) as { cases: Case[]; answers: Answer[] };
      assert.ok(golden.cases.length >= 50 && golden.cases.length === golden.answers.length);
      const kinds = new Set(golden.cases.map((c) => c.kind));
      assert.deepEqual([...kinds].sort(), ['color', 'filter', 'layout', 'pair', 'text', 'type']);
      const t = tally(golden.cases, golden.answers);
      for (const [k, v] of t) assert.equal(v.agree, v.cases, `${k}: ${v.examples.join('\n')}`);
    });
  });

  describe('generated cases against ../shared/oracles', () => {
    const cases = generateCases(20261201, 400);
    let answers: Answer[] | null = null;

    before(function () {
      if (!fs.existsSync(path.join(ORACLES, 'cm_color_utils.py'))) {
        console.log(`    skipped: ChartMimic oracle not found at ${ORACLES} (../shared is absent in a user's clone)`);
        this.skip();
      }
      answers = runOracle(cases);
      if (process.env.RL_WRITE_CHART_GOLDEN === '1') {
        const pickIdx: number[] = [];
        const seen = new Map<string, number>();
        cases.forEach((c, i) => { const n = seen.get(c.kind) ?? 0; if (n < 10) { pickIdx.push(i); seen.set(c.kind, n + 1); } });
        fs.writeFileSync(GOLDEN, JSON.stringify({ source: 'ChartMimic c9e149c via test/unit/core/chart/chartmimic_oracle.py', cases: pickIdx.map((i) => cases[i]), answers: pickIdx.map((i) => answers![i]) }, null, 1) + '\n');
      }
    });

    it(`at least 2,000 cases, 100% agreement per reward`, () => {
      assert.ok(cases.length >= 2000, `${cases.length} cases`);
      assert.equal(answers!.length, cases.length);
      const t = tally(cases, answers!);
      console.log(table(t).split('\n').map((l) => `      ${l}`).join('\n'));
      for (const [k, v] of t) assert.equal(v.agree, v.cases, `${k}: ${v.cases - v.agree} disagree, e.g.\n${v.examples.join('\n')}`);
    });

    it('the cases reach the branches that matter (merge, empty sides, exact misses, zero chroma, opposite hues)', () => {
      const merged = cases.filter((c) => c.kind === 'color' && (c.gen.length > 10 || c.gold.length > 10)).length;
      const emptyText = cases.filter((c) => c.kind === 'text' && (ours(c).f1 === 0)).length;
      const greys = cases.filter((c) => c.kind === 'pair' && /^#(..)\1\1$/.test(c.a)).length;
      const partial = cases.filter((c) => c.kind !== 'pair' && c.kind !== 'filter' && (ours(c).f1 as number) > 0 && (ours(c).f1 as number) < 1).length;
      assert.ok(merged >= 50, `colour lists over 10: ${merged}`);
      assert.ok(emptyText >= 20, `text cases scoring 0: ${emptyText}`);
      assert.ok(greys >= 20, `grey pairs: ${greys}`);
      assert.ok(partial >= 500, `partial F1s: ${partial}`);
    });
  });
});
