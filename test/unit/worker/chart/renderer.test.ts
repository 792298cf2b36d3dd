/**
 * The renderer child: renders Vega-Lite to PNG with attributes, and hostile specs end with a verdict within the
 * timeout while the renderer keeps serving.
 */
import { strict as assert } from 'node:assert';
import { ChartRenderer } from '../../../../src/worker/chart/renderer';
import { rankChartGroup } from '../../../../src/worker/chart/rankCharts';

const values = [{ a: 'A', b: 3, c: 'x' }, { a: 'B', b: 5, c: 'y' }, { a: 'C', b: 2, c: 'x' }];
const bar = { title: 'Sales', data: { values }, mark: 'bar', encoding: { x: { field: 'a', type: 'nominal' }, y: { field: 'b', type: 'quantitative' }, color: { field: 'c' } } };
const fence = (s: unknown): string => '```json\n' + JSON.stringify(s) + '\n```';

describe('chart renderer (forked child)', function () {
  this.timeout(180000);
  const renderer = new ChartRenderer({ timeoutMs: 60000, maxHeapMb: 256, processes: 1 });
  after(() => renderer.dispose());

  async function stillServes(): Promise<void> {
    const r = await renderer.render(bar);
    assert.ok(r.ok, `renderer still serves: ${JSON.stringify(!r.ok && r.error)}`);
  }

  it('renders Vega-Lite to a PNG with text (shipped font) and reads the scenegraph', async () => {
    const r = await renderer.render(bar, { rgba: true });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    assert.deepEqual([...r.png!.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    assert.equal(r.rgba!.length, r.width * r.height * 4);
    assert.equal(r.features!.gray.length, 256 * 192);
    const a = r.attributes;
    assert.deepEqual(a.texts.title, ['Sales']);
    assert.deepEqual(a.texts.axisTitle, ['a', 'b']);
    assert.deepEqual(a.texts.legendLabel, ['x', 'y']);
    assert.deepEqual(a.types, ['bar']);
    assert.equal(a.markCounts.bar, 3);
    assert.deepEqual(a.colors.sort(), ['bar--#4c78a8', 'bar--#f58518']);
    assert.deepEqual(a.numbers, [2, 3, 5]);
    assert.deepEqual(a.layout, [{ nrows: 1, ncols: 1, row0: 0, row1: 0, col0: 0, col1: 0 }]);
    // Title pixels: with no font resvg would draw no text at all; the top rows must hold dark glyph pixels.
    let dark = 0;
    for (let i = 0; i < r.width * 20 * 4; i += 4) if (r.rgba![i]! < 100) dark++;
    assert.ok(dark > 20, `title glyphs drawn (${dark} dark pixels)`);
  });

  it('skips the PNG and the visual features when asked (nobody reads them), with the same attributes', async () => {
    const full = await renderer.render(bar);
    const lean = await renderer.render(bar, { png: false, features: false });
    assert.ok(full.ok && lean.ok);
    assert.equal(lean.png, undefined);
    assert.equal(lean.features, undefined);
    assert.deepEqual(lean.attributes, full.attributes);
    assert.deepEqual([lean.width, lean.height], [full.width, full.height]);
  });

  it('reads facets, concatenation and layers', async () => {
    const facet = await renderer.render({ data: { values }, facet: { column: { field: 'c' } }, spec: { mark: 'bar', encoding: { x: { field: 'a' }, y: { field: 'b', type: 'quantitative' } } } });
    assert.ok(facet.ok);
    assert.deepEqual(facet.attributes.layout.map((c) => [c.nrows, c.ncols, c.col0]), [[1, 2, 0], [1, 2, 1]]);
    assert.ok(facet.attributes.layoutFacts.includes('facet'));
    const concat = await renderer.render({ data: { values }, vconcat: [{ mark: 'bar', encoding: { x: { field: 'a' }, y: { field: 'b', type: 'quantitative' } } }, { mark: 'point', encoding: { x: { field: 'a' }, y: { field: 'b', type: 'quantitative' } } }] });
    assert.ok(concat.ok);
    assert.deepEqual(concat.attributes.layout.map((c) => [c.nrows, c.ncols, c.row0]), [[2, 1, 0], [2, 1, 1]]);
    assert.deepEqual(concat.attributes.types.sort(), ['bar', 'point']);
    const layer = await renderer.render({ data: { values }, layer: [{ mark: 'bar', encoding: { x: { field: 'a' }, y: { field: 'b', type: 'quantitative' } } }, { mark: 'line', encoding: { x: { field: 'a' }, y: { field: 'b', type: 'quantitative' } } }] });
    assert.ok(layer.ok);
    assert.ok(layer.attributes.layoutFacts.includes('layers:2'));
    assert.deepEqual(layer.attributes.types.sort(), ['bar', 'line']);
  });

  it('a huge sequence ends with a timeout or out-of-memory verdict, then the renderer serves again', async () => {
    const huge = { data: { sequence: { start: 0, stop: 3e7, as: 'x' } }, mark: 'point', encoding: { x: { field: 'x', type: 'quantitative' } } };
    const startsBefore = renderer.starts;
    const t0 = Date.now();
    const r = await renderer.render(huge, { timeoutMs: 4000 });
    assert.equal(r.ok, false);
    assert.ok(!r.ok && ['chart_timeout', 'chart_render'].includes(r.error.code), JSON.stringify(!r.ok && r.error));
    assert.ok(Date.now() - t0 < 4000 + 5000, 'verdict arrives by the timeout');
    await stillServes();
    assert.equal(renderer.starts, startsBefore + 1, 'one fresh child was started');
  });

  it('the child rejects url/href in the compiled spec even if the parent check was skipped', async () => {
    const r = await renderer.render({ data: { url: 'https://example.com/x.csv' }, mark: 'bar', encoding: { x: { field: 'a' } } });
    assert.ok(!r.ok && r.error.code === 'chart_network', JSON.stringify(r));
    const img = await renderer.render({ data: { values: [{ u: 'http://example.com/x.png' }] }, mark: 'image', encoding: { url: { field: 'u' } } });
    assert.ok(!img.ok && img.error.code === 'chart_network', JSON.stringify(img));
    await stillServes();
  });

  it('oversized and invalid specs get verdicts', async () => {
    const big = await renderer.render({ width: 100000, height: 100000, data: { values }, mark: 'bar', encoding: { x: { field: 'a' } } });
    assert.ok(!big.ok && big.error.code === 'chart_render', JSON.stringify(big));
    const bad = await renderer.render({ data: { values }, mark: 'barz' });
    assert.ok(!bad.ok && bad.error.code === 'chart_parse', JSON.stringify(bad));
    await stillServes();
  });

  it('hostile candidates through rankChartGroup: every one has a verdict and the group still ranks', async () => {
    const deep = '{"mark": "bar", "x": ' + '['.repeat(5000) + ']'.repeat(5000) + '}';
    const candidates = [
      fence({ data: { sequence: { start: 0, stop: 5e7, as: 'x' } }, mark: 'point', encoding: { x: { field: 'x', type: 'quantitative' } } }),
      deep,
      fence({ ...bar, data: { url: 'https://example.com/data.csv' } }),
      fence({ ...bar, data: { url: 'file:///etc/passwd', format: { type: 'csv' } } }),
      fence({ data: { values: [{ u: 'https://example.com/cat.png' }] }, mark: 'image', encoding: { url: { field: 'u' } } }),
      fence({ $schema: 'https://vega.github.io/schema/vega/v6.json', marks: [{ type: 'image', encode: { enter: { url: { value: 'https://example.com/cat.png' } } } }] }),
      fence(bar),
    ];
    const out = await rankChartGroup({ group: 'hostile', candidates }, { renderer, timeoutMs: 15000 });
    const codes = out.candidates.map((c) => c.error?.code ?? 'ok');
    assert.ok(['chart_timeout', 'chart_render'].includes(codes[0]!), codes[0]);
    assert.deepEqual(codes.slice(1), ['chart_parse', 'chart_network', 'chart_network', 'chart_network', 'chart_network', 'ok']);
    const good = out.candidates[6]!;
    assert.equal(good.rank, 1);
    assert.ok(good.total > 0);
    for (const c of out.candidates.slice(0, 6)) { assert.equal(c.total, 0); assert.equal(c.rewards.executes, 0); }
  });
});
