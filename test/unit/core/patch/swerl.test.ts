/** SWE-RL reward: the golden values of facebookresearch/swe-rl tests/test_reward.py, and per-file floats vs python3. */
import { strict as assert } from 'node:assert';
import { calculateReward, calculateRewardUnidiff, calculateSearchReplaceReward, parseSearchReplace } from '../../../../src/core/patch/swerl';
import { filelevelDiff } from '../../../../src/core/patch/unidiffFiles';
import { partialEdit, realFilePairs, rng } from './realPairs';
import { REPO_ROOT, pythonAvailable, runOracle } from './pyOracle';

const FILE_A = 'def add(a, b):\n    return a + b\n\ndef subtract(a, b):\n    return a - b';
const FILE_A_ORACLE = 'def add(a: int, b: int) -> int:\n    return a + b\n\ndef subtract(a: float, b: float) -> float:\n    return a - b';
const FILE_B = 'def sort_list(lst):\n    return sorted(lst)';
const FILE_B_ORACLE = 'def sort_list(lst: list[int]) -> list[int]:\n    return sorted(lst)';
const CONTEXT = { 'a.py': FILE_A, 'b.py': FILE_B };
const ORACLE_2 = { 'a.py': FILE_A_ORACLE, 'b.py': FILE_B_ORACLE };

const block = (path: string, search: string, replace: string, fence = '```') => `${fence}\n### ${path}\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n\`\`\``;

const DIFF_1 = 'diff --git a/foo.txt b/foo.txt\nindex 83db48f..f73504f 100644\n--- a/foo.txt\n+++ b/foo.txt\n@@ -1,4 +1,4 @@\n-Hello world\n+Hello World\n This is a file\n-With some lines\n+With some changed lines\n End\n';
const DIFF_2 = DIFF_1.replace('+With some changed lines', '+With some changed');
const DIFF_3 = DIFF_2.replace(/foo\.txt/g, 'bar.txt');

