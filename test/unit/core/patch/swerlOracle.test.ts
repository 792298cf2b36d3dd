/**
 * SWE-RL fidelity (issue 10): Reward Lens's `similarity` (default and --strict-swerl) and `similarity_unidiff` equal
 * the reference's own code (../shared/oracles/swerl_reward.py, run once per file in one batch with Debian's Python)
 * to 1e-9 on thousands of cases built from this repository's git history (swerlCases.ts). Skips, saying so, when
 * ../shared or the Python modules are absent; the golden set in test/fixtures/patch/swerl_golden.json (expected
 * values written by this test from the reference) runs everywhere.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scorePatchGroup } from '../../../../src/core/patch/score';
import { calculateRewardUnidiff } from '../../../../src/core/patch/swerl';
import { REPO_ROOT } from './pyOracle';
import { realFilePairs } from './realPairs';
import { buildOracleCases, type OracleCase, type PyCall } from './swerlCases';

const ORACLES = path.resolve(REPO_ROOT, '..', 'shared', 'oracles');
const SCRIPT = path.join(REPO_ROOT, 'test', 'fixtures', 'patch', 'swerl_oracle.py');
const GOLDEN = path.join(REPO_ROOT, 'test', 'fixtures', 'patch', 'swerl_golden.json');
const PYTHON = '/usr/bin/python3';
const TOL = 1e-9;

/** Why the reference cannot run here, or null. */
function oracleMissing(): string | null {
  if (!fs.existsSync(path.join(ORACLES, 'swerl_reward.py'))) return `${ORACLES}/swerl_reward.py not found (../shared is absent)`;
  const r = spawnSync(PYTHON, ['-c', 'import swerl_reward'], { env: { ...process.env, PYTHONPATH: ORACLES }, encoding: 'utf8' });
  if (r.status !== 0) return `${PYTHON} cannot import swerl_reward (python3-unidiff missing?): ${(r.stderr || String(r.error)).trim().split('\n').pop()}`;
  return null;
}

/** One batch through swerl_oracle.py; strings are sent once each (the same file texts recur across cases). */
function runReference(calls: PyCall[]): number[] {
  const strings: string[] = [];
  const ids = new Map<string, number>();
  const intern = (s: string): number => {
    let i = ids.get(s);
    if (i === undefined) {
      ids.set(s, (i = strings.length));
      strings.push(s);
    }
    return i;
  };
  const internFiles = (f: Record<string, string>) => Object.entries(f).map(([k, v]) => [intern(k), intern(v)]);
  const packed = calls.map((c) => {
    switch (c.fn) {
      case 'unidiff':
        return { fn: c.fn, oracle_patches: c.oracle_patches.map(intern), pred_patches: c.pred_patches.map(intern) };
      case 'reward':
        return { fn: c.fn, ctx: internFiles(c.ctx), oracle: internFiles(c.oracle), pred: internFiles(c.pred) };
      default:
        return { fn: c.fn, ctx: internFiles(c.ctx), oracle: internFiles(c.oracle), output: intern(c.output) };
    }
  });
  const r = spawnSync(PYTHON, [SCRIPT], {
    input: JSON.stringify({ strings, cases: packed }),
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, PYTHONPATH: ORACLES, PYTHONIOENCODING: 'utf-8' },
  });
  if (r.status !== 0) throw new Error(`swerl_oracle.py failed (${r.status}): ${r.stderr}`);
  return (JSON.parse(r.stdout) as { reward: number }[]).map((x) => x.reward);
}

interface Ours {
  similarity: number | null | undefined;
  unidiff: number | null | undefined;
}

function ours(c: Pick<OracleCase, 'files' | 'reference' | 'candidate' | 'strict'>): Ours {
  const g = scorePatchGroup([c.candidate], { files: c.files }, { reference: c.reference, ...(c.strict ? { requireThinkSolution: true } : {}) });
  assert.equal(g.referenceError, null, `the reference does not apply: ${g.referenceError?.message}`);
  const r = g.candidates[0]!.rewards;
  return { similarity: r.similarity, unidiff: r.similarity_unidiff };
}

