import { strict as assert } from 'node:assert';
import { chartMimicRgb, colorPairSimilarity, deltaE2000, deltaE76, hexToRgb, normalizeColor, rgbToLab, rgbToLabColormath } from '../../../../src/core/chart/color';
import { maxAssignment } from '../../../../src/core/chart/assignment';

describe('chart colours', () => {
  it('normalises CSS colours to #rrggbb and drops transparent ones', () => {
    assert.equal(normalizeColor('#ABC'), '#aabbcc');
    assert.equal(normalizeColor('#4C78A8'), '#4c78a8');
    assert.equal(normalizeColor('#4c78a8ff'), '#4c78a8');
    assert.equal(normalizeColor('steelblue'), '#4682b4');
    assert.equal(normalizeColor('rgb(255, 0, 0)'), '#ff0000');
    assert.equal(normalizeColor('rgba(0,128,0,0.5)'), '#008000');
    assert.equal(normalizeColor('hsl(120, 100%, 25%)'), '#008000');
    for (const none of ['transparent', 'none', 'rgba(1,2,3,0)', '#0000', '', 'url(#grad)', 42, null]) assert.equal(normalizeColor(none), null);
  });

  it('converts sRGB to CIE Lab (D65) like skimage.color.rgb2lab', () => {
    const [L, a, b] = rgbToLab(hexToRgb('#ff0000'));
    assert.ok(Math.abs(L - 53.24) < 0.05 && Math.abs(a - 80.09) < 0.05 && Math.abs(b - 67.2) < 0.05, `${L} ${a} ${b}`);
    assert.ok(Math.abs(deltaE76(rgbToLab([0, 0, 0]), rgbToLab([255, 255, 255])) - 100) < 1e-3);
  });

  it('CIEDE2000 on Sharma et al. (2005) test pairs away from the hue quirk', () => {
    // Pairs 1, 7, 19 and 25 of the published table (mean hue below 180, where colormath agrees with the paper).
    const pairs: Array<[[number, number, number], [number, number, number], number]> = [
      [[50, 2.6772, -79.7751], [50, 0, -82.7485], 2.0425],
      [[50, 0, 0], [50, -1, 2], 2.3669],
      [[50, 2.5, 0], [50, 0, -2.5], 4.3065],
      [[60.2574, -34.0099, 36.2677], [60.4626, -34.1751, 39.4387], 1.2644],
    ];
    for (const [a, b, want] of pairs) assert.ok(Math.abs(deltaE2000(a, b) - want) < 1e-4, `${a} ${b}: ${deltaE2000(a, b)} vs ${want}`);
  });

  it('reads "#" colours as ChartMimic\'s hex_to_rgb does (fuzz-found; values from ../shared/oracles/cm_color_utils.py)', () => {
    // Every leading "#" stripped, then Python's int(h[i:i+2], 16) for i = 0, 2, 4: a sign, spaces and any script's
    // digits are read, a fifth digit alone is a channel, and a short colour is unreadable (Python raises).
    const cases: Array<[string, string, number]> = [
      ['#ff000', '#ff0000', 1.0],
      ['#ff000', '#0ff000', 0.15242245244800567],
      ['##ff0000', '#ff0000', 1.0],
      ['#-f-f-f', '#000000', 1.0],
      ['# f f f', '#0f0f0f', 1.0],
      ['#\u0663\u06630000', '#330000', 1.0],
      ['#ff0000aa', '#ff0000', 1.0],
      ['#FF0000', '#ff0000', 1.0],
    ];
    for (const [a, b, want] of cases) assert.ok(Math.abs(colorPairSimilarity(a, b) - want) < 1e-9, `${a} ${b}: ${colorPairSimilarity(a, b)} vs ${want}`);
    assert.deepEqual(chartMimicRgb('#ff000'), [255, 0, 0]);
    assert.equal(chartMimicRgb('#fff'), null);
    assert.equal(chartMimicRgb('#gg0000'), null);
  });

  it('Lab as colormath 3.0 converts sRGB (its matrix, D65 white, no adaptation)', () => {
    const [L, a, b] = rgbToLabColormath([255, 255, 255]);
    assert.ok(Math.abs(L - 100) < 1e-3 && Math.abs(a) < 1e-2 && Math.abs(b) < 1e-2, `${L} ${a} ${b}`);
    const red = rgbToLabColormath([255, 0, 0]);
    assert.ok(Math.abs(red[0] - 53.24) < 0.05 && Math.abs(red[1] - 80.09) < 0.1, String(red));
  });

  it("scores a pair as max(0, 1 - CIEDE2000/100) (ChartMimic), exact match for non-hex colours", () => {
    assert.equal(colorPairSimilarity('#123456', '#123456'), 1);
    assert.equal(colorPairSimilarity('cmap:viridis', 'cmap:viridis'), 1);
    assert.equal(colorPairSimilarity('cmap:viridis', 'cmap:magma'), 0);
    assert.equal(colorPairSimilarity('cmap:viridis', '#440154'), 0);
    assert.ok(Math.abs(colorPairSimilarity('#000000', '#ffffff')) < 1e-6);
    const near = colorPairSimilarity('#1f77b4', '#4c78a8');
    assert.ok(near > 0.8 && near < 1, String(near));
  });
});

describe('best one-to-one assignment (Hungarian)', () => {
  function brute(sim: number[][]): number {
    const rows = sim.length, cols = sim[0]!.length;
    let best = 0;
    const used = new Array<boolean>(cols).fill(false);
    const go = (i: number, acc: number): void => {
      if (i === rows) { best = Math.max(best, acc); return; }
      go(i + 1, acc); // row unmatched (rectangular)
      for (let j = 0; j < cols; j++) if (!used[j]) { used[j] = true; go(i + 1, acc + sim[i]![j]!); used[j] = false; }
    };
    go(0, 0);
    return best;
  }
  it('matches brute force on random rectangular matrices', () => {
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let t = 0; t < 200; t++) {
      const r = 1 + Math.floor(rnd() * 5), c = 1 + Math.floor(rnd() * 5);
      const sim = Array.from({ length: r }, () => Array.from({ length: c }, () => Math.round(rnd() * 100) / 100));
      const got = maxAssignment(sim);
      assert.ok(Math.abs(got.total - brute(sim)) < 1e-9, JSON.stringify(sim));
      assert.equal(new Set(got.pairs.map((p) => p[1])).size, got.pairs.length);
    }
  });
  it('handles empty input', () => {
    assert.deepEqual(maxAssignment([]), { total: 0, pairs: [] });
  });
});
