/** Params and results of the SQL worker methods (`sql.schema`, `sql.execute`, `sql.rank`) and of `rank --task sql`. */
import type { ErrorInfo } from '../errors';
import { CodedError } from '../errors';
import type { GroupOutput, RankOutput, CandidateOutput } from '../ranking/types';
import type { RankOptions } from '../ranking/ranking';
import type { MatchMode } from './resultEq';
import type { SqlSchema } from './schema';
import type { ExecLimits, ExecOutcome, SqlResultEvidence } from './types';
import { isJsonObject as isObj } from '../guards';

export interface SqlSchemaParams {
  dbPath: string;
  /** Largest database file loaded, MB (default 512). */
  maxDatabaseMB?: number;
  /** Sample values per column (default 3). */
  samples?: number;
}
export interface SqlSchemaResult {
  schema: SqlSchema;
  /** Time to read and load the database (0 when it was already loaded), ms. */
  loadMs: number;
}

export interface SqlExecuteParams extends ExecLimits {
  dbPath: string;
  sql: string;
}

export interface SqlRankGroupInput {
  group: string;
  prompt: string;
  /** Completions as the model wrote them; the SQL is taken from <answer>, a fenced block, or the whole text. */
  candidates: string[];
  /** Gold SQL, when known: enables execution_match, schema_linking and ngram. */
  reference?: string | null;
  /** Whether the model was asked for <reasoning>/<answer> output (format reward). Default: any candidate has <answer>. */
  tagged?: boolean;
}

export interface SqlRankParams extends ExecLimits {
  dbPath: string;
  groups: SqlRankGroupInput[];
  /** Overrides of the default weights (src/core/sql/weights.ts); 0 switches a reward off. */
  weights?: Record<string, number>;
  match?: MatchMode;
  /**
   * Compare as the reference evaluation script does by default: under test-suite, both queries go through
   * `postprocess` and `remove_distinct` (first statement only, DISTINCT dropped) before execution_match; BIRD's
   * evaluation.py changes nothing. Default false: queries are compared as written.
   */
  evalPipeline?: boolean;
  /** Largest database file loaded, MB (default 512; setting rewardLens.sql.maxDatabaseMB). */
  maxDatabaseMB?: number;
  /** Largest result kept for comparison, MB (default 32; rewardLens.sql.maxResultMB); byteCap, when given, wins. */
  maxResultMB?: number;
  /** Work budget of the result comparisons of one group, row visits (default 20 000 000; rewardLens.sql.compareBudget). */
  compareBudget?: number;
  thresholds?: RankOptions['thresholds'];
  gate?: RankOptions['gate'];
  transform?: RankOptions['transform'];
}

/** Evidence attached to each SQL candidate, beside the shared CandidateOutput fields. */
export interface SqlCandidateOutput extends CandidateOutput {
  /** The SQL that was run (extracted from the completion). */
  sql: string;
  result: SqlResultEvidence | null;
  elapsedMs: number;
  belowThreshold: string[];
}

export interface SqlGroupOutput extends GroupOutput {
  candidates: SqlCandidateOutput[];
  /** The gold query's own run, when a reference was given (an error here means execution_match could not be scored). */
  reference?: { sql: string; result: SqlResultEvidence | null; error: ErrorInfo | null };
  /** The weights actually used (defaults for with/without gold, overlaid with the caller's). */
  weights: Record<string, number>;
}

export interface SqlRankOutput extends RankOutput {
  groups: SqlGroupOutput[];
}

/** Progress of `sql.rank`: one candidate (or the reference, index -1) finished executing. */
export interface SqlRankProgress {
  group: string;
  index: number;
  outcome: ExecOutcome['ok'];
  error: ErrorInfo | null;
}

const bad = (m: string): never => {
  throw new CodedError('bad_request', m);
};

