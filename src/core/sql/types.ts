import type { ErrorInfo } from '../errors';

/**
 * One SQLite value as it crosses the worker boundary (JSON-safe). Blobs travel as lower-case hex; an integer outside
 * JavaScript's safe range (|v| > 2^53 - 1) travels as its exact decimal text `{int}` (a Number would collide with
 * its neighbours, and Python's sqlite3, which the reference evaluators use, returns exact ints).
 */
export type SqlValue = number | string | null | { blob: string } | { int: string };

export function isBlob(v: SqlValue): v is { blob: string } {
  return v !== null && typeof v === 'object' && 'blob' in v;
}
export function isBigInt(v: SqlValue): v is { int: string } {
  return v !== null && typeof v === 'object' && 'int' in v;
}
/** An exact integer from SQLite as a SqlValue: a Number when safe, else `{int}`. */
export function intValue(v: bigint): SqlValue {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : { int: v.toString() };
}

/**
 * Storage class of one value, one character per column ('i' integer, 'r' real, 't' text, 'b' blob, 'n' null).
 * Kept because Python's sqlite3 returns int and float apart and test-suite-sql-eval's `unorder_row` sorts by
 * `str(x) + str(type(x))`, so 5 and 5.0 sort differently there.
 */
export type SqlKinds = string;

export interface SqlResultSet {
  columns: string[];
  rows: SqlValue[][];
  /** kinds[r][c] is the storage class of rows[r][c]; when absent, integers are guessed with Number.isInteger. */
  kinds?: SqlKinds[];
  /**
   * Some text value was not valid UTF-8. Text is then decoded as test-suite-sql-eval does (`errors="ignore"`: the
   * invalid bytes are dropped); BIRD's evaluation.py uses sqlite3's default text_factory, which raises on such a value,
   * so under `--match bird` a result with this flag never matches.
   */
  invalidUtf8?: boolean;
}

export type ExecStage = 'policy' | 'prepare' | 'run';

/** What running one candidate produced. `stage` says how far it got: 'prepare' failures are syntax/name errors. */
export type ExecOutcome =
  | ({ ok: true; rowCount: number; elapsedMs: number } & SqlResultSet)
  | { ok: false; stage: ExecStage; error: ErrorInfo; elapsedMs: number };

export interface ExecLimits {
  /** Wall-clock limit for one statement, ms (default 2000). */
  timeoutMs?: number;
  /** More rows than this is a `result_too_large` verdict (default: no row limit, only the byte bound). */
  rowCap?: number;
  /**
   * More result bytes (approximate: text length, blob bytes, 8 per number) is `result_too_large` (default 32 MiB;
   * setting `rewardLens.sql.maxResultMB`, flag `--max-result-mb`). Results are kept whole for comparison: the
   * display shows only the first rows, but execution_match and consensus compare every row.
   */
  byteCap?: number;
}

export const DEFAULT_EXEC_LIMITS: Required<ExecLimits> = { timeoutMs: 2000, rowCap: Number.POSITIVE_INFINITY, byteCap: 32 * 1024 * 1024 };
/** Where the byte bound is set, for the messages of limit errors. */
export const RESULT_LIMIT_NAME = 'rewardLens.sql.maxResultMB / --max-result-mb';

/** Result evidence attached to each ranked candidate (the first 50 rows). */
export interface SqlResultEvidence {
  columns: string[];
  rows: SqlValue[][];
  rowCount: number;
}

export const EVIDENCE_ROWS = 50;
