/**
 * SQL ranking end to end: execute the reference and every candidate on the in-memory copy, compute the rewards, rank
 * each group. The worker's `sql.rank` and the CLI's `rank --task sql` both call `rankSql`.
 */
import { performance } from 'perf_hooks';
import { CodedError } from '../../core/errors';
import { mergeWeights, rankGroup } from '../../core/ranking/ranking';
import { extractSql } from '../../core/sql/extract';
import type { SqlCandidateOutput, SqlGroupOutput, SqlRankGroupInput, SqlRankOutput, SqlRankParams, SqlRankProgress } from '../../core/sql/protocol';
import { computeSqlRewardsWithNotes, matchSet, type SqlCandidateEval } from '../../core/sql/sqlRewards';
import { replaceCurYear, testSuiteEvalPipeline } from '../../core/sql/evalPipeline';
import { compareBudget } from '../../core/sql/resultEq';
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
  const ex = opts.executor ?? (await getExecutor(params.dbPath, params.maxDatabaseMB ? { maxDatabaseBytes: params.maxDatabaseMB * 1024 * 1024 } : {}));
  const match = params.match ?? 'test-suite';
  // test-suite's exec_on_db_ runs every query through replace_cur_year; BIRD runs queries as given.
  const runnable = (sql: string) => (match === 'test-suite' ? replaceCurYear(sql) : sql);
  const pipeline = params.evalPipeline === true && match === 'test-suite' ? testSuiteEvalPipeline : null;
  const schema = await ex.schema().catch(() => null);
  const byteCap = params.byteCap ?? (params.maxResultMB ? Math.floor(params.maxResultMB * 1024 * 1024) : undefined);
  const limits = { timeoutMs: params.timeoutMs, rowCap: params.rowCap, byteCap };
  const checkCancel = () => {
    if (opts.signal?.aborted) throw new CodedError('cancelled', 'ranking cancelled');
  };
  // Sampled candidates repeat themselves; within one call each distinct SQL text runs once.
  const memo = new Map<string, ExecOutcome>();

  checkCancel();
  // What each group runs: its reference and candidates, and what execution_match compares when the reference's own
  // pipeline rewrites the queries first.
  const plans = params.groups.map((g) => {
    const reference = g.reference?.trim() ? extractSql(g.reference).sql : null;
    const sqls = g.candidates.map((text) => extractSql(text).sql);
    const matchSqls = pipeline ? sqls.map(pipeline) : null;
    const matchRef = pipeline && reference !== null ? pipeline(reference) : null;
    return { g, reference, sqls, matchSqls, matchRef };
  });
  // Every statement of every group goes to the execution thread in one batch (one thread wake-up for the call), each
  // distinct text once; a verdict is reported to each group that contains it as it arrives.
  const fresh = [...new Set(plans.flatMap((p) => [...(p.reference !== null ? [p.reference] : []), ...p.sqls, ...(p.matchRef !== null ? [p.matchRef] : []), ...(p.matchSqls ?? [])]))];
  // Where each text is reported: (group, -1) for a reference, (group, index) for a candidate, in group order.
  const reportTo = new Map<string, Array<{ group: string; index: number }>>();
  if (opts.progress) {
    const add = (sql: string, group: string, index: number) => {
      let list = reportTo.get(sql);
      if (!list) reportTo.set(sql, (list = []));
      list.push({ group, index });
    };
    for (const p of plans) {
      if (p.reference !== null) add(p.reference, p.g.group, -1);
      p.sqls.forEach((q, index) => add(q, p.g.group, index));
    }
  }
  const report = (sql: string, o: ExecOutcome) => {
    for (const { group, index } of reportTo.get(sql) ?? []) opts.progress?.({ group, index, outcome: o.ok, error: o.ok ? null : o.error });
  };
  await ex.executeMany(fresh.map(runnable), limits, opts.signal, (i, o) => {
    memo.set(fresh[i]!, o);
    report(fresh[i]!, o);
  });
  checkCancel();

  const groups: SqlGroupOutput[] = [];
  for (const { g, reference, sqls, matchSqls, matchRef } of plans) {
    const goldOutcome = reference !== null ? memo.get(reference)! : null;
    const cands: SqlCandidateEval[] = g.candidates.map((text, index) => ({ text, sql: sqls[index]!, outcome: memo.get(sqls[index]!)! }));
    const matchGold = matchRef !== null ? memo.get(matchRef)! : null;
    // Under the evaluation pipeline the gold that counts is the rewritten one (it may run where the original does not).
    // A gold with no statement in it (comments only) compares as no rows, as Python's sqlite3 runs it.
    const hasGold = goldOutcome !== null && matchSet(matchRef ?? reference!, matchGold ?? goldOutcome) !== null;
    const { rewards, notes } = computeSqlRewardsWithNotes(cands, hasGold ? { sql: reference!, outcome: goldOutcome! } : null, {
      match,
      tagged: isTagged(g),
      schema,
      budget: compareBudget(params.compareBudget),
      ...(matchSqls && matchGold && matchRef !== null
        ? { matchInputs: { gold: { sql: matchRef, outcome: matchGold }, outcomes: matchSqls.map((q) => memo.get(q)!), sqls: matchSqls } }
        : {}),
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
        error: c.outcome.ok ? notes[index] ?? null : c.outcome.error,
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
