/**
 * Chart ranking benchmark: 8 Vega-Lite candidates per group scored against a reference image (PNG), the way the
 * chart-to-code task runs, PNGs inline as the panel asks for them. Prints one table (see bench/chart/README.md):
 *   after      this tree's pipeline, warm (2 renderer child processes): p50/p90 per group over --reps groups
 *   before     the pipeline at each commit of --before (default e28fc16 = before issue 14's speed-ups, b26ffb9 =
 *              after the first round of them), taken from git into a temporary folder and run in the same process,
 *              warm, each with its own 2 children
 *   All are interleaved group by group, the order rotating, so they see the same machine load; CPU ms counts every
 *   process; the load average is printed at the start and the end. Also: this tree with one child, the stages inside
 *   the child, a cold start, and with --fresh-reps N the naive pipeline of a fresh renderer process per candidate.
 *   Each "before" line says whether its rewards, totals, ranks, advantages and SSIM/histogram equal this tree's.
 * Usage: npx tsx bench/chart/bench.ts [--reps N] [--before REV,REV] [--fresh-reps N]
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
const BEFORE_REVS = argStr('--before', 'e28fc16,b26ffb9').split(',').filter(Boolean);

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

interface Row {
  label: string;
  pipeline: Pipeline;
  renderer: ChartRenderer;
  ms: number[];
  cpu: number[];
  stages: number[][];
  out: Awaited<ReturnType<typeof rankChartGroup>> | null;
}

async function main(): Promise<void> {
  const loadStart = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const cands = benchCandidates();
  const opts = { timeoutMs: 60000, startTimeoutMs: 180000 };
  // The reference image: the reference spec rendered by the renderer (a chart-to-code task gives a PNG).
  const group = { group: 'bench', candidates: cands, referenceImage: new Uint8Array(fs.readFileSync(path.join(FIX, 'reference.png'))), dataPath: DATA };
  const befores: Array<{ rev: string; pipeline: Pipeline; dir: string }> = [];
  for (const rev of BEFORE_REVS) {
    const b = await pipelineAt(rev);
    if (b) befores.push({ rev, ...b });
  }

  // Cold: new renderer, child start, first group.
  let t0 = performance.now();
  const renderer = new ChartRenderer(opts);
  await renderer.start();
  const childStart = performance.now() - t0;
  const procs = renderer.processes;
  const first = await rankChartGroup(group, { renderer, ...opts });
  const coldFirst = performance.now() - t0;
  const errors = first.candidates.filter((c) => c.error).map((c) => c.error!.code);
  if (errors.length) throw new Error(`candidates failed: ${errors.join(', ')}`);

  const rows: Row[] = [
    { label: `after (this tree): warm renderer, ${procs} child processes`, pipeline: { ChartRenderer, rankChartGroup }, renderer, ms: [], cpu: [], stages: [], out: first },
    ...befores.map((b) => ({ label: `before (${b.rev}): warm renderer, ${procs} child processes`, pipeline: b.pipeline, renderer: new b.pipeline.ChartRenderer(opts), ms: [], cpu: [], stages: [], out: null })),
  ];
  for (const r of rows.slice(1)) r.out = await r.pipeline.rankChartGroup(group, { renderer: r.renderer, ...opts }); // warm
  const single = new ChartRenderer({ ...opts, processes: 1 });
  await rankChartGroup(group, { renderer: single, ...opts });
  const one = { ms: [] as number[], cpu: [] as number[] }, fresh: number[] = [];

  const timed = async (r: ChartRenderer, run: () => Promise<Awaited<ReturnType<typeof rankChartGroup>>>, ms: number[], cpu: number[], st: number[][] | null): Promise<Awaited<ReturnType<typeof rankChartGroup>>> => {
    const c0 = cpuMs(r.pids);
    const t = performance.now();
    const o = await run();
    ms.push(performance.now() - t);
    cpu.push(cpuMs(r.pids) - c0);
    if (st) for (const c of o.candidates) if (c.stages) st.push(Object.values(c.stages as Record<string, number>));
    return o;
  };
  for (let i = 0; i < REPS; i++) {
    // Interleaved group by group, the order rotating, so that every pipeline sees the same load.
    for (let k = 0; k < rows.length; k++) {
      const r = rows[(i + k) % rows.length]!;
      r.out = await timed(r.renderer, () => r.pipeline.rankChartGroup(group, { renderer: r.renderer, ...opts }), r.ms, r.cpu, r.stages);
    }
    await timed(single, () => rankChartGroup(group, { renderer: single, ...opts }), one.ms, one.cpu, null);
    if (fresh.length < FRESH_REPS && i >= Math.floor(REPS / 2) - 1) {
      t0 = performance.now();
      await rankChartGroup(group, { renderer: new FreshProcessPerCandidate({ ...opts, processes: 1 }), ...opts });
      fresh.push(performance.now() - t0);
    }
  }
  for (const r of rows) r.renderer.dispose();
  single.dispose();
  for (const b of befores) fs.rmSync(b.dir, { recursive: true, force: true });

  const after = rows[0]!;
  const key = (o: Row['out']): string => JSON.stringify(o!.candidates.map((c) => [c.rewards, c.total, c.rank, c.advantage, c.visualDetail ?? null]));
  const ranking = after.out!.candidates.slice().sort((a, b) => a.rank - b.rank).map((c) => `${c.index}:${c.total.toFixed(3)}`).join(' ');
  const stageP50 = (st: number[][]): string => (st.length ? [0, 1, 2, 3].map((k) => pct(st.map((x) => x[k]!), 0.5).toFixed(0)).join(' / ') : '-');
  const table: string[][] = [
    ['pipeline', 'groups', 'p50 ms/group', 'p90 ms/group', 'p50 ms / candidate', 'CPU ms/group (p50, all processes)', 'in the child, p50 ms: compile+parse / dataflow / SVG / raster+PNG+features'],
    ...rows.map((r) => [r.label, String(r.ms.length), f0(pct(r.ms, 0.5)), f0(pct(r.ms, 0.9)), (pct(r.ms, 0.5) / cands.length).toFixed(1), f0(pct(r.cpu, 0.5)), stageP50(r.stages)]),
    [`after: warm renderer, 1 child process`, String(one.ms.length), f0(pct(one.ms, 0.5)), f0(pct(one.ms, 0.9)), (pct(one.ms, 0.5) / cands.length).toFixed(1), f0(pct(one.cpu, 0.5)), ''],
    ['cold: child start only', '1', f0(childStart), '-', '-', '-', ''],
    ['cold: child start + first group', '1', f0(coldFirst), '-', '-', '-', ''],
    ...(FRESH_REPS ? [['naive: a fresh renderer process per candidate', String(fresh.length), f0(pct(fresh, 0.5)), f0(pct(fresh, 0.9)), (pct(fresh, 0.5) / cands.length).toFixed(0), '-', '']] : []),
  ];
  const w = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  const line = (r: string[]): string => r.map((x, c) => (c === 0 ? x.padEnd(w[c]!) : x.padStart(w[c]!))).join(' | ');
  const loadEnd = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`chart ranking, 8 Vega-Lite candidates vs a ${after.out!.candidates[0]!.width}x${after.out!.candidates[0]!.height} reference PNG, PNGs inline (the panel's request); ${os.cpus().length} cores; load average ${loadStart} at the start, ${loadEnd} at the end (/proc/loadavg: 1, 5, 15 min); node ${process.version}`);
  console.log(line(table[0]!));
  console.log(w.map((n) => '-'.repeat(n)).join('-|-'));
  for (const r of table.slice(1)) console.log(line(r));
  for (const r of rows.slice(1)) {
    console.log(`after vs ${r.label.split(':')[0]}: ${(pct(r.ms, 0.5) / pct(after.ms, 0.5)).toFixed(2)}x wall (p50), ${(pct(r.cpu, 0.5) / pct(after.cpu, 0.5)).toFixed(2)}x CPU; rewards, totals, ranks, advantages and SSIM/histogram identical: ${key(r.out) === key(after.out) ? 'yes' : 'NO'}`);
  }
  console.log(`ranking (index:total): ${ranking}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
