import type { ErrorInfo } from '../errors';

/** One SQLite value as it crosses the worker boundary (JSON-safe). Blobs travel as lower-case hex. */
export type SqlValue = number | string | null | { blob: string };

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
}

export type ExecStage = 'policy' | 'prepare' | 'run';

/** What running one candidate produced. `stage` says how far it got: 'prepare' failures are syntax/name errors. */
export type ExecOutcome =
  | ({ ok: true; rowCount: number; elapsedMs: number } & SqlResultSet)
  | { ok: false; stage: ExecStage; error: ErrorInfo; elapsedMs: number };

export interface ExecLimits {
  /** Wall-clock limit for one statement, ms (default 2000). */
  timeoutMs?: number;
  /** More rows than this is a `sql_too_large` verdict (default 10 000). */
  rowCap?: number;
  /** More result bytes (approximate: text length, blob bytes, 8 per number) is `sql_too_large` (default 16 MiB). */
  byteCap?: number;
}

export const DEFAULT_EXEC_LIMITS: Required<ExecLimits> = { timeoutMs: 2000, rowCap: 10_000, byteCap: 16 * 1024 * 1024 };

/** Result evidence attached to each ranked candidate (the first 50 rows). */
export interface SqlResultEvidence {
  columns: string[];
  rows: SqlValue[][];
  rowCount: number;
}

export const EVIDENCE_ROWS = 50;
