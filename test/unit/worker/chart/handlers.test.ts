/** The worker methods `chart.rank` and `chart.render` as the worker's dispatcher calls them. */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { chartHandlers, disposeChartHandlers } from '../../../../src/worker/handlers/chart';
import type { HandlerContext } from '../../../../src/worker/handlers/types';
import type { ChartCandidateProgress, ChartRenderResult } from '../../../../src/core/chart/protocol';
import type { RankOutput } from '../../../../src/core/ranking';

const FIX = path.resolve(__dirname, '../../../fixtures/chart');

function ctx(progress: unknown[] = []): HandlerContext {
  return { signal: new AbortController().signal, progress: (d) => progress.push(d), log: () => undefined };
}

describe('chart worker methods', function () {
  this.timeout(120000);
  after(() => disposeChartHandlers());

  it('chart.rank streams one progress message per candidate and returns {groups}', async () => {
    const spec = (mark: string): string => JSON.stringify({ data: { url: 'sales.csv' }, mark, encoding: { x: { field: 'quarter', type: 'nominal' }, y: { field: 'revenue', type: 'quantitative' } } });
    const progress: ChartCandidateProgress[] = [];
    const out = (await chartHandlers['chart.rank']!(
      { groups: [{ group: 'g1', candidates: [spec('bar'), spec('line'), 'not a chart'], dataPath: path.join(FIX, 'sales.csv') }], timeoutMs: 60000 },
      ctx(progress),
    )) as RankOutput;
    assert.equal(out.groups.length, 1);
    const [bar, line, bad] = out.groups[0]!.candidates;
    assert.equal(bad!.error?.code, 'chart_parse');
    assert.equal(bar!.error, null, JSON.stringify(bar!.error));
    assert.equal(typeof bar!.png, 'string');
    assert.ok(bar!.total > 0 && line!.total > 0);
    assert.deepEqual(progress.map((p) => p.index).sort(), [0, 1, 2]);
    assert.ok(progress.every((p) => p.group === 'g1'));
  });

  it('chart.rank rejects malformed params with bad_request', async () => {
    await assert.rejects(chartHandlers['chart.rank']!({ groups: [{ group: 1 }] }, ctx()), (e: { code?: string }) => e.code === 'bad_request');
  });

  it('chart.render returns a PNG and attributes, or a verdict', async () => {
    const ok = (await chartHandlers['chart.render']!({ spec: { title: 'T', data: { values: [{ a: 1 }] }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' } } }, timeoutMs: 60000 }, ctx())) as ChartRenderResult;
    assert.ok(ok.ok);
    assert.ok(ok.png.length > 100);
    assert.deepEqual(ok.attributes.texts.title, ['T']);
    const net = (await chartHandlers['chart.render']!({ spec: '{"data": {"url": "https://example.com/x.csv"}, "mark": "bar"}' }, ctx())) as ChartRenderResult;
    assert.ok(!net.ok && net.error.code === 'chart_network');
  });
});
