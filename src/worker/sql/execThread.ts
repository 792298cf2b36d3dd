/**
 * The execution thread: one sql.js database (an in-memory copy of the user's file) and nothing else. It runs in a
 * worker_thread so the parent can stop a runaway query with terminate(): sql.js cannot be interrupted from inside,
 * and it is pure wasm (no native code), so terminating the thread is safe.
 * Run-time defences, in addition to the parent's static policy: PRAGMA query_only (SQLite refuses every write),
 * exactly one statement (the prepared statement's tail must be empty), a statement must return columns (ATTACH,
 * BEGIN, PRAGMA assignments return none), an update hook that flags any row change (the parent then reloads the copy),
 * and a hard heap limit.
 */
import { parentPort, workerData } from 'worker_threads';
import { performance } from 'perf_hooks';
import initSqlJs, { type Database } from 'sql.js';
import { lex } from '../../core/sql/lexer';
import { intValue, isBlob, RESULT_LIMIT_NAME, type ExecOutcome, type SqlValue } from '../../core/sql/types';
import { decodeUtf8Ignore } from '../../core/sql/utf8';
import { extractSchema, toSqlValue } from './schemaExtract';
import { CodedError } from '../../core/errors';
import { messagePortTransport, serve } from '../../node/channel';
import { RunningClock, wasmApi, type BatchResult, type ExecItem, type ThreadData, type ThreadEvents, type ThreadMethods, type WasmModule } from './threadProtocol';

const init = workerData as ThreadData;
const port = parentPort!;
const clock = new RunningClock(init.clock);

let db: Database;
let dbLoaded = false;
/** sql.js's linear memory (the instance's exported memory), for `memory`. */
let wasmMemory: { buffer: ArrayBuffer } | null = null;
let written = false;

type Kind = 'i' | 'r' | 't' | 'b' | 'n';


/** sql.js's StatementIterator implements the iterator protocol's return(); its type declarations leave it out. */
interface ClosableIterator {
  return(): unknown;
}

/** SQLite's prepare-time name errors: the statement is well-formed but names what the database lacks. */
const SCHEMA_ERROR = /^(no such (table|column)|ambiguous column name)/i;

function runOne(sql: string, rowCap: number, byteCap: number): { outcome: ExecOutcome; reload: boolean } {
  const t0 = performance.now();
  const fail = (stage: 'policy' | 'prepare' | 'run', code: string, message: string, reload = false) => ({
    outcome: { ok: false as const, stage, error: { code, message }, elapsedMs: performance.now() - t0 },
    reload,
  });
  let stmt;
  let it;
  let rest = '';
  try {
    it = db.iterateStatements(sql);
    const first = it.next();
    if (first.done) return fail('policy', 'sql_not_sql', 'no SQL statement found');
    stmt = first.value;
    rest = it.getRemainingSQL();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return fail('prepare', SCHEMA_ERROR.test(message) ? 'sql_schema' : 'sql_syntax', message);
  }
  try {
    if (lex(rest).tokens.some((t) => t.kind !== 'semi')) return fail('policy', 'sql_multiple_statements', 'more than one statement');
    const columns = stmt.getColumnNames();
    if (columns.length === 0) return fail('policy', 'sql_not_read_only', 'the statement returns no columns, so it is not a query');
    const rows: SqlValue[][] = [];
    const kinds: string[] = [];
    let bytes = 0;
    let invalidUtf8 = false;
    const mb = (b: number) => (b / (1024 * 1024)).toFixed(b < 1024 * 1024 ? 3 : 0);
    while (stmt.step()) {
      if (rows.length >= rowCap) return fail('run', 'result_too_large', `the result has more than ${rowCap} rows (the row limit)`);
      const raw = (stmt.get as (p: null, c: { useBigInt: boolean }) => Array<SqlValue | bigint | Uint8Array>)(null, { useBigInt: true });
      const row: SqlValue[] = new Array(raw.length);
      let k = '';
      for (let c = 0; c < raw.length; c++) {
        const v = raw[c]!;
        let kind: Kind;
        let sv: SqlValue;
        if (v === null) {
          kind = 'n';
          sv = null;
        } else if (typeof v === 'bigint') {
          kind = 'i';
          sv = intValue(v);
        } else if (typeof v === 'number') {
          kind = 'r';
          sv = v;
        } else if (typeof v === 'string') {
          kind = 't';
          sv = v;
          // sql.js decodes with TextDecoder (U+FFFD for invalid bytes); re-read the bytes and drop what is invalid.
          if (v.includes('\ufffd')) {
            const d = decodeUtf8Ignore((stmt as unknown as { getBlob(i: number): Uint8Array }).getBlob(c));
            sv = d.text;
            if (d.invalid) invalidUtf8 = true;
          }
        } else {
          kind = 'b';
          sv = toSqlValue(v as Uint8Array);
        }
        bytes += typeof sv === 'string' ? sv.length : isBlob(sv) ? sv.blob.length / 2 : 8;
        row[c] = sv;
        k += kind;
      }
      if (bytes > byteCap) return fail('run', 'result_too_large', `the result is larger than ${mb(byteCap)} MB (the limit is set by ${RESULT_LIMIT_NAME})`);
      rows.push(row);
      kinds.push(k);
    }
    if (written || db.getRowsModified() > 0) return fail('run', 'sql_not_read_only', 'the statement changed rows (undone)', true);
    return { outcome: { ok: true, columns, rows, kinds, rowCount: rows.length, elapsedMs: performance.now() - t0, ...(invalidUtf8 ? { invalidUtf8 } : {}) }, reload: false };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const code = /out of memory|too big/i.test(message) ? 'sql_too_large' : /readonly|read-only/i.test(message) ? 'sql_not_read_only' : 'sql_runtime';
    return fail('run', code, message, written);
  } finally {
    // The iterator's return() frees the statement and the iterator's own copy of the SQL text in the wasm heap,
    // which sql.js frees only when iteration runs to its end: stmt.free() alone leaked the text of every query
    // (bench/serve's RSS rose ~25 MB a minute under load).
    try {
      (it as unknown as ClosableIterator).return();
    } catch {
      /* already freed */
    }
  }
}

