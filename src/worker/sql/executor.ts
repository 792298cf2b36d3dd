/**
 * Runs candidate SQL against an in-memory copy of a SQLite file, one statement at a time, each with a timeout, a row
 * cap and a result-size cap. The file is read once (never opened for writing) and cached by path, size and mtime.
 * Execution happens in a worker_thread (execThread.ts); a statement that overruns its timeout is stopped by
 * terminating the thread, and a fresh thread (same compiled wasm, same bytes) takes its place.
 */
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { Worker } from 'worker_threads';
import { checkReadOnly } from '../../core/sql/policy';
import type { SqlSchema } from '../../core/sql/schema';
import { DEFAULT_EXEC_LIMITS, type ExecLimits, type ExecOutcome } from '../../core/sql/types';
import { CodedError } from '../../core/errors';
import { assetPath } from '../assets';
import { ChannelClient, ChannelError, messagePortTransport } from '../../node/channel';
import { threadEventGuards, wasmApi, type ThreadEvents, type ThreadInit, type ThreadMethods, type ThreadReply, type WasmModule } from './threadProtocol';

export interface ExecutorOptions {
  /** SQLite hard heap limit inside the thread (default 256 MiB). */
  heapLimitBytes?: number;
  /** How long loading the database into a fresh thread may take (default 60 s). */
  loadTimeoutMs?: number;
  /**
   * SQLite page cache in bytes. Default: the file size plus 10% and 8 MiB, at most half the heap limit. Native SQLite
   * has the OS page cache behind its own 2 MB; in sql.js every cache miss is a call out of wasm into the in-memory
   * file system, so random lookups (index scans into a big table) ran about 1.7x faster with the file cached.
   */
  cacheBytes?: number;
  /**
   * Largest database file loaded, bytes (default 512 MiB; setting `rewardLens.sql.maxDatabaseMB`, flag
   * `--max-database-mb`). The file is held in memory about three times over (the shared copy, the thread's copy,
   * SQLite's in-memory file): a 1 GiB file peaked at 3.3 GB resident, and a 2 GiB one cannot be held at all.
   */
  maxDatabaseBytes?: number;
  /** How long reading the schema (names, keys, samples, row counts) may take (default 10 s). */
  schemaTimeoutMs?: number;
}

export const DEFAULT_MAX_DATABASE_MB = 512;
export const DATABASE_LIMIT_NAME = 'rewardLens.sql.maxDatabaseMB / --max-database-mb';

/** Files up to this size keep a loaded spare thread (two in-memory copies); larger ones reload after a kill. */
const SPARE_MAX_BYTES = 64 * 1024 * 1024;

let wasmModule: Promise<WasmModule> | null = null;
function compiledWasm(): Promise<WasmModule> {
  wasmModule ??= wasmApi.compile(fs.readFileSync(assetPath('sql-wasm.wasm', 'node_modules/sql.js/dist/sql-wasm.wasm')));
  return wasmModule;
}

/**
 * The thread script: the webpack bundle `sqlExecThread.js` next to this bundle; from source (tests, tsx), the
 * TypeScript entry bundled once per process with esbuild (tsx's own dependency) so that a fresh thread starts in
 * tens of milliseconds instead of re-registering tsx; failing that, the source through tsx.
 */
let sourceBundle: string | null = null;
function threadEntry(): { file: string; eval: boolean } {
  const bundled = path.join(__dirname, 'sqlExecThread.js');
  if (fs.existsSync(bundled)) return { file: bundled, eval: false };
  const source = path.join(__dirname, 'execThread.ts');
  if (!fs.existsSync(source)) throw new CodedError('not_available', `SQL execution thread not found next to ${__dirname}`);
  if (sourceBundle === null) {
    try {
      const esbuild = require('esbuild') as { buildSync(o: object): { outputFiles: Array<{ text: string }> } };
      const out = esbuild.buildSync({ entryPoints: [source], bundle: true, platform: 'node', format: 'cjs', target: 'node20', write: false, logLevel: 'silent' });
      sourceBundle = out.outputFiles[0]!.text;
    } catch {
      sourceBundle = `require('tsx/cjs'); require(${JSON.stringify(source)});`;
    }
  }
  return { file: sourceBundle, eval: true };
}

interface Pending {
  resolve(r: ThreadReply): void;
}

class ExecThread {
  readonly worker: Worker;
  readonly channel: ChannelClient<ThreadMethods, ThreadEvents>;
  readonly ready: Promise<number>;
  /** Statements of a batch waiting for their progress message, by the batch item's id. */
  readonly pending = new Map<number, Pending>();
  dead = false;
  private onDeath: ((why: string) => void) | null = null;

