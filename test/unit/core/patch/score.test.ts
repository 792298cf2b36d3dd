/** Group scoring in core: similarity equals SWE-RL's calculate_reward, size prefers the minimal edit, consensus. */
import { strict as assert } from 'node:assert';
import { applyCandidate, newContentOf } from '../../../../src/core/patch/candidate';
import { sizeReward, summarize, normalizedPatch, consensusRewards } from '../../../../src/core/patch/rewards';
import { scorePatchGroup } from '../../../../src/core/patch/score';
import { calculateReward } from '../../../../src/core/patch/swerl';
import { generateUnifiedDiff } from '../../../../src/core/patch/unifiedDiff';
import { partialEdit, realFilePairs, rng } from './realPairs';
import { REPO_ROOT } from './pyOracle';

describe('core/patch scorePatchGroup', () => {
  it('similarity is exactly calculate_reward(context, oracle_new, pred_new) on real edits in three formats', () => {
    // A whole-file answer whose code carries SWE-RL tags or marker lines is read as search/replace (documented).
    const swerlLike = /<\/?(?:think|solution)>|^(?:<<<<<<< SEARCH|>>>>>>> REPLACE)/m;
    const files = realFilePairs(REPO_ROOT, 40).filter((f) => f.old.length < 20000 && !swerlLike.test(f.new) && !swerlLike.test(f.old));
    const rand = rng(5);
    let n = 0;
    for (const f of files) {
      const ctx = { files: { 'x/f.txt': f.old } };
      const preds = [0, 1, 2].map(() => partialEdit(f.old, f.new, rand, 0.5));
      const cands = [
        `--- a/x/f.txt\n+++ b/x/f.txt\n${generateUnifiedDiff(f.old, preds[0]!)}\n`,
        `\`\`\`\n${preds[1]}\n\`\`\``,
        `--- a/x/f.txt\n+++ b/x/f.txt\n${generateUnifiedDiff(f.old, preds[2]!, 1)}\n`,
      ];
      // The fence closes on its own line: "```\n" + text + "```" for a text that ends with a newline.
      const reference = f.new.endsWith('\n') ? `\`\`\`\n${f.new}\`\`\`` : `\`\`\`\n${f.new}\n\`\`\``;
      const scored = scorePatchGroup(cands, ctx, { reference });
      const ref = applyCandidate(reference, ctx);
      assert.ok(ref.ok, "the reference applies");
      const oracleNew = newContentOf(ref.changes);
      scored.candidates.forEach((c, i) => {
        const r = applyCandidate(cands[i]!, ctx);
        if (!r.ok) return; // a diff with no hunks (nothing kept) is not a patch
        assert.equal(c.rewards.similarity, calculateReward(ctx.files, oracleNew, newContentOf(r.changes)).reward, `${f.source} #${i}`);
        n++;
      });
    }
    assert.ok(n >= 30, `only ${n} comparisons`);
  });

  it('size: one changed line scores 1; more lines, hunks and files score less; no change scores 0', () => {
    assert.equal(sizeReward({ files: 1, added: 1, removed: 0, hunks: 1 }), 1);
    assert.equal(sizeReward({ files: 1, added: 1, removed: 1, hunks: 1 }), 0.5);
    assert.ok(sizeReward({ files: 1, added: 4, removed: 4, hunks: 1 }) > sizeReward({ files: 1, added: 4, removed: 4, hunks: 3 }));
    assert.ok(sizeReward({ files: 1, added: 4, removed: 4, hunks: 2 }) > sizeReward({ files: 2, added: 4, removed: 4, hunks: 2 }));
    assert.equal(sizeReward({ files: 0, added: 0, removed: 0, hunks: 0 }), 0);
    const text = 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n';
    const small = applyCandidate('```\na\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\n```', { files: { f: text } });
    const big = applyCandidate('```\na\nB\nc\nd\ne\nf\ng\nh\ni\nJ\nK\n```', { files: { f: text } });
    assert.ok(small.ok && big.ok);
    assert.deepEqual(summarize(normalizedPatch(small.changes)), { files: 1, added: 1, removed: 1, hunks: 1 });
    assert.ok(sizeReward(summarize(normalizedPatch(small.changes))) > sizeReward(summarize(normalizedPatch(big.changes))));
  });

  it('consensus: mean similarity to the others that apply; null for a candidate that does not apply', () => {
    const p = { f: '@@ -1 +1 @@\n-a\n+b' };
    const q = { f: '@@ -1 +1 @@\n-a\n+c' };
    const [x, y, z, w] = consensusRewards([p, p, q, null]);
    assert.ok(x! > z!);
    assert.equal(x, y);
    assert.equal(w, null);
    assert.deepEqual(consensusRewards([p]), [null]);
  });
});

