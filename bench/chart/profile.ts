/**
 * Where a chart's CPU time goes, stage by stage, in this process (no child, no IPC): the bench's 8 candidates
 * rendered --reps times as the renderer child does it, CPU ms per candidate (process.cpuUsage) over the second half of
 * the runs, so that the JIT has warmed up. CPU time, not wall time, so that a shared machine's load inflates it less.
 * With --before REV (default b26ffb9), the stages this issue changed run a second time on the same pixels as REV had
 * them (its image.ts taken from git; resvg's own PNG encoder), interleaved with this tree's, and the rows
 * "before:..." / "after:..." compare them: PNG + visual features in the child, and the parent's comparisons with the
 * reference image (REV compared each candidate twice: once for the evidence, once for the reward).
 * Usage: npx tsx bench/chart/profile.ts [REPS] [--before REV]
 */
import { execSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bindDataset, parseCandidate, type JsonObject } from '../../src/core/chart/spec';
import { parseDataFile } from '../../src/core/chart/csv';
import * as image from '../../src/core/chart/image';
import { colorHistogram, luma, resizeOverWhite, VISUAL_SIZE } from '../../src/core/chart/image';
import { decodeImage } from '../../src/worker/chart/imageDecode';
import { encodeOpaquePng } from '../../src/worker/chart/pngEncode';
import { extractAttributes } from '../../src/worker/chart/scene';
import { benchCandidates } from '../../test/unit/worker/chart/rewardsBeforeAfter';
const ROOT = path.resolve(__dirname, '../..');
const cpu = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
async function main() {
  const [vega, vl, resvg] = await Promise.all([import('vega'), import('vega-lite') as any, import('@resvg/resvg-wasm')]);
  await resvg.initWasm(fs.readFileSync(path.join(ROOT, 'node_modules/@resvg/resvg-wasm/index_bg.wasm')));
  const fonts = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => new Uint8Array(fs.readFileSync(path.join(ROOT, `media/fonts/${f}`))));
  const ds = { name: 'sales.csv', values: parseDataFile('sales.csv', fs.readFileSync(path.join(ROOT, 'test/fixtures/chart/sales.csv'), 'utf8')) };
  const specs = benchCandidates().map((t) => bindDataset(parseCandidate(t).spec! as JsonObject, ds));
  const T: Record<string, number[]> = {};
  const rec = (k: string, ms: number) => (T[k] ??= []).push(ms);
  const reps = Number(process.argv[2] ?? 20) || 20;
  const i = process.argv.indexOf('--before');
  const rev = i >= 0 ? process.argv[i + 1]! : 'b26ffb9';
  // REV's image.ts beside a copy of this tree's color.ts and types.ts (unchanged by this issue) in a temp folder.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-profile-'));
  execSync(`git archive --format=tar ${rev} src/core/chart | tar -x -C ${JSON.stringify(dir)}`, { cwd: ROOT });
  const old = (await import(path.join(dir, 'src/core/chart/image.ts'))) as typeof image;
  const ref = await decodeImage(new Uint8Array(fs.readFileSync(path.join(ROOT, 'test/fixtures/chart/reference.png'))));
  const refNew = image.visualFeatures(ref), refOld = old.visualFeatures(ref);
  for (let r = 0; r < reps; r++) {
    for (const spec of specs) {
      const start = cpu();
      let t = start;
      const step = (k: string) => { const n = cpu(); rec(k, n - t); t = n; };
      const vg = vl.compile(spec).spec; step('vlcompile');
      const rt = vega.parse(vg); step('vgparse');
      const view = new vega.View(rt, { renderer: 'none' }); step('view');
      await view.runAsync(); step('run');
      const svg = await view.toSVG(1); step('svg');
      const rs = new resvg.Resvg(svg, { background: 'white', font: { fontBuffers: fonts, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans', serifFamily: 'DejaVu Sans', monospaceFamily: 'DejaVu Sans' } }); step('resvgNew');
      const img = rs.render(); step('rsRender');
      const px = img.pixels; step('pixels');
      const before = (): void => {
        const t0 = cpu();
        img.asPng();
        const f = old.visualFeatures({ width: img.width, height: img.height, data: px });
        const t1 = cpu();
        old.visualSimilarity(f, refOld); old.visualSimilarity(f, refOld);
        rec('before: PNG + features (child)', t1 - t0); rec('before: compare (parent)', cpu() - t1);
      };
      const after = (): void => {
        const t0 = cpu();
        encodeOpaquePng(px, img.width, img.height);
        const f = image.visualFeatures({ width: img.width, height: img.height, data: px });
        const t1 = cpu();
        image.visualSimilarity(f, refNew); image.visualSimilarity(f, refNew);
        rec('after: PNG + features (child)', t1 - t0); rec('after: compare (parent)', cpu() - t1);
      };
      if (r % 2) { before(); after(); } else { after(); before(); }
      t = cpu();
      encodeOpaquePng(px, img.width, img.height); step('png');
      const small = resizeOverWhite({ width: img.width, height: img.height, data: px }, VISUAL_SIZE.width, VISUAL_SIZE.height); step('resize');
      luma(small); step('luma');
      colorHistogram(small); step('histogram');
      const W = img.width, H = img.height; img.free(); rs.free();
      extractAttributes((view.scenegraph() as any).root, vg, { width: W, height: H }); step('attrs');
      view.finalize();
      rec('total', cpu() - start);
    }
  }
  console.log(`CPU ms per candidate, ${reps} x ${specs.length} renders (second half); load average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`${'stage'.padEnd(32)} |    p50 |    p90 |   mean`);
  for (const [k, v] of Object.entries(T)) {
    const s = v.slice(v.length / 2).sort((a, b) => a - b);
    console.log(`${k.padEnd(32)} | ${s[Math.floor(s.length / 2)]!.toFixed(2).padStart(6)} | ${s[Math.floor(s.length * 0.9)]!.toFixed(2).padStart(6)} | ${(s.reduce((a, b) => a + b, 0) / s.length).toFixed(2).padStart(6)}`);
  }
}
main();
