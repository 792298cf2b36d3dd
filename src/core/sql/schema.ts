/** The database schema as extracted by the worker (src/worker/sql/schemaExtract.ts), used for prompts and checks. */
import type { SqlValue } from './types';
import type { SqlRefs } from './sqlRefs';

export interface SqlColumn {
  name: string;
  /** Declared type as written (SQLite is dynamically typed; may be ''). */
  type: string;
  notNull: boolean;
  /** 1-based position in the primary key, 0 when not part of it. */
  pk: number;
  /** A few distinct non-null values (text truncated), for the prompt. */
  samples: SqlValue[];
}

export interface SqlForeignKey {
  columns: string[];
  refTable: string;
  refColumns: string[];
}

export interface SqlTable {
  name: string;
  kind: 'table' | 'view';
  columns: SqlColumn[];
  primaryKey: string[];
  foreignKeys: SqlForeignKey[];
  rowCount: number | null;
}

export interface SqlSchema {
  tables: SqlTable[];
}

/**
 * Whether every table and column the query names exists (schema_valid). CTE names, CTE columns and `AS` aliases
 * count as existing; names are compared case-insensitively, as SQLite does.
 */
export function refsExist(refs: SqlRefs, schema: SqlSchema): boolean {
  const tables = new Set(schema.tables.map((t) => t.name.toLowerCase()));
  const columns = new Set(schema.tables.flatMap((t) => t.columns.map((c) => c.name.toLowerCase())));
  for (const x of [...refs.cteNames, ...refs.columnAliases, ...refs.cteColumns]) columns.add(x);
  for (const x of refs.cteNames) tables.add(x);
  // rowid and its aliases exist on every ordinary table.
  for (const x of ['rowid', 'oid', '_rowid_']) columns.add(x);
  return refs.tables.every((t) => tables.has(t)) && refs.columns.every((c) => columns.has(c));
}
