/**
 * Tables, columns and aliases a query references, from node-sql-parser's AST (sqlite dialect build).
 * node-sql-parser was chosen over regexes and over a hand-written parser: it is pure JS with no Node dependencies
 * (so it may live in src/core), ships a SQLite grammar, and its tableList/columnList already resolve table aliases
 * to table names, which is exactly what schema linking needs. Its grammar is not SQLite's own, so every caller
 * treats `null` (could not parse) as a possible outcome; SQLite's prepare stays the judge of validity.
 */
import { Parser } from 'node-sql-parser/build/sqlite';
import { sqlglotNormalise } from './sqlglot';
import { ParseCache } from './parseCache';

export interface SqlRefs {
  /** Lower-cased table names (CTE names included, as sqlglot's exp.Table would). */
  tables: string[];
  /** Lower-cased column names, `*` excluded (select-list alias references included, as sqlglot's exp.Column would). */
  columns: string[];
  /** Lower-cased table alias -> lower-cased table name. */
  tableAliases: Record<string, string>;
  /** Lower-cased names introduced by `expr AS name`. */
  columnAliases: string[];
  /** Lower-cased CTE names and their declared column names. */
  cteNames: string[];
  cteColumns: string[];
}

const OPT = { database: 'sqlite' };
let parser: Parser | null = null;

function lastPart(entry: string): string {
  const i = entry.lastIndexOf('::');
  return (i >= 0 ? entry.slice(i + 2) : entry).replace(/^["`[]|["`\]]$/g, '').toLowerCase();
}

function nameOf(x: unknown): string | null {
  if (typeof x === 'string') return x;
  if (x && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    if (typeof o.value === 'string') return o.value;
    if (o.expr) return nameOf(o.expr);
  }
  return null;
}

function walk(node: unknown, visit: (o: Record<string, unknown>) => void, depth = 0): void {
  if (depth > 200 || node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const x of node) walk(x, visit, depth + 1);
    return;
  }
  const o = node as Record<string, unknown>;
  visit(o);
  for (const v of Object.values(o)) walk(v, visit, depth + 1);
}

/** node-sql-parser's parses are milliseconds each; gold and candidates repeat (src/core/sql/parseCache.ts). */
export const refsCache = new ParseCache<SqlRefs | null>();

export function sqlRefs(sql: string): SqlRefs | null {
  return refsCache.get('sqlite', sql, computeRefs);
}

/** sqlRefs without the cache (tests compare the two). */
export function sqlRefsUncached(sql: string): SqlRefs | null {
  return computeRefs(sql);
}

function computeRefs(sql: string): SqlRefs | null {
  parser ??= new Parser();
  let tableList: string[];
  let columnList: string[];
  let ast: unknown;
  try {
    // One parse gives the AST and both lists (tableList()/columnList()/astify() would parse three times).
    const r = parser.parse(sql, OPT);
    tableList = r.tableList;
    columnList = r.columnList;
    ast = r.ast;
  } catch {
    return null;
  }
  const tableAliases: Record<string, string> = {};
  const columnAliases = new Set<string>();
  const cteNames = new Set<string>();
  const cteColumns = new Set<string>();
  walk(ast, (o) => {
    if (typeof o.table === 'string' && typeof o.as === 'string' && !('expr' in o)) tableAliases[o.as.toLowerCase()] = o.table.toLowerCase();
    else if ('expr' in o && o.as !== null && o.as !== undefined) {
      const a = nameOf(o.as);
      if (a) columnAliases.add(a.toLowerCase());
    }
    if (Array.isArray(o.with)) {
      for (const w of o.with as Array<Record<string, unknown>>) {
        const n = nameOf(w.name);
        if (n) cteNames.add(n.toLowerCase());
        if (Array.isArray(w.columns)) for (const c of w.columns) {
          const cn = nameOf(c);
          if (cn) cteColumns.add(cn.toLowerCase());
        }
      }
    }
  });
  const tables = [...new Set(tableList.map(lastPart).filter((t) => t && t !== 'null'))];
  const columns = [...new Set(columnList.map(lastPart).filter((c) => c && c !== '(.*)' && c !== '*'))];
  return { tables, columns, tableAliases, columnAliases: [...columnAliases], cteNames: [...cteNames], cteColumns: [...cteColumns] };
}

/**
 * Reasoning-SQL schema linking (RLForSQL utils/database_manager.py `schema_linking_scorer`): recall of the gold
 * query's names, |gold ∩ pred| / |gold|, over the exp.Column names and exp.Table names sqlglot finds in the first
 * statement of each (sqlglot.ts), compared exactly as written (case-sensitive; a double-quoted value is an identifier
 * in SQLite's dialect, so `name = "texas"` names a column `texas`; a string literal names nothing). 0 when either
 * query does not parse (the reference's `except: return 0.0`). A gold naming nothing makes the reference divide by
 * zero and raise; that is 0 here.
 */
export function schemaLinking(goldSql: string, predSql: string): number {
  const g = sqlglotNormalise(goldSql);
  const p = g ? sqlglotNormalise(predSql) : null;
  if (!g || !p) return 0;
  const gold = new Set([...g.columns, ...g.tables]);
  if (gold.size === 0) return 0;
  const pred = new Set([...p.columns, ...p.tables]);
  let hit = 0;
  for (const x of gold) if (pred.has(x)) hit++;
  return hit / gold.size;
}
