import { strict as assert } from 'node:assert';
import { chartGroupRewards, chartWeights, CHART_GATE, DEFAULT_CHART_WEIGHTS } from '../../../../src/core/chart/rewards';
import { rankGroup } from '../../../../src/core/ranking';
import { barAttributes } from './fixtures';

describe('chart rewards for a group', () => {
  const ref = barAttributes();
  const cands = [
    { executed: true, attributes: ref, fieldsValid: 1 },
    { executed: true, attributes: barAttributes({ types: ['line'], colors: ['line--#1f77b4', 'line--#ff7f0e'] }), fieldsValid: 1 },
    { executed: false },
  ];

  it('with a spec reference: similarity rewards, gate, consensus computed but not weighted', () => {
    const r = chartGroupRewards(cands, { attributes: ref });
    assert.deepEqual(r[0], { executes: 1, attributes: 1, text: 1, type: 1, layout: 1, color: 1, visual: null, fields_valid: 1, consensus: r[0]!.consensus });
    assert.equal(r[1]!.type, 0);
    assert.equal(r[2]!.executes, 0);
    assert.equal(r[2]!.text, 0, 'a failed candidate scores 0 where the others are scored');
    const w = chartWeights(r, true);
    assert.equal(w.visual, undefined, 'no image: visual does not apply');
    assert.equal(w.consensus, 0, 'consensus applies but weighs 0 with a reference');
    assert.equal(w.executes, 0, 'executes is the gate, not a weighted term');
    assert.ok(Math.abs(Object.values(w).reduce((s, x) => s + x, 0) - 1) < 1e-12);
    assert.ok(Math.abs(w.text! / w.layout! - DEFAULT_CHART_WEIGHTS.text / DEFAULT_CHART_WEIGHTS.layout) < 1e-12, 'default proportions kept');
    const ranked = rankGroup(r, { weights: w, gate: CHART_GATE });
    assert.equal(ranked.scored[0]!.total, 1, 'an exact reproduction totals exactly 1');
    assert.deepEqual(ranked.scored.map((s) => s.rank), [1, 2, 3]);
    assert.equal(ranked.scored[2]!.total, 0);
  });

  it('reference-free: fields_valid and consensus only', () => {
    const r = chartGroupRewards(cands, null);
    assert.equal(r[0]!.attributes, null);
    assert.ok(r[0]!.consensus! > 0 && r[0]!.consensus! < 1);
    assert.equal(r[2]!.consensus, null);
    const w = chartWeights(r, false);
    assert.deepEqual(Object.keys(w).filter((k) => w[k] !== 0).sort(), ['consensus', 'fields_valid']);
    assert.equal(w.consensus! + w.fields_valid!, 1);
  });

  it('user weights are laid over the defaults as given, and the totals are the weighted sum with the reported weights', () => {
    const r = chartGroupRewards(cands, { attributes: ref });
    const w = chartWeights(r, true, { color: 0, text: 5 });
    assert.equal(w.text, 5);
    assert.equal(w.color, 0);
    assert.equal(w.type, chartWeights(r, true).type, 'the other defaults are not rescaled');
    const ranked = rankGroup(r, { weights: w, gate: CHART_GATE });
    ranked.scored.forEach((s, i) => {
      const sum = r[i]!.executes ? Object.entries(w).reduce((acc, [k, x]) => acc + x * (r[i]![k as keyof typeof r[number]] ?? 0), 0) : 0;
      assert.ok(Math.abs(s.total - sum) < 1e-12, `candidate ${i}: ${s.total} vs ${sum}`);
    });
    // Sending the reported weights back (the panel's Regenerate) reproduces them.
    assert.deepEqual(chartWeights(r, true, w), w);
    assert.deepEqual(chartWeights(r, true, chartWeights(r, true)), chartWeights(r, true));
  });
});