/**
 * calculate_reward_unidiff on the divergences a differential fuzz found (minimised; each gave another reward before
 * the fix), with the reference's values (../shared/oracles/swerl_reward.py, python-unidiff 0.7.5) stored here.
 */
const UNIDIFF_EDGE: { why: string; oracle: string[]; pred: string[]; expected: number }[] = [
  { why: '"GIT binary patch" marks the file binary: skipped, so both sides are empty', oracle: ['diff --git a/i.png b/i.png\nindex 1..2 100644\nGIT binary patch\nliteral 5\nabc\n'], pred: [], expected: 1.0 },
  { why: '"GIT binary patch" with no current file is an error: the whole patch reads as no files', oracle: ['--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\nGIT binary patch\n'], pred: ['--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n'], expected: 0.0 },
  { why: 'URI-like git header: source "file://a.py", target "file://x y"', oracle: ['diff --git file://a.py file://x y\n'], pred: ['diff --git file://a.py b/q\n'], expected: 0.8307692307692308 },
  { why: 'hunk start past 2^53 is printed exactly', oracle: ['--- a/x.py\n+++ b/x.py\n@@ -99999999999999999999,2 +1,2 @@\n-a\n+b\n c\n'], pred: ['--- a/x.py\n+++ b/x.py\n@@ -99999999999999999998,2 +1,2 @@\n-a\n+b\n c\n'], expected: 0.9767441860465116 },
  { why: 'Python\'s \\d reads any script\'s digits ("\\u0661" is 1)', oracle: ['--- a/x.py\n+++ b/x.py\n@@ -1 +\u0661 @@\n-a\n+b\n'], pred: ['--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n'], expected: 1.0 },
  { why: 'a hunk number over int()\'s 4,300 digits is a ValueError: no files', oracle: [`--- a/x.py\n+++ b/x.py\n@@ -${'1'.repeat(4301)} +1 @@\n-a\n+b\n`], pred: [], expected: 1.0 },
];

const kindOf = (id: string) => id.split(':').slice(2).join(':').replace(/:strict$/, '') || id;
const close = (a: number | null | undefined, b: number) => typeof a === 'number' && Math.abs(a - b) <= TOL;

