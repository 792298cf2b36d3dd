import * as assert from 'assert';
import { execFileSync } from 'child_process';
import { grpoAdvantages, meanStd, parseWeights, rankGroup } from '../../../../src/core/ranking';

describe('ranking', () => {
  it('weighted sum, stable ranks and GRPO advantages', () => {
    const r = rankGroup(
      [
        { execution_match: 1, syntax: 1 },
        { execution_match: 0, syntax: 1 },
        { execution_match: 1, syntax: 1 },
        { execution_match: 0, syntax: 0 },
      ],
      { weights: { execution_match: 3, syntax: 1 } },
    );
    assert.deepStrictEqual(r.scored.map((s) => s.total), [4, 1, 4, 0]);
    assert.deepStrictEqual(r.scored.map((s) => s.rank), [1, 3, 2, 4]);
    assert.strictEqual(r.allEqual, false);
    // mean 2.25, sample std sqrt(((1.75^2)*2 + 1.25^2 + 2.25^2)/3)
    const std = Math.sqrt((1.75 ** 2 * 2 + 1.25 ** 2 + 2.25 ** 2) / 3);
    assert.ok(Math.abs(r.scored[0]!.advantage - 1.75 / (std + 1e-4)) < 1e-12);
  });

  it('advantages match a torch-style computation done by python (Bessel std, +1e-4)', function () {
    const totals = [0.5, 3.25, 1, 1, 4.5, 0, 2.125, 3];
    let out: string;
    try {
      out = execFileSync('python3', ['-c', `import statistics as s,json;t=${JSON.stringify(totals)};m=s.mean(t);d=s.stdev(t);print(json.dumps([(x-m)/(d+1e-4) for x in t]))`], { encoding: 'utf8' });
    } catch {
      this.skip();
    }
    const want = JSON.parse(out) as number[];
    grpoAdvantages(totals).forEach((a, i) => assert.ok(Math.abs(a - want[i]!) < 1e-12, `adv ${i}`));
  });

  it('flags all-equal groups (no GRPO signal) and gives them zero advantage', () => {
    const r = rankGroup([{ a: 1 }, { a: 1 }, { a: 1 }], { weights: { a: 2 } });
    assert.strictEqual(r.allEqual, true);
    assert.deepStrictEqual(r.scored.map((s) => s.advantage), [0, 0, 0]);
    assert.deepStrictEqual(r.scored.map((s) => s.rank), [1, 2, 3]);
  });

  it('gate and thresholds zero the total and say why', () => {
    const r = rankGroup(
      [
        { executes: 0, visual: 0.9 },
        { executes: 1, visual: 0.2 },
        { executes: 1, visual: 0.8 },
      ],
      { weights: { visual: 1 }, gate: ['executes'], thresholds: { visual: 0.5 } },
    );
    assert.deepStrictEqual(r.scored.map((s) => s.total), [0, 0, 0.8]);
    assert.deepStrictEqual(r.scored[1]!.belowThreshold, ['visual']);
    assert.strictEqual(r.scored[2]!.rank, 1);
  });

  it('null rewards are skipped like nansum', () => {
    const r = rankGroup([{ a: null, b: 1 }, { a: 1, b: 1 }], { weights: { a: 1, b: 1 } });
    assert.deepStrictEqual(r.scored.map((s) => s.total), [1, 2]);
  });

  it('log-sigmoid transform against the group mean has diminishing returns', () => {
    const r = rankGroup([{ a: 0 }, { a: 1 }, { a: 2 }], { weights: { a: 1 }, transform: { kind: 'log-sigmoid', reference: 'group-mean' } });
    const [t0, t1, t2] = r.scored.map((s) => s.total) as [number, number, number];
    assert.ok(Math.abs(t1 - Math.log(0.5)) < 1e-12);
    assert.ok(t2 - t1 < t1 - t0, 'gain from 1->2 smaller than from 0->1');
    assert.ok(t2 < 0);
  });

  it('meanStd of one value has std 0', () => {
    assert.deepStrictEqual(meanStd([3]), { mean: 3, std: 0 });
  });

  it('parseWeights parses and rejects with the bad item', () => {
    assert.deepStrictEqual(parseWeights('execution_match=3, syntax=1,ngram=0.5,x=-1e-2'), { execution_match: 3, syntax: 1, ngram: 0.5, x: -0.01 });
    assert.throws(() => parseWeights('a=1,b'), /bad weight "b"/);
  });
});
