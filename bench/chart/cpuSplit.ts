/**
 * CPU per warm group of the bench's 8 candidates, split between this process (parse, bind, SSIM, ranking) and the
 * renderer children (/proc/<pid>/stat), with the wall time; GENTLE=1 exits without killing the children, so that a
 * child started with --cpu-prof writes its profile. Usage: npx tsx bench/chart/cpuSplit.ts [REPS]
 */
import * as fs from 'fs';
import * as path from 'path';
import { ChartRenderer } from '../../src/worker/chart/renderer';
import { rankChartGroup } from '../../src/worker/chart/rankCharts';
import { benchCandidates } from '../../test/unit/worker/chart/rewardsBeforeAfter';
const FIX = path.resolve(__dirname, '../../test/fixtures/chart');
const childMs = (pids: number[]) => pids.reduce((s, pid) => { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return s + (Number(f[11]) + Number(f[12])) * 10; }, 0);
const selfMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
async function main() {
  const renderer = new ChartRenderer({ timeoutMs: 60000, startTimeoutMs: 180000 });
  await renderer.start();
  const group = { group: 'bench', candidates: benchCandidates(), referenceImage: new Uint8Array(fs.readFileSync(path.join(FIX, 'reference.png'))), dataPath: path.join(FIX, 'sales.csv') };
  for (let i = 0; i < 3; i++) await rankChartGroup(group, { renderer });
  const reps = Number(process.argv[2] ?? 10);
  const c0 = childMs(renderer.pids), s0 = selfMs(), t0 = performance.now();
  for (let i = 0; i < reps; i++) await rankChartGroup(group, { renderer });
  console.log(`per group: wall ${((performance.now() - t0) / reps).toFixed(0)} ms, parent CPU ${((selfMs() - s0) / reps).toFixed(0)} ms, children CPU ${((childMs(renderer.pids) - c0) / reps).toFixed(0)} ms; load ${require('os').loadavg().map((x: number) => x.toFixed(1)).join(' ')}`);
  if (process.env.GENTLE) process.exit(0); // the children see the channel close and exit normally (--cpu-prof writes then)
  renderer.dispose();
}
main();
