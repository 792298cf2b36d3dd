/**
 * PNG of an opaque RGBA picture with Node's native zlib: 8-bit RGB (colour type 2), no interlace, filter 0 on every
 * row. resvg-wasm's own `asPng` (the png crate compiled to wasm) took about 3x as long per chart, and the PNG is only
 * evidence for the panel and --out (the rewards read the pixels): decoded, this PNG gives the same pixels.
 * Layout: PNG specification (W3C, 3rd edition) sections 5 (signature, chunks, CRC-32) and 11.2 (IHDR, IDAT, IEND).
 */
import * as zlib from 'zlib';

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The specification's table-driven CRC-32 (its sample code), for Node versions without zlib.crc32. */
export function crc32Table(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** zlib.crc32 (Node >= 20.15, 22.2), else the table. */
const nativeCrc = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
const crc32 = typeof nativeCrc === 'function' ? (d: Uint8Array): number => nativeCrc(d) : crc32Table;

let rawScratch: Uint8Array = new Uint8Array(0);

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** Whether every pixel of an RGBA buffer is opaque. */
export function isOpaque(rgba: Uint8Array): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return false;
  return true;
}

/**
 * Encodes an opaque RGBA picture (alpha 255 everywhere: the caller checks with `isOpaque`) as an RGB PNG.
 * zlib level 1: charts are mostly flat colour, so the fastest level is still smaller than resvg's PNG.
 */
export function encodeOpaquePng(rgba: Uint8Array, width: number, height: number, level = 1): Uint8Array {
  if (rgba.length !== width * height * 4) throw new Error(`PNG: ${rgba.length} bytes for ${width}x${height} RGBA`);
  const stride = width * 3 + 1;
  // Each row: filter type 0, then R G B per pixel; the buffer is reused (deflateSync is done with it on return),
  // up to 4 MB (a 1,100 x 1,100 chart) so that one huge chart is not held for good.
  let raw: Uint8Array;
  if (rawScratch.length >= stride * height) raw = rawScratch.subarray(0, stride * height);
  else {
    raw = new Uint8Array(stride * height);
    if (raw.length <= 4 << 20) rawScratch = raw;
  }
  for (let y = 0, s = 0; y < height; y++) {
    raw[y * stride] = 0; // filter type: none
    for (let o = y * stride + 1, end = o + width * 3; o < end; o += 3, s += 4) {
      raw[o] = rgba[s]!; raw[o + 1] = rgba[s + 1]!; raw[o + 2] = rgba[s + 2]!;
    }
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour
  // compression 0 (deflate), filter method 0, interlace 0: already zero
  const parts = [SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level })), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
