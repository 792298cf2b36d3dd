/**
 * glibc malloc settings for the process that runs onnxruntime: the inference worker (the extension's and the CLI's).
 *
 * onnxruntime-node copies every CPU output of a forward pass into a new ArrayBuffer, and the KV cache comes back as
 * an output each step: tens of MB per step at long contexts (8 rows x 5,500 tokens of the copy benchmark's model:
 * 45 MB). glibc serves blocks that large with a fresh mmap and unmaps them when freed, so every step page-faults its
 * cache in again and the kernel zeroes it. With the mmap threshold at its 32 MiB maximum and the top of the heap
 * trimmed only past 1 GiB, freed cache buffers are reused instead (bench/generate/README.md, "glibc's allocator":
 * 5,500-token prompt, N=8, decode 50 -> 41 ms per step, page faults 370k -> 144k per request).
 *
 * glibc reads GLIBC_TUNABLES when a process starts, so these go into the worker's environment when it is forked.
 * A user's own GLIBC_TUNABLES settings for the same keys win. Other platforms (macOS, Windows, musl) ignore it.
 */

export const MALLOC_TUNABLES: readonly (readonly [string, string])[] = [
  ['glibc.malloc.mmap_threshold', String(32 * 1024 * 1024)],
  ['glibc.malloc.trim_threshold', String(1024 * 1024 * 1024)],
];

/** The `key=value` settings of a GLIBC_TUNABLES value. */
function tunables(value: string | undefined): string[] {
  return (value ?? '').split(':').filter((p) => p.length > 0);
}

const keyOf = (setting: string): string => setting.split('=')[0]!;

/** The GLIBC_TUNABLES value for a child process: the user's settings, plus ours for the keys they did not set. */
export function allocatorTunables(existing: string | undefined): string {
  const parts = tunables(existing);
  const set = new Set(parts.map(keyOf));
  for (const [k, v] of MALLOC_TUNABLES) if (!set.has(k)) parts.push(`${k}=${v}`);
  return parts.join(':');
}

/** Environment additions for a process that will run onnxruntime on `platform` (only Linux reads them). */
export function allocatorEnv(env: Readonly<Record<string, string | undefined>>, platform: string): Record<string, string> {
  return platform === 'linux' ? { GLIBC_TUNABLES: allocatorTunables(env.GLIBC_TUNABLES) } : {};
}

/** Whether this process was started with our settings (or the user's for the same keys). */
export function allocatorTuned(env: Readonly<Record<string, string | undefined>>): boolean {
  const keys = new Set(tunables(env.GLIBC_TUNABLES).map(keyOf));
  return MALLOC_TUNABLES.every(([k]) => keys.has(k));
}
