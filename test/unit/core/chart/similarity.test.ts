import { strict as assert } from 'node:assert';
import { attributeSimilarity, colorF1, filterColors, layoutF1, multisetF1, textF1, textF1ByRole, typeF1 } from '../../../../src/core/chart/similarity';
import { jaccard } from '../../../../src/core/sets';
import { barAttributes } from './fixtures';

describe('ChartMimic F1s and ChartMaster attribute similarity', () => {
  const a = barAttributes();

  it('a chart against itself scores 1 on every measure', () => {
    for (const f of [textF1, textF1ByRole, typeF1, layoutF1, colorF1]) assert.deepEqual(f(a, a), { precision: 1, recall: 1, f1: 1 }, f.name);
    assert.equal(attributeSimilarity(a, a), 1);
  });

  it('multiset F1 counts duplicates once each (precision over generated, recall over gold)', () => {
    const r = multisetF1(['a', 'a', 'b'], ['a', 'b', 'c', 'd']);
    assert.equal(r.precision, 2 / 3);
    assert.equal(r.recall, 2 / 4);
    assert.ok(Math.abs(r.f1 - (2 * (2 / 3) * 0.5) / (2 / 3 + 0.5)) < 1e-12);
    assert.equal(multisetF1([], []).f1, 0, 'ChartMimic: empty against empty scores 0');
    assert.equal(multisetF1(['x'], []).f1, 0);
  });

  it('text F1 (ChartMimic): tick labels out, strings pooled over the chart and matched exactly', () => {
    const noTicks = barAttributes({ texts: { ...a.texts, axisLabel: [] } });
    assert.equal(textF1(noTicks, a).f1, 1);
    const noTitle = barAttributes({ texts: { ...a.texts, title: [] } });
    assert.equal(textF1(noTitle, a).f1, (2 * 1 * (5 / 6)) / (1 + 5 / 6)); // pooled: 5 of 6 strings
    const moved = barAttributes({ texts: { ...a.texts, title: [], other: ['Quarterly revenue by region'] } });
    assert.equal(textF1(moved, a).f1, 1, 'pooled: the role a string is drawn in does not matter');
    const spaced = barAttributes({ texts: { ...a.texts, title: ['Quarterly  revenue by region'] } });
    assert.ok(textF1(spaced, a).f1 < 1, 'exact match: whitespace counts');
    const none = barAttributes({ texts: { ...a.texts, title: [], axisTitle: [], legendTitle: [], legendLabel: [] } });
    assert.equal(textF1(none, none).f1, 0, 'no text on either side scores 0');
  });

  it('per-role text variant averages over roles, so a missing title costs a whole role', () => {
    const noTitle = barAttributes({ texts: { ...a.texts, title: [] } });
    assert.equal(textF1ByRole(noTitle, a).f1, 0.75); // title 0, axis titles 1, legend title 1, legend labels 1
  });

  it('type F1 over chart-type counts', () => {
    assert.equal(typeF1(barAttributes({ types: ['line'] }), a).f1, 0);
    assert.equal(typeF1(barAttributes({ types: ['bar', 'line'] }), a).f1, 2 / 3);
    assert.equal(typeF1(barAttributes({ types: [] }), barAttributes({ types: [] })).f1, 0);
  });

  it('colours: more than 10 drawn are merged (a colour within 0.7 of one kept is dropped, across chart types)', () => {
    const shades = Array.from({ length: 11 }, (_, i) => `bar--#${(0x10 + i).toString(16).padStart(2, '0')}0000`);
    assert.deepEqual(filterColors(shades), [shades[0]]);
    const many = [...shades.slice(0, 5), 'line--#0000ff', 'point--#00ff00', 'bar--#ffffff', 'bar--#ffff00', 'bar--#ff00ff', 'bar--#00ffff'];
    const merged = filterColors(many);
    // Yellow scores 0.766 against green and cyan 0.745 against white (CIEDE2000), so both merge away.
    assert.deepEqual(merged, [many[0], 'line--#0000ff', 'point--#00ff00', 'bar--#ffffff', 'bar--#ff00ff']);
    const gen = barAttributes({ colors: many }), gold = barAttributes({ colors: merged });
    assert.equal(colorF1(gen, gold).f1, 1, 'the merge runs on each side before matching');
    assert.equal(colorF1(barAttributes({ colors: [] }), barAttributes({ colors: [] })).f1, 0);
  });

  it('colour F1 matches within chart type by best assignment of max(0, 1 - CIEDE2000/100)', () => {
    const swapped = barAttributes({ colors: ['bar--#ff7f0e', 'bar--#1f77b4'] });
    assert.equal(colorF1(swapped, a).f1, 1);
    const near = colorF1(barAttributes({ colors: ['bar--#4c78a8', 'bar--#f58518'] }), a).f1;
    assert.ok(near > 0.85 && near < 1, String(near));
    const far = colorF1(barAttributes({ colors: ['bar--#2ca02c', 'bar--#d62728'] }), a).f1;
    assert.ok(far < near, `${far} < ${near}`);
    assert.equal(colorF1(barAttributes({ colors: ['line--#1f77b4', 'line--#ff7f0e'] }), a).f1, 0, 'other chart type');
    const extra = colorF1(barAttributes({ colors: ['bar--#1f77b4', 'bar--#ff7f0e', 'bar--#000000', 'bar--#ffffff'] }), a);
    assert.equal(extra.recall, 1);
    assert.equal(extra.precision, 0.5);
  });

  it('layout F1 over grid cells', () => {
    const two = barAttributes({ layout: [0, 1].map((c) => ({ nrows: 1, ncols: 2, row0: 0, row1: 0, col0: c, col1: c })) });
    assert.equal(layoutF1(two, a).f1, 0);
    assert.equal(layoutF1(two, two).f1, 1);
  });

  it('attribute similarity is the mean of per-kind Jaccards', () => {
    assert.equal(jaccard([1, 2], [2, 3]), 1 / 3);
    assert.equal(jaccard([], []), null);
    const recoloured = barAttributes({ colors: ['bar--#2ca02c', 'bar--#d62728'] });
    assert.equal(attributeSimilarity(recoloured, a), 0.75); // colours 0, numbers 1, texts 1, layout 1
  });
});
