/** Reference images (PNG or JPEG from the workspace) -> RGBA, with pure-JS decoders (no native binaries). */
import { CodedError } from '../../core/errors';
import type { RgbaImage } from '../../core/chart/types';

const MAX_PIXELS = 50_000_000;

/** The part of fast-png we call (an exports-only ES module: its types do not resolve under moduleResolution "node"). */
interface DecodedPng {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray | Uint16Array;
  depth: number;
  channels: number;
  palette?: number[][];
}
interface FastPng {
  decode(data: Uint8Array): DecodedPng;
  convertIndexedToRgb(img: DecodedPng): Uint8Array;
}

export function imageKind(bytes: Uint8Array): 'png' | 'jpeg' | null {
  if (bytes.length > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

export async function decodeImage(bytes: Uint8Array): Promise<RgbaImage> {
  const kind = imageKind(bytes);
  if (kind === 'png') {
    // fast-png is an ES module: loaded with import() like vega.
    const png = (await import('fast-png')) as unknown as FastPng;
    const img = png.decode(bytes);
    if (img.width * img.height > MAX_PIXELS) throw new CodedError('bad_request', `reference image is ${img.width}x${img.height} (too large)`);
    let data = img.data, channels = img.channels;
    if (img.palette) { data = png.convertIndexedToRgb(img); channels = img.palette[0]?.length ?? 3; }
    const n = img.width * img.height, out = new Uint8ClampedArray(n * 4);
    const shift = img.depth === 16 && !img.palette ? 8 : 0;
    for (let p = 0; p < n; p++) {
      const s = p * channels, o = p * 4;
      const v = (k: number): number => data[s + k]! >> shift;
      if (channels >= 3) { out[o] = v(0); out[o + 1] = v(1); out[o + 2] = v(2); out[o + 3] = channels === 4 ? v(3) : 255; }
      else { const g = v(0); out[o] = g; out[o + 1] = g; out[o + 2] = g; out[o + 3] = channels === 2 ? v(1) : 255; }
    }
    return { width: img.width, height: img.height, data: out };
  }
  if (kind === 'jpeg') {
    const jpeg = (await import('jpeg-js')) as typeof import('jpeg-js');
    const decode = jpeg.decode ?? (jpeg as unknown as { default: typeof import('jpeg-js') }).default.decode;
    const img = decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1e6, maxMemoryUsageInMB: 1024 });
    return { width: img.width, height: img.height, data: img.data };
  }
  throw new CodedError('bad_request', 'the reference image is neither PNG nor JPEG');
}