describe('core/patch SWE-RL reward (golden values of swe-rl tests/test_reward.py)', () => {
  it('multi-file edit identical to the oracle -> 1.0', () => {
    const out = `\n<think>\ndummy\n</think>\n<solution>\n${block('a.py', 'def add(a, b):', 'def add(a: int, b: int) -> int:')}\n\n${block('a.py', 'def subtract(a, b):', 'def subtract(a: float, b: float) -> float:', '```python')}\n\n${block('b.py', 'def sort_list(lst):', 'def sort_list(lst: list[int]) -> list[int]:', '```python')}\n</solution>\n`;
    const r = calculateSearchReplaceReward(CONTEXT, ORACLE_2, out);
    assert.equal(r.reward, 1.0);
    assert.equal(r.thought, 'dummy');
  });

  it('unrelated edit (a new file the oracle does not touch) -> 0.0', () => {
    const out = `\n<think>\ndummy\n</think>\n<solution>\n${block('c.py', '', '# dummy')}\n</solution>\n`;
    assert.equal(calculateSearchReplaceReward(CONTEXT, ORACLE_2, out).reward, 0.0);
  });

  it('one of three files right -> 1/3', () => {
    const out = `\n<think>\ndummy\n</think>\n<solution>\n${block('c.py', '', '# dummy')}\n\n${block('c.py', '# dummy', 'print("hello")')}\n\n${block('b.py', 'def sort_list(lst):', 'def sort_list(lst: list[int]) -> list[int]:')}\n</solution>\n`;
    assert.equal(calculateSearchReplaceReward(CONTEXT, ORACLE_2, out).reward, 1 / 3);
  });

  it('format errors -> -1.0 (missing blocks, unterminated block, search not found, search == replace, empty thought)', () => {
    const cases = [
      '\n<think>\ndummy\n</think>\n<solution>\n',
      '\n<think>\ndummy\n</think>\n<solution>\n```\n### a.py\n<<<<<<< SEARCH\nreturn a + b\n=======\nreturn a - b\n```\n</solution>',
      `<think>x</think><solution>${block('a.py', 'not in file', 'y')}</solution>`,
      `<think>x</think><solution>${block('a.py', 'def add(a, b):', 'def add(a, b):')}</solution>`,
      `<think> </think><solution>${block('a.py', 'def add(a, b):', 'def add(a, c):')}</solution>`,
      `<think>x</think><think>y</think><solution>${block('a.py', 'def add(a, b):', 'def add(a, c):')}</solution>`,
    ];
    for (const c of cases) assert.equal(calculateSearchReplaceReward(CONTEXT, ORACLE_2, c).reward, -1.0, c);
  });

  it('parses the block regex as Python does (path up to the newline, lazy bodies, several blocks)', () => {
    const m = parseSearchReplace(`${block('x/y z.ts', 'a\nb', 'c')}\ntext\n${block('x/y z.ts', 'd', '')}`);
    assert.deepEqual([...m.entries()], [['x/y z.ts', [{ search: 'a\nb', replace: 'c' }, { search: 'd', replace: '' }]]]);
  });

  it('unidiff variant: >0.9 for a near match, 1.0 same, 0.0 different file, 0.5 half, 1.0 both empty', () => {
    assert.ok(calculateRewardUnidiff([DIFF_1], [DIFF_2]).reward! > 0.9);
    assert.equal(calculateRewardUnidiff([DIFF_1], [DIFF_1]).reward, 1.0);
    assert.equal(calculateRewardUnidiff([DIFF_1], [DIFF_3]).reward, 0.0);
    assert.equal(calculateRewardUnidiff([DIFF_1], [DIFF_1, DIFF_3]).reward, 0.5);
    assert.equal(calculateRewardUnidiff([], []).reward, 1.0);
  });

  it('unidiff file-level text follows python-unidiff: normalised hunk header, renames, binary skipped, bad hunks -> {}', () => {
    assert.deepEqual({ ...filelevelDiff('--- a/x\n+++ b/x\n@@ -1 +1 @@ def f():\n-a\n+b\n\\ No newline at end of file\n') }, {
      x: '@@ -1,1 +1,1 @@ def f():\n-a\n+b\n\\ No newline at end of file',
    });
    assert.deepEqual({ ...filelevelDiff('diff --git a/old.py b/new.py\nsimilarity index 90%\nrename from old.py\nrename to new.py\n--- a/old.py\n+++ b/new.py\n@@ -1,2 +1,2 @@\n x\n-y\n+z\n') }, {
      'old.py': 'rename from old.py to new.py\n@@ -1,2 +1,2 @@\n x\n-y\n+z',
    });
    assert.deepEqual({ ...filelevelDiff('diff --git a/i.png b/i.png\nindex 1..2 100644\nBinary files a/i.png and b/i.png differ\n') }, {});
    assert.deepEqual({ ...filelevelDiff('--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n-a\n+b\n') }, {});
    // A line past the end of a complete hunk is "patch info" to unidiff, not an error.
    assert.deepEqual({ ...filelevelDiff('--- a/x\n+++ b/x\n@@ -1,1 +1,1 @@\n-a\n+b\n+c\n') }, { x: '@@ -1,1 +1,1 @@\n-a\n+b' });
  });
});

describe('core/patch SWE-RL calculateReward vs the formula in python3 on real edits', function () {
  this.timeout(120_000);
  it('per-file similarities are bit-identical on 80 real partial edits (1 to 3 files each)', function () {
    if (!pythonAvailable()) {
      console.log('    (skipped: python3 not on PATH)');
      this.skip();
    }
    const files = realFilePairs(REPO_ROOT, 300).filter((f) => f.old.length < 3000);
    const rand = rng(99);
    const cases: [Record<string, string>, Record<string, string>, Record<string, string>][] = [];
    for (let k = 0; k < 80 && files.length > 0; k++) {
      const ctx: Record<string, string> = {};
      const oracle: Record<string, string> = {};
      const pred: Record<string, string> = {};
      const nf = 1 + Math.floor(rand() * 3);
      for (let f = 0; f < nf; f++) {
        const fp = files[Math.floor(rand() * files.length)]!;
        const p = `f${f}/${fp.source.split(' ').pop()}`;
        ctx[p] = fp.old;
        if (rand() < 0.9) oracle[p] = fp.new;
        if (rand() < 0.9) pred[p] = partialEdit(fp.old, fp.new, rand, 0.6);
      }
      cases.push([ctx, oracle, pred]);
    }
    const want = runOracle<{ similarities: Record<string, number> }>(cases.map((c) => ({ swerl: c })));
    cases.forEach(([ctx, oracle, pred], i) => {
      const r = calculateReward(ctx, oracle, pred);
      const got = Object.fromEntries((r.similarities ?? []).map((s) => [s.path, s.similarity]));
      assert.deepEqual(got, want[i]!.similarities, `case ${i}`);
    });
  });
});
