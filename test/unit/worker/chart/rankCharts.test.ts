/**
 * Golden ordering on a fixed set (test/fixtures/chart): exact reproduction 1.0 > recoloured (Vega's default palette
 * instead of the reference's) and missing title (ChartMimic's pooled text F1 makes these two nearly equal; the per-role
 * variant puts recoloured first) > wrong mark type > broken or network-using spec 0.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChartRenderer } from '../../../../src/worker/chart/renderer';
import { rankChartGroup } from '../../../../src/worker/chart/rankCharts';
import { textF1, typeF1, layoutF1, colorF1, attributeSimilarity } from '../../../../src/core/chart/similarity';
import { rankChartCommand, readChartGroups } from '../../../../src/cli/rank/chart';
import { rankGroup, type GroupOutput } from '../../../../src/core/ranking';
import type { ChartGroupOutput } from '../../../../src/core/chart/protocol';
import { decodeImage } from '../../../../src/worker/chart/imageDecode';
import * as jpegJs from 'jpeg-js';

const FIX = path.resolve(__dirname, '../../../fixtures/chart');
const GOLDEN = path.join(FIX, 'golden.jsonl');
const ref = JSON.parse(fs.readFileSync(path.join(FIX, 'reference.vl.json'), 'utf8')) as Record<string, unknown>;
const clone = (): Record<string, any> => JSON.parse(JSON.stringify(ref)) as Record<string, any>;
const fence = (s: unknown): string => 'Here is the chart:\n```json\n' + JSON.stringify(s, null, 2) + '\n```\n';

/** Named candidates of the golden set, in a shuffled order. */
function goldenCandidates(): Array<[string, string]> {
  const recoloured = clone(); delete recoloured.encoding.color.scale;
  const noTitle = clone(); delete noTitle.title;
  const wrongMark = clone(); wrongMark.mark = 'line'; delete wrongMark.encoding.xOffset;
  const network = clone(); network.data = { url: 'https://example.com/sales.csv' };
  const strongRecolour = clone(); strongRecolour.encoding.color.scale.range = ['#2ca02c', '#d62728'];
  return [
    ['wrong_mark', fence(wrongMark)], ['missing_title', fence(noTitle)], ['broken', fence(ref).slice(0, -40)],
    ['exact', fence(ref)], ['network', fence(network)], ['recoloured', fence(recoloured)], ['strong_recolour', fence(strongRecolour)],
  ];
}

function byName(out: GroupOutput, names: string[]): Record<string, GroupOutput['candidates'][number]> {
  return Object.fromEntries(out.candidates.map((c, i) => [names[i]!, c]));
}

function assertGoldenOrder(out: GroupOutput, names: string[], perRole = false): void {
  const c = byName(out, names);
  const t = (n: string): number => c[n]!.total;
  assert.ok(Math.abs(t('exact') - 1) < 1e-9, `exact reproduction scores 1.0 (got ${t('exact')})`);
  assert.ok(t('exact') > t('recoloured'), `exact ${t('exact')} > recoloured ${t('recoloured')}`);
  assert.ok(t('exact') > t('missing_title'), `exact ${t('exact')} > missing title ${t('missing_title')}`);
  if (perRole) assert.ok(t('recoloured') > t('missing_title'), `per-role text: recoloured ${t('recoloured')} > missing title ${t('missing_title')}`);
  assert.ok(t('recoloured') > t('wrong_mark'), `recoloured ${t('recoloured')} > wrong mark ${t('wrong_mark')}`);
  assert.ok(t('missing_title') > t('wrong_mark'), `missing title ${t('missing_title')} > wrong mark ${t('wrong_mark')}`);
  assert.ok(t('strong_recolour') > t('wrong_mark'), `strong recolour ${t('strong_recolour')} > wrong mark ${t('wrong_mark')}`);
  assert.ok(t('wrong_mark') > 0);
  assert.equal(t('broken'), 0);
  assert.equal(t('network'), 0);
  assert.equal(c.broken!.error?.code, 'chart_parse');
  // The syntax port's JSON check says where the spec broke, without echoing the spec.
  assert.match(c.broken!.error!.message, /^invalid JSON at line \d+:\d+: /);
  assert.equal(c.network!.error?.code, 'chart_network');
  assert.equal(c.exact!.rank, 1);
}

/** The group reports the weights it used, and re-ranking with them (as the panel does) reproduces every total exactly. */
function assertWeightsReproduce(out: ChartGroupOutput): void {
  const w = out.weights;
  assert.ok(w && Object.keys(w).length > 0, 'weights reported');
  assert.ok(Object.values(w).some((x) => x > 0), 'some reward weighs more than 0');
  for (const c of out.candidates) for (const k of Object.keys(c.rewards)) assert.ok(k in w, `reward ${k} has a reported weight`);
  const again = rankGroup(out.candidates.map((c) => c.rewards), { weights: w, gate: ['executes'] });
  out.candidates.forEach((c, i) => {
    assert.equal(again.scored[i]!.total, c.total, `candidate ${i}: total`);
    assert.equal(again.scored[i]!.rank, c.rank, `candidate ${i}: rank`);
  });
}

