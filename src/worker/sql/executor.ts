/**
 * Runs candidate SQL against an in-memory copy of a SQLite file, one statement at a time, each with a timeout, a row
 * cap and a result-size cap. The file is read once (never opened for writing) and cached by path, size and mtime.
 * Execution happens in worker_threads (execThread.ts), two for files up to PARALLEL_MAX_BYTES: a batch's statements
 * are shared between them and run at the same time. A statement that overruns its timeout is stopped by terminating
 * its thread, and a fresh thread (same compiled wasm, same bytes) takes its place.
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
import { RunningClock, threadEventGuards, wasmApi, type BatchResult, type ExecItem, type ThreadEvents, type ThreadInit, type ThreadMethods, type ThreadReply, type WasmModule } from './threadProtocol';

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
  /**
   * Whether a batch is shared between the executor's two threads (default true: a group ranks in about half the wall
   * time on an idle machine). The reward server turns it off: its pool already runs one executor per core, and under
   * that load splitting each batch only adds messages (bench/serve: 6,249 rewards/s unshared against 5,444 shared).
   * The second thread then stands by, loaded, to replace a killed one at once.
   */
  shareBatches?: boolean;
}

export const DEFAULT_MAX_DATABASE_MB = 512;
/** SQLite's hard heap limit inside a thread when ExecutorOptions.heapLimitBytes is not given. */
export const DEFAULT_HEAP_LIMIT_BYTES = 256 * 1024 * 1024;
export const DATABASE_LIMIT_NAME = 'rewardLens.sql.maxDatabaseMB / --max-database-mb';

/**
 * Files up to this size get two execution threads (two in-memory copies): a batch's statements are shared between
 * them, and after one is killed (a timeout) the other is still loaded. Larger files get one, reloaded after a kill.
 */
const PARALLEL_MAX_BYTES = 64 * 1024 * 1024;

/** Execution threads an executor of a `fileBytes`-byte database runs (each with its own in-memory copy). */
export function executorThreads(fileBytes: number): number {
  return fileBytes <= PARALLEL_MAX_BYTES ? 2 : 1;
}

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

/**
 * Verdicts of a batch that finish within its first this-many ms come back in one message with the batch's reply;
 * later ones stream as each next statement starts. Each message wakes the parent, and on a busy machine a wake-up
 * costs a scheduling delay: on GeoQuery (16 sub-millisecond statements) one message per statement was most of the
 * fixed cost of a group (bench/sql/README.md).
 */
const BATCH_FLUSH_MS = 20;
/** How often a batch's timer looks again while none of its statements is running (the thread is between two). */
const BATCH_POLL_MS = 100;

class ExecThread {
  readonly worker: Worker;
  readonly channel: ChannelClient<ThreadMethods, ThreadEvents>;
  readonly ready: Promise<number>;
  /** Which batch item the thread runs now and since when (shared memory). */
  readonly clock = new RunningClock();
  dead = false;
  /** The database is loaded (`ready` resolved). */
  loaded = false;
  /** Why the thread died (set by kill). */
  deathReason: string | null = null;
  private onDeath: ((why: string) => void) | null = null;

