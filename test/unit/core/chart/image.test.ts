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

describe('faster resize and SSIM give the same bits as the direct formulas', () => {
  // The formulas as they were written before the speed-up (issue 14): one weight product per source pixel and output
  // pixel, compositing inside the loop; SSIM with five integral images per call and a box-sum closure.
  function resizeDirect(img: RgbaImage, w: number, h: number): RgbaImage {
    const out = new Uint8ClampedArray(w * h * 4);
    const sx = img.width / w, sy = img.height / h, src = img.data;
    for (let y = 0; y < h; y++) {
      const y0 = y * sy, y1 = y0 + sy;
      for (let x = 0; x < w; x++) {
        const x0 = x * sx, x1 = x0 + sx;
        let r = 0, g = 0, b = 0, wsum = 0;
        for (let yy = Math.floor(y0); yy < Math.min(img.height, Math.ceil(y1)); yy++) {
          const wy = Math.min(y1, yy + 1) - Math.max(y0, yy);
          for (let xx = Math.floor(x0); xx < Math.min(img.width, Math.ceil(x1)); xx++) {
            const wgt = wy * (Math.min(x1, xx + 1) - Math.max(x0, xx));
            const i = (yy * img.width + xx) * 4, a = src[i + 3]! / 255;
            r += wgt * (src[i]! * a + 255 * (1 - a)); g += wgt * (src[i + 1]! * a + 255 * (1 - a)); b += wgt * (src[i + 2]! * a + 255 * (1 - a));
            wsum += wgt;
          }
        }
        const o = (y * w + x) * 4;
        out[o] = r / wsum; out[o + 1] = g / wsum; out[o + 2] = b / wsum; out[o + 3] = 255;
      }
    }
    return { width: w, height: h, data: out };
  }
  function ssimDirect(a: Float64Array, b: Float64Array, w: number, h: number): number {
    const WIN = 7, C1 = (0.01 * 255) ** 2, C2 = (0.03 * 255) ** 2, n = w * h;
    const integral = (v: Float64Array): Float64Array => {
      const I = new Float64Array((w + 1) * (h + 1));
      for (let y = 0; y < h; y++) { let row = 0; for (let x = 0; x < w; x++) { row += v[y * w + x]!; I[(y + 1) * (w + 1) + x + 1] = I[y * (w + 1) + x + 1]! + row; } }
      return I;
    };
    const aa = new Float64Array(n), bb = new Float64Array(n), ab = new Float64Array(n);
    for (let i = 0; i < n; i++) { aa[i] = a[i]! * a[i]!; bb[i] = b[i]! * b[i]!; ab[i] = a[i]! * b[i]!; }
    const Ia = integral(a), Ib = integral(b), Iaa = integral(aa), Ibb = integral(bb), Iab = integral(ab);
    const W = w + 1, N = WIN * WIN;
    const box = (I: Float64Array, x: number, y: number): number => I[(y + WIN) * W + x + WIN]! - I[y * W + x + WIN]! - I[(y + WIN) * W + x]! + I[y * W + x]!;
    let sum = 0, count = 0;
    for (let y = 0; y + WIN <= h; y++) for (let x = 0; x + WIN <= w; x++) {
      const ma = box(Ia, x, y) / N, mb = box(Ib, x, y) / N;
      const va = box(Iaa, x, y) / N - ma * ma, vb = box(Ibb, x, y) / N - mb * mb, cov = box(Iab, x, y) / N - ma * mb;
      sum += ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
      count++;
    }
    return sum / count;
  }
  let seed = 11;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const noisy = (w: number, h: number, alpha = true): RgbaImage => canvas(w, h, () => [rnd() * 256, rnd() * 256, rnd() * 256, alpha && rnd() < 0.3 ? rnd() * 256 : 255].map(Math.floor) as [number, number, number, number]);

  it('resize: random images, translucent and opaque (as rendered), shrunk, enlarged and stretched', () => {
    for (const [w, h] of [[430, 270], [40, 30], [700, 420], [256, 192], [257, 191], [1000, 60], [13, 900]] as const) {
      for (const alpha of [true, false]) {
        const img = noisy(w, h, alpha);
        assert.deepEqual(resizeOverWhite(img, VISUAL_SIZE.width, VISUAL_SIZE.height).data, resizeDirect(img, VISUAL_SIZE.width, VISUAL_SIZE.height).data, `${w}x${h} alpha ${alpha}`);
      }
    }
    const opaqueBytes = { ...noisy(430, 270, false) };
    opaqueBytes.data = new Uint8Array(opaqueBytes.data); // resvg hands over a Uint8Array
    assert.deepEqual(resizeOverWhite(opaqueBytes, 256, 192).data, resizeDirect(opaqueBytes, 256, 192).data);
  });

  it('SSIM: random and chart-like images, the reference reused across candidates', () => {
    const refGray = luma(resizeOverWhite(bars([31, 119, 180], [255, 127, 14]), 256, 192));
    for (let t = 0; t < 6; t++) {
      const g = t < 3 ? luma(resizeOverWhite(noisy(300, 200), 256, 192)) : luma(resizeOverWhite(bars([t * 40, 119, 180], [255, 127, 14], t * 5), 256, 192));
      assert.equal(ssimGray(refGray, g, 256, 192), ssimDirect(refGray, g, 256, 192));
      assert.equal(ssimGray(g, refGray, 256, 192), ssimDirect(g, refGray, 256, 192));
    }
  });
});
