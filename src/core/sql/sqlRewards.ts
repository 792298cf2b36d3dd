/**
 * The SQL reward family, computed from execution outcomes (pure: the worker executes, this scores).
 * Every reward is in [0, 1]; `null` means "does not apply" (no gold query, output not tagged, one candidate).
 */
import type { ExecOutcome, SqlResultSet } from './types';
import type { SqlSchema } from './schema';
import { refsExist } from './schema';
import { isEmptySql } from './policy';
import { sqlRefs, schemaLinking } from './sqlRefs';
import { ngramSimilarity } from './ngram';
import { formatReward } from './extract';
import { compareBudget, orderMattersFor, resultsMatch, type CompareBudget, type MatchMode } from './resultEq';
import { CodedError, type ErrorInfo } from '../errors';
import type { SqlRewardName } from './weights';

export interface SqlCandidateEval {
  /** The completion as the model wrote it (for the format reward). */
  text: string;
  /** The SQL taken out of it (extractSql). */
  sql: string;
  outcome: ExecOutcome;
}

export interface SqlGold {
  sql: string;
  outcome: ExecOutcome;
}

export interface SqlRewardOptions {
  match?: MatchMode;
  /** Whether the model was asked for <reasoning>/<answer> output (format reward); otherwise format is null. */
  tagged?: boolean;
  schema?: SqlSchema | null;
  /** Work allowed for comparing results in this group (shared by execution_match and consensus). */
  budget?: CompareBudget;
  /**
   * What execution_match compares when the queries were rewritten first (the reference's evaluation pipeline): the
   * rewritten gold and the rewritten candidates' outcomes, in candidate order. Default: the group's own.
   */
  matchInputs?: { gold: SqlGold; outcomes: readonly ExecOutcome[]; sqls?: readonly string[] };
}

export type SqlRewards = Record<SqlRewardName, number | null>;

const b = (x: boolean): number => (x ? 1 : 0);

/** Prepared = SQLite compiled it: it executed, or failed only while running (timeout, size, runtime error). */
export function prepared(o: ExecOutcome): boolean {
  return o.ok || o.stage === 'run';
}

/**
 * schema_valid: SQLite resolves every name when it prepares a statement, so a prepared statement names only real
 * tables and columns, and "no such table/column" at prepare time means it does not. Otherwise (a syntax error, a
 * refused statement) the names node-sql-parser finds are checked against the schema.
 */
export function schemaValid(c: SqlCandidateEval, schema: SqlSchema | null | undefined): number {
  if (prepared(c.outcome)) return 1;
  if (!c.outcome.ok && /no such (table|column)/i.test(c.outcome.error.message)) return 0;
  if (!schema) return 0;
  const refs = sqlRefs(c.sql);
  return refs ? b(refsExist(refs, schema)) : 0;
}

function asSet(o: ExecOutcome): SqlResultSet | null {
  return o.ok ? o : null;
}

const NO_ROWS: SqlResultSet = { columns: [], rows: [] };

/**
 * What execution_match compares for a query: its result, or no rows for a text with no statement in it (empty,
 * blank, comments only), which Python's sqlite3 runs without error and the reference evaluators compare as `[]`.
 * The policy refuses such a text (nothing to run), so the other rewards still see a refusal.
 */
export function matchSet(sql: string, o: ExecOutcome): SqlResultSet | null {
  if (o.ok) return o;
  return o.stage === 'policy' && isEmptySql(sql) ? NO_ROWS : null;
}

/** Runs one comparison; a budget overrun is returned as its error instead of thrown. */
function tryMatch(match: MatchMode, a: SqlResultSet, c: SqlResultSet, orderMatters: boolean, budget: CompareBudget): boolean | ErrorInfo {
  try {
    return resultsMatch(match, a, c, orderMatters, budget);
  } catch (e) {
    if (e instanceof CodedError && e.code === 'limit_exceeded') return e.toInfo();
    throw e;
  }
}

/**
 * consensus: share of the *other* candidates whose result equals this one's under the match semantics
 * (self-consistency / execution-based minimum Bayes risk). Row order counts only when both queries say ORDER BY.
 * A failing candidate gets 0 and never counts as agreeing. A candidate with a comparison the budget could not
 * decide gets null and that limit error in `notes`.
 */
