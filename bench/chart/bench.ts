/**
 * Chart ranking benchmark: 8 Vega-Lite candidates per group scored against a reference image (PNG), the way the
 * chart-to-code task runs. Prints one table:
 *   after      the shipped pipeline, warm (2 renderer child processes): p50/p90 per group over --reps groups
 *   before     the pipeline as it was before the issue 14 speed-ups (commit --before, default e28fc16), taken from
 *              git into a temporary folder and run in the same process, warm, with its own 2 children
 *   The two are interleaved group by group, so they see the same machine load; CPU ms counts every process.
 *   (also: the shipped pipeline with one child, the Vega stages inside the child, a cold start, and with
 *   --fresh-reps N the naive pipeline of a fresh renderer process per candidate)
 * Usage: npx tsx bench/chart/bench.ts [--reps N] [--before REV] [--fresh-reps N]
 */
import { execSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { ChartRenderer, type RenderOutcome } from '../../src/worker/chart/renderer';
import { rankChartGroup } from '../../src/worker/chart/rankCharts';
import { benchCandidates } from '../../test/unit/worker/chart/rewardsBeforeAfter';

const argStr = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
};
const arg = (name: string, dflt: number): number => Number(argStr(name, String(dflt))) || dflt;
const REPS = arg('--reps', 15);
const FRESH_REPS = Number(argStr('--fresh-reps', '0')) || 0;
const BEFORE_REV = argStr('--before', 'e28fc16');

const ROOT = path.resolve(__dirname, '../..');
const FIX = path.join(ROOT, 'test/fixtures/chart');
const DATA = path.join(FIX, 'sales.csv');

type Pipeline = { ChartRenderer: typeof ChartRenderer; rankChartGroup: typeof rankChartGroup };

