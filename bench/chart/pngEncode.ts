/**
 * PNG encoders on one rendered bench chart, CPU ms per PNG and bytes: resvg-wasm's asPng (before), ours
 * (src/worker/chart/pngEncode.ts, Node's zlib) at three levels, fast-png (pure JS), and the bare deflate; checks that
 * ours decodes to the rendered pixels. Usage: npx tsx bench/chart/pngEncode.ts
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { bindDataset, parseCandidate, type JsonObject } from '../../src/core/chart/spec';
import { parseDataFile } from '../../src/core/chart/csv';
import { encodeOpaquePng } from '../../src/worker/chart/pngEncode';
import { benchCandidates } from '../../test/unit/worker/chart/rewardsBeforeAfter';
const ROOT = path.resolve(__dirname, '../..');
const cpu = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
async function main() {
  const [vega, vl, resvg, fpng] = await Promise.all([import('vega'), import('vega-lite') as any, import('@resvg/resvg-wasm'), import('fast-png') as any]);
  await resvg.initWasm(fs.readFileSync(path.join(ROOT, 'node_modules/@resvg/resvg-wasm/index_bg.wasm')));
  const fonts = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => new Uint8Array(fs.readFileSync(path.join(ROOT, `media/fonts/${f}`))));
  const ds = { name: 'sales.csv', values: parseDataFile('sales.csv', fs.readFileSync(path.join(ROOT, 'test/fixtures/chart/sales.csv'), 'utf8')) };
  const spec = bindDataset(parseCandidate(benchCandidates()[0]!).spec! as JsonObject, ds);
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  await view.runAsync();
  const svg = await view.toSVG(1);
  const rs = new resvg.Resvg(svg, { background: 'white', font: { fontBuffers: fonts, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' } });
  const img = rs.render();
  const px = img.pixels, W = img.width, H = img.height;
  const rgb = new Uint8Array(W * H * 3); for (let i = 0, j = 0; i < px.length; i += 4, j += 3) { rgb[j] = px[i]!; rgb[j + 1] = px[i + 1]!; rgb[j + 2] = px[i + 2]!; }
  const variants: Record<string, () => Uint8Array> = {
    resvg: () => img.asPng(),
    'ours l1': () => encodeOpaquePng(px, W, H, 1),
    'ours l3': () => encodeOpaquePng(px, W, H, 3),
    'ours l6': () => encodeOpaquePng(px, W, H, 6),
    'fast-png rgba l3': () => fpng.encode({ width: W, height: H, data: px, channels: 4, depth: 8 }),
    'fast-png rgb l3': () => fpng.encode({ width: W, height: H, data: rgb, channels: 3, depth: 8 }),
    'fast-png rgb l1': () => fpng.encode({ width: W, height: H, data: rgb, channels: 3, depth: 8 }, { zlib: { level: 1 } }),
    'node zlib rgba l3 (raw idat only)': () => { const raw = new Uint8Array((W * 4 + 1) * H); for (let y = 0; y < H; y++) raw.set(px.subarray(y * W * 4, (y + 1) * W * 4), y * (W * 4 + 1) + 1); return zlib.deflateSync(raw, { level: 3 }); },
    'node zlib rgb l3 (raw idat only)': () => { const raw = new Uint8Array((W * 3 + 1) * H); for (let y = 0; y < H; y++) raw.set(rgb.subarray(y * W * 3, (y + 1) * W * 3), y * (W * 3 + 1) + 1); return zlib.deflateSync(raw, { level: 3 }); },
    'node zlib rgb l1 (raw idat only)': () => { const raw = new Uint8Array((W * 3 + 1) * H); for (let y = 0; y < H; y++) raw.set(rgb.subarray(y * W * 3, (y + 1) * W * 3), y * (W * 3 + 1) + 1); return zlib.deflateSync(raw, { level: 1 }); },
    'node zlib rgb l6 (raw idat only)': () => { const raw = new Uint8Array((W * 3 + 1) * H); for (let y = 0; y < H; y++) raw.set(rgb.subarray(y * W * 3, (y + 1) * W * 3), y * (W * 3 + 1) + 1); return zlib.deflateSync(raw, { level: 6 }); },
  };
  for (let k = 0; k < 3; k++) for (const [name, f] of Object.entries(variants)) {
    const t = cpu(); let n = 0; for (let i = 0; i < 30; i++) n = f().length; console.log(name.padEnd(34), ((cpu() - t) / 30).toFixed(2), 'ms', n, 'bytes');
  }
  const dec = fpng.decode(variants['fast-png rgb l1']!());
  console.log('roundtrip rgb same:', dec.data.every((v: number, i: number) => v === rgb[i]));
  for (const l of [1, 6]) { const d = fpng.decode(encodeOpaquePng(px, W, H, l)); console.log('ours', l, 'roundtrip', d.channels, d.data.every((v: number, i: number) => v === rgb[i])); }
  const decR = fpng.decode(img.asPng());
  console.log('resvg png == pixels:', decR.data.every((v: number, i: number) => v === px[i]), decR.channels);
}
main();
