/**
 * SWE-RL's unidiff variant reads patches through python-unidiff; our port must cut them into the same per-file
 * texts. Oracle: python-unidiff itself under /usr/bin/python3: the reference's copy (0.7.5, ../shared/oracles/unidiff)
 * when ../shared is there, else Debian's python3-unidiff (0.7.3, which lacks 0.7.5's URI-like git headers and
 * "GIT binary patch" lines, so the cases about those run only against 0.7.5), on real patches from this
 * repository's git history, on damaged copies of them (truncated hunks, stray lines, renames, binary markers), and
 * on the divergences a differential fuzz found (EDGE).
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { filelevelDiff } from '../../../../src/core/patch/unidiffFiles';
import { calculateRewardUnidiff } from '../../../../src/core/patch/swerl';
import { diffPairs, realFilePairs, rng } from './realPairs';
import { REPO_ROOT, pythonAvailable, runOracle } from './pyOracle';

const PY = '/usr/bin/python3';
const ORACLES = path.resolve(REPO_ROOT, '..', 'shared', 'oracles');
/** PYTHONPATH for the reference's python-unidiff when ../shared is there (Debian's 0.7.3 otherwise). */
const ORACLE_ENV: Record<string, string> = fs.existsSync(path.join(ORACLES, 'unidiff', 'patch.py')) ? { PYTHONPATH: ORACLES } : {};
function unidiffVersion(): string {
  const r = spawnSync(PY, ['-c', 'import unidiff; print(unidiff.VERSION)'], { env: { ...process.env, ...ORACLE_ENV }, encoding: 'utf8' });
  return (r.stdout ?? '').trim();
}

function gitPatches(max: number): string[] {
  try {
    const log = execFileSync('git', ['-C', REPO_ROOT, 'log', '-p', '-M', '--no-color', '--format=tformat:@@@COMMIT', '-n', String(max)], { encoding: 'utf8', maxBuffer: 256 << 20 });
    return log.split('@@@COMMIT\n').map((p) => p.trim() + '\n').filter((p) => p.length > 10 && p.length < 200_000);
  } catch {
    return [];
  }
}

function damage(p: string, rand: () => number): string {
  const lines = p.split('\n');
  const k = Math.floor(rand() * lines.length);
  switch (Math.floor(rand() * 6)) {
    case 0: return lines.slice(0, k).join('\n');
    case 1: lines.splice(k, 0, 'stray line'); return lines.join('\n');
    case 2: lines.splice(k, 1); return lines.join('\n');
    case 3: lines.splice(k, 0, '\\ No newline at end of file'); return lines.join('\n');
    case 4: lines.splice(k, 0, ''); return lines.join('\n');
    default: return lines.map((l) => l.replace(/^@@ -(\d+),(\d+)/, (_, a, b) => `@@ -${a},${Number(b) + 1}`)).join('\n');
  }
}

const EXTRA = [
  'diff --git a/old.py b/new.py\nsimilarity index 90%\nrename from old.py\nrename to new.py\n--- a/old.py\n+++ b/new.py\n@@ -1,2 +1,2 @@ def f():\n x\n-y\n+z\n',
  'diff --git a/i.png b/i.png\nindex 1..2 100644\nBinary files a/i.png and b/i.png differ\ndiff --git a/t.txt b/t.txt\n--- a/t.txt\n+++ b/t.txt\n@@ -1 +1 @@\n-a\n+b\n',
  'diff --git a/n.txt b/n.txt\nnew file mode 100644\n--- /dev/null\n+++ b/n.txt\n@@ -0,0 +1,2 @@\n+a\n+b\n',
  'diff --git a/d.txt b/d.txt\ndeleted file mode 100644\n--- a/d.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n',
  '--- x.orig\t2020-01-01\n+++ x\t2020-01-02\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n\n',
  '--- a/x\r\n+++ b/x\r\n@@ -1 +1 @@\r\n-a\r\n+b\r\n',
  'no diff here at all\n',
  '@@ -1 +1 @@\n-a\n+b\n',
];

/**
 * Minimised divergences from a differential fuzz against the reference (each differed before the fix): hunk numbers
 * past 2^53 (printed exactly by Python), Python's `\d` taking any script's digits (int() reads them), a number over
 * Python's 4,300-digit int() limit (ValueError: no files).
 */
const EDGE = [
  '--- a/x.py\n+++ b/x.py\n@@ -99999999999999999999,2 +1,2 @@\n-a\n+b\n c\n',
  '--- a/x.py\n+++ b/x.py\n@@ -1 +\u0661,\u0661 @@\n-a\n+b\n',
  '--- a/x.py\n+++ b/x.py\n@@ -1 +\u{1d7d0} @@\n-a\n+b\n',
  'diff --git a/n.py b/n.py\nnew file mode \u0661\n--- a/n.py\n+++ b/n.py\n@@ -0,0 +1 @@\n+a\n',
  `--- a/x.py\n+++ b/x.py\n@@ -${'1'.repeat(4301)} +1 @@\n-a\n+b\n`,
];
/** The same for what python-unidiff 0.7.5 added: URI-like git headers, "GIT binary patch" (binary: skipped; no file: error). */
const EDGE_075 = [
  'diff --git a/i.png b/i.png\nindex 1..2 100644\nGIT binary patch\nliteral 5\nabc\n',
  '--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\nGIT binary patch\n',
  'diff --git file://a.py file://x y\nindex 1..2 100644\n',
  'diff --git s3://a\tb s3://c\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n',
];

describe('core/patch unidiff file-level diffs vs python-unidiff', function () {
  this.timeout(120_000);
  before(function () {
    if (!pythonAvailable(PY, 'unidiff')) {
      console.log('    (skipped: /usr/bin/python3 has no unidiff module; apt-get install python3-unidiff)');
      this.skip();
    }
  });

  it('cuts real and damaged patches into the same per-file texts', () => {
    const rand = rng(17);
    const real = gitPatches(150);
    const fromPairs = diffPairs(realFilePairs(REPO_ROOT, 100), 100, 3).map((d, i) => `--- a/f${i}.ts\n+++ b/f${i}.ts\n${d.pred}\n`);
    const patches = [...real, ...fromPairs, ...EXTRA];
    const damaged = patches.flatMap((p) => [damage(p, rand), damage(damage(p, rand), rand)]);
    const version = unidiffVersion();
    const all = [...patches, ...damaged, ...EDGE, ...(version === '0.7.5' ? EDGE_075 : [])];
    const want = runOracle<{ files: Record<string, string> }>(all.map((p) => ({ filelevel: p })), PY, ORACLE_ENV);
    let failures = 0;
    all.forEach((p, i) => {
      try {
        assert.deepEqual({ ...filelevelDiff(p) }, want[i]!.files);
      } catch (e) {
        if (failures++ < 3) console.log(`    mismatch #${i}: ${(e as Error).message.slice(0, 800)}`);
      }
    });
    console.log(`    ${all.length} patches (${real.length} from git history, ${damaged.length} damaged), python-unidiff ${version}`);
    assert.equal(failures, 0, `${failures} of ${all.length} differ`);
  });

  it('calculate_reward_unidiff on real patch pairs is in [0, 1] and 1.0 on identical input', () => {
    const real = gitPatches(40).filter((p) => p.length < 15_000);
    for (const p of real) assert.equal(calculateRewardUnidiff([p], [p]).reward, 1);
    for (let i = 1; i < real.length; i++) {
      const r = calculateRewardUnidiff([real[i - 1]!], [real[i]!]).reward!;
      assert.ok(r >= 0 && r <= 1);
    }
  });
});