  constructor(init: ThreadInit, loadTimeoutMs: number) {
    const entry = threadEntry();
    this.worker = new Worker(entry.file, { eval: entry.eval, workerData: init });
    // Timeouts are per call (execute); a thread's death rejects what is pending with `sql_runtime`.
    this.channel = new ChannelClient<ThreadMethods, ThreadEvents>(messagePortTransport(this.worker), {
      peer: 'the SQL execution thread',
      codes: { timeout: 'sql_timeout', cancelled: 'cancelled', closed: 'sql_runtime' },
      defaultTimeoutMs: Infinity,
      events: threadEventGuards,
    });
    this.ready = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new CodedError('sql_db_open', `loading the database took over ${loadTimeoutMs} ms`)), loadTimeoutMs);
      this.onDeath = (why) => {
        clearTimeout(timer);
        reject(new CodedError('sql_db_open', why));
      };
      this.channel.on('ready', (m) => {
        clearTimeout(timer);
        resolve(m.loadMs);
      });
      this.channel.on('fatal', (m) => this.kill(m.message));
    });
    this.ready.catch(() => undefined);
    this.worker.on('error', (e) => this.kill(e.message));
    this.worker.on('exit', (code) => this.kill(`execution thread exited (${code})`));
    // The thread keeps the process alive only while it loads or runs something; an idle executor never does.
    // (Set after the listeners: adding a 'message' listener re-refs the port.)
    void this.ready.then(() => this.busy(0), () => undefined);
  }

  private inFlight = 0;
  /** Counts requests in flight; refs the worker while there are any (or while loading), unrefs it when idle. */
  busy(delta: number): void {
    this.inFlight += delta;
    if (this.dead) return;
    if (this.inFlight > 0) this.worker.ref();
    else this.worker.unref();
  }

  kill(why: string): void {
    if (this.dead) return;
    this.dead = true;
    this.onDeath?.(why);
    void this.worker.terminate();
    this.channel.close(why);
    for (const p of this.pending.values()) p.resolve({ type: 'fatal', message: why });
    this.pending.clear();
  }
}

export class SqlExecutor {
  private thread: ExecThread | null = null;
  /** A loaded stand-by thread, so that a killed thread is replaced at once (kept for files up to SPARE_MAX_BYTES). */
  private spare: ExecThread | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private readonly schemaCache = new Map<number, Promise<SqlSchema>>();
  private closed = false;
  /** Time to read the file and load it into the first thread, ms. */
  loadMs = 0;

  private constructor(
    readonly dbPath: string,
    readonly key: string,
    private readonly init: ThreadInit,
    private readonly opts: Required<ExecutorOptions>,
  ) {}

