import type { Database, SqlValue as SqlJsValue } from 'sql.js';
import type { SqlColumn, SqlForeignKey, SqlSchema, SqlTable } from '../../core/sql/schema';
import { intValue, isBlob, type SqlValue } from '../../core/sql/types';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function toSqlValue(v: SqlJsValue | bigint): SqlValue {
  if (v === null || typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'bigint') return intValue(v);
  return { blob: Buffer.from(v).toString('hex') };
}

function rows(db: Database, sql: string): SqlJsValue[][] {
  return db.exec(sql)[0]?.values ?? [];
}

/**
 * Tables, views, columns, keys, row counts and a few distinct sample values per column (the worker's own reads).
 * Views get their columns only: a view's query can be endless (a recursive CTE), and sql.js cannot interrupt a
 * statement, so counting its rows or sampling it could hang the thread before any candidate runs. A table's count
 * and samples are bounded by the file's size.
 */
export function extractSchema(db: Database, samples = 3): SqlSchema {
  const objects = rows(db, "SELECT name, type FROM sqlite_master WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%' ORDER BY type, name");
  const tables: SqlTable[] = [];
  for (const [name, type] of objects) {
    const t = String(name);
    const info = rows(db, `PRAGMA table_info(${quote(t)})`);
    const columns: SqlColumn[] = info.map((r) => ({
      name: String(r[1]),
      type: String(r[2] ?? ''),
      notNull: Number(r[3]) === 1,
      pk: Number(r[5] ?? 0),
      samples: [],
    }));
    const isView = type === 'view';
    for (const c of columns) {
      if (samples <= 0 || isView) break;
      try {
        c.samples = rows(db, `SELECT DISTINCT ${quote(c.name)} FROM ${quote(t)} WHERE ${quote(c.name)} IS NOT NULL LIMIT ${samples}`).map((r) => {
          const v = toSqlValue(r[0] ?? null);
          if (typeof v === 'string' && v.length > 60) return v.slice(0, 60);
          if (v !== null && isBlob(v)) return { blob: v.blob.slice(0, 32) };
          return v;
        });
      } catch {
        c.samples = [];
      }
    }
    const primaryKey = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    const fkRows = type === 'table' ? rows(db, `PRAGMA foreign_key_list(${quote(t)})`) : [];
    const byId = new Map<number, SqlForeignKey>();
    for (const r of fkRows) {
      const id = Number(r[0]);
      const fk = byId.get(id) ?? { columns: [], refTable: String(r[2]), refColumns: [] };
      fk.columns.push(String(r[3]));
      if (r[4] !== null) fk.refColumns.push(String(r[4]));
      byId.set(id, fk);
    }
    let rowCount: number | null = null;
    if (!isView) try {
      rowCount = Number(rows(db, `SELECT count(*) FROM ${quote(t)}`)[0]?.[0] ?? 0);
    } catch {
      rowCount = null;
    }
    tables.push({ name: t, kind: type === 'view' ? 'view' : 'table', columns, primaryKey, foreignKeys: [...byId.values()], rowCount });
  }
  return { tables };
}
