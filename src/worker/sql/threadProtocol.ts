import type { ExecOutcome } from '../../core/sql/types';
import type { SqlSchema } from '../../core/sql/schema';

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

export type ThreadRequest =
  | { type: 'exec'; id: number; sql: string; rowCap: number; byteCap: number }
  /** Several statements in one message (one thread wake-up); one 'exec' reply each, in order; stops after a reload. */
  | { type: 'batch'; items: Array<{ id: number; sql: string; rowCap: number; byteCap: number }> }
  | { type: 'schema'; id: number; samples: number };

export type ThreadReply =
  | { type: 'ready'; loadMs: number }
  | { type: 'fatal'; message: string }
  | { type: 'exec'; id: number; outcome: ExecOutcome; reload: boolean }
  | { type: 'schema'; id: number; schema: SqlSchema | null; error: string | null };
