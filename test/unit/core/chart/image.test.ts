import { strict as assert } from 'node:assert';
import { colorHistogram, histogramSimilarity, resizeOverWhite, ssimGray, luma, visualFeatures, visualSimilarity, VISUAL_SIZE } from '../../../../src/core/chart/image';
import type { RgbaImage } from '../../../../src/core/chart/types';

function canvas(w: number, h: number, paint: (x: number, y: number) => [number, number, number, number]): RgbaImage {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(paint(x, y), (y * w + x) * 4);
  return { width: w, height: h, data };
}
const bars = (c1: [number, number, number], c2: [number, number, number], shift = 0) =>
  canvas(200, 150, (x, y) => (y > 40 + shift && x > 20 && x < 80 ? [...c1, 255] : y > 70 + shift && x > 110 && x < 170 ? [...c2, 255] : [255, 255, 255, 255]));

describe('visual similarity (SSIM + colour histogram)', () => {
  const ref = bars([31, 119, 180], [255, 127, 14]);

  it('is exactly 1 for identical images', () => {
    const f = visualFeatures(ref);
    assert.deepEqual(visualSimilarity(f, f), { visual: 1, ssim: 1, histogram: 1 });
  });

  it('resizes to a fixed size over white (transparent pixels count as white)', () => {
    const clear = canvas(40, 30, () => [0, 0, 0, 0]);
    const r = resizeOverWhite(clear, 20, 15);
    assert.equal(r.width, 20);
    assert.ok([...r.data].every((v) => v === 255));
    assert.equal(visualFeatures(ref).gray.length, VISUAL_SIZE.width * VISUAL_SIZE.height);
  });

  it('SSIM drops when structure moves, the histogram when colours change', () => {
    const f = visualFeatures(ref);
    const moved = visualSimilarity(visualFeatures(bars([31, 119, 180], [255, 127, 14], 30)), f);
    const near = visualSimilarity(visualFeatures(bars([76, 120, 168], [245, 133, 24])), f);
    const far = visualSimilarity(visualFeatures(bars([44, 160, 44], [214, 39, 40])), f);
    assert.ok(moved.ssim < 0.95 && moved.histogram > 0.9, JSON.stringify(moved));
    assert.ok(near.histogram > 0.85 && far.histogram < near.histogram, `${near.histogram} ${far.histogram}`);
    assert.ok(near.visual > far.visual);
  });

  it('SSIM of uncorrelated noise is near 0', () => {
    let s = 1;
    const rnd = (): number => ((s = (s * 16807) % 2147483647) % 256);
    const a = luma(canvas(64, 64, () => [rnd(), rnd(), rnd(), 255])), b = luma(canvas(64, 64, () => [rnd(), rnd(), rnd(), 255]));
    assert.ok(Math.abs(ssimGray(a, b, 64, 64)) < 0.1);
  });

  it('histograms of blank images', () => {
    const white = canvas(10, 10, () => [255, 255, 255, 255]);
    assert.equal(colorHistogram(white), null);
    assert.equal(histogramSimilarity(null, null), 1);
    assert.equal(histogramSimilarity(colorHistogram(ref), null), 0);
  });
});