function isExecItem(x: unknown): x is ExecItem {
  if (typeof x !== 'object' || x === null) return false;
  const i = x as Partial<ExecItem>;
  return typeof i.sql === 'string' && typeof i.rowCap === 'number' && typeof i.byteCap === 'number';
}

function badRequest(what: string): never {
  throw new CodedError('bad_request', `execution thread: ${what}`);
}

/** The parent sends nothing before `ready`; a request that does anyway gets an error, not a crash. */
function loaded(): void {
  if (!dbLoaded) throw new CodedError('not_available', 'execution thread: the database is not loaded yet');
}

const served = serve<ThreadMethods, ThreadEvents>(messagePortTransport(port), {
  async exec(p) {
    loaded();
    if (!isExecItem(p)) badRequest('exec takes {sql, rowCap, byteCap}');
    return runOne(p.sql, p.rowCap, p.byteCap);
  },
  async batch(p, ctx) {
    loaded();
    const items = (p as { items?: unknown } | null)?.items;
    const flushAfterMs = (p as { flushAfterMs?: unknown } | null)?.flushAfterMs;
    const claimBuffer = (p as { claim?: unknown } | null)?.claim;
    if (!Array.isArray(items) || !items.every((i) => isExecItem(i) && typeof (i as { id?: unknown }).id === 'number') || typeof flushAfterMs !== 'number') {
      badRequest('batch takes {items: [{id, sql, rowCap, byteCap}], flushAfterMs, claim?}');
    }
    if (claimBuffer !== undefined && !(claimBuffer instanceof SharedArrayBuffer && claimBuffer.byteLength >= 4)) badRequest('batch: claim must be a SharedArrayBuffer of at least 4 bytes');
    // with a shared counter, the next item nobody has taken; otherwise every item in order
    const claim = claimBuffer instanceof SharedArrayBuffer ? new Int32Array(claimBuffer, 0, 1) : null;
    const list = items as Array<ExecItem & { id: number }>;
    let k = 0;
    const next = () => (claim ? Atomics.add(claim, 0, 1) : k++);
    const t0 = performance.now();
    let done: BatchResult[] = [];
    try {
      for (let i = next(); i < list.length; i = next()) {
        const item = list[i]!;
        // A fast batch answers in one message (each message wakes the parent); a slow one streams its verdicts.
        if (done.length > 0 && performance.now() - t0 >= flushAfterMs) {
          ctx.progress({ results: done });
          done = [];
        }
        clock.begin(item.id);
        const { outcome, reload } = runOne(item.sql, item.rowCap, item.byteCap);
        done.push({ id: item.id, outcome, reload });
        if (reload) break;
      }
    } finally {
      clock.end();
    }
    return { results: done };
  },
  async memory() {
    return { wasmBytes: wasmMemory ? wasmMemory.buffer.byteLength : 0 };
  },
  async schema(p) {
    loaded();
    const samples = (p as { samples?: unknown } | null)?.samples;
    if (typeof samples !== 'number') badRequest('schema takes {samples}');
    try {
      return { schema: extractSchema(db, samples), error: null };
    } catch (e) {
      return { schema: null, error: e instanceof Error ? e.message : String(e) };
    }
  },
});

async function main(): Promise<void> {
  const t0 = performance.now();
  const SQL = await initSqlJs({
    // SQLite's own functions, not sql.js's legacy extension set (which makes log() the natural logarithm and adds
    // median(), stdev(), reverse(), ... that no SQLite has): the reference evaluators run Python's sqlite3.
    useOldExtensionFunctions: false,
    // Emscripten's hook: instantiate the module the parent compiled instead of fetching and compiling the file.
    instantiateWasm(imports: unknown, receive: (instance: unknown, module: WasmModule) => void) {
      void wasmApi.instantiate(init.wasm, imports).then((instance) => {
        const exports = (instance as { exports?: Record<string, unknown> }).exports ?? {};
        const mem = Object.values(exports).find((v): v is { buffer: ArrayBuffer } => typeof v === 'object' && v !== null && (v as { buffer?: unknown }).buffer instanceof ArrayBuffer);
        wasmMemory = mem ?? null;
        receive(instance, init.wasm);
      });
      return {};
    },
  } as unknown as Parameters<typeof initSqlJs>[0]);
  db = new SQL.Database(new Uint8Array(init.db).slice());
  // locking_mode=EXCLUSIVE: the copy is this thread's alone, so SQLite may keep its lock between statements instead
  // of re-acquiring it and re-validating the page cache through the in-memory file system for every statement (about
  // a fifth of sql.js's time on GeoQuery's sub-millisecond statements; bench/sql/README.md).
  db.exec(`PRAGMA hard_heap_limit=${Math.floor(init.heapLimit)}; PRAGMA temp_store=MEMORY; PRAGMA query_only=1; PRAGMA locking_mode=EXCLUSIVE;`);
  if (init.cacheBytes > 0) db.exec(`PRAGMA cache_size=-${Math.ceil(init.cacheBytes / 1024)}`);
  db.updateHook(() => {
    written = true;
  });
  dbLoaded = true;
  served.emit('ready', { loadMs: performance.now() - t0 });
}

main().catch((e: unknown) => served.emit('fatal', { message: e instanceof Error ? e.message : String(e) }));
