/**
 * Image similarity of a rendered candidate and a reference chart, with no learned model.
 *
 *   visual = 0.5 * max(0, SSIM(gray_A, gray_B)) + 0.5 * H(hist_A, hist_B)
 *
 * Both images are composited over white and box-resampled to VISUAL_SIZE (aspect ratio not kept: charts of one
 * prompt are usually the same shape, and a stretched chart should still resemble itself).
 * SSIM: Wang, Bovik, Sheikh, Simoncelli 2004, eq. 13, on luma (BT.601) with 7x7 uniform windows at stride 1
 * (scikit-image's default window), C1 = (0.01*255)^2, C2 = (0.03*255)^2, averaged over all windows.
 * H: colour-histogram similarity over non-white pixels (the white background would dominate otherwise); SSIM barely
 * sees hue, the histogram does (see PLATFORM.md). Plain bin intersection (Swain & Ballard 1991) treats #4c78a8 and
 * #1f77b4 as unrelated when they fall in different bins, so bins are compared with a perceptual ground distance,
 * as in the Earth Mover's Distance (Rubner, Tomasi, Guibas 2000): each of the 64 heaviest of 8x8x8 RGB bins is
 * represented by its mean colour in Lab, mass is moved greedily along the closest pairs first, and each unit of
 * mass scores ChartMimic's colour score max(0, 1 - dE76/100). Identical histograms give 1.
 */
import { rgbToLab, type Lab } from './color';
import type { RgbaImage } from './types';

export const VISUAL_SIZE = { width: 256, height: 192 } as const;
const WIN = 7;
const C1 = (0.01 * 255) ** 2;
const C2 = (0.03 * 255) ** 2;
const BINS = 8;

/** Box-resamples to w x h after compositing over white. Output alpha is 255. */
export function resizeOverWhite(img: RgbaImage, w: number, h: number): RgbaImage {
  const out = new Uint8ClampedArray(w * h * 4);
  const sx = img.width / w, sy = img.height / h;
  const src = img.data;
  for (let y = 0; y < h; y++) {
    const y0 = y * sy, y1 = y0 + sy;
    for (let x = 0; x < w; x++) {
      const x0 = x * sx, x1 = x0 + sx;
      let r = 0, g = 0, b = 0, wsum = 0;
      for (let yy = Math.floor(y0); yy < Math.min(img.height, Math.ceil(y1)); yy++) {
        const wy = Math.min(y1, yy + 1) - Math.max(y0, yy);
        for (let xx = Math.floor(x0); xx < Math.min(img.width, Math.ceil(x1)); xx++) {
          const wgt = wy * (Math.min(x1, xx + 1) - Math.max(x0, xx));
          const i = (yy * img.width + xx) * 4;
          const a = src[i + 3]! / 255;
          r += wgt * (src[i]! * a + 255 * (1 - a));
          g += wgt * (src[i + 1]! * a + 255 * (1 - a));
          b += wgt * (src[i + 2]! * a + 255 * (1 - a));
          wsum += wgt;
        }
      }
      const o = (y * w + x) * 4;
      out[o] = r / wsum; out[o + 1] = g / wsum; out[o + 2] = b / wsum; out[o + 3] = 255;
    }
  }
  return { width: w, height: h, data: out };
}

export function luma(img: RgbaImage): Float64Array {
  const n = img.width * img.height, out = new Float64Array(n), d = img.data;
  for (let i = 0; i < n; i++) out[i] = 0.299 * d[i * 4]! + 0.587 * d[i * 4 + 1]! + 0.114 * d[i * 4 + 2]!;
  return out;
}

function integral(v: Float64Array, w: number, h: number): Float64Array {
  const I = new Float64Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += v[y * w + x]!;
      I[(y + 1) * (w + 1) + x + 1] = I[y * (w + 1) + x + 1]! + row;
    }
  }
  return I;
}

