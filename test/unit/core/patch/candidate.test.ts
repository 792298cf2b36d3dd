/** Candidate formats and their verdicts: malformed hunks, wrong line numbers, CRLF files, binary markers, renames. */
import { strict as assert } from 'node:assert';
import { applyCandidate, detectFormat, type ApplyResult } from '../../../../src/core/patch/candidate';

const FILE = 'line1\nline2\nline3\nline4\nline5\nline6\nline7\nline8\n';
const files = { 'src/a.txt': FILE, 'src/b.txt': 'x\ny\n' };

function ok(r: ApplyResult) {
  if (!r.ok) assert.fail(`expected success, got ${r.error.code}: ${r.error.message}`);
  return r;
}
function bad(r: ApplyResult, code: string, re: RegExp) {
  if (r.ok) assert.fail('expected a verdict, got success');
  assert.equal(r.error.code, code, r.error.message);
  assert.match(r.error.message, re);
}

describe('core/patch candidate formats', () => {
  it('detects the three formats', () => {
    assert.equal(detectFormat('```\n### a\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n```'), 'search-replace');
    assert.equal(detectFormat('--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n'), 'unified-diff');
    assert.equal(detectFormat('@@ -1 +1 @@\n-a\n+b\n'), 'unified-diff');
    assert.equal(detectFormat('```ts\nconst x = 1;\n```'), 'whole-file');
  });

  describe('unified diff', () => {
    it('applies a git diff and reports the change', () => {
      const r = ok(applyCandidate('diff --git a/src/a.txt b/src/a.txt\n--- a/src/a.txt\n+++ b/src/a.txt\n@@ -2,3 +2,3 @@\n line2\n-line3\n+LINE3\n line4\n', { files }));
      assert.deepEqual(r.changes, [{ path: 'src/a.txt', status: 'modified', before: FILE, after: FILE.replace('line3', 'LINE3') }]);
      assert.deepEqual(r.notes, []);
    });

    it('malformed hunk (line count does not match the header) -> patch_format', () => {
      bad(applyCandidate('--- a/src/a.txt\n+++ b/src/a.txt\n@@ -2,5 +2,3 @@\n line2\n-line3\n+LINE3\n line4\n', { files }), 'patch_format', /malformed unified diff/);
    });

    it('malformed hunk (a line without a prefix inside the hunk) -> patch_format', () => {
      bad(applyCandidate('--- a/src/a.txt\n+++ b/src/a.txt\n@@ -2,3 +2,3 @@\n line2\n-line3\nstray text\n+LINE3\n line4\n', { files }), 'patch_format', /invalid line stray text/);
    });

    it('wrong line numbers with matching context: applies, and the notes say where', () => {
      const r = ok(applyCandidate('--- a/src/a.txt\n+++ b/src/a.txt\n@@ -40,3 +40,3 @@\n line5\n-line6\n+LINE6\n line7\n', { files }));
      assert.equal(r.changes[0]!.after, FILE.replace('line6', 'LINE6'));
      assert.deepEqual(r.notes, ['src/a.txt: hunk 1 (@@ -40,3 +40,3 @@) applied at line 5, not at line 40']);
    });

    it('context that is not in the file -> patch_apply naming the hunk and the line', () => {
      bad(
        applyCandidate('--- a/src/a.txt\n+++ b/src/a.txt\n@@ -1,2 +1,2 @@\n line1\n-lineX\n+y\n@@ -5,3 +5,3 @@\n line5\n-line6\n+LINE6\n line7\n', { files }),
        'patch_apply',
        /src\/a\.txt: hunk 1 of 2 \(@@ -1,2 \+1,2 @@\) does not apply: line 2: patch expects "lineX", file has "line2"/,
      );
      bad(applyCandidate('--- a/src/a.txt\n+++ b/src/a.txt\n@@ -5,3 +5,3 @@\n line5\n-nope\n+LINE6\n line7\n@@ -1,2 +1,2 @@\n line1\n-line2\n+y\n', { files }), 'patch_apply', /hunk 1 of 2/);
    });

    it('a file that is not there -> patch_apply', () => {
      bad(applyCandidate('--- a/src/zzz.txt\n+++ b/src/zzz.txt\n@@ -1 +1 @@\n-a\n+b\n', { files }), 'patch_apply', /src\/zzz\.txt: the diff patches a file that is not in the workspace/);
    });

    it('CRLF file with an LF patch: applies and keeps CRLF', () => {
      const crlf = FILE.replace(/\n/g, '\r\n');
      const r = ok(applyCandidate('--- a/c.txt\n+++ b/c.txt\n@@ -2,3 +2,3 @@\n line2\n-line3\n+LINE3\n line4\n', { files: { 'c.txt': crlf } }));
      assert.equal(r.changes[0]!.after, crlf.replace('line3', 'LINE3'));
    });

    it('LF file with a CRLF patch: applies and keeps LF', () => {
      const r = ok(applyCandidate('--- a/src/a.txt\r\n+++ b/src/a.txt\r\n@@ -2,3 +2,3 @@\r\n line2\r\n-line3\r\n+LINE3\r\n line4\r\n', { files }));
      assert.equal(r.changes[0]!.after, FILE.replace('line3', 'LINE3'));
    });

    it('binary markers -> patch_format (both "Binary files differ" and "GIT binary patch")', () => {
      bad(applyCandidate('diff --git a/i.png b/i.png\nindex 1..2 100644\nBinary files a/i.png and b/i.png differ\n', { files }), 'patch_format', /binary patch for i\.png/);
      bad(applyCandidate('diff --git a/i.png b/i.png\nindex 1..2 100644\nGIT binary patch\nliteral 5\nabcde\n\n', { files }), 'patch_format', /binary patch/);
    });

    it('renames: with an edit, and a pure rename', () => {
      const r = ok(applyCandidate('diff --git a/src/b.txt b/src/c.txt\nsimilarity index 60%\nrename from src/b.txt\nrename to src/c.txt\n--- a/src/b.txt\n+++ b/src/c.txt\n@@ -1,2 +1,2 @@\n x\n-y\n+z\n', { files }));
      assert.deepEqual(r.changes, [{ path: 'src/c.txt', oldPath: 'src/b.txt', status: 'renamed', before: 'x\ny\n', after: 'x\nz\n' }]);
      const p = ok(applyCandidate('diff --git a/src/b.txt b/src/d.txt\nsimilarity index 100%\nrename from src/b.txt\nrename to src/d.txt\n', { files }));
      assert.deepEqual(p.changes, [{ path: 'src/d.txt', oldPath: 'src/b.txt', status: 'renamed', before: 'x\ny\n', after: 'x\ny\n' }]);
    });

    it('new and deleted files', () => {
      const n = ok(applyCandidate('diff --git a/n.txt b/n.txt\nnew file mode 100644\n--- /dev/null\n+++ b/n.txt\n@@ -0,0 +1,2 @@\n+a\n+b\n', { files }));
      assert.deepEqual(n.changes, [{ path: 'n.txt', status: 'added', before: null, after: 'a\nb\n' }]);
      const d = ok(applyCandidate('diff --git a/src/b.txt b/src/b.txt\ndeleted file mode 100644\n--- a/src/b.txt\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-x\n-y\n', { files }));
      assert.deepEqual(d.changes, [{ path: 'src/b.txt', status: 'deleted', before: 'x\ny\n', after: null }]);
      bad(applyCandidate('--- /dev/null\n+++ b/src/b.txt\n@@ -0,0 +1 @@\n+a\n', { files }), 'patch_apply', /creates a file that already exists/);
    });

    it('a hunk-only diff goes to the only file, or is refused when several are open', () => {
      const r = ok(applyCandidate('```diff\n@@ -1,2 +1,2 @@\n x\n-y\n+z\n```', { files: { 'one.txt': 'x\ny\n' } }));
      assert.equal(r.changes[0]!.after, 'x\nz\n');
      bad(applyCandidate('@@ -1,2 +1,2 @@\n x\n-y\n+z\n', { files }), 'patch_format', /no ---\/\+\+\+ file headers/);
    });
  });

  describe('search/replace (SWE-RL)', () => {
    const block = (p: string, s: string, r: string) => `\`\`\`python\n### ${p}\n<<<<<<< SEARCH\n${s}\n=======\n${r}\n>>>>>>> REPLACE\n\`\`\``;
    it('applies without tags, and with <think>/<solution> tags', () => {
      assert.equal(ok(applyCandidate(block('src/b.txt', 'y', 'Y'), { files })).changes[0]!.after, 'x\nY\n');
      assert.equal(ok(applyCandidate(`<think>t</think><solution>${block('src/b.txt', 'y', 'Y')}</solution>`, { files })).changes[0]!.after, 'x\nY\n');
    });
    it('verdicts: search not found -> patch_apply; identical blocks, bad tags, no blocks -> patch_format', () => {
      bad(applyCandidate(block('src/b.txt', 'nope', 'Y'), { files }), 'patch_apply', /search text not found/);
      bad(applyCandidate(block('src/b.txt', 'y', 'y'), { files }), 'patch_format', /identical/);
      bad(applyCandidate(`<think></think><solution>${block('src/b.txt', 'y', 'Y')}</solution>`, { files }), 'patch_format', /Thought is empty/);
      bad(applyCandidate('<<<<<<< SEARCH\ny\n=======\nY\n', { files }), 'patch_format', /No valid search blocks/);
      bad(applyCandidate(block('src/b.txt', 'y', 'Y'), { files }, { requireThinkSolution: true }), 'patch_format', /count of <think> is not 1/);
    });
  });

  describe('whole-file rewrite', () => {
    it('replaces the selection, keeping its line ending', () => {
      const start = FILE.indexOf('line3');
      const end = FILE.indexOf('line5');
      const r = ok(applyCandidate('Here:\n```\nLINE3\nLINE4\n```', { files, selection: { path: 'src/a.txt', start, end } }));
      assert.equal(r.changes[0]!.after, FILE.replace('line3\nline4\n', 'LINE3\nLINE4\n'));
    });
    it('replaces the only file; refuses when it cannot tell which file', () => {
      assert.equal(ok(applyCandidate('a\nb', { files: { 'f.txt': 'old\n' } })).changes[0]!.after, 'a\nb\n');
      bad(applyCandidate('a\nb', { files }), 'patch_format', /several files are given/);
      bad(applyCandidate('  \n', { files: { 'f.txt': 'x' } }), 'patch_format', /empty/);
      bad(applyCandidate('x', { files, selection: { path: 'src/a.txt', start: 5, end: 500 } }), 'patch_apply', /outside the file/);
    });
  });
});