describe('core/patch SWE-RL fidelity classes (issue 10): the reference\'s behaviour is the default', () => {
  const FILE = 'def f():\n    return 1\n\ndef g():\n    return 2\n';
  const files = { 'm.py': FILE };
  const block = (s: string, r: string, p = 'm.py') => `\`\`\`python\n### ${p}\n<<<<<<< SEARCH\n${s}\n=======\n${r}\n>>>>>>> REPLACE\n\`\`\``;
  const REF = block('    return 1', '    return 10');
  const sim = (cands: string[], opts: { reference?: string; requireThinkSolution?: boolean } = {}) => scorePatchGroup(cands, { files }, { reference: REF, ...opts }).candidates;

  it('neither the candidate nor the oracle changes anything: 1.0 (not null)', () => {
    const c = scorePatchGroup(['```python\n' + FILE + '```'], { files }, { reference: '```python\n' + FILE + '```' }).candidates[0]!;
    assert.equal(c.rewards.similarity, 1.0);
  });

  it('a tagged answer with no valid block scores -1 and is not written as a whole-file rewrite', () => {
    const c = sim(['<think>x</think><solution>def f():\n    return 10\n</solution>'])[0]!;
    assert.equal(c.format, 'search-replace');
    assert.equal(c.rewards.similarity, -1);
    assert.equal(c.rewards.applies, 0);
    assert.deepEqual(c.changes, []);
  });

  it('a marker line with trailing spaces scores -1 (the verdict says why)', () => {
    const c = sim([REF.replace('<<<<<<< SEARCH', '<<<<<<< SEARCH  ')])[0]!;
    assert.equal(c.rewards.similarity, -1);
    assert.match(c.error!.message, /No valid search blocks found: a marker line has trailing spaces/);
  });

  it('several edits in one fenced block: similarity is the reference\'s (markers pasted), applies is 0 with a verdict', () => {
    const text = '```python\n### m.py\n<<<<<<< SEARCH\n    return 1\n=======\n    return 10\n>>>>>>> REPLACE\n<<<<<<< SEARCH\n    return 2\n=======\n    return 20\n>>>>>>> REPLACE\n```';
    const c = sim([text])[0]!;
    assert.equal(c.rewards.applies, 0);
    assert.match(c.error!.message, /several edits in one fenced block/);
    const pasted = FILE.replace('    return 1\n', '    return 10\n>>>>>>> REPLACE\n<<<<<<< SEARCH\n    return 2\n=======\n    return 20\n');
    assert.equal(c.rewards.similarity, calculateReward(files, { 'm.py': FILE.replace('return 1\n', 'return 10\n') }, { 'm.py': pasted }).reward);
    assert.ok(c.rewards.similarity! > 0 && c.rewards.similarity! < 1);
  });

  it('a fenced whole-file answer keeps its last blank line; a CRLF fence leaves no stray \\r', () => {
    const want = FILE + '\n';
    const r1 = applyCandidate('```python\n' + want + '```', { files });
    assert.ok(r1.ok);
    assert.equal(r1.changes[0]!.after, want);
    const r2 = applyCandidate(('```python\n' + FILE.replace('return 2', 'return 3') + '```').replace(/\n/g, '\r\n'), { files });
    assert.ok(r2.ok);
    assert.equal(r2.changes[0]!.after, FILE.replace('return 2', 'return 3'));
  });

  it('--strict-swerl: every candidate that is not a tagged search/replace answer scores -1', () => {
    const diffText = '--- a/m.py\n+++ b/m.py\n@@ -1,2 +1,2 @@\n def f():\n-    return 1\n+    return 10\n';
    const c = sim([diffText, '```python\n' + FILE.replace('return 1', 'return 10') + '```', REF, `<think>t</think><solution>${REF}</solution>`], { requireThinkSolution: true });
    assert.deepEqual(c.map((x) => x.rewards.similarity), [-1, -1, -1, 1]);
    assert.deepEqual(c.map((x) => x.rewards.applies), [0, 0, 0, 1]);
  });
});
