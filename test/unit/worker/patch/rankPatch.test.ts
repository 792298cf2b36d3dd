/**
 * patch.rank end to end (without VS Code): syntax through tree-sitter (test/unit/worker/syntax covers the parser),
 * ranking, test runs on a temporary copy, CLI.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { rankPatchCommand, readPatchRankInput } from '../../../../src/cli/rank/patch';
import { parsePatchRankParams } from '../../../../src/core/patch/protocol';
import { patchHandlers } from '../../../../src/worker/handlers/patch';
import { rankPatch } from '../../../../src/worker/patch/rankPatch';
import { runCommand } from '../../../../src/worker/patch/testRunner';

const MATH = 'export function add(a: number, b: number): number {\n  return a - b;\n}\n\nexport function mul(a: number, b: number): number {\n  return a * b;\n}\n';
const FIXED = MATH.replace('return a - b;', 'return a + b;');
const sr = (s: string, r: string, p = 'src/math.ts') => `\`\`\`ts\n### ${p}\n<<<<<<< SEARCH\n${s}\n=======\n${r}\n>>>>>>> REPLACE\n\`\`\``;

const CANDIDATES = [
  sr('  return a - b;', '  return a + b;'), // right
  '--- a/src/math.ts\n+++ b/src/math.ts\n@@ -1,3 +1,3 @@\n export function add(a: number, b: number): number {\n-  return a - b;\n+  return a + b;\n }\n', // right, as a diff
  sr('  return a - b;', '  return a + b +;'), // syntax error
  sr('  return a * b;', '  return b * a;'), // wrong function
  sr('  return a ^ b;', '  return a + b;'), // search text not found
];

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'rl-patch-test-'));
}

describe('worker/patch rankPatch', function () {
  this.timeout(60_000);

  it('ranks with a reference: the right edits first (both formats), syntax error and not-found below, verdicts say why', async () => {
    const out = await rankPatch({ groups: [{ group: 'g', prompt: 'fix add', candidates: CANDIDATES, reference: sr('  return a - b;', '  return a + b;'), files: { 'src/math.ts': MATH } }] });
    const g = out.groups[0]!;
    const c = g.candidates;
    assert.equal(c[0]!.rewards.similarity, 1);
    assert.equal(c[1]!.rewards.similarity, 1);
    assert.equal(c[3]!.rewards.similarity! < 1, true);
    assert.equal(c[4]!.rewards.similarity, -1);
    assert.deepEqual([c[0]!.rank, c[1]!.rank].sort(), [1, 2]);
    assert.equal(c[2]!.error?.code, 'patch_syntax');
    assert.match(c[2]!.error!.message, /^src\/math\.ts: line 2:17: missing "identifier" \(typescript\)$/);
    assert.equal(c[2]!.rewards.syntax, 0);
    assert.equal(c[4]!.error?.code, 'patch_apply');
    assert.equal(c[4]!.rewards.applies, 0);
    assert.ok(c[4]!.rank === 5, 'the candidate that does not apply ranks last');
    // Evidence: patched texts and a summary.
    assert.deepEqual(c[0]!.files, [{ path: 'src/math.ts', status: 'modified', after: FIXED }]);
    assert.deepEqual(c[0]!.summary, { files: 1, added: 1, removed: 1, hunks: 1 });
    assert.match(c[0]!.diff, /^--- a\/src\/math\.ts\n\+\+\+ b\/src\/math\.ts\n@@ -1,5 \+1,5 @@/);
    assert.equal(g.allEqual, false);
    assert.equal(g.referenceError, null);
  });

  it('with a unified-diff reference, unified-diff candidates also get SWE-RL\'s unidiff variant (reported, weight 0)', async () => {
    const out = await rankPatch({ groups: [{ group: 'g', prompt: '', candidates: CANDIDATES.slice(0, 2), reference: CANDIDATES[1]!, files: { 'src/math.ts': MATH } }] });
    const c = out.groups[0]!.candidates;
    assert.equal(c[0]!.rewards.similarity_unidiff, undefined, 'search/replace candidates have no unidiff text');
    assert.equal(c[1]!.rewards.similarity_unidiff, 1);
    assert.equal(out.groups[0]!.weights.similarity_unidiff, 0);
  });

  it('without a reference: consensus carries the agreement of the group; similarity absent', async () => {
    const out = await rankPatch({ groups: [{ group: 'g', prompt: '', candidates: CANDIDATES.slice(0, 4), files: { 'src/math.ts': MATH } }] });
    const c = out.groups[0]!.candidates;
    assert.equal(c[0]!.rewards.similarity, undefined);
    // Candidates 0 and 1 make the same change: they agree with each other more than with 3.
    assert.ok(c[0]!.rewards.consensus! > c[3]!.rewards.consensus!);
    assert.equal(c[0]!.rank, 1);
  });

  it('reads files a candidate names from --root when they are not given, and never writes there', async () => {
    const root = tmpdir();
    fs.mkdirSync(path.join(root, 'src'));
    fs.writeFileSync(path.join(root, 'src', 'math.ts'), MATH);
    const out = await rankPatch({ root, groups: [{ group: 'g', prompt: '', candidates: [CANDIDATES[0]!, sr('x', 'y', '../escape.ts')] }] });
    assert.equal(out.groups[0]!.candidates[0]!.files[0]!.after, FIXED);
    assert.equal(fs.readFileSync(path.join(root, 'src', 'math.ts'), 'utf8'), MATH);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('tests (opt-in): run on a temporary copy with the candidate applied; pass = 1; the workspace is untouched', async () => {
    const root = tmpdir();
    fs.mkdirSync(path.join(root, 'src'));
    fs.writeFileSync(path.join(root, 'src', 'math.ts'), MATH);
    fs.writeFileSync(path.join(root, 'check.js'), "const s = require('fs').readFileSync('src/math.ts', 'utf8'); require('fs').writeFileSync('ran-here', process.cwd()); process.exit(s.includes('a + b') ? 0 : 1);\n");
    const out = await rankPatch({
      root,
      tests: { command: `"${process.execPath}" check.js`, timeoutMs: 20_000, concurrency: 2 },
      groups: [{ group: 'g', prompt: '', candidates: [CANDIDATES[0]!, CANDIDATES[3]!, CANDIDATES[4]!] }],
    });
    const c = out.groups[0]!.candidates;
    assert.equal(c[0]!.rewards.tests, 1);
    assert.equal(c[0]!.tests?.passed, true);
    assert.equal(c[1]!.rewards.tests, 0);
    assert.equal(c[1]!.tests?.exitCode, 1);
    assert.equal(c[2]!.rewards.tests, 0, 'a candidate that does not apply is not run');
    assert.equal(c[2]!.tests, undefined);
    assert.equal(fs.existsSync(path.join(root, 'ran-here')), false, 'the command ran in the user tree');
    assert.equal(fs.readFileSync(path.join(root, 'src', 'math.ts'), 'utf8'), MATH);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('a command that outlives its time limit is killed with its whole process group', async function () {
    if (process.platform === 'win32') this.skip();
    const dir = tmpdir();
    const pidFile = path.join(dir, 'child.pid');
    // The shell starts a grandchild that would sleep for a minute and records its pid.
    const r = await runCommand(`sleep 60 & echo $! > "${pidFile}"; wait`, dir, 500);
    assert.equal(r.timedOut, true);
    assert.equal(r.passed, false);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    let alive = true;
    // A killed process whose parent is gone can stay a zombie until PID 1 reaps it (containers): zombie = dead.
    const running = (): boolean => {
      try {
        process.kill(pid, 0);
      } catch {
        return false;
      }
      try {
        return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return true;
      }
    };
    for (let i = 0; i < 50 && (alive = running()); i++) await new Promise((res) => setTimeout(res, 20));
    assert.equal(alive, false, `grandchild ${pid} survived`);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the worker handler validates params (bad_request) and returns the same result shape', async () => {
    assert.throws(() => parsePatchRankParams({ groups: [{ candidates: [1] }] }), /candidates must be an array of strings/);
    const ctl = new AbortController();
    const progress: unknown[] = [];
    const res = (await patchHandlers['patch.rank']!({ groups: [{ group: 'g', prompt: '', candidates: [CANDIDATES[0]!], files: { 'src/math.ts': MATH } }] }, { signal: ctl.signal, progress: (p) => progress.push(p), log: () => {} })) as { groups: { candidates: { rank: number }[] }[] };
    assert.equal(res.groups[0]!.candidates[0]!.rank, 1);
    assert.deepEqual(progress, [{ group: 'g', index: 0, stage: 'scored', applies: true, error: null }]);
  });
});

describe('cli rank --task patch', function () {
  this.timeout(30_000);
  it('reads JSONL groups (merging files, first reference) and prints {groups:[...]}', async () => {
    const dir = tmpdir();
    const input = path.join(dir, 'in.jsonl');
    const lines = CANDIDATES.slice(0, 3).map((candidate, i) => JSON.stringify({ group: 'p1', prompt: 'fix add', candidate, ...(i === 0 ? { files: { 'src/math.ts': MATH }, reference: CANDIDATES[1] } : {}) }));
    lines.push(JSON.stringify({ group: 'p2', prompt: 'x', candidate: 'not a patch', files: { 'a.ts': 'x', 'b.ts': 'y' } }));
    fs.writeFileSync(input, lines.join('\n') + '\n');
    assert.equal(readPatchRankInput(fs.readFileSync(input, 'utf8')).length, 2);
    let stdout = '';
    const write = process.stdout.write.bind(process.stdout);
    (process.stdout as unknown as { write: (s: string) => boolean }).write = (s: string) => ((stdout += s), true);
    let code: number;
    try {
      code = await rankPatchCommand(['--input', input]);
    } finally {
      (process.stdout as unknown as { write: typeof write }).write = write;
    }
    assert.equal(code, 0);
    const out = JSON.parse(stdout) as { groups: { group: string; candidates: { rewards: Record<string, number>; rank: number; error: { code: string } | null }[] }[] };
    assert.deepEqual(out.groups.map((g) => g.group), ['p1', 'p2']);
    assert.equal(out.groups[0]!.candidates[0]!.rewards.similarity, 1);
    assert.equal(out.groups[1]!.candidates[0]!.error?.code, 'patch_format');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('usage errors exit 2', async () => {
    const err = process.stderr.write.bind(process.stderr);
    (process.stderr as unknown as { write: (s: string) => boolean }).write = () => true;
    try {
      assert.equal(await rankPatchCommand([]), 2);
      assert.equal(await rankPatchCommand(['--input', '/nonexistent.jsonl']), 2);
      assert.equal(await rankPatchCommand(['--input', 'x', '--tests', 'npm test']), 2);
    } finally {
      (process.stderr as unknown as { write: typeof err }).write = err;
    }
  });
});
