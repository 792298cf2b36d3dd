/**
 * In-process benchmarks (decode.ts, profile.ts) measure what the inference worker does, so they run under the
 * worker's glibc malloc settings (src/node/allocatorEnv.ts): glibc reads them only at process start, so a bench that
 * was started without them runs itself again with them. BENCH_MALLOC=default measures glibc's defaults instead.
 * Returns true when this process should stop (the re-run did the work).
 */
import { spawnSync } from 'child_process';
import { allocatorEnv, allocatorTuned } from '../../src/node/allocatorEnv';

export function rerunWithWorkerMalloc(): boolean {
  if (process.platform !== 'linux' || process.env.BENCH_MALLOC === 'default' || allocatorTuned(process.env)) return false;
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, ...allocatorEnv(process.env, 'linux') } });
  process.exitCode = r.status ?? 1;
  return true;
}

/** What the table header says about the allocator. */
export function mallocLabel(): string {
  return allocatorTuned(process.env) ? `glibc malloc as the worker runs it (GLIBC_TUNABLES=${process.env.GLIBC_TUNABLES})` : 'glibc malloc defaults';
}