/** Mean SSIM of two equally sized grayscale images (values 0-255). */
export function ssimGray(a: Float64Array, b: Float64Array, w: number, h: number): number {
  if (w < WIN || h < WIN) throw new Error(`image ${w}x${h} smaller than the ${WIN}x${WIN} SSIM window`);
  const n = w * h, aa = new Float64Array(n), bb = new Float64Array(n), ab = new Float64Array(n);
  for (let i = 0; i < n; i++) { aa[i] = a[i]! * a[i]!; bb[i] = b[i]! * b[i]!; ab[i] = a[i]! * b[i]!; }
  const Ia = integral(a, w, h), Ib = integral(b, w, h), Iaa = integral(aa, w, h), Ibb = integral(bb, w, h), Iab = integral(ab, w, h);
  const W = w + 1, N = WIN * WIN;
  const box = (I: Float64Array, x: number, y: number): number =>
    I[(y + WIN) * W + x + WIN]! - I[y * W + x + WIN]! - I[(y + WIN) * W + x]! + I[y * W + x]!;
  let sum = 0, count = 0;
  for (let y = 0; y + WIN <= h; y++) {
    for (let x = 0; x + WIN <= w; x++) {
      const ma = box(Ia, x, y) / N, mb = box(Ib, x, y) / N;
      // Not clamped at 0: identical images must give exactly 1 (rounding error is far below C2).
      const va = box(Iaa, x, y) / N - ma * ma, vb = box(Ibb, x, y) / N - mb * mb;
      const cov = box(Iab, x, y) / N - ma * mb;
      sum += ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
      count++;
    }
  }
  return sum / count;
}

/** A colour histogram: the heaviest bins' mean colours (Lab) and their shares of the non-white pixels. */
export interface ColorHistogram {
  colors: Lab[];
  weights: number[];
}

const MAX_BINS = 64;

/** Histogram of the pixels that are not near-white; null when every pixel is near-white. */
export function colorHistogram(img: RgbaImage): ColorHistogram | null {
  const nb = BINS ** 3, count = new Float64Array(nb), sr = new Float64Array(nb), sg = new Float64Array(nb), sb = new Float64Array(nb);
  const d = img.data, s = 256 / BINS;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) {
    const r = d[i]!, g = d[i + 1]!, b = d[i + 2]!;
    if (r > 245 && g > 245 && b > 245) continue;
    const k = Math.floor(r / s) * BINS * BINS + Math.floor(g / s) * BINS + Math.floor(b / s);
    count[k]!++; sr[k]! += r; sg[k]! += g; sb[k]! += b;
    n++;
  }
  if (!n) return null;
  const bins = [...count.keys()].filter((k) => count[k]! > 0).sort((a, b) => count[b]! - count[a]!).slice(0, MAX_BINS);
  const kept = bins.reduce((t, k) => t + count[k]!, 0);
  return {
    colors: bins.map((k) => rgbToLab([sr[k]! / count[k]!, sg[k]! / count[k]!, sb[k]! / count[k]!])),
    weights: bins.map((k) => count[k]! / kept),
  };
}

/** Greedy transport of histogram mass along the closest colour pairs; each unit scores max(0, 1 - dE76/100). */
export function histogramSimilarity(a: ColorHistogram | null, b: ColorHistogram | null): number {
  if (!a && !b) return 1;
  if (!a || !b) return 0;
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
  return Math.min(1, Math.round(score * 1e12) / 1e12); // identical histograms: exactly 1
}

/** An image prepared once for repeated comparisons (the reference is compared with every candidate). */
export interface VisualFeatures {
  gray: Float64Array;
  hist: ColorHistogram | null;
  width: number;
  height: number;
}

export function visualFeatures(img: RgbaImage): VisualFeatures {
  const small = resizeOverWhite(img, VISUAL_SIZE.width, VISUAL_SIZE.height);
  return { gray: luma(small), hist: colorHistogram(small), width: small.width, height: small.height };
}

export function visualSimilarity(a: VisualFeatures, b: VisualFeatures): { visual: number; ssim: number; histogram: number } {
  const ssim = ssimGray(a.gray, b.gray, a.width, a.height);
  const histogram = histogramSimilarity(a.hist, b.hist);
  return { visual: Math.min(1, 0.5 * Math.max(0, ssim) + 0.5 * histogram), ssim, histogram };
}
