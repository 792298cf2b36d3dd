/**
 * SQL executors of the reward server: per database file (by real path, size and mtime), up to `size` SqlExecutors
 * (src/worker/sql/executor.ts, the same killable execution threads `rank` uses), opened on demand while all are busy.
 * Groups of one request are spread over them; each group runs through rankSql exactly as `rank` runs it. Databases
 * are read-only in-memory copies (the file is read, never opened for writing) and stay cached, bounded by bytes: the
 * least recently used database that is not in use is closed when the total goes over `maxBytes`.
 */
import * as fs from 'node:fs';
import { CodedError } from '../../core/errors';
import type { SqlRankOutput, SqlRankParams } from '../../core/sql/protocol';
import { rankSql } from '../../worker/sql/rankSql';
import { DEFAULT_HEAP_LIMIT_BYTES, defaultCacheBytes, executorThreads, SqlExecutor } from '../../worker/sql/executor';

export interface SqlPoolOptions {
  /**
   * Executors per database, default the number of cores. Each runs one batch at a time on one thread (shareBatches
   * off: the pool is the parallelism); up to 64 MiB a second, loaded thread stands by to replace a killed one.
   */
  size: number;
  /** Bound on the in-memory copies of all cached databases, bytes. */
  maxBytes: number;
  /** Opens an executor (tests count them). Default SqlExecutor.open. */
  open?: (dbPath: string) => Promise<SqlExecutor>;
}

interface Slot {
  ex: Promise<SqlExecutor>;
  busy: number;
}

interface Db {
  key: string;
  path: string;
  /** Bytes one executor holds (executorBytes). */
  perSlot: number;
  slots: Slot[];
  inUse: number;
  lastUsed: number;
}

/**
 * Memory one executor of a `size`-byte database holds, as an estimate: its own copy of the file, per thread (two for
 * files up to 64 MiB, one above: executorThreads) the thread's copy and SQLite's in-memory file, and the page cache of
 * the one thread that runs (shareBatches off; the executor's default cache). A 1 GiB file peaked near 3.3 GB resident
 * with one thread (src/worker/sql/executor.ts).
 */
export function executorBytes(size: number): number {
  return size + 2 * size * executorThreads(size) + defaultCacheBytes(size, DEFAULT_HEAP_LIMIT_BYTES);
}

export class SqlPool {
  private readonly dbs = new Map<string, Db>();
  private readonly open: (dbPath: string) => Promise<SqlExecutor>;

  constructor(private readonly opts: SqlPoolOptions) {
    this.open = opts.open ?? ((p) => SqlExecutor.open(p, { shareBatches: false }));
  }

  /** Cached bytes (estimate of the in-memory copies). */
  get bytes(): number {
    let n = 0;
    for (const d of this.dbs.values()) n += d.perSlot * d.slots.length;
    return n;
  }

  state(): { databases: number; executors: number; bytes: number; maxBytes: number; executorsPerDatabase: number } {
    let executors = 0;
    for (const d of this.dbs.values()) executors += d.slots.length;
    return { databases: this.dbs.size, executors, bytes: this.bytes, maxBytes: this.opts.maxBytes, executorsPerDatabase: this.opts.size };
  }

  private db(dbPath: string): Db {
    let st: fs.Stats;
    try {
      st = fs.statSync(dbPath);
    } catch (e) {
      throw new CodedError('sql_db_open', `cannot open the database: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    if (!st.isFile()) throw new CodedError('sql_db_open', 'the database path is not a file');
    const perSlot = executorBytes(st.size);
    if (perSlot > this.opts.maxBytes) {
      throw new CodedError('limit_exceeded', `the database needs ${Math.ceil(perSlot / 2 ** 20)} MiB in memory, over the cache limit of ${Math.floor(this.opts.maxBytes / 2 ** 20)} MiB (--db-cache-mb raises it)`);
    }
    const key = `${st.size}|${st.mtimeMs}|${st.ino}`;
    const hit = this.dbs.get(dbPath);
    if (hit && hit.key === key) return hit;
    if (hit && hit.inUse === 0) this.close(dbPath, hit);
    const d: Db = { key, path: dbPath, perSlot, slots: [], inUse: 0, lastUsed: Date.now() };
    this.dbs.set(dbPath, d);
    return d;
  }

  private close(name: string, d: Db): void {
    this.dbs.delete(name);
    for (const s of d.slots) void s.ex.then((e) => e.close(), () => undefined);
    d.slots = [];
  }

  /** Closes least recently used idle databases while the cache is over its bound. */
  private evict(): void {
    if (this.bytes <= this.opts.maxBytes) return;
    const idle = [...this.dbs.entries()].filter(([, d]) => d.inUse === 0).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [name, d] of idle) {
      if (this.bytes <= this.opts.maxBytes) break;
      this.close(name, d);
    }
  }

  /** The least busy executor of the database; opens another while all are busy and the bounds allow one. */
  private acquire(d: Db): Slot {
    let best: Slot | undefined;
    for (const s of d.slots) if (!best || s.busy < best.busy) best = s;
    const roomForOne = this.bytes + d.perSlot <= this.opts.maxBytes;
    if ((!best || best.busy > 0) && d.slots.length < this.opts.size && (roomForOne || d.slots.length === 0)) {
      const slot: Slot = { ex: this.open(d.path), busy: 0 };
      slot.ex.catch(() => {
        const i = d.slots.indexOf(slot);
        if (i >= 0) d.slots.splice(i, 1);
      });
      d.slots.push(slot);
      best = slot;
    }
    best!.busy++;
    return best!;
  }

  /** rankSql for the groups of one database, each group on one executor of the pool; the output keeps group order. */
  async run(params: SqlRankParams, signal?: AbortSignal): Promise<SqlRankOutput> {
    const d = this.db(params.dbPath);
    d.inUse++;
    d.lastUsed = Date.now();
    try {
      const outs = await Promise.all(params.groups.map(async (g) => {
        const slot = this.acquire(d);
        try {
          const executor = await slot.ex;
          return (await rankSql({ ...params, groups: [g] }, { executor, ...(signal ? { signal } : {}) })).groups[0]!;
        } finally {
          slot.busy--;
        }
      }));
      return { groups: outs };
    } finally {
      d.inUse--;
      d.lastUsed = Date.now();
      this.evict();
    }
  }

  closeAll(): void {
    for (const [name, d] of [...this.dbs]) this.close(name, d);
  }
}
