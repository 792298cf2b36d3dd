/**
 * Groups whose rewards must not change when the chart pipeline is made faster (issue 14 item 5), and the stored
 * rewards the pipeline gave before (test/fixtures/chart/rewards-before.json, written by the commit named in it with
 * `npx tsx test/unit/worker/chart/rewardsBeforeAfter.ts --write`). The groups cover a reference image, a reference
 * spec, no reference, charts smaller and larger than the visual metric's 256x192, facets, layers, arcs, text marks
 * and a transparent background.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { ChartGroupInput } from '../../../../src/worker/chart/rankCharts';

export const FIX = path.resolve(__dirname, '../../../fixtures/chart');
export const BEFORE_FILE = path.join(FIX, 'rewards-before.json');
const DATA = path.join(FIX, 'sales.csv');

const ref = (): Record<string, any> => JSON.parse(fs.readFileSync(path.join(FIX, 'reference.vl.json'), 'utf8')) as Record<string, any>;
const fence = (s: unknown): string => '```json\n' + JSON.stringify(s, null, 2) + '\n```';

/** The bench's eight candidates (bench/chart/bench.ts): the reference and seven variations of it. */
export function benchCandidates(): string[] {
  const v = (f: (s: Record<string, any>) => void): string => { const s = ref(); f(s); return fence(s); };
  return [
    fence(ref()),
    v((s) => { delete s.encoding.color.scale; }),
    v((s) => { delete s.title; }),
    v((s) => { s.mark = 'line'; delete s.encoding.xOffset; }),
    v((s) => { s.mark = 'point'; }),
    v((s) => { s.encoding.x = { ...s.encoding.y }; s.encoding.y = { field: 'quarter', type: 'nominal' }; delete s.encoding.xOffset; s.encoding.yOffset = { field: 'region' }; }),
    v((s) => { s.mark = 'area'; delete s.encoding.xOffset; }),
    v((s) => { s.title = 'Revenue'; s.width = 400; s.height = 260; }),
  ];
}

function variedCandidates(): string[] {
  const enc = { x: { field: 'quarter', type: 'nominal' }, y: { field: 'revenue', type: 'quantitative' } };
  return [
    fence({ data: { url: 'sales.csv' }, width: 40, height: 30, mark: 'bar', encoding: enc }),
    fence({ data: { url: 'sales.csv' }, width: 700, height: 420, title: { text: ['Two', 'lines'] }, mark: 'point', encoding: { ...enc, color: { field: 'region' }, size: { field: 'revenue', type: 'quantitative' } } }),
    fence({ data: { url: 'sales.csv' }, facet: { column: { field: 'region' } }, spec: { mark: 'bar', encoding: enc } }),
    fence({ data: { url: 'sales.csv' }, layer: [{ mark: 'bar', encoding: enc }, { mark: { type: 'text', dy: -5 }, encoding: { ...enc, text: { field: 'revenue' } } }] }),
    fence({ data: { url: 'sales.csv' }, mark: 'arc', encoding: { theta: { field: 'revenue', type: 'quantitative', aggregate: 'sum' }, color: { field: 'quarter' } } }),
    fence({ data: { url: 'sales.csv' }, background: 'transparent', mark: { type: 'area', opacity: 0.4 }, encoding: { ...enc, color: { field: 'region' } } }),
    fence({ data: { url: 'sales.csv' }, mark: 'rect', encoding: { x: { field: 'quarter' }, y: { field: 'region' }, color: { field: 'revenue', type: 'quantitative' } } }),
    '{"mark": "bar", "encoding": ',
  ];
}

/** The groups, given the reference PNG (test/fixtures/chart/reference.png). */
export function beforeAfterGroups(): ChartGroupInput[] {
  const refPng = new Uint8Array(fs.readFileSync(path.join(FIX, 'reference.png')));
  const varied = variedCandidates();
  return [
    { group: 'bench-vs-image', candidates: benchCandidates(), referenceImage: refPng, dataPath: DATA },
    { group: 'bench-vs-spec', candidates: benchCandidates(), referenceSpec: ref(), dataPath: DATA },
    { group: 'varied-vs-spec', candidates: varied, referenceSpec: ref(), dataPath: DATA },
    { group: 'varied-vs-image', candidates: varied, referenceImage: refPng, dataPath: DATA },
    { group: 'varied-free', candidates: varied, dataPath: DATA },
  ];
}

export interface StoredGroup {
  group: string;
  weights: Record<string, number>;
  candidates: Array<{ rewards: Record<string, number>; total: number; rank: number; advantage: number; error: string | null; visualDetail?: unknown }>;
}

if (require.main === module && process.argv.includes('--write')) {
  void (async () => {
    const { ChartRenderer } = await import('../../../../src/worker/chart/renderer');
    const { rankChartGroup } = await import('../../../../src/worker/chart/rankCharts');
    const renderer = new ChartRenderer({ timeoutMs: 120000 });
    try {
      if (!fs.existsSync(path.join(FIX, 'reference.png'))) {
        const g = await rankChartGroup({ group: 'ref', candidates: [fence(ref())], dataPath: DATA }, { renderer });
        fs.writeFileSync(path.join(FIX, 'reference.png'), Buffer.from(g.candidates[0]!.png as string, 'base64'));
      }
      const groups: StoredGroup[] = [];
      for (const g of beforeAfterGroups()) {
        const out = await rankChartGroup(g, { renderer, timeoutMs: 120000, inlinePng: 'never' });
        groups.push({
          group: out.group,
          weights: out.weights,
          candidates: out.candidates.map((c) => ({
            rewards: c.rewards, total: c.total, rank: c.rank, advantage: c.advantage, error: c.error?.code ?? null,
            ...(c.visualDetail ? { visualDetail: c.visualDetail } : {}),
          })),
        });
      }
      const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: FIX, encoding: 'utf8' }).trim();
      fs.writeFileSync(BEFORE_FILE, JSON.stringify({ computedBy: `rankChartGroup at ${commit}, before the issue 14 speed-ups`, groups }, null, 1) + '\n');
      console.log(`wrote ${BEFORE_FILE}`);
    } finally {
      renderer.dispose();
    }
  })();
}
