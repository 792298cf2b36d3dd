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

/**
 * Composited pixels of the last translucent image resized, reused (a renderer resizes one picture per candidate);
 * pictures larger than KEEP_ELEMENTS get arrays of their own, so that one huge picture is not held for good.
 */
const KEEP_ELEMENTS = 1 << 22;
let scratch: Float64Array = new Float64Array(0);
/** The flat-colour runs of the last opaque image resized, reused likewise. */
let runScratch: Uint32Array = new Uint32Array(0);

/**
 * Box-resamples to w x h after compositing over white. Output alpha is 255. Each source pixel is composited once
 * (not at all when the image is opaque) and the per-column / per-row overlaps are computed once; every output pixel
 * then sums the same products in the same order as the direct formula, so the result is the same to the bit (flat
 * colour of an opaque image is copied, which gives the same bytes too: see below).
 */
export function resizeOverWhite(img: RgbaImage, w: number, h: number): RgbaImage {
  const out = new Uint8ClampedArray(w * h * 4);
  const sx = img.width / w, sy = img.height / h;
  const src = img.data, W = img.width, n = W * img.height;
  let opaque = true;
  for (let i = 3; i < src.length; i += 4) if (src[i] !== 255) { opaque = false; break; }
  // A rendered chart is opaque (resvg paints the white background): compositing is then the identity
  // (v * 1 + 255 * 0 === v), so the loop reads the bytes themselves and gives the same bits.
  let px: Float64Array | Uint8Array | Uint8ClampedArray = src;
  if (!opaque) {
    if (scratch.length < 4 * n) {
      px = new Float64Array(4 * n);
      if (4 * n <= KEEP_ELEMENTS) scratch = px;
    } else px = scratch;
    for (let i = 0; i < 4 * n; i += 4) {
      const a = src[i + 3]! / 255;
      px[i] = src[i]! * a + 255 * (1 - a);
      px[i + 1] = src[i + 1]! * a + 255 * (1 - a);
      px[i + 2] = src[i + 2]! * a + 255 * (1 - a);
    }
  }
  // Source spans and overlap lengths of each output column (x) and row (y).
  const spans = (count: number, scale: number, limit: number): { from: Int32Array; to: Int32Array; off: Int32Array; len: Float64Array } => {
    const from = new Int32Array(count), to = new Int32Array(count), off = new Int32Array(count + 1);
    const lens: number[] = [];
    for (let k = 0; k < count; k++) {
      const a0 = k * scale, a1 = a0 + scale;
      from[k] = Math.floor(a0);
      to[k] = Math.min(limit, Math.ceil(a1));
      off[k] = lens.length;
      for (let q = from[k]!; q < to[k]!; q++) lens.push(Math.min(a1, q + 1) - Math.max(a0, q));
    }
    off[count] = lens.length;
    return { from, to, off, len: Float64Array.from(lens) };
  };
  const X = spans(w, sx, img.width), Y = spans(h, sy, img.height);
  // Flat colour (the background, a bar's inside) is most of a chart. Where every source pixel under an output pixel
  // has the same integer colour v, the weighted mean is v to within a few ulps, far less than the 0.5 that would
  // round the stored byte elsewhere: the output byte is v exactly, without the sums. Only for opaque images, whose
  // colours are integers (composited ones are not, and could lie near a rounding boundary).
  // runColor[yy * w + x]: the RGBA word shared by source row yy's pixels under output column x, or 0 (no opaque
  // pixel is 0) where they differ. Words compare pixels whatever the byte order.
  let runColor: Uint32Array | null = null;
  if (opaque && src.byteOffset % 4 === 0) {
    const words = new Uint32Array(src.buffer, src.byteOffset, n);
    if (runScratch.length < img.height * w) {
      runColor = new Uint32Array(img.height * w);
      if (img.height * w <= KEEP_ELEMENTS) runScratch = runColor;
    } else runColor = runScratch;
    const xFrom = X.from, xTo = X.to;
    for (let yy = 0, k = 0; yy < img.height; yy++) {
      const row = yy * W;
      for (let x = 0; x < w; x++, k++) {
        const to = row + xTo[x]!;
        let p = row + xFrom[x]!;
        const c = words[p]!;
        for (p++; p < to; p++) if (words[p] !== c) break;
        runColor[k] = p < to ? 0 : c;
      }
    }
  }
  for (let y = 0; y < h; y++) {
    const yFrom = Y.from[y]!, yTo = Y.to[y]!, yOff = Y.off[y]!;
    for (let x = 0; x < w; x++) {
      const xFrom = X.from[x]!, xTo = X.to[x]!, xOff = X.off[x]!;
      if (runColor) {
        const c = runColor[yFrom * w + x]!;
        let yy = yFrom + 1;
        if (c !== 0) while (yy < yTo && runColor[yy * w + x] === c) yy++;
        if (c !== 0 && yy === yTo) {
          const o = (y * w + x) * 4, p = (yFrom * W + xFrom) * 4;
          out[o] = src[p]!; out[o + 1] = src[p + 1]!; out[o + 2] = src[p + 2]!; out[o + 3] = 255;
          continue;
        }
      }
      let r = 0, g = 0, b = 0, wsum = 0;
      for (let yy = yFrom; yy < yTo; yy++) {
        const wy = Y.len[yOff + yy - yFrom]!;
        const row = yy * W;
        for (let xx = xFrom; xx < xTo; xx++) {
          const wgt = wy * X.len[xOff + xx - xFrom]!;
          const p = (row + xx) * 4;
          r += wgt * px[p]!;
          g += wgt * px[p + 1]!;
          b += wgt * px[p + 2]!;
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

/**
 * Integral images of a, a*a or a*b (`b` given) into `I` ((w+1) x (h+1), first row and column zero). Each product is
 * rounded as it was when it was stored in a Float64Array of products before being summed.
 */
function integral(I: Float64Array, a: Float64Array, b: Float64Array | null, w: number, h: number, square = false): Float64Array {
  const W = w + 1;
  I.fill(0, 0, W);
  for (let y = 0; y < h; y++) {
    let row = 0;
    I[(y + 1) * W] = 0;
    for (let x = 0, i = y * w; x < w; x++, i++) {
      row += b ? a[i]! * b[i]! : square ? a[i]! * a[i]! : a[i]!;
      I[(y + 1) * W + x + 1] = I[y * W + x + 1]! + row;
    }
  }
  return I;
}

/**
 * Scratch integral images, reused from one comparison to the next: a candidate's are read once, and fresh
 * half-megabyte arrays per comparison made the parent collect garbage for a quarter of its time.
 */
const scratchI: Float64Array[] = [];
function scratchIntegral(k: number, w: number, h: number): Float64Array {
  const n = (w + 1) * (h + 1);
  if (!scratchI[k] || scratchI[k]!.length < n) scratchI[k] = new Float64Array(n);
  return scratchI[k]!;
}

/**
 * Each 7x7 window's mean and variance of a reference image, computed once per image (it serves every candidate),
 * with exactly the operations the per-pair formula uses.
 */
interface WindowStats {
  width: number;
  mean: Float64Array;
  variance: Float64Array;
}
const windowStats = new WeakMap<Float64Array, WindowStats>();
function windowStatsOf(a: Float64Array, w: number, h: number): WindowStats {
  const nx = w - WIN + 1, ny = h - WIN + 1;
  let s = windowStats.get(a);
  if (s && s.width === w && s.mean.length === nx * ny) return s;
  const I = integral(scratchIntegral(0, w, h), a, null, w, h), I2 = integral(scratchIntegral(1, w, h), a, null, w, h, true);
  const W = w + 1, N = WIN * WIN, D = WIN * W;
  const mean = new Float64Array(nx * ny), variance = new Float64Array(nx * ny);
  for (let y = 0, k = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++, k++) {
      // The box sum over the window at (x, y): I[y+WIN][x+WIN] - I[y][x+WIN] - I[y+WIN][x] + I[y][x].
      const p = y * W + x, q = p + WIN;
      const m = (I[q + D]! - I[q]! - I[p + D]! + I[p]!) / N;
      mean[k] = m;
      variance[k] = (I2[q + D]! - I2[q]! - I2[p + D]! + I2[p]!) / N - m * m;
    }
  }
  s = { width: w, mean, variance };
  windowStats.set(a, s);
  return s;
}

/**
 * Mean SSIM of two equally sized grayscale images (values 0-255). `b` is the reference: its window statistics are
 * kept for the next candidate; `a`'s are computed here, in scratch arrays.
 */
export function ssimGray(a: Float64Array, b: Float64Array, w: number, h: number): number {
  if (w < WIN || h < WIN) throw new Error(`image ${w}x${h} smaller than the ${WIN}x${WIN} SSIM window`);
  const { mean: Mb, variance: Vb } = windowStatsOf(b, w, h);
  const Ia = integral(scratchIntegral(0, w, h), a, null, w, h), Iaa = integral(scratchIntegral(1, w, h), a, null, w, h, true);
  const Iab = integral(scratchIntegral(2, w, h), a, b, w, h);
  const W = w + 1, nx = w - WIN + 1, ny = h - WIN + 1, N = WIN * WIN, D = WIN * W;
  let sum = 0;
  for (let y = 0, k = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++, k++) {
      const p = y * W + x, q = p + WIN;
      const ma = (Ia[q + D]! - Ia[q]! - Ia[p + D]! + Ia[p]!) / N, mb = Mb[k]!;
      // Variances are not clamped at 0: identical images must give exactly 1 (rounding error is far below C2).
      const va = (Iaa[q + D]! - Iaa[q]! - Iaa[p + D]! + Iaa[p]!) / N - ma * ma;
      const cov = (Iab[q + D]! - Iab[q]! - Iab[p + D]! + Iab[p]!) / N - ma * mb;
      sum += ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + Vb[k]! + C2));
    }
  }
  return sum / (nx * ny);
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
  const na = a.colors.length, nb = b.colors.length;
  // Pairs (i, j) closer than 100, numbered i * nb + j, visited by distance; equal distances in that numbered order
  // (what a stable sort of the pairs listed row by row gives).
  const dist = new Float64Array(na * nb), order = new Uint32Array(na * nb);
  let count = 0;
  for (let i = 0; i < na; i++) {
    const p = a.colors[i]!;
    for (let j = 0; j < nb; j++) {
      const q = b.colors[j]!;
      const de = Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
      if (de < 100) { dist[i * nb + j] = de; order[count++] = i * nb + j; }
    }
  }
  const pairs = order.subarray(0, count).sort((x, y) => dist[x]! - dist[y]! || x - y);
  const ra = [...a.weights], rb = [...b.weights];
  let score = 0;
  for (let k = 0; k < count; k++) {
    const id = pairs[k]!, i = Math.floor(id / nb), j = id - i * nb;
    const m = Math.min(ra[i]!, rb[j]!);
    if (m <= 0) continue;
    score += m * (1 - dist[id]! / 100);
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

export interface VisualScore {
  visual: number;
  ssim: number;
  histogram: number;
}

/**
 * Scores already computed, by feature objects (never mutated once made): the ranker reports a candidate's SSIM and
 * histogram as evidence and the rewards read the same comparison, so it is computed once.
 */
const scores = new WeakMap<VisualFeatures, WeakMap<VisualFeatures, VisualScore>>();

export function visualSimilarity(a: VisualFeatures, b: VisualFeatures): VisualScore {
  let byB = scores.get(a);
  const hit = byB?.get(b);
  if (hit) return { ...hit };
  const ssim = ssimGray(a.gray, b.gray, a.width, a.height);
  const histogram = histogramSimilarity(a.hist, b.hist);
  const v = { visual: Math.min(1, 0.5 * Math.max(0, ssim) + 0.5 * histogram), ssim, histogram };
  if (!byB) scores.set(a, (byB = new WeakMap()));
  byB.set(b, v);
  return { ...v };
}