  /** Reads the file (read-only) and starts a thread holding an in-memory copy of it. */
  static async open(dbPath: string, opts: ExecutorOptions = {}): Promise<SqlExecutor> {
    const t0 = performance.now();
    let st: fs.Stats;
    let bytes: SharedArrayBuffer;
    try {
      st = fs.statSync(dbPath);
    } catch (e) {
      throw new CodedError('sql_db_open', `cannot read ${dbPath}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const maxBytes = opts.maxDatabaseBytes ?? DEFAULT_MAX_DATABASE_MB * 1024 * 1024;
    if (st.size > maxBytes) {
      const mb = (b: number) => (b / (1024 * 1024)).toFixed(1);
      throw new CodedError('limit_exceeded', `the database is ${mb(st.size)} MB, over the ${mb(maxBytes)} MB limit (set by ${DATABASE_LIMIT_NAME})`);
    }
    try {
      bytes = new SharedArrayBuffer(st.size);
      const fd = fs.openSync(dbPath, 'r');
      try {
        const view = new Uint8Array(bytes);
        let off = 0;
        while (off < st.size) {
          const n = fs.readSync(fd, view, off, st.size - off, off);
          if (n <= 0) break;
          off += n;
        }
      } finally {
        fs.closeSync(fd);
      }
    } catch (e) {
      throw new CodedError('sql_db_open', `cannot read ${dbPath}: ${e instanceof Error ? e.message : String(e)}`);
    }
    // WebAssembly.compile and the thread's first load hold no handle of their own: keep the process alive meanwhile.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    try {
      return await SqlExecutor.load(dbPath, st, bytes, opts, t0);
    } finally {
      clearInterval(keepAlive);
    }
  }

  private static async load(dbPath: string, st: fs.Stats, bytes: SharedArrayBuffer, opts: ExecutorOptions, t0: number): Promise<SqlExecutor> {
    const full = {
      heapLimitBytes: opts.heapLimitBytes ?? 256 * 1024 * 1024,
      loadTimeoutMs: opts.loadTimeoutMs ?? 60_000,
      cacheBytes: opts.cacheBytes ?? defaultCacheBytes(st.size, opts.heapLimitBytes ?? 256 * 1024 * 1024),
      maxDatabaseBytes: opts.maxDatabaseBytes ?? DEFAULT_MAX_DATABASE_MB * 1024 * 1024,
      schemaTimeoutMs: opts.schemaTimeoutMs ?? 10_000,
    };
    const ex = new SqlExecutor(dbPath, cacheKey(dbPath, st), { wasm: await compiledWasm(), db: bytes, heapLimit: full.heapLimitBytes, cacheBytes: full.cacheBytes }, full);
    await ex.ensureThread().ready;
    ex.loadMs = performance.now() - t0;
    return ex;
  }

  private ensureThread(): ExecThread {
    if (this.closed) throw new CodedError('sql_db_open', 'executor is closed');
    if (!this.thread || this.thread.dead) {
      const spare = this.spare && !this.spare.dead ? this.spare : null;
      this.spare = null;
      this.thread = spare ?? new ExecThread(this.init, this.opts.loadTimeoutMs);
    }
    if (!this.spare && this.init.db.byteLength <= SPARE_MAX_BYTES) this.spare = new ExecThread(this.init, this.opts.loadTimeoutMs);
    return this.thread;
  }

  /** Stops the current thread (a runaway query, a write that must be undone); the spare (or a fresh copy) takes over. */
  private respawn(why: string): void {
    this.thread?.kill(why);
    this.thread = null;
    if (!this.closed) this.ensureThread();
  }

  private serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Resolves when the current thread and its spare have loaded the database (e.g. after a timeout replaced them). */
  async whenReady(): Promise<void> {
    const t = this.ensureThread();
    await t.ready.catch(() => undefined);
    await this.spare?.ready.catch(() => undefined);
  }

  /** Checks the policy, then runs one statement. Never throws for a bad query: the verdict is the outcome. */
  execute(sql: string, limits: ExecLimits = {}, signal?: AbortSignal): Promise<ExecOutcome> {
    const t0 = performance.now();
    const verdict = checkReadOnly(sql);
    if (!verdict.ok) return Promise.resolve({ ok: false, stage: 'policy', error: verdict.error, elapsedMs: performance.now() - t0 });
    const timeoutMs = limits.timeoutMs ?? DEFAULT_EXEC_LIMITS.timeoutMs;
    const rowCap = limits.rowCap ?? DEFAULT_EXEC_LIMITS.rowCap;
    const byteCap = limits.byteCap ?? DEFAULT_EXEC_LIMITS.byteCap;
    return this.serial(async () => {
      if (signal?.aborted) return { ok: false, stage: 'run', error: { code: 'cancelled', message: 'cancelled' }, elapsedMs: 0 } as const;
      const thread = this.ensureThread();
      try {
        await thread.ready;
      } catch (e) {
        return { ok: false, stage: 'run', error: { code: 'sql_db_open', message: e instanceof Error ? e.message : String(e) }, elapsedMs: performance.now() - t0 } as const;
      }
      const started = performance.now();
      thread.busy(1);
      const reply = await thread.channel.call('exec', { sql, rowCap, byteCap }, { timeoutMs, ...(signal ? { signal } : {}) }).then(
        (r): ThreadReply => ({ type: 'exec', ...r }),
        (e: unknown): ThreadReply | { type: 'timeout' } | { type: 'cancelled' } =>
          e instanceof ChannelError && (e.reason === 'timeout' || e.reason === 'cancelled') ? { type: e.reason } : { type: 'fatal', message: e instanceof Error ? e.message : String(e) },
      ).finally(() => thread.busy(-1));
      const elapsedMs = performance.now() - started;
      if (reply.type === 'timeout') {
        this.respawn('timeout');
        return { ok: false, stage: 'run', error: { code: 'sql_timeout', message: `stopped after ${timeoutMs} ms` }, elapsedMs } as const;
      }
      if (reply.type === 'cancelled') {
        this.respawn('cancelled');
        return { ok: false, stage: 'run', error: { code: 'cancelled', message: 'cancelled' }, elapsedMs } as const;
      }
      if (reply.type === 'fatal') {
        this.respawn(reply.message);
        return { ok: false, stage: 'run', error: { code: 'sql_runtime', message: `execution thread failed: ${reply.message}` }, elapsedMs } as const;
      }
      if (reply.type !== 'exec') return { ok: false, stage: 'run', error: { code: 'internal', message: 'unexpected reply' }, elapsedMs } as const;
      if (reply.reload) this.respawn('the statement changed the in-memory copy');
      return reply.outcome.ok ? { ...reply.outcome, elapsedMs } : reply.outcome;
    });
  }

  /**
   * Runs several statements in order, each under the same limits, sending them to the thread in one message: with
   * sixteen candidates, one thread wake-up instead of sixteen round trips. Item k's timer starts when item k-1's
   * result arrives (so scheduling delay can only lengthen, never shorten, a statement's allowance). After a timeout
   * or a reload the rest go to the replacement thread. `onResult` sees each outcome as it arrives.
   */
  executeMany(sqls: readonly string[], limits: ExecLimits = {}, signal?: AbortSignal, onResult?: (index: number, o: ExecOutcome) => void): Promise<ExecOutcome[]> {
    const t0 = performance.now();
    const out = new Array<ExecOutcome | undefined>(sqls.length);
    const todo: number[] = [];
    sqls.forEach((sql, i) => {
      const v = checkReadOnly(sql);
      if (v.ok) todo.push(i);
      else {
        out[i] = { ok: false, stage: 'policy', error: v.error, elapsedMs: performance.now() - t0 };
        onResult?.(i, out[i]!);
      }
    });
    const timeoutMs = limits.timeoutMs ?? DEFAULT_EXEC_LIMITS.timeoutMs;
    const rowCap = limits.rowCap ?? DEFAULT_EXEC_LIMITS.rowCap;
    const byteCap = limits.byteCap ?? DEFAULT_EXEC_LIMITS.byteCap;
    const settle = (i: number, o: ExecOutcome) => {
      out[i] = o;
      onResult?.(i, o);
    };
    return this.serial(async () => {
      let queue = todo;
      while (queue.length > 0) {
        if (signal?.aborted) {
          for (const i of queue) settle(i, { ok: false, stage: 'run', error: { code: 'cancelled', message: 'cancelled' }, elapsedMs: 0 });
          break;
        }
        const thread = this.ensureThread();
        try {
          await thread.ready;
        } catch (e) {
          for (const i of queue) settle(i, { ok: false, stage: 'run', error: { code: 'sql_db_open', message: e instanceof Error ? e.message : String(e) }, elapsedMs: 0 });
          break;
        }
        const items = queue.map((i) => ({ index: i, id: this.nextId++ }));
        const replies = items.map(
          (it) => new Promise<ThreadReply>((resolve) => thread.pending.set(it.id, { resolve: (r) => (thread.pending.delete(it.id), resolve(r)) })),
        );
        thread.busy(1);
        // Each statement's verdict arrives as a progress message; its timer runs here. A death rejects the call and
        // kill() settles the statements still pending.
        thread.channel.call('batch', { items: items.map((it) => ({ id: it.id, sql: sqls[it.index]!, rowCap, byteCap })) }, {
          onProgress: (p) => thread.pending.get(p.id)?.resolve({ type: 'exec', outcome: p.outcome, reload: p.reload }),
        }).catch((e: unknown) => thread.kill(e instanceof Error ? e.message : String(e)));
        let next: number[] = [];
        try {
          for (let k = 0; k < items.length; k++) {
            const started = performance.now();
            let timer: NodeJS.Timeout | undefined;
            let onAbort: (() => void) | undefined;
            const stop = new Promise<'timeout' | 'cancelled'>((resolve) => {
              timer = setTimeout(() => resolve('timeout'), timeoutMs);
              onAbort = () => resolve('cancelled');
              signal?.addEventListener('abort', onAbort, { once: true });
            });
            const r = await Promise.race([replies[k]!, stop]);
            clearTimeout(timer);
            if (onAbort) signal?.removeEventListener('abort', onAbort);
            const elapsedMs = performance.now() - started;
            const i = items[k]!.index;
            const rest = items.slice(k + 1).map((it) => it.index);
            if (r === 'timeout' || r === 'cancelled') {
              this.respawn(r);
              settle(i, r === 'timeout'
                ? { ok: false, stage: 'run', error: { code: 'sql_timeout', message: `stopped after ${timeoutMs} ms` }, elapsedMs }
                : { ok: false, stage: 'run', error: { code: 'cancelled', message: 'cancelled' }, elapsedMs });
              next = rest;
              break;
            }
            if (r.type === 'fatal') {
              this.respawn(r.message);
              settle(i, { ok: false, stage: 'run', error: { code: 'sql_runtime', message: `execution thread failed: ${r.message}` }, elapsedMs });
              next = rest;
              break;
            }
            if (r.type !== 'exec') {
              settle(i, { ok: false, stage: 'run', error: { code: 'internal', message: 'unexpected reply' }, elapsedMs });
              continue;
            }
            // The thread's own clock: in a batch, waiting for the previous item is not this statement's time.
            settle(i, r.outcome);
            if (r.reload) {
              this.respawn('the statement changed the in-memory copy');
              next = rest;
              break;
            }
          }
        } finally {
          for (const it of items) thread.pending.delete(it.id);
          thread.busy(-1);
        }
        queue = next;
      }
      return out.map((o) => o ?? { ok: false as const, stage: 'run' as const, error: { code: 'internal', message: 'not run' }, elapsedMs: 0 });
    });
  }

  /** Tables, columns, keys and sample values (cached per executor, i.e. per file version). */
  schema(samples = 3): Promise<SqlSchema> {
    const cached = this.schemaCache.get(samples);
    if (cached) return cached;
    const p = this.serial(async () => {
      const thread = this.ensureThread();
      await thread.ready;
      thread.busy(1);
      const reply = await thread.channel.call('schema', { samples }, { timeoutMs: this.opts.schemaTimeoutMs }).then(
        (r): ThreadReply | { type: 'timeout' } => ({ type: 'schema', ...r }),
        (e: unknown): ThreadReply | { type: 'timeout' } =>
          e instanceof ChannelError && e.reason === 'timeout' ? { type: 'timeout' } : { type: 'fatal', message: e instanceof Error ? e.message : String(e) },
      ).finally(() => thread.busy(-1));
      if (reply.type === 'timeout') {
        this.respawn('schema timeout');
        throw new CodedError('limit_exceeded', `reading the database schema took over ${this.opts.schemaTimeoutMs} ms (schemaTimeoutMs)`);
      }
      if (reply.type === 'schema' && reply.schema) return reply.schema;
      throw new CodedError('sql_db_open', reply.type === 'schema' ? reply.error ?? 'schema failed' : reply.type === 'fatal' ? reply.message : 'schema failed');
    });
    this.schemaCache.set(samples, p);
    p.catch(() => this.schemaCache.delete(samples));
    return p;
  }

  /** The active thread's WebAssembly memory in bytes (its high-water mark). */
  memory(): Promise<number> {
    return this.serial(async () => {
      const thread = this.ensureThread();
      await thread.ready;
      thread.busy(1);
      try {
        return (await thread.channel.call('memory', null, { timeoutMs: 10_000 })).wasmBytes;
      } finally {
        thread.busy(-1);
      }
    });
  }

  close(): void {
    this.closed = true;
    this.thread?.kill('closed');
    this.spare?.kill('closed');
    this.thread = null;
    this.spare = null;
  }
}

function defaultCacheBytes(fileBytes: number, heapLimit: number): number {
  return Math.min(Math.ceil(fileBytes * 1.1) + (8 << 20), Math.floor(heapLimit / 2));
}

function cacheKey(dbPath: string, st: fs.Stats): string {
  return `${path.resolve(dbPath)}|${st.size}|${st.mtimeMs}`;
}

const MAX_OPEN = 3;
const open = new Map<string, Promise<SqlExecutor>>();

/**
 * The executor for a database file, reused while its size and mtime are unchanged (a changed file is reloaded).
 * At most three databases stay loaded; the least recently used is closed.
 */
export async function getExecutor(dbPath: string, opts?: ExecutorOptions): Promise<SqlExecutor> {
  let st: fs.Stats;
  try {
    st = fs.statSync(dbPath);
  } catch (e) {
    throw new CodedError('sql_db_open', `cannot open ${dbPath}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!st.isFile()) throw new CodedError('sql_db_open', `${dbPath} is not a file`);
  const key = cacheKey(dbPath, st);
  const abs = path.resolve(dbPath);
  const hit = open.get(abs);
  if (hit) {
    const ex = await hit.catch(() => null);
    if (ex && ex.key === key) {
      open.delete(abs);
      open.set(abs, hit);
      return ex;
    }
    ex?.close();
    open.delete(abs);
  }
  const p = SqlExecutor.open(dbPath, opts);
  open.set(abs, p);
  p.catch(() => open.delete(abs));
  while (open.size > MAX_OPEN) {
    const [oldest, op] = open.entries().next().value as [string, Promise<SqlExecutor>];
    open.delete(oldest);
    void op.then((e) => e.close(), () => undefined);
  }
  return p;
}

/** Closes every cached executor (the CLI calls this before exiting; threads are unref'd anyway). */
export function closeAllExecutors(): void {
  for (const p of open.values()) void p.then((e) => e.close(), () => undefined);
  open.clear();
}
