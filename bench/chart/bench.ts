/**
 * Chart ranking benchmark: 8 Vega-Lite candidates per group scored against a reference image (PNG), the way the
 * chart-to-code task runs. Prints one table:
 *   warm       one long-lived renderer child (the shipped pipeline): p50/p90 per group over --reps groups
 *   cold       a new renderer (child start + vega/resvg-wasm load + fonts) and its first group
 *   baseline   the naive pipeline measured in the same run: a fresh renderer process per candidate
 *   The warm rows and the baseline are interleaved group by group, so they see the same machine load.
 *   (also: the warm pipeline with one child process, and the Vega stages inside the child)
 * Usage: npx tsx bench/chart/bench.ts [--reps N] [--baseline-reps N]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { ChartRenderer, type RenderOutcome } from '../../src/worker/chart/renderer';
import { rankChartGroup } from '../../src/worker/chart/rankCharts';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) || dflt : dflt;
};
const REPS = arg('--reps', 15);
const BASELINE_REPS = arg('--baseline-reps', 1);

const FIX = path.resolve(__dirname, '../../test/fixtures/chart');
const DATA = path.join(FIX, 'sales.csv');
const ref = JSON.parse(fs.readFileSync(path.join(FIX, 'reference.vl.json'), 'utf8')) as Record<string, any>;
const clone = (): Record<string, any> => JSON.parse(JSON.stringify(ref)) as Record<string, any>;
const fence = (s: unknown): string => '```json\n' + JSON.stringify(s, null, 2) + '\n```';

function candidates(): string[] {
  const v = (f: (s: Record<string, any>) => void): string => { const s = clone(); f(s); return fence(s); };
  return [
    fence(ref),
    v((s) => { delete s.encoding.color.scale; }),
    v((s) => { delete s.title; }),
    v((s) => { s.mark = 'line'; delete s.encoding.xOffset; }),
    v((s) => { s.mark = 'point'; }),
    v((s) => { s.encoding.x = { ...s.encoding.y }; s.encoding.y = { field: 'quarter', type: 'nominal' }; delete s.encoding.xOffset; s.encoding.yOffset = { field: 'region' }; }),
    v((s) => { s.mark = 'area'; delete s.encoding.xOffset; }),
    v((s) => { s.title = 'Revenue'; s.width = 400; s.height = 260; }),
  ];
}

const TICK_MS = 10; // /proc clock ticks (USER_HZ 100 on Linux)
/** CPU ms (user + system) used so far by these pids (children) plus this process. */
function cpuMs(pids: number[]): number {
  let ms = 0;
  for (const pid of pids) {
    try {
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ms += (Number(f[11]) + Number(f[12])) * TICK_MS; // utime, stime (fields 14, 15)
    } catch {
      /* not Linux, or the child is gone */
    }
  }
  const u = process.cpuUsage();
  return ms + (u.user + u.system) / 1000;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))]!;
};

/** The naive pipeline: every render starts (and ends) its own renderer process. */
class FreshProcessPerCandidate extends ChartRenderer {
  override async render(spec: unknown, opts: Parameters<ChartRenderer['render']>[1] = {}): Promise<RenderOutcome> {
    const r = new ChartRenderer({ processes: 1, startTimeoutMs: 180000 });
    try {
      return await r.render(spec, opts);
    } finally {
      r.dispose();
    }
  }
}

