import { strict as assert } from 'node:assert';
import { applicableWeights, chartGroupRewards, defaultChartWeights, CHART_GATE } from '../../../../src/core/chart/rewards';
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
    const w = applicableWeights(defaultChartWeights(true), r);
    assert.equal(w.visual, undefined, 'no image: visual does not apply');
    assert.equal(w.consensus, undefined, 'consensus off with a reference');
    assert.ok(Math.abs(Object.values(w).reduce((s, x) => s + x, 0) - 1) < 1e-12);
    const ranked = rankGroup(r, { weights: w, gate: CHART_GATE });
    assert.ok(Math.abs(ranked.scored[0]!.total - 1) < 1e-12);
    assert.deepEqual(ranked.scored.map((s) => s.rank), [1, 2, 3]);
    assert.equal(ranked.scored[2]!.total, 0);
  });

  it('reference-free: fields_valid and consensus only', () => {
    const r = chartGroupRewards(cands, null);
    assert.equal(r[0]!.attributes, null);
    assert.ok(r[0]!.consensus! > 0 && r[0]!.consensus! < 1);
    assert.equal(r[2]!.consensus, null);
    assert.deepEqual(Object.keys(applicableWeights(defaultChartWeights(false), r)).sort(), ['consensus', 'fields_valid']);
  });

  it('user weights override the defaults; 0 switches a reward off', () => {
    const w = applicableWeights(defaultChartWeights(true, { visual: 0, text: 5 }), chartGroupRewards(cands, { attributes: ref }));
    assert.equal(w.visual, undefined);
    assert.ok(w.text! > w.type!);
  });
});