  constructor(init: ThreadInit, loadTimeoutMs: number) {
    const entry = threadEntry();
    this.worker = new Worker(entry.file, { eval: entry.eval, workerData: { ...init, clock: this.clock.buffer } });
    // Timeouts are per call (execute); a thread's death rejects what is pending with `sql_runtime`.
    this.channel = new ChannelClient<ThreadMethods, ThreadEvents>(messagePortTransport(this.worker), {
      peer: 'the SQL execution thread',
      codes: { timeout: 'sql_timeout', cancelled: 'cancelled', closed: 'sql_runtime' },
      defaultTimeoutMs: Infinity,
      events: threadEventGuards,
    });
    this.ready = new Promise<number>((resolve, reject) => {
      // a thread that has not loaded in time is stopped (else it would load later and be picked with a rejected `ready`)
      const timer = setTimeout(() => this.kill(`loading the database took over ${loadTimeoutMs} ms`), loadTimeoutMs);
      this.onDeath = (why) => {
        clearTimeout(timer);
        reject(new CodedError('sql_db_open', why));
      };
      this.channel.on('ready', (m) => {
        clearTimeout(timer);
        this.loaded = true;
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
    this.deathReason = why;
    this.onDeath?.(why);
    void this.worker.terminate();
    this.channel.close(why);
  }
}

export class SqlExecutor {
  /** The execution threads (null: not started, or killed and not yet replaced); see PARALLEL_MAX_BYTES. */
  private readonly threads: (ExecThread | null)[];
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
  ) {
    this.threads = new Array<ExecThread | null>(executorThreads(init.db.byteLength)).fill(null);
  }

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
      heapLimitBytes: opts.heapLimitBytes ?? DEFAULT_HEAP_LIMIT_BYTES,
      loadTimeoutMs: opts.loadTimeoutMs ?? 60_000,
      cacheBytes: opts.cacheBytes ?? defaultCacheBytes(st.size, opts.heapLimitBytes ?? DEFAULT_HEAP_LIMIT_BYTES),
      maxDatabaseBytes: opts.maxDatabaseBytes ?? DEFAULT_MAX_DATABASE_MB * 1024 * 1024,
      schemaTimeoutMs: opts.schemaTimeoutMs ?? 10_000,
      shareBatches: opts.shareBatches ?? true,
    };
    const ex = new SqlExecutor(dbPath, cacheKey(dbPath, st), { wasm: await compiledWasm(), db: bytes, heapLimit: full.heapLimitBytes, cacheBytes: full.cacheBytes }, full);
    ex.startAll();
    try {
      await ex.slot(0).ready;
    } catch (e) {
      ex.close();
      throw e;
    }
    ex.loadMs = performance.now() - t0;
    return ex;
  }

  /** Slot i's thread, started afresh when there is none or it died. */
  private slot(i: number): ExecThread {
    if (this.closed) throw new CodedError('sql_db_open', 'executor is closed');
    let t = this.threads[i];
    if (!t || t.dead) {
      t = new ExecThread(this.init, this.opts.loadTimeoutMs);
      this.threads[i] = t;
    }
    return t;
  }

  /** Every slot's thread (starting those that are missing). */
  private startAll(): ExecThread[] {
    return this.threads.map((_, i) => this.slot(i));
  }

  /** For one call: a thread that has loaded the database if there is one, else the first (to wait for). */
  private pick(): ExecThread {
    const all = this.startAll();
    return all.find((t) => t.loaded) ?? all[0]!;
  }

  /** Stops a thread (a runaway query, a write that must be undone); a fresh copy takes its slot. */
  private respawn(t: ExecThread, why: string): void {
    t.kill(why);
    if (!this.closed) this.startAll();
  }

  private serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Resolves when every execution thread has loaded the database (e.g. after a timeout replaced one). */
  async whenReady(): Promise<void> {
    for (const t of this.startAll()) await t.ready.catch(() => undefined);
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
      const thread = this.pick();
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
        this.respawn(thread, 'timeout');
        return { ok: false, stage: 'run', error: { code: 'sql_timeout', message: `stopped after ${timeoutMs} ms` }, elapsedMs } as const;
      }
      if (reply.type === 'cancelled') {
        this.respawn(thread, 'cancelled');
        return { ok: false, stage: 'run', error: { code: 'cancelled', message: 'cancelled' }, elapsedMs } as const;
      }
      if (reply.type === 'fatal') {
        this.respawn(thread, reply.message);
        return { ok: false, stage: 'run', error: { code: 'sql_runtime', message: `execution thread failed: ${reply.message}` }, elapsedMs } as const;
      }
      if (reply.type !== 'exec') return { ok: false, stage: 'run', error: { code: 'internal', message: 'unexpected reply' }, elapsedMs } as const;
      if (reply.reload) this.respawn(thread, 'the statement changed the in-memory copy');
      return reply.outcome.ok ? { ...reply.outcome, elapsedMs } : reply.outcome;
    });
  }

  /**
   * Runs several statements, each under the same limits, on the loaded execution threads at once (two for files up to
   * PARALLEL_MAX_BYTES): every thread gets the whole list in one message and takes the next statement nobody has
   * taken (a counter in shared memory), so a long statement on one thread does not hold up the rest. With sixteen
   * candidates: one wake-up per thread instead of sixteen round trips, and (when they finish within BATCH_FLUSH_MS)
   * one reply each. Each statement's timeout counts from its own start in its thread (RunningClock), so scheduling
   * delay can only lengthen, never shorten, its allowance. A thread that times out, is cancelled, fails or reloads is
   * replaced at once; what it had taken but not reported runs again in a next round on the threads then loaded (after
   * a cancel, everything unreported is cancelled). `onResult` sees each outcome as it arrives.
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
    const cancelledOutcome = (elapsedMs: number): ExecOutcome => ({ ok: false, stage: 'run', error: { code: 'cancelled', message: 'cancelled' }, elapsedMs });
    return this.serial(async () => {
      let queue = todo;
      // After a thread failed while running no statement, the next round runs on one thread, in order, so the next
      // failure's culprit is known (the first statement not reported).
      let oneThread = false;
      while (queue.length > 0) {
        if (signal?.aborted) {
          for (const i of queue) settle(i, cancelledOutcome(0));
          break;
        }
        const all = this.startAll();
        let lanes = all.filter((t) => t.loaded);
        if (lanes.length === 0) {
          try {
            await all[0]!.ready;
          } catch (e) {
            for (const i of queue) settle(i, { ok: false, stage: 'run', error: { code: 'sql_db_open', message: e instanceof Error ? e.message : String(e) }, elapsedMs: 0 });
            break;
          }
          lanes = [all[0]!];
          continue; // look at the signal again: it may have been aborted while the copy loaded
        }
        if (oneThread || !this.opts.shareBatches) lanes = lanes.slice(0, 1);
        const items = queue.map((i) => ({ index: i, id: this.newId() }));
        const byId = new Map(items.map((it) => [it.id, it]));
        const settled = new Set<number>();
        const claim = lanes.length > 1 ? new SharedArrayBuffer(4) : undefined;
        const payload = items.map((it) => ({ id: it.id, sql: sqls[it.index]!, rowCap, byteCap }));
        const results = await Promise.allSettled(lanes.map((thread) => this.runBatch(thread, {
          items: payload,
          claim,
          timeoutMs,
          signal,
          accept: (r) => {
            const it = byId.get(r.id);
            if (!it || settled.has(r.id)) return;
            settled.add(r.id);
            // The thread's own clock: in a batch, waiting for the previous item is not this statement's time.
            settle(it.index, r.outcome);
          },
        })));
        // every thread's part has ended (none still reports into this round); a part that threw is rethrown now
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
        const ends = results.map((r) => (r as PromiseFulfilledResult<BatchEnd>).value);
        // What each thread was running when it stopped: a timeout's or a failure's culprit, a cancel's elapsed time.
        // Timeouts first: a failure with no running statement must not take a timed-out statement as its culprit.
        let again = false;
        let cancelled = false;
        const runningMs = new Map<number, number>();
        for (const end of ends) {
          if (end.kind === 'done') continue;
          again = true;
          if (end.kind === 'cancelled') {
            cancelled = true;
            if (end.running) runningMs.set(end.running.id, end.running.elapsedMs);
          } else if (end.kind === 'timeout' && !settled.has(end.id)) {
            settled.add(end.id);
            settle(byId.get(end.id)!.index, { ok: false, stage: 'run', error: { code: 'sql_timeout', message: `stopped after ${timeoutMs} ms` }, elapsedMs: end.elapsedMs });
          }
        }
        oneThread = false;
        for (const end of ends) {
          if (end.kind !== 'fatal') continue;
          // The statement that was running when the thread died is the one that failed; the others run again. With
          // none running: on one thread, in order, the first not reported; on two, unknown, so run again on one.
          const running = end.running && !settled.has(end.running.id) ? byId.get(end.running.id) : undefined;
          const culprit = running ?? (lanes.length === 1 ? items.find((it) => !settled.has(it.id)) : undefined);
          if (culprit) {
            settled.add(culprit.id);
            settle(culprit.index, { ok: false, stage: 'run', error: { code: 'sql_runtime', message: `execution thread failed: ${end.message}` }, elapsedMs: end.running?.id === culprit.id ? end.running.elapsedMs : 0 });
          } else oneThread = true;
        }
        const unsettled = items.filter((it) => !settled.has(it.id));
        if (cancelled) {
          for (const it of unsettled) settle(it.index, cancelledOutcome(runningMs.get(it.id) ?? 0));
          break;
        }
        if (!again) {
          for (const it of unsettled) settle(it.index, { ok: false, stage: 'run', error: { code: 'internal', message: 'the execution thread returned no verdict' }, elapsedMs: 0 });
          break;
        }
        queue = unsettled.map((it) => it.index);
      }
      return out.map((o) => o ?? { ok: false as const, stage: 'run' as const, error: { code: 'internal', message: 'not run' }, elapsedMs: 0 });
    });
  }

  /**
   * One thread's part of a batch round: sends the items, reports verdicts as they come, watches the running
   * statement's allowance and the signal. A thread that ends other than 'done' is replaced before this returns.
   */
  private async runBatch(thread: ExecThread, o: {
    items: Array<ExecItem & { id: number }>;
    claim: SharedArrayBuffer | undefined;
    timeoutMs: number;
    signal: AbortSignal | undefined;
    accept: (r: BatchResult) => void;
  }): Promise<BatchEnd> {
    const { timeoutMs, signal } = o;
    const ids = new Set(o.items.map((it) => it.id));
    const mine = new Set<number>();
    thread.busy(1);
    const end = await new Promise<BatchEnd>((resolve) => {
      let over = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (e: BatchEnd) => {
        if (over) return;
        over = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(e);
      };
      const onAbort = () => finish({ kind: 'cancelled', running: thread.clock.running() });
      const accept = (results: readonly BatchResult[]) => {
        if (over) return;
        for (const r of results) {
          if (!ids.has(r.id) || mine.has(r.id)) continue;
          mine.add(r.id);
          o.accept(r);
          if (r.reload) return finish({ kind: 'reload' });
        }
      };
      // Looks at the statement running now: over its allowance, it is stopped; otherwise look again when it would be.
      const check = () => {
        const run = thread.clock.running();
        if (run === null || !ids.has(run.id) || mine.has(run.id)) {
          timer = setTimeout(check, Math.min(timeoutMs, BATCH_POLL_MS));
        } else if (run.elapsedMs >= timeoutMs) {
          finish({ kind: 'timeout', id: run.id, elapsedMs: run.elapsedMs });
        } else {
          timer = setTimeout(check, Math.max(1, timeoutMs - run.elapsedMs));
        }
      };
      timer = setTimeout(check, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) return onAbort(); // aborted before the listener was added: it would never fire
      thread.channel.call('batch', { items: o.items, flushAfterMs: BATCH_FLUSH_MS, ...(o.claim ? { claim: o.claim } : {}) }, {
        onProgress: (p) => accept(p.results),
      }).then(
        (r) => {
          try {
            accept(r.results);
          } finally {
            finish({ kind: 'done' }); // even when a caller's onResult threw
          }
        },
        (e: unknown) => finish({ kind: 'fatal', message: thread.deathReason ?? (e instanceof Error ? e.message : String(e)), running: thread.clock.running() }),
      );
    }).finally(() => thread.busy(-1));
    if (end.kind !== 'done') {
      const why = { reload: 'the statement changed the in-memory copy', timeout: 'timeout', cancelled: 'cancelled' } as const;
      this.respawn(thread, end.kind === 'fatal' ? end.message : why[end.kind]);
    }
    return end;
  }

  /** Batch item ids: positive int32 (RunningClock holds them in an Int32Array; 0 means none). */
  private newId(): number {
    const id = this.nextId;
    this.nextId = id >= 0x7fffffff ? 1 : id + 1;
    return id;
  }

  /** Tables, columns, keys and sample values (cached per executor, i.e. per file version). */
  schema(samples = 3): Promise<SqlSchema> {
    const cached = this.schemaCache.get(samples);
    if (cached) return cached;
    const p = this.serial(async () => {
      const thread = this.pick();
      await thread.ready;
      thread.busy(1);
      const reply = await thread.channel.call('schema', { samples }, { timeoutMs: this.opts.schemaTimeoutMs }).then(
        (r): ThreadReply | { type: 'timeout' } => ({ type: 'schema', ...r }),
        (e: unknown): ThreadReply | { type: 'timeout' } =>
          e instanceof ChannelError && e.reason === 'timeout' ? { type: 'timeout' } : { type: 'fatal', message: e instanceof Error ? e.message : String(e) },
      ).finally(() => thread.busy(-1));
      if (reply.type === 'timeout') {
        this.respawn(thread, 'schema timeout');
        throw new CodedError('limit_exceeded', `reading the database schema took over ${this.opts.schemaTimeoutMs} ms (schemaTimeoutMs)`);
      }
      if (reply.type === 'schema' && reply.schema) return reply.schema;
      throw new CodedError('sql_db_open', reply.type === 'schema' ? reply.error ?? 'schema failed' : reply.type === 'fatal' ? reply.message : 'schema failed');
    });
    this.schemaCache.set(samples, p);
    p.catch(() => this.schemaCache.delete(samples));
    return p;
  }

  /** The WebAssembly memory of the execution threads in bytes, summed (each is its thread's high-water mark). */
  memory(): Promise<number> {
    return this.serial(async () => {
      let total = 0;
      for (const thread of this.startAll()) {
        await thread.ready;
        thread.busy(1);
        try {
          total += (await thread.channel.call('memory', null, { timeoutMs: 10_000 })).wasmBytes;
        } finally {
          thread.busy(-1);
        }
      }
      return total;
    });
  }

  close(): void {
    this.closed = true;
    for (const t of this.threads) t?.kill('closed');
    this.threads.fill(null);
  }
}

/** SQLite page cache of a thread when ExecutorOptions.cacheBytes is not given. */
export function defaultCacheBytes(fileBytes: number, heapLimit: number): number {
  return Math.min(Math.ceil(fileBytes * 1.1) + (8 << 20), Math.floor(heapLimit / 2));
}

function cacheKey(dbPath: string, st: fs.Stats): string {
  return `${path.resolve(dbPath)}|${st.size}|${st.mtimeMs}`;
}

/** How a batch ended, as executeMany sees it. */
type BatchEnd =
  | { kind: 'done' }
  | { kind: 'reload' }
  | { kind: 'timeout'; id: number; elapsedMs: number }
  | { kind: 'cancelled'; running: { id: number; elapsedMs: number } | null }
  | { kind: 'fatal'; message: string; running: { id: number; elapsedMs: number } | null };

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