function limits(o: Record<string, unknown>): ExecLimits {
  const out: ExecLimits = {};
  for (const k of ['timeoutMs', 'rowCap', 'byteCap'] as const) {
    const v = o[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) bad(`${k} must be a positive number`);
    out[k] = v as number;
  }
  const mb = o.maxResultMB;
  if (mb !== undefined && mb !== null) {
    if (typeof mb !== 'number' || !Number.isFinite(mb) || mb <= 0) bad('maxResultMB must be a positive number');
    out.byteCap = Math.floor((mb as number) * 1024 * 1024);
  }
  return out;
}

function weightsOf(v: unknown): Record<string, number> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) return bad('weights must be an object of numbers');
  const out: Record<string, number> = {};
  for (const [k, w] of Object.entries(v)) {
    if (typeof w !== 'number' || !Number.isFinite(w)) bad(`weight ${k} must be a number`);
    out[k] = w as number;
  }
  return out;
}

/** Narrows `unknown` params of `sql.rank`; throws CodedError('bad_request') naming the first problem. */
export function parseSqlRankParams(x: unknown): SqlRankParams {
  if (!isObj(x)) return bad('params must be an object');
  if (typeof x.dbPath !== 'string' || !x.dbPath) bad('dbPath must be a non-empty string');
  if (!Array.isArray(x.groups)) bad('groups must be an array');
  const groups = (x.groups as unknown[]).map((g, i): SqlRankGroupInput => {
    if (!isObj(g)) return bad(`groups[${i}] must be an object`);
    if (!Array.isArray(g.candidates) || !g.candidates.every((c) => typeof c === 'string')) bad(`groups[${i}].candidates must be an array of strings`);
    if (g.reference !== undefined && g.reference !== null && typeof g.reference !== 'string') bad(`groups[${i}].reference must be a string`);
    return {
      group: typeof g.group === 'string' ? g.group : String(g.group ?? i),
      prompt: typeof g.prompt === 'string' ? g.prompt : '',
      candidates: g.candidates as string[],
      reference: (g.reference as string | null | undefined) ?? null,
      ...(typeof g.tagged === 'boolean' ? { tagged: g.tagged } : {}),
    };
  });
  const match = x.match ?? 'test-suite';
  if (match !== 'test-suite' && match !== 'bird') bad('match must be "test-suite" or "bird"');
  const out: SqlRankParams = { dbPath: x.dbPath as string, groups, match: match as MatchMode, ...limits(x) };
  for (const k of ['maxDatabaseMB', 'compareBudget'] as const) {
    const v = x[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) bad(`${k} must be a positive number`);
    out[k] = v as number;
  }
  if (x.evalPipeline !== undefined && typeof x.evalPipeline !== 'boolean') bad('evalPipeline must be a boolean');
  if (x.evalPipeline === true) out.evalPipeline = true;
  const w = weightsOf(x.weights);
  if (w) out.weights = w;
  if (x.thresholds !== undefined) out.thresholds = weightsOf(x.thresholds) ?? {};
  if (Array.isArray(x.gate)) out.gate = x.gate.map(String);
  if (isObj(x.transform)) out.transform = x.transform as unknown as NonNullable<RankOptions['transform']>;
  return out;
}

export function parseSqlSchemaParams(x: unknown): SqlSchemaParams {
  if (!isObj(x) || typeof x.dbPath !== 'string' || !x.dbPath) return bad('dbPath must be a non-empty string');
  return {
    dbPath: x.dbPath,
    ...(typeof x.samples === 'number' ? { samples: x.samples } : {}),
    ...(typeof x.maxDatabaseMB === 'number' && x.maxDatabaseMB > 0 ? { maxDatabaseMB: x.maxDatabaseMB } : {}),
  };
}

export function parseSqlExecuteParams(x: unknown): SqlExecuteParams {
  if (!isObj(x) || typeof x.dbPath !== 'string' || !x.dbPath) return bad('dbPath must be a non-empty string');
  if (typeof x.sql !== 'string') bad('sql must be a string');
  return { dbPath: x.dbPath, sql: x.sql as string, ...limits(x) };
}
