/**
 * The renderer's PNG (Node's zlib, issue 14) decodes, with a well-kept decoder (fast-png), to exactly the rendered
 * pixels, including after a larger picture left its row buffer behind; its CRC-32 fallback equals zlib's.
 */
import { strict as assert } from 'node:assert';
import * as zlib from 'node:zlib';
import { crc32Table, encodeOpaquePng, isOpaque } from '../../../../src/worker/chart/pngEncode';

interface Decoded { width: number; height: number; channels: number; depth: number; data: Uint8Array }

describe('opaque PNG encoder', () => {
  let seed = 5;
  const rnd = (): number => ((seed = (seed * 16807) % 2147483647) % 256);
  const picture = (w: number, h: number): Uint8Array => {
    const px = new Uint8Array(w * h * 4);
    for (let i = 0; i < px.length; i += 4) {
      // Flat runs (as charts have) and noise.
      const flat = (i / 4) % w < w / 2;
      px[i] = flat ? 255 : rnd(); px[i + 1] = flat ? 255 : rnd(); px[i + 2] = flat ? 200 : rnd(); px[i + 3] = 255;
    }
    return px;
  };
  const decode = async (png: Uint8Array): Promise<Decoded> => ((await import('fast-png')) as unknown as { decode(d: Uint8Array): Decoded }).decode(png);

  it('decodes to the same RGB, every size, a large picture before a small one', async () => {
    for (const [w, h] of [[430, 270], [1, 1], [3, 700], [900, 2], [530, 330], [17, 13]] as const) {
      const px = picture(w, h);
      assert.ok(isOpaque(px));
      const d = await decode(encodeOpaquePng(px, w, h));
      assert.deepEqual([d.width, d.height, d.channels, d.depth], [w, h, 3, 8]);
      for (let p = 0; p < w * h; p++) {
        if (d.data[p * 3] !== px[p * 4] || d.data[p * 3 + 1] !== px[p * 4 + 1] || d.data[p * 3 + 2] !== px[p * 4 + 2]) assert.fail(`${w}x${h}: pixel ${p} differs`);
      }
    }
  });

  it('says which pictures are opaque, and refuses a buffer of the wrong size', () => {
    const px = picture(4, 4);
    px[4 * 7 + 3] = 254;
    assert.equal(isOpaque(px), false);
    assert.throws(() => encodeOpaquePng(new Uint8Array(10), 2, 2), /10 bytes for 2x2/);
  });

  it('CRC-32 of the table equals zlib.crc32', function () {
    const native = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
    if (typeof native !== 'function') this.skip(); // Node < 20.15: nothing to compare with (the PNG test above decodes it)
    for (const n of [0, 1, 4, 13, 1000, 65537]) {
      const d = Uint8Array.from({ length: n }, () => rnd());
      assert.equal(crc32Table(d), native(d), `${n} bytes`);
    }
    assert.equal(crc32Table(new TextEncoder().encode('IEND')), 0xae426082); // every PNG ends with this CRC
  });
});