async function main(): Promise<void> {
  const cands = candidates();
  const opts = { timeoutMs: 60000, startTimeoutMs: 180000 };
  // The reference image: the reference spec rendered once (a chart-to-code task gives a PNG).
  const refOut = await (async () => {
    const r = new ChartRenderer(opts);
    try {
      const g = await rankChartGroup({ group: 'ref', candidates: [fence(ref)], dataPath: DATA }, { renderer: r });
      return Buffer.from(g.candidates[0]!.png as string, 'base64');
    } finally {
      r.dispose();
    }
  })();
  const group = { group: 'bench', candidates: cands, referenceImage: new Uint8Array(refOut), dataPath: DATA };

  // Cold: new renderer, child start, first group.
  let t0 = performance.now();
  const renderer = new ChartRenderer(opts);
  await renderer.start();
  const childStart = performance.now() - t0;
  const procs = renderer.processes;
  let out = await rankChartGroup(group, { renderer, ...opts });
  const coldFirst = performance.now() - t0;
  const errors = out.candidates.filter((c) => c.error).map((c) => c.error!.code);
  if (errors.length) throw new Error(`candidates failed: ${errors.join(', ')}`);

  // Warm: the shipped pool (2 processes) and a single process, interleaved group by group so that both see the
  // same machine load; the baseline runs in the middle of the same loop.
  const single = new ChartRenderer({ ...opts, processes: 1 });
  await rankChartGroup(group, { renderer: single, ...opts });
  const warm: number[] = [];
  const warmCpu: number[] = [];
  const warm1: number[] = [];
  const warm1Cpu: number[] = [];
  const base: number[] = [];
  const renderMs: number[] = [];
  const stages: Record<string, number[]> = { compileMs: [], runMs: [], svgMs: [], rasterMs: [] };
  for (let i = 0; i < REPS; i++) {
    let c0 = cpuMs(renderer.pids);
    t0 = performance.now();
    out = await rankChartGroup(group, { renderer, ...opts });
    warm.push(performance.now() - t0);
    warmCpu.push(cpuMs(renderer.pids) - c0);
    renderMs.push(...out.candidates.map((c) => c.renderMs as number));
    for (const c of out.candidates) for (const [k, v] of Object.entries(c.stages as Record<string, number>)) stages[k]!.push(v);
    c0 = cpuMs(single.pids);
    t0 = performance.now();
    await rankChartGroup(group, { renderer: single, ...opts });
    warm1.push(performance.now() - t0);
    warm1Cpu.push(cpuMs(single.pids) - c0);
    if (base.length < BASELINE_REPS && i >= Math.floor(REPS / 2) - 1) {
      // Baseline: the naive pipeline, a fresh renderer process per candidate.
      t0 = performance.now();
      await rankChartGroup(group, { renderer: new FreshProcessPerCandidate({ ...opts, processes: 1 }), ...opts });
      base.push(performance.now() - t0);
    }
  }
  renderer.dispose();
  single.dispose();

  const ranking = out.candidates.slice().sort((a, b) => a.rank - b.rank).map((c) => `${c.index}:${c.total.toFixed(3)}`).join(' ');
  const load = os.loadavg()[0]!.toFixed(1);
  const rows: Array<[string, string, string, string, string, string]> = [
    ['pipeline', 'groups', 'p50 ms/group', 'p90 ms/group', 'p50 / 8 candidates', 'CPU ms/group (p50, all processes)'],
    [`warm renderer, ${procs} child processes (shipped)`, String(REPS), warm.length ? pct(warm, 0.5).toFixed(0) : '-', pct(warm, 0.9).toFixed(0), (pct(warm, 0.5) / cands.length).toFixed(1), pct(warmCpu, 0.5).toFixed(0)],
    ['  per candidate p50: latency; in child: VL compile+parse / dataflow / SVG / resvg+PNG+features', '', '', '', `${pct(renderMs, 0.5).toFixed(0)}; ${Object.values(stages).map((v) => pct(v, 0.5).toFixed(0)).join(' / ')}`, ''],
    ['warm renderer, 1 child process', String(REPS), pct(warm1, 0.5).toFixed(0), pct(warm1, 0.9).toFixed(0), (pct(warm1, 0.5) / cands.length).toFixed(1), pct(warm1Cpu, 0.5).toFixed(0)],
    ['cold: child start only', '1', childStart.toFixed(0), '-', '-', '-'],
    ['cold: child start + first group', '1', coldFirst.toFixed(0), '-', '-', '-'],
    ['baseline: fresh process per candidate', String(BASELINE_REPS), pct(base, 0.5).toFixed(0), pct(base, 0.9).toFixed(0), (pct(base, 0.5) / cands.length).toFixed(0), '-'],
  ];
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]): string => r.map((x, c) => (c === 0 ? x.padEnd(w[c]!) : x.padStart(w[c]!))).join(' | ');
  console.log(`chart ranking, 8 Vega-Lite candidates vs a ${out.candidates[0]!.width}x${out.candidates[0]!.height} reference PNG; ${os.cpus().length} cores, load avg ${load}; node ${process.version}`);
  console.log(line(rows[0]!));
  console.log(w.map((n) => '-'.repeat(n)).join('-|-'));
  for (const r of rows.slice(1)) console.log(line(r));
  console.log(`speed-up warm vs baseline: ${(pct(base, 0.5) / pct(warm, 0.5)).toFixed(1)}x; ranking (index:total): ${ranking}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