/** The chart pipeline of an older commit: its src/ from git into a temporary folder that borrows node_modules. */
async function pipelineAt(rev: string): Promise<{ pipeline: Pipeline; dir: string } | null> {
  try {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-bench-before-'));
    execSync(`git archive --format=tar ${rev} src package.json | tar -x -C ${JSON.stringify(dir)}`, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    for (const link of ['node_modules', 'media']) fs.symlinkSync(path.join(ROOT, link), path.join(dir, link));
    const renderer = (await import(path.join(dir, 'src/worker/chart/renderer.ts'))) as { ChartRenderer: typeof ChartRenderer };
    const rank = (await import(path.join(dir, 'src/worker/chart/rankCharts.ts'))) as { rankChartGroup: typeof rankChartGroup };
    return { pipeline: { ChartRenderer: renderer.ChartRenderer, rankChartGroup: rank.rankChartGroup }, dir };
  } catch (e) {
    console.error(`no "before" pipeline (${rev}): ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
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
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))]!;
};
const f0 = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) : '-');

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
  const cands = benchCandidates();
  const opts = { timeoutMs: 60000, startTimeoutMs: 180000 };
  // The reference image: the reference spec rendered by the renderer (a chart-to-code task gives a PNG).
  const group = { group: 'bench', candidates: cands, referenceImage: new Uint8Array(fs.readFileSync(path.join(FIX, 'reference.png'))), dataPath: DATA };
  const before = await pipelineAt(BEFORE_REV);

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

  const single = new ChartRenderer({ ...opts, processes: 1 });
  await rankChartGroup(group, { renderer: single, ...opts });
  const beforeRenderer = before ? new before.pipeline.ChartRenderer(opts) : null;
  let beforeOut: Awaited<ReturnType<typeof rankChartGroup>> | null = null;
  if (before && beforeRenderer) beforeOut = await before.pipeline.rankChartGroup(group, { renderer: beforeRenderer, ...opts });

  const rows = { after: [] as number[], afterCpu: [] as number[], one: [] as number[], oneCpu: [] as number[], before: [] as number[], beforeCpu: [] as number[], fresh: [] as number[] };
  const stages = { after: [] as number[][], before: [] as number[][] };
  const timed = async (r: ChartRenderer, run: () => Promise<Awaited<ReturnType<typeof rankChartGroup>>>, ms: number[], cpu: number[], st: number[][]): Promise<Awaited<ReturnType<typeof rankChartGroup>>> => {
    const c0 = cpuMs(r.pids);
    const t = performance.now();
    const o = await run();
    ms.push(performance.now() - t);
    cpu.push(cpuMs(r.pids) - c0);
    for (const c of o.candidates) if (c.stages) st.push(Object.values(c.stages as Record<string, number>));
    return o;
  };
  for (let i = 0; i < REPS; i++) {
    // Interleaved, alternating which goes first, so that both see the same load.
    const runAfter = async (): Promise<void> => { out = await timed(renderer, () => rankChartGroup(group, { renderer, ...opts }), rows.after, rows.afterCpu, stages.after); };
    const runBefore = async (): Promise<void> => {
      if (before && beforeRenderer) beforeOut = await timed(beforeRenderer as ChartRenderer, () => before.pipeline.rankChartGroup(group, { renderer: beforeRenderer, ...opts }), rows.before, rows.beforeCpu, stages.before);
    };
    if (i % 2) { await runBefore(); await runAfter(); } else { await runAfter(); await runBefore(); }
    await timed(single, () => rankChartGroup(group, { renderer: single, ...opts }), rows.one, rows.oneCpu, []);
    if (rows.fresh.length < FRESH_REPS && i >= Math.floor(REPS / 2) - 1) {
      t0 = performance.now();
      await rankChartGroup(group, { renderer: new FreshProcessPerCandidate({ ...opts, processes: 1 }), ...opts });
      rows.fresh.push(performance.now() - t0);
    }
  }
  renderer.dispose();
  single.dispose();
  beforeRenderer?.dispose();
  if (before) fs.rmSync(before.dir, { recursive: true, force: true });

  const same = beforeOut ? JSON.stringify(beforeOut.candidates.map((c) => [c.rewards, c.total, c.rank])) === JSON.stringify(out.candidates.map((c) => [c.rewards, c.total, c.rank])) : null;
  const ranking = out.candidates.slice().sort((a, b) => a.rank - b.rank).map((c) => `${c.index}:${c.total.toFixed(3)}`).join(' ');
  const stageP50 = (st: number[][]): string => (st.length ? [0, 1, 2, 3].map((k) => pct(st.map((x) => x[k]!), 0.5).toFixed(0)).join(' / ') : '-');
  const table: string[][] = [
    ['pipeline', 'groups', 'p50 ms/group', 'p90 ms/group', 'p50 ms / candidate', 'CPU ms/group (p50, all processes)'],
    [`after: warm renderer, ${procs} child processes (shipped)`, String(rows.after.length), f0(pct(rows.after, 0.5)), f0(pct(rows.after, 0.9)), (pct(rows.after, 0.5) / cands.length).toFixed(1), f0(pct(rows.afterCpu, 0.5))],
    [`before (${BEFORE_REV}): warm renderer, ${procs} child processes`, String(rows.before.length), f0(pct(rows.before, 0.5)), f0(pct(rows.before, 0.9)), (pct(rows.before, 0.5) / cands.length).toFixed(1), f0(pct(rows.beforeCpu, 0.5))],
    ['  in the child, p50 ms: VL compile+parse / dataflow / SVG / raster+PNG+features (after; before)', '', '', '', `${stageP50(stages.after)}; ${stageP50(stages.before)}`, ''],
    ['after: warm renderer, 1 child process', String(rows.one.length), f0(pct(rows.one, 0.5)), f0(pct(rows.one, 0.9)), (pct(rows.one, 0.5) / cands.length).toFixed(1), f0(pct(rows.oneCpu, 0.5))],
    ['cold: child start only', '1', f0(childStart), '-', '-', '-'],
    ['cold: child start + first group', '1', f0(coldFirst), '-', '-', '-'],
    ...(FRESH_REPS ? [['naive: a fresh renderer process per candidate', String(rows.fresh.length), f0(pct(rows.fresh, 0.5)), f0(pct(rows.fresh, 0.9)), (pct(rows.fresh, 0.5) / cands.length).toFixed(0), '-']] : []),
  ];
  const w = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  const line = (r: string[]): string => r.map((x, c) => (c === 0 ? x.padEnd(w[c]!) : x.padStart(w[c]!))).join(' | ');
  console.log(`chart ranking, 8 Vega-Lite candidates vs a ${out.candidates[0]!.width}x${out.candidates[0]!.height} reference PNG; ${os.cpus().length} cores, load avg ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} (at the end; the machine may be shared); node ${process.version}`);
  console.log(line(table[0]!));
  console.log(w.map((n) => '-'.repeat(n)).join('-|-'));
  for (const r of table.slice(1)) console.log(line(r));
  console.log(`speed-up after vs before: ${(pct(rows.before, 0.5) / pct(rows.after, 0.5)).toFixed(2)}x wall, ${(pct(rows.beforeCpu, 0.5) / pct(rows.afterCpu, 0.5)).toFixed(2)}x CPU; rewards, totals and ranks identical: ${same === null ? 'n/a' : same ? 'yes' : 'NO'}; ranking (index:total): ${ranking}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
