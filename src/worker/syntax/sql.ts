/**
 * A SQL parse check that needs no database, with a position. No grammar package ships a prebuilt tree-sitter SQL
 * wasm (@derekstride/tree-sitter-sql publishes sources only, and its install script downloads the tree-sitter CLI),
 * so this uses node-sql-parser's SQLite grammar, already bundled for schema linking (src/core/sql/sqlRefs.ts).
 * That grammar is not SQLite's own and rejects a few valid statements (a backslash as LIKE's ESCAPE character), so
 * this is a pre-check for places with no database; where one exists, SQLite's prepare stays the judge.
 */
import { Parser } from 'node-sql-parser/build/sqlite';

export type SqlSyntaxCheck = { ok: true } | { ok: false; line: number; column: number; message: string };

/** Dialects with a grammar here; node-sql-parser has more, each ~300 KB, added when a caller needs one. */
export type SqlDialect = 'sqlite';

let parser: Parser | null = null;

interface PegError {
  message: string;
  found?: string | null;
  location?: { start: { line: number; column: number } };
}

/** Parses `sql` (one or more statements); on failure the line and column (1-based) and what was found there. */
export function checkSqlSyntax(sql: string, dialect: SqlDialect = 'sqlite'): SqlSyntaxCheck {
  parser ??= new Parser();
  try {
    parser.astify(sql, { database: dialect });
    return { ok: true };
  } catch (e) {
    const err = e as PegError;
    const line = err.location?.start.line ?? 1;
    const column = err.location?.start.column ?? 1;
    // peggy lists every token it would have accepted (hundreds): say what it found instead.
    const what = err.location ? (err.found == null ? 'unexpected end of input' : `syntax error near ${JSON.stringify(err.found)}`) : err.message;
    return { ok: false, line, column, message: `line ${line}:${column}: ${what}` };
  }
}
