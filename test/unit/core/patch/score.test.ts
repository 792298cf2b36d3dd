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
    const files = realFilePairs(REPO_ROOT, 40).filter((f) => f.old.length < 20000);
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
      const reference = `\`\`\`\n${f.new}\n\`\`\``;
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