export function consensusScores(
  cands: readonly SqlCandidateEval[],
  match: MatchMode = 'test-suite',
  budget: CompareBudget = compareBudget(),
  notes: Array<ErrorInfo | null> = [],
): Array<number | null> {
  const n = cands.length;
  if (n < 2) return cands.map(() => null);
  const eq: boolean[][] = Array.from({ length: n }, () => new Array<boolean>(n).fill(false));
  const undecided = new Array<boolean>(n).fill(false);
  for (let i = 0; i < n; i++) {
    const a = asSet(cands[i]!.outcome);
    if (!a) continue;
    for (let j = i + 1; j < n; j++) {
      const c = asSet(cands[j]!.outcome);
      if (!c) continue;
      const orderMatters = orderMattersFor(cands[i]!.sql) && orderMattersFor(cands[j]!.sql);
      const r = tryMatch(match, a, c, orderMatters, budget);
      if (typeof r === 'boolean') eq[i]![j] = eq[j]![i] = r;
      else {
        undecided[i] = undecided[j] = true;
        notes[i] ??= r;
        notes[j] ??= r;
      }
    }
  }
  return cands.map((c, i) => (!c.outcome.ok ? 0 : undecided[i] ? null : eq[i]!.filter(Boolean).length / (n - 1)));
}

export function computeSqlRewards(cands: readonly SqlCandidateEval[], gold: SqlGold | null, opts: SqlRewardOptions = {}): SqlRewards[] {
  return computeSqlRewardsWithNotes(cands, gold, opts).rewards;
}

/**
 * The rewards of a group, and per candidate the limit error (or null) that left a comparison-based reward
 * (execution_match, consensus) undecided, i.e. null.
 */
export function computeSqlRewardsWithNotes(
  cands: readonly SqlCandidateEval[],
  gold: SqlGold | null,
  opts: SqlRewardOptions = {},
): { rewards: SqlRewards[]; notes: Array<ErrorInfo | null> } {
  const match = opts.match ?? 'test-suite';
  const budget = opts.budget ?? compareBudget();
  const notes: Array<ErrorInfo | null> = cands.map(() => null);
  const mGold = opts.matchInputs?.gold ?? gold;
  const mGoldSet = mGold ? matchSet(mGold.sql, mGold.outcome) : null;
  const orderMatters = mGold ? orderMattersFor(mGold.sql) : false;
  const matches = cands.map((c, i): number | null => {
    if (!gold || !mGoldSet) return null;
    const o = opts.matchInputs?.outcomes[i] ?? c.outcome;
    const set = matchSet(opts.matchInputs?.sqls?.[i] ?? c.sql, o);
    if (!set) return 0;
    const r = tryMatch(match, mGoldSet, set, orderMatters, budget);
    if (typeof r === 'boolean') return b(r);
    notes[i] = { code: r.code, message: `execution_match undecided: ${r.message}` };
    return null;
  });
  const consensus = consensusScores(cands, match, budget, notes);
  const rewards = cands.map((c, i) => {
    const o = c.outcome;
    // A refused statement (a write, several statements, not SQL) is not an answer: no partial credit either,
    // as Reasoning-SQL gives 0 to a response without SELECT.
    const refused = !o.ok && o.stage === 'policy';
    return {
      syntax: b(prepared(o)),
      executes: b(o.ok),
      non_empty: b(o.ok && o.rowCount > 0),
      schema_valid: refused ? 0 : schemaValid(c, opts.schema),
      execution_match: matches[i] ?? null,
      // Text-based, as the reference computes them: on the candidate as written, refused or not (a multi-statement
      // candidate is scored on its first statement, as sqlglot's parse_one reads it).
      schema_linking: gold ? schemaLinking(gold.sql, c.sql) : null,
      ngram: gold ? ngramSimilarity(gold.sql, c.sql) : null,
      consensus: consensus[i] ?? null,
      format: opts.tagged ? formatReward(c.text) : null,
    };
  });
  return { rewards, notes };
}

