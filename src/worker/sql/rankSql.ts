/**
 * SQL ranking end to end: execute the reference and every candidate on the in-memory copy, compute the rewards, rank
 * each group. The worker's `sql.rank` and the CLI's `rank --task sql` both call `rankSql`.
 */
import { performance } from 'perf_hooks';
import { CodedError } from '../../core/errors';
import { mergeWeights, rankGroup } from '../../core/ranking/ranking';
import { extractSql } from '../../core/sql/extract';
import type { SqlCandidateOutput, SqlGroupOutput, SqlRankGroupInput, SqlRankOutput, SqlRankParams, SqlRankProgress } from '../../core/sql/protocol';
import { computeSqlRewards, type SqlCandidateEval } from '../../core/sql/sqlRewards';
import { EVIDENCE_ROWS, type ExecOutcome, type SqlResultEvidence } from '../../core/sql/types';
import { defaultSqlWeights } from '../../core/sql/weights';
import { getExecutor, type SqlExecutor } from './executor';

export interface RankSqlOptions {
  signal?: AbortSignal;
  progress?: (p: SqlRankProgress) => void;
  /** Use this executor instead of the cached one for params.dbPath (tests, benchmarks). */
  executor?: SqlExecutor;
}

export function evidence(o: ExecOutcome): SqlResultEvidence | null {
  return o.ok ? { columns: o.columns, rows: o.rows.slice(0, EVIDENCE_ROWS), rowCount: o.rowCount } : null;
}

function isTagged(g: SqlRankGroupInput): boolean {
  return g.tagged ?? g.candidates.some((c) => /<answer>/i.test(c));
}

export async function rankSql(params: SqlRankParams, opts: RankSqlOptions = {}): Promise<SqlRankOutput> {
  const ex = opts.executor ?? (await getExecutor(params.dbPath));
  const schema = await ex.schema().catch(() => null);
  const limits = { timeoutMs: params.timeoutMs, rowCap: params.rowCap, byteCap: params.byteCap };
  const checkCancel = () => {
    if (opts.signal?.aborted) throw new CodedError('cancelled', 'ranking cancelled');
  };
  // Sampled candidates repeat themselves; within one call each distinct SQL text runs once.
  const memo = new Map<string, ExecOutcome>();

  const groups: SqlGroupOutput[] = [];
  for (const g of params.groups) {
    checkCancel();
    const reference = g.reference?.trim() ? extractSql(g.reference).sql : null;
    const sqls = g.candidates.map((text) => extractSql(text).sql);
    // The reference and every new statement of the group go to the execution thread in one batch.
    const fresh = [...new Set([...(reference !== null ? [reference] : []), ...sqls])].filter((q) => !memo.has(q));
    const report = (sql: string, o: ExecOutcome) => {
      if (sql === reference) opts.progress?.({ group: g.group, index: -1, outcome: o.ok, error: o.ok ? null : o.error });
      sqls.forEach((q, index) => {
        if (q === sql) opts.progress?.({ group: g.group, index, outcome: o.ok, error: o.ok ? null : o.error });
      });
    };
    for (const sql of [...new Set([...(reference !== null ? [reference] : []), ...sqls])]) {
      if (memo.has(sql)) report(sql, memo.get(sql)!);
    }
    await ex.executeMany(fresh, limits, opts.signal, (i, o) => {
      memo.set(fresh[i]!, o);
      report(fresh[i]!, o);
    });
    checkCancel();
    const goldOutcome = reference !== null ? memo.get(reference)! : null;
    const cands: SqlCandidateEval[] = g.candidates.map((text, index) => ({ text, sql: sqls[index]!, outcome: memo.get(sqls[index]!)! }));
    checkCancel();
    const hasGold = goldOutcome !== null && goldOutcome.ok;
    const rewards = computeSqlRewards(cands, hasGold ? { sql: reference!, outcome: goldOutcome! } : null, {
      match: params.match ?? 'test-suite',
      tagged: isTagged(g),
      schema,
    });
    const weights = mergeWeights(defaultSqlWeights(hasGold), params.weights);
    const ranked = rankGroup(rewards, {
      weights,
      ...(params.gate ? { gate: params.gate } : {}),
      ...(params.thresholds ? { thresholds: params.thresholds } : {}),
      ...(params.transform ? { transform: params.transform } : {}),
    });
    const candidates: SqlCandidateOutput[] = cands.map((c, index) => {
      const s = ranked.scored[index]!;
      const shown: Record<string, number> = {};
      for (const [k, v] of Object.entries(rewards[index]!)) if (v !== null) shown[k] = v;
      return {
        index,
        text: c.text,
        rewards: shown,
        total: s.total,
        advantage: s.advantage,
        rank: s.rank,
        error: c.outcome.ok ? null : c.outcome.error,
        sql: c.sql,
        result: evidence(c.outcome),
        elapsedMs: Math.round(c.outcome.elapsedMs * 1000) / 1000,
        belowThreshold: s.belowThreshold,
      };
    });
    const out: SqlGroupOutput = { group: g.group, allEqual: ranked.allEqual, candidates, weights };
    if (reference !== null && goldOutcome) out.reference = { sql: reference, result: evidence(goldOutcome), error: goldOutcome.ok ? null : goldOutcome.error };
    groups.push(out);
  }
  return { groups };
}

/** Convenience for callers that time things (bench): rankSql plus wall time. */
export async function timedRankSql(params: SqlRankParams, opts: RankSqlOptions = {}): Promise<{ output: SqlRankOutput; ms: number }> {
  const t0 = performance.now();
  const output = await rankSql(params, opts);
  return { output, ms: performance.now() - t0 };
}
