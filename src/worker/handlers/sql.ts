import { workerHandlers } from './types';
import type { SqlSchemaResult } from '../../core/sql/protocol';
import { parseSqlExecuteParams, parseSqlRankParams, parseSqlSchemaParams } from '../../core/sql/protocol';
import { getExecutor } from '../sql/executor';
import { rankSql } from '../sql/rankSql';
import { performance } from 'perf_hooks';

/** Worker methods of the sql task (see src/core/protocol/worker.ts). */
export const sqlHandlers = workerHandlers({
  async 'sql.schema'(params): Promise<SqlSchemaResult> {
    const p = parseSqlSchemaParams(params);
    const t0 = performance.now();
    const ex = await getExecutor(p.dbPath, p.maxDatabaseMB ? { maxDatabaseBytes: p.maxDatabaseMB * 1024 * 1024 } : {});
    const loadMs = performance.now() - t0;
    return { schema: await ex.schema(p.samples ?? 3), loadMs };
  },

  async 'sql.execute'(params, ctx) {
    const p = parseSqlExecuteParams(params);
    const ex = await getExecutor(p.dbPath);
    return ex.execute(p.sql, p, ctx.signal);
  },

  async 'sql.rank'(params, ctx) {
    const p = parseSqlRankParams(params);
    return rankSql(p, { signal: ctx.signal, progress: (x) => ctx.progress(x) });
  },
});
