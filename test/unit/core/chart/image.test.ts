import { strict as assert } from 'node:assert';
import { colorHistogram, histogramSimilarity, type ColorHistogram, resizeOverWhite, ssimGray, luma, visualFeatures, visualSimilarity, VISUAL_SIZE } from '../../../../src/core/chart/image';
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

  it('resize: flat-colour blocks (the shortcut for windows of one colour), every byte value, many scale factors', () => {
    // Blocks of random opaque colours, a few pixels wide, so that most output pixels see one colour and the rest
    // straddle a block edge; and one image per byte value for the rounding of v * sum(weights) / sum(weights).
    const blocks = (w: number, h: number, bw: number, bh: number): RgbaImage => {
      const colours = Array.from({ length: Math.ceil(w / bw) * Math.ceil(h / bh) }, () => [rnd() * 256, rnd() * 256, rnd() * 256].map(Math.floor));
      return canvas(w, h, (x, y) => [...colours[Math.floor(y / bh) * Math.ceil(w / bw) + Math.floor(x / bw)]!, 255] as [number, number, number, number]);
    };
    for (const [w, h, bw, bh] of [[430, 270, 7, 5], [700, 420, 13, 3], [300, 200, 2, 2], [257, 191, 5, 9], [1000, 60, 40, 1], [13, 900, 1, 30], [97, 61, 4, 4]] as const) {
      const img = blocks(w, h, bw, bh);
      assert.deepEqual(resizeOverWhite(img, VISUAL_SIZE.width, VISUAL_SIZE.height).data, resizeDirect(img, VISUAL_SIZE.width, VISUAL_SIZE.height).data, `${w}x${h} blocks ${bw}x${bh}`);
    }
    for (let v = 0; v < 256; v++) {
      // Shrunk by 1.68x1.41 (the bench's 430x270), 3.2x1.1, 1.03x1.04 and enlarged (the weights' count and sizes).
      for (const [w, h] of [[54, 34], [103, 27], [33, 25], [17, 13]] as const) {
        const img = canvas(w, h, () => [v, 255 - v, (v * 7) % 256, 255]);
        assert.deepEqual(resizeOverWhite(img, 32, 24).data, resizeDirect(img, 32, 24).data, `flat ${v} at ${w}x${h}`);
      }
    }
  });

  it('histogram similarity: random histograms with tied distances, the same as the sorted list of pairs', () => {
    // The transport as written before the speed-up: an array of [distance, i, j] sorted stably by distance.
    const direct = (a: ColorHistogram, b: ColorHistogram): number => {
      const pairs: Array<[number, number, number]> = [];
      for (let i = 0; i < a.colors.length; i++) {
        for (let j = 0; j < b.colors.length; j++) {
          const p = a.colors[i]!, q = b.colors[j]!;
          const de = Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
          if (de < 100) pairs.push([de, i, j]);
        }
      }
      pairs.sort((x, y) => x[0] - y[0]);
      const ra = [...a.weights], rb = [...b.weights];
      let score = 0;
      for (const [de, i, j] of pairs) {
        const m = Math.min(ra[i]!, rb[j]!);
        if (m <= 0) continue;
        score += m * (1 - de / 100);
        ra[i]! -= m; rb[j]! -= m;
      }
      return Math.min(1, Math.round(score * 1e12) / 1e12);
    };
    const hist = (n: number, grid: boolean): ColorHistogram => {
      // On a coarse grid many pairs are at equal distances, so the order among ties matters.
      const colors = Array.from({ length: n }, () => (grid ? [Math.floor(rnd() * 4) * 20, Math.floor(rnd() * 3) * 30 - 30, Math.floor(rnd() * 3) * 30 - 30] : [rnd() * 100, rnd() * 200 - 100, rnd() * 200 - 100]) as [number, number, number]);
      const raw = colors.map(() => rnd() + 0.01), sum = raw.reduce((t, x) => t + x, 0);
      return { colors, weights: raw.map((x) => x / sum) };
    };
    for (let t = 0; t < 40; t++) {
      const a = hist(1 + Math.floor(rnd() * 64), t % 2 === 0), b = hist(1 + Math.floor(rnd() * 64), t % 2 === 0);
      assert.equal(histogramSimilarity(a, b), direct(a, b), `case ${t}`);
    }
    const charts = [bars([31, 119, 180], [255, 127, 14]), bars([76, 120, 168], [245, 133, 24], 9), noisy(120, 90, false)].map((c) => colorHistogram(c)!);
    for (const a of charts) for (const b of charts) assert.equal(histogramSimilarity(a, b), direct(a, b));
  });

  it('a comparison is computed once per pair of feature objects and handed out as a copy', () => {
    const a = visualFeatures(bars([31, 119, 180], [255, 127, 14])), b = visualFeatures(bars([44, 160, 44], [214, 39, 40], 12));
    const first = visualSimilarity(a, b);
    first.visual = -1; // a caller's change does not reach the next caller
    const again = visualSimilarity(a, b);
    assert.equal(again.ssim, ssimGray(a.gray, b.gray, a.width, a.height));
    assert.equal(again.histogram, histogramSimilarity(a.hist, b.hist));
    assert.equal(again.visual, Math.min(1, 0.5 * Math.max(0, again.ssim) + 0.5 * again.histogram));
    assert.notEqual(visualSimilarity(b, a), again, 'a new object each time');
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
