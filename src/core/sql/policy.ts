/**
 * The default execution policy: exactly one read-only statement (SELECT, WITH ... SELECT, VALUES, EXPLAIN of one of
 * those). Everything else gets a verdict naming the reason and is never executed. This is the static half; the
 * executor re-checks at run time (query_only, result columns present, no row changed), so a lexer bug here cannot
 * turn into a write.
 */
import type { ErrorInfo } from '../errors';
import { lex, splitStatements, type Token } from './lexer';
import { ParseCache } from './parseCache';

export type ReadOnlyKind = 'select' | 'values' | 'with' | 'explain';
export type PolicyVerdict = { ok: true; kind: ReadOnlyKind } | { ok: false; error: ErrorInfo };

export interface PolicyOptions {
  /** Longer query texts are refused before lexing (default 100 000 characters). */
  maxLength?: number;
}

export const DEFAULT_MAX_SQL_LENGTH = 100_000;

const WRITE = new Set(['INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'UPSERT', 'MERGE', 'TRUNCATE']);
const DDL = new Set(['CREATE', 'DROP', 'ALTER', 'REINDEX', 'ANALYZE', 'VACUUM']);
const TXN = new Set(['BEGIN', 'COMMIT', 'END', 'ROLLBACK', 'SAVEPOINT', 'RELEASE']);
/** Functions that reach outside the database or change the connection (none is compiled into sql.js; refused anyway). */
const FORBIDDEN_FUNCTIONS = new Set(['LOAD_EXTENSION', 'READFILE', 'WRITEFILE', 'EDIT', 'FTS3_TOKENIZER', 'SQLITE_DBPAGE']);

const refuse = (code: ErrorInfo['code'], message: string): PolicyVerdict => ({ ok: false, error: { code, message } });

/** Verdicts under the default length limit, kept across calls (src/core/sql/parseCache.ts). */
export const policyCache = new ParseCache<PolicyVerdict>();

export function checkReadOnly(sql: string, opts: PolicyOptions = {}): PolicyVerdict {
  const maxLength = opts.maxLength ?? DEFAULT_MAX_SQL_LENGTH;
  if (maxLength !== DEFAULT_MAX_SQL_LENGTH) return checkReadOnlyUncached(sql, { maxLength });
  const v = policyCache.get('sqlite', sql, (s) => checkReadOnlyUncached(s));
  // A copy: the verdict's error becomes part of an outcome the caller owns.
  return v.ok ? { ...v } : { ok: false, error: { ...v.error } };
}

/** checkReadOnly without the cache (tests compare the two). */
export function checkReadOnlyUncached(sql: string, opts: PolicyOptions = {}): PolicyVerdict {
  const maxLength = opts.maxLength ?? DEFAULT_MAX_SQL_LENGTH;
  if (sql.length > maxLength) return refuse('sql_too_large', `query text is ${sql.length} characters; the limit is ${maxLength}`);
  const { tokens, error } = lex(sql);
  if (error !== null) {
    // An unterminated literal swallows the rest of the input, so nothing can hide behind it; still, do not run it.
    const first = tokens[0];
    return first && first.kind === 'word' && ['SELECT', 'WITH', 'VALUES', 'EXPLAIN'].includes(first.value)
      ? refuse('sql_syntax', error)
      : refuse('sql_not_sql', error);
  }
  const statements = splitStatements(tokens);
  if (statements.length === 0) return refuse('sql_not_sql', 'no SQL statement found');
  // Python's sqlite3 (which the reference evaluators run queries with) refuses any text after the `;` that ends the
  // first statement other than whitespace and comments, an empty statement (`SELECT 1;;`) included.
  const first = tokens.findIndex((t) => t.kind !== 'semi');
  const end = tokens.findIndex((t, i) => i > first && t.kind === 'semi');
  if (statements.length === 1 && end >= 0 && end < tokens.length - 1) {
    return refuse('sql_multiple_statements', 'an empty statement follows the first one (`;;`); exactly one statement is run');
  }
  if (statements.length > 1) {
    // Name the first problem: "DROP TABLE t; SELECT 1" is a DDL verdict, "SELECT 1; DROP TABLE t" a multi-statement one.
    const first = classify(statements[0]!, 0);
    if (!first.ok && first.error.code !== 'sql_syntax') return first;
    const leads = statements.map((s) => (s[0]?.kind === 'word' ? s[0].value : s[0]?.text ?? '?')).join(', ');
    return refuse('sql_multiple_statements', `${statements.length} statements (${leads.slice(0, 200)}); exactly one read-only statement is run`);
  }
  const stmt = statements[0]!;
  for (let i = 0; i + 1 < stmt.length; i++) {
    const t = stmt[i]!;
    if ((t.kind === 'word' || t.kind === 'ident') && FORBIDDEN_FUNCTIONS.has(t.value.toUpperCase()) && stmt[i + 1]!.text === '(') {
      return refuse('sql_not_read_only', `${t.value.toLowerCase()}() is not allowed`);
    }
  }
  return classify(stmt, 0);
}

function classify(stmt: readonly Token[], at: number): PolicyVerdict {
  const t = stmt[at];
  if (!t) return refuse('sql_not_sql', 'statement ends early');
  if (t.kind !== 'word') return refuse('sql_not_sql', `a statement cannot start with ${JSON.stringify(t.text.slice(0, 40))}`);
  const kw = t.value;
  if (kw === 'SELECT') return { ok: true, kind: 'select' };
  if (kw === 'VALUES') return { ok: true, kind: 'values' };
  if (kw === 'WITH') return classifyWith(stmt, at + 1);
  if (kw === 'EXPLAIN') {
    let j = at + 1;
    if (stmt[j]?.value === 'QUERY' && stmt[j + 1]?.value === 'PLAN') j += 2;
    const inner = classify(stmt, j);
    return inner.ok ? { ok: true, kind: 'explain' } : inner;
  }
  if (WRITE.has(kw)) return refuse('sql_write', `${kw} changes data; only read-only queries are run`);
  if (DDL.has(kw)) return refuse('sql_ddl', `${kw} changes the schema; only read-only queries are run`);
  if (kw === 'ATTACH' || kw === 'DETACH') return refuse('sql_attach', `${kw} changes which databases are open; not allowed`);
  if (kw === 'PRAGMA') return refuse('sql_pragma', 'PRAGMA statements are not run');
  if (TXN.has(kw)) return refuse('sql_not_read_only', `${kw} (transaction control) is not run`);
  return refuse('sql_not_sql', `${JSON.stringify(t.text.slice(0, 40))} does not start a SQL statement`);
}

/**
 * Whether the text holds no statement at all (empty, blank, only comments and `;`). Python's sqlite3 runs such a text
 * without error and returns no rows, so the reference evaluators compare it as an empty result.
 */
export function isEmptySql(sql: string): boolean {
  const { tokens, error } = lex(sql);
  return error === null && tokens.every((t) => t.kind === 'semi');
}

/** Skips a balanced parenthesised group starting at `at` (which must be '('); returns the index after it, or -1. */
function skipParens(stmt: readonly Token[], at: number): number {
  if (stmt[at]?.text !== '(') return -1;
  let depth = 0;
  for (let i = at; i < stmt.length; i++) {
    const x = stmt[i]!.text;
    if (stmt[i]!.kind !== 'op') continue;
    if (x === '(') depth++;
    else if (x === ')' && --depth === 0) return i + 1;
  }
  return -1;
}

/** WITH [RECURSIVE] name [(cols)] AS [NOT] [MATERIALIZED] (...) [, ...] <main statement> */
function classifyWith(stmt: readonly Token[], at: number): PolicyVerdict {
  let i = at;
  if (stmt[i]?.value === 'RECURSIVE') i++;
  for (;;) {
    const name = stmt[i];
    if (!name || (name.kind !== 'word' && name.kind !== 'ident')) return refuse('sql_syntax', 'WITH: expected a table name');
    i++;
    if (stmt[i]?.text === '(') {
      i = skipParens(stmt, i);
      if (i < 0) return refuse('sql_syntax', 'WITH: unbalanced parentheses');
    }
    if (stmt[i]?.value !== 'AS') return refuse('sql_syntax', 'WITH: expected AS');
    i++;
    if (stmt[i]?.value === 'NOT') i++;
    if (stmt[i]?.value === 'MATERIALIZED') i++;
    i = skipParens(stmt, i);
    if (i < 0) return refuse('sql_syntax', 'WITH: expected a parenthesised query');
    if (stmt[i]?.text === ',') {
      i++;
      continue;
    }
    break;
  }
  const main = classify(stmt, i);
  if (!main.ok) return main;
  if (main.kind === 'explain') return refuse('sql_syntax', 'EXPLAIN cannot follow WITH');
  return { ok: true, kind: 'with' };
}