describe('rankCharts: golden ordering, references, CLI', function () {
  this.timeout(180000);
  const renderer = new ChartRenderer({ timeoutMs: 60000 }) // generous: tests check behaviour, and CI machines are loaded;
  after(() => renderer.dispose());
  const cands = goldenCandidates();
  const names = cands.map((c) => c[0]);
  const texts = cands.map((c) => c[1]);
  let refPng: Uint8Array;

  it('with a Vega-Lite reference spec', async () => {
    const out = await rankChartGroup({ group: 'g', candidates: texts, referenceSpec: ref, dataPath: path.join(FIX, 'sales.csv') }, { renderer });
    assertGoldenOrder(out, names);
    assertWeightsReproduce(out);
    assert.ok(out.weights.visual! > 0 && out.weights.text! > 0, 'the rendered reference spec gives attribute and visual rewards');
    // The reported weights sent back (the panel's Regenerate) give the same totals on the same scale.
    const again = await rankChartGroup({ group: 'g', candidates: texts, referenceSpec: ref, dataPath: path.join(FIX, 'sales.csv') }, { renderer, weights: out.weights });
    assert.deepEqual(again.candidates.map((c) => c.total), out.candidates.map((c) => c.total));
    assert.deepEqual(again.weights, out.weights);
    // The per-role text variant: a missing chart title costs a whole role, more than a recolouring.
    const perRole = await rankChartGroup({ group: 'g', candidates: texts, referenceSpec: ref, dataPath: path.join(FIX, 'sales.csv') }, { renderer, textVariant: 'per-role' });
    assertGoldenOrder(perRole, names, true);
    const c = byName(out, names), cp = byName(perRole, names);
    assert.ok(cp.missing_title!.rewards.text! < c.missing_title!.rewards.text!, 'per-role text scores a missing title lower than pooled');
    const exact = byName(out, names).exact!;
    for (const k of ['attributes', 'text', 'type', 'layout', 'color', 'visual', 'fields_valid']) assert.equal(exact.rewards[k], 1, k);
    assert.equal(typeof exact.png, 'string');
    refPng = Buffer.from(exact.png as string, 'base64');
  });

  it('with a reference image (PNG, then JPEG)', async () => {
    const out = await rankChartGroup({ group: 'g', candidates: texts, referenceImage: refPng, dataPath: path.join(FIX, 'sales.csv') }, { renderer });
    assertGoldenOrder(out, names);
    assertWeightsReproduce(out);
    const exact = byName(out, names).exact!;
    assert.equal(exact.rewards.visual, 1);
    assert.equal(exact.rewards.text, undefined, 'an image reference gives no attribute rewards');
    const img = await decodeImage(refPng);
    const jpg = jpegJs.encode({ width: img.width, height: img.height, data: Buffer.from(img.data) }, 95).data;
    const outJ = await rankChartGroup({ group: 'g', candidates: texts, referenceImage: new Uint8Array(jpg), dataPath: path.join(FIX, 'sales.csv') }, { renderer });
    const cj = byName(outJ, names);
    assert.ok(cj.exact!.rewards.visual! > 0.95 && cj.exact!.rank === 1, JSON.stringify(cj.exact!.rewards));
  });

  it('ChartMimic F1s of a rendered chart against itself are 1', async () => {
    for (const spec of [ref, { ...ref, data: undefined }]) {
      const r = await renderer.render({ ...spec, data: { values: [{ quarter: 'Q1', region: 'North', revenue: 3 }, { quarter: 'Q1', region: 'South', revenue: 5 }] } });
      assert.ok(r.ok);
      for (const f of [textF1, typeF1, layoutF1, colorF1]) assert.equal(f(r.attributes, r.attributes).f1, 1, f.name);
      assert.equal(attributeSimilarity(r.attributes, r.attributes), 1);
    }
  });

  it('reference-free: fields_valid and consensus', async () => {
    const good = clone(); good.data = { url: 'sales.csv' }; delete good.title;
    const typo = clone(); typo.encoding.y.field = 'revenu';
    const out = await rankChartGroup({ group: 'free', candidates: [fence(good), fence(good), fence(typo), '{"mark":'], dataPath: path.join(FIX, 'sales.csv') }, { renderer });
    assertWeightsReproduce(out);
    assert.ok(out.weights.consensus! > 0 && out.weights.fields_valid! > 0);
    const [a, b, c, d] = out.candidates;
    assert.equal(a!.rewards.fields_valid, 1);
    assert.equal(c!.rewards.fields_valid, 0.75);
    assert.deepEqual(c!.fieldsMissing, ['revenu']);
    assert.ok(a!.rewards.consensus! > c!.rewards.consensus!);
    assert.equal(a!.total, b!.total);
    assert.notEqual(a!.pngPath ?? a!.png, undefined);
    assert.equal(b!.png, a!.png, 'identical texts share one render');
    assert.ok(a!.total > c!.total && c!.total > d!.total);
    assert.equal(d!.total, 0);
  });

  it('CLI: reads the JSONL, prints {groups}, writes PNGs with --out', async () => {
    const groups = readChartGroups(GOLDEN);
    assert.equal(groups.length, 1);
    assert.equal(groups[0]!.dataPath, path.join(FIX, 'sales.csv'));
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-cli-'));
    const chunks: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    (process.stdout as unknown as { write: (s: string) => boolean }).write = (s: string) => { chunks.push(String(s)); return true; };
    let code: number;
    try {
      code = await rankChartCommand(['--input', GOLDEN, '--out', outDir]);
    } finally {
      (process.stdout as unknown as { write: typeof write }).write = write;
    }
    assert.equal(code, 0);
    const out = JSON.parse(chunks.join('')) as { groups: GroupOutput[] };
    const g = out.groups[0]!;
    assert.equal(g.group, 'golden');
    const rendered = g.candidates.filter((c) => c.error === null);
    assert.ok(rendered.length >= 5);
    for (const c of rendered) {
      assert.ok(typeof c.pngPath === 'string' && fs.existsSync(c.pngPath as string));
      assert.equal(c.png, undefined, 'no base64 in CLI output');
    }
    assert.equal(g.candidates.find((c) => c.rank === 1)!.total, 1);
    fs.rmSync(outDir, { recursive: true, force: true });
  });
});
