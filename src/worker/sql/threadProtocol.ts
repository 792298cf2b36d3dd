import type { ExecOutcome } from '../../core/sql/types';
import type { SqlSchema } from '../../core/sql/schema';
import type { EventGuards } from '../../core/protocol/channel';
import { isObjectLike } from '../../core/guards';

/** The tsconfig has no DOM lib, so the few WebAssembly calls used here are typed by hand. */
export type WasmModule = object;
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: unknown): Promise<unknown>;
}
export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** workerData of the execution thread. */
export interface ThreadInit {
  /** sql-wasm.wasm compiled once in the parent (a WebAssembly.Module is cloned to threads without recompiling). */
  wasm: WasmModule;
  /** The database file's bytes, shared read-only with the thread. */
  db: SharedArrayBuffer;
  /** SQLite hard heap limit in bytes (PRAGMA hard_heap_limit): stops randomblob/zeroblob/sort bombs with SQLITE_NOMEM. */
  heapLimit: number;
  /** SQLite page cache in bytes (PRAGMA cache_size); 0 keeps SQLite's default (2 MB). */
  cacheBytes: number;
}

/** workerData of one thread: the executor's ThreadInit plus this thread's own RunningClock buffer. */
export interface ThreadData extends ThreadInit {
  clock: SharedArrayBuffer;
}

/**
 * Which batch item the thread is running and since when, in memory shared with the parent: the parent times each
 * statement of a batch from it without one message per statement. Int32 [0]: the item's id (0: none running);
 * BigInt64 [1]: its start, process.hrtime.bigint() nanoseconds (one monotonic clock for every thread of a process).
 */
export class RunningClock {
  private readonly id: Int32Array;
  private readonly start: BigInt64Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(16)) {
    this.id = new Int32Array(buffer, 0, 1);
    this.start = new BigInt64Array(buffer, 8, 1);
  }

  /** Thread side: item `id` starts now (the start is written before the id, so a reader never sees an early start). */
  begin(id: number): void {
    Atomics.store(this.start, 0, process.hrtime.bigint());
    Atomics.store(this.id, 0, id);
  }

  end(): void {
    Atomics.store(this.id, 0, 0);
  }

  /**
   * Parent side: the running item and how long it has run, ms; null when none runs. A start read with an id may
   * belong to a later item (never an earlier one), so the elapsed time can only be short: a timeout is never early.
   */
  running(): { id: number; elapsedMs: number } | null {
    for (;;) {
      const a = Atomics.load(this.id, 0);
      const s = Atomics.load(this.start, 0);
      if (Atomics.load(this.id, 0) !== a) continue;
      return a === 0 ? null : { id: a, elapsedMs: Number(process.hrtime.bigint() - s) / 1e6 };
    }
  }
}

export interface ExecItem {
  sql: string;
  rowCap: number;
  byteCap: number;
}

/** One statement's verdict in a batch, tagged with the caller's item id. */
export interface BatchResult {
  id: number;
  outcome: ExecOutcome;
  reload: boolean;
}

/** The thread's methods, on the one channel (src/node/channel.ts). */
export interface ThreadMethods {
  exec: { params: ExecItem; result: { outcome: ExecOutcome; reload: boolean }; progress: never };
  /**
   * Several statements in one message (one thread wake-up), run in order; stops after a reload. The verdicts come
   * back together in the result, except that once the batch has run `flushAfterMs`, the verdicts so far go out as a
   * progress message before each further statement starts (a slow batch still streams). The running item is
   * published in the thread's RunningClock. With `claim` (an Int32 counter in memory shared by the threads given the
   * same items), the thread runs only the items it takes: the next index, by atomic increment, until none is left.
   */
  batch: { params: { items: Array<ExecItem & { id: number }>; flushAfterMs: number; claim?: SharedArrayBuffer }; result: { results: BatchResult[] }; progress: { results: BatchResult[] } };
  schema: { params: { samples: number }; result: { schema: SqlSchema | null; error: string | null }; progress: never };
  /** The thread's WebAssembly memory in bytes (it only grows: its high-water mark; /health and leak tests read it). */
  memory: { params: null; result: { wasmBytes: number }; progress: never };
}

export interface ThreadEvents {
  ready: { loadMs: number };
  fatal: { message: string };
}

export const threadEventGuards: EventGuards<ThreadEvents> = {
  ready: (x): x is ThreadEvents['ready'] => isObjectLike(x) && typeof x.loadMs === 'number',
  fatal: (x): x is ThreadEvents['fatal'] => isObjectLike(x) && typeof x.message === 'string',
};

/** What the executor waits for per statement (a call's result, or the thread's death). */
export type ThreadReply =
  | { type: 'fatal'; message: string }
  | { type: 'exec'; outcome: ExecOutcome; reload: boolean }
  | { type: 'schema'; schema: SqlSchema | null; error: string | null };