describe('core/patch SWE-RL similarity vs the reference code (../shared/oracles/swerl_reward.py)', function () {
  this.timeout(600_000);

  it('equals calculate_reward / calculate_search_replace_reward / calculate_reward_unidiff on >= 2,000 cases from git history', function () {
    const missing = oracleMissing();
    if (missing) {
      console.log(`    (skipped: ${missing})`);
      this.skip();
    }
    // Newest edits first (git history, topped up from node_modules when the clone is shallow), until each mode has
    // 2,100 cases.
    const pairs = realFilePairs(REPO_ROOT, 400).filter((f) => f.old.length < 16_000 && f.new.length < 16_000);
    const cases = buildOracleCases(pairs, 2100);
    const calls: PyCall[] = [];
    const uniIndex = new Map<number, number>();
    cases.forEach((c, i) => {
      calls.push(c.py);
      if (c.pyUnidiff) {
        uniIndex.set(i, calls.length);
        calls.push(c.pyUnidiff);
      }
    });
    const want = runReference(calls);
    let k = 0;
    const table = new Map<string, { cases: number; agree: number }>();
    const byKind = new Map<string, { cases: number; agree: number }>();
    const bump = (m: Map<string, { cases: number; agree: number }>, key: string, ok: boolean) => {
      const e = m.get(key) ?? { cases: 0, agree: 0 };
      e.cases++;
      if (ok) e.agree++;
      m.set(key, e);
    };
    const mismatches: string[] = [];
    const golden: unknown[] = [];
    for (let i = 0; i < cases.length; i++, k++) {
      const c = cases[i]!;
      const got = ours(c);
      const expected = want[k]!;
      const ok = close(got.similarity, expected);
      bump(table, c.strict ? 'similarity --strict-swerl' : 'similarity (default)', ok);
      bump(byKind, `${c.strict ? 'strict ' : ''}${kindOf(c.id)}`, ok);
      if (!ok && mismatches.length < 10) mismatches.push(`${c.id}: ours ${got.similarity}, reference ${expected}`);
      let uni: number | undefined;
      if (uniIndex.has(i)) {
        k++;
        uni = want[k]!;
        const okU = close(got.unidiff, uni);
        bump(table, 'similarity_unidiff', okU);
        if (!okU && mismatches.length < 10) mismatches.push(`${c.id} (unidiff): ours ${got.unidiff}, reference ${uni}`);
      }
      // A small, varied golden set for clones without ../shared: short files only.
      const size = Object.values(c.files).reduce((a, t) => a + t.length, 0);
      if (i % 5 === 0 && size < 1500 && golden.length < 70) golden.push({ ...c, py: undefined, pyUnidiff: undefined, expected, ...(uni !== undefined ? { expectedUnidiff: uni } : {}) });
    }
    console.log('    | reward | cases | agree |\n    | --- | --- | --- |');
    for (const [name, e] of table) console.log(`    | ${name} | ${e.cases} | ${e.agree} (${((100 * e.agree) / e.cases).toFixed(2)}%) |`);
    if (process.env.RL_ORACLE_KINDS) for (const [name, e] of [...byKind].sort()) console.log(`      ${name}: ${e.agree}/${e.cases}`);
    if (process.env.REWARD_LENS_WRITE_GOLDEN === '1') {
      fs.writeFileSync(GOLDEN, JSON.stringify(golden, null, 1) + '\n');
      console.log(`    wrote ${golden.length} golden cases to ${path.relative(REPO_ROOT, GOLDEN)}`);
    }
    const def = table.get('similarity (default)')!;
    const strict = table.get('similarity --strict-swerl')!;
    assert.ok(def.cases >= 2000 && strict.cases >= 2000, `only ${def.cases} default and ${strict.cases} strict cases`);
    assert.deepEqual(mismatches, []);
  });

  it('calculate_reward_unidiff on fuzz-found edge cases (git binary patch, URI-like headers, huge and non-ASCII hunk numbers) equals the reference', () => {
    for (const c of UNIDIFF_EDGE) assert.ok(close(calculateRewardUnidiff(c.oracle, c.pred).reward, c.expected), `${c.why}: ours ${calculateRewardUnidiff(c.oracle, c.pred).reward}, reference ${c.expected}`);
    if (oracleMissing() === null) {
      const live = runReference(UNIDIFF_EDGE.map((c) => ({ fn: 'unidiff', oracle_patches: c.oracle, pred_patches: c.pred })));
      UNIDIFF_EDGE.forEach((c, i) => assert.ok(close(live[i]!, c.expected), `${c.why}: stored ${c.expected}, reference now ${live[i]}`));
    }
  });

  it('golden set (in the repo, expected values from the reference): equal to 1e-9', () => {
    const golden = JSON.parse(fs.readFileSync(GOLDEN, 'utf8')) as (OracleCase & { expected: number; expectedUnidiff?: number })[];
    assert.ok(golden.length >= 40, `${golden.length} golden cases`);
    const kinds = new Set(golden.map((g) => kindOf(g.id)));
    assert.ok(kinds.size >= 10, `golden set covers ${kinds.size} kinds`);
    for (const g of golden) {
      const got = ours(g);
      assert.ok(close(got.similarity, g.expected), `${g.id}: ours ${got.similarity}, reference ${g.expected}`);
      if (g.expectedUnidiff !== undefined) assert.ok(close(got.unidiff, g.expectedUnidiff), `${g.id} (unidiff): ours ${got.unidiff}, reference ${g.expectedUnidiff}`);
    }
  });
});
