import * as fs from 'fs';
import * as path from 'path';
import { workerHandlers } from './types';
import { CodedError } from '../../core/errors';
import type { ChartRankParams, ChartRenderParams, ChartRenderResult } from '../../core/chart/protocol';
import { parseDataFile } from '../../core/chart/csv';
import { assertNoExternalReferences, bindDataset, parseCandidate } from '../../core/chart/spec';
import { ChartRenderer } from '../chart/renderer';
import { rankCharts } from '../chart/rankCharts';
import { isJsonObject } from '../../core/guards';

/** One warm renderer child per worker, started on first use. */
let renderer: ChartRenderer | undefined;
function sharedRenderer(): ChartRenderer {
  return (renderer ??= new ChartRenderer());
}


function checkRankParams(p: unknown): ChartRankParams {
  if (!isJsonObject(p) || !Array.isArray(p.groups)) throw new CodedError('bad_request', 'chart.rank: params.groups must be an array');
  for (const g of p.groups) {
    if (!isJsonObject(g) || typeof g.group !== 'string' || !Array.isArray(g.candidates) || !g.candidates.every((c) => typeof c === 'string')) {
      throw new CodedError('bad_request', 'chart.rank: each group needs {group: string, candidates: string[]}');
    }
  }
  const mpl = p.matplotlib;
  if (isJsonObject(mpl) && mpl.hide !== undefined && !(Array.isArray(mpl.hide) && mpl.hide.every((h) => typeof h === 'string'))) {
    throw new CodedError('bad_request', 'chart.rank: params.matplotlib.hide must be an array of folder paths');
  }
  return p as unknown as ChartRankParams;
}

/** Worker methods of the chart task (see src/core/protocol/worker.ts). */
export const chartHandlers = workerHandlers({
  'chart.rank': async (params, ctx) => {
    const p = checkRankParams(params);
    return rankCharts(p.groups, {
      renderer: sharedRenderer(),
      signal: ctx.signal,
      ...(p.weights ? { weights: p.weights } : {}),
      ...(p.timeoutMs ? { timeoutMs: p.timeoutMs } : {}),
      ...(p.textVariant === 'per-role' ? { textVariant: 'per-role' as const } : {}),
      ...(p.scale ? { scale: p.scale } : {}),
      ...(p.matplotlib ? { matplotlib: p.matplotlib } : {}),
      ...(p.outDir ? { outDir: p.outDir } : {}),
      onCandidate: (group, index, evidence) => ctx.progress({ group, index, evidence }),
    });
  },
  'chart.render': async (params, ctx): Promise<ChartRenderResult> => {
    if (!isJsonObject(params) || (typeof params.spec !== 'string' && !isJsonObject(params.spec))) throw new CodedError('bad_request', 'chart.render: params.spec must be a string or an object');
    const p = params as unknown as ChartRenderParams;
    try {
      const parsed = parseCandidate(typeof p.spec === 'string' ? p.spec : JSON.stringify(p.spec));
      if (!parsed.spec) throw new CodedError('chart_parse', 'chart.render renders Vega-Lite and Vega specs only');
      const dataset = p.dataPath ? { name: path.basename(p.dataPath), values: parseDataFile(p.dataPath, fs.readFileSync(p.dataPath, 'utf8')) } : undefined;
      const spec = bindDataset(parsed.spec, dataset);
      assertNoExternalReferences(spec);
      const r = await sharedRenderer().render(spec, {
        language: parsed.language === 'vega' ? 'vega' : 'vega-lite', signal: ctx.signal,
        ...(p.scale ? { scale: p.scale } : {}), ...(p.timeoutMs ? { timeoutMs: p.timeoutMs } : {}),
      });
      if (!r.ok) return { ok: false, error: r.error };
      return { ok: true, png: Buffer.from(r.png ?? new Uint8Array()).toString('base64'), width: r.width, height: r.height, attributes: r.attributes, warnings: r.warnings };
    } catch (e) {
      if (e instanceof CodedError) return { ok: false, error: e.toInfo() };
      throw e;
    }
  },
});

/** Stops the renderer children (worker shutdown, tests). */
export function disposeChartHandlers(): void {
  renderer?.dispose();
  renderer = undefined;
}
