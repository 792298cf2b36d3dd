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

export interface ExecItem {
  sql: string;
  rowCap: number;
  byteCap: number;
}

/** The thread's methods, on the one channel (src/node/channel.ts). */
export interface ThreadMethods {
  exec: { params: ExecItem; result: { outcome: ExecOutcome; reload: boolean }; progress: never };
  /**
   * Several statements in one message (one thread wake-up): one progress message per statement, in order, tagged
   * with the caller's `id`; stops after a reload.
   */
  batch: { params: { items: Array<ExecItem & { id: number }> }; result: null; progress: { id: number; outcome: ExecOutcome; reload: boolean } };
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
