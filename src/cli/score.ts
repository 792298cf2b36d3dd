/**
 * Scores groups read by the one input reader (src/core/input) with the task's own ranking code: rankSql, rankPatch,
 * rankCharts. `reward-lens rank` and the reward server both call `scoreGroups`, so the same input gives the same
 * numbers through either door. Paths in the input are resolved by the caller's `resolve` (relative to the input file
 * for `rank`, inside `--root` for the server).
 */
import * as fs from 'node:fs';
import { CodedError } from '../core/errors';
import type { InputGroup, InputTask } from '../core/input/groups';
import type { PatchRankGroupInput, PatchRankParams, PatchTestsConfig } from '../core/patch/protocol';
import type { GroupOutput, RankOutput } from '../core/ranking/types';
import { rewardDefinitions } from '../core/rewardVersions';
import type { SqlRankGroupInput, SqlRankOutput, SqlRankParams } from '../core/sql/protocol';
import type { MatchMode } from '../core/sql/resultEq';
import type { MatplotlibOptions } from '../worker/chart/matplotlib';
import { rankCharts, type ChartGroupInput } from '../worker/chart/rankCharts';
import type { ChartRenderer } from '../worker/chart/renderer';
import { rankPatch } from '../worker/patch/rankPatch';
import { rankSql } from '../worker/sql/rankSql';

export type PathKind = 'db' | 'data' | 'file' | 'image';

export interface ScoreOptions {
  weights?: Record<string, number>;
  /** Per-candidate time limit, ms (SQL statement, chart render). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Resolves a path as written in the input; throws CodedError('path_outside_root', ...) to refuse it. */
  resolve: (p: string, kind: PathKind) => string;
  // SQL
  /** Database of groups without `db` (already resolved). */
  defaultDb?: string;
  match?: MatchMode;
  /** Runs SQL groups of one database (the server spreads them over its executor pool). Default: rankSql. */
  runSql?: (params: SqlRankParams, signal?: AbortSignal) => Promise<SqlRankOutput>;
  /** SQL limits and BIRD's pipeline (rank --max-database-mb, --max-result-mb, --compare-budget, --eval-pipeline). */
  sqlLimits?: Pick<SqlRankParams, 'maxDatabaseMB' | 'maxResultMB' | 'compareBudget' | 'evalPipeline'>;
  /** Chart text reward: ChartMimic's pooled exact match (default) or the per-role F1 variant (rank --text-variant). */
  textVariant?: 'chartmimic' | 'per-role';
  // patch
  /** Workspace folder patch candidates' missing files are read from (rank --root). */
  patchRoot?: string;
  tests?: PatchTestsConfig;
  strictSwerl?: boolean;
  /** Patch limit overrides (rank --limit NAME=N), checked by src/core/patch/limits.ts. */
  patchLimits?: Record<string, number>;
  // chart
  renderer?: ChartRenderer;
  defaultData?: string;
  defaultReferenceImage?: string;
  defaultReferenceSpec?: Record<string, unknown>;
  scale?: number;
  outDir?: string;
  inlinePng?: 'auto' | 'always' | 'never';
  matplotlib?: MatplotlibOptions;
}

/** A ranked group as `rank` prints it and the server returns it: the task's own output plus definition ids. */
export type ScoredGroup = GroupOutput & { definitions: Record<string, string> };
export interface ScoreOutput extends RankOutput {
  groups: ScoredGroup[];
}

/** Adds `definitions` (reward name -> definition id, src/core/rewardVersions.ts) for the rewards in the group. */
export function withDefinitions(task: InputTask, g: GroupOutput): ScoredGroup {
  const names = new Set<string>();
  for (const c of g.candidates) for (const k of Object.keys(c.rewards)) names.add(k);
  return Object.assign(g, { definitions: { ...rewardDefinitions(task, [...names].sort()) } });
}

async function scoreSql(groups: readonly InputGroup[], o: ScoreOptions): Promise<GroupOutput[]> {
  // rankSql works on one database per call: batch the groups by database, keep the input order in the output.
  const byDb = new Map<string, { index: number; g: SqlRankGroupInput }[]>();
  groups.forEach((g, index) => {
    const db = g.db !== undefined ? o.resolve(g.db, 'db') : o.defaultDb;
    if (!db) throw new CodedError('bad_request', `group ${JSON.stringify(g.group)} has no database: give "db" in the input or --db`);
    const item: SqlRankGroupInput = { group: g.group, prompt: g.prompt, candidates: g.candidates, reference: g.reference };
    if (g.tagged !== undefined) item.tagged = g.tagged;
    let list = byDb.get(db);
    if (!list) byDb.set(db, (list = []));
    list.push({ index, g: item });
  });
  const out = new Array<GroupOutput>(groups.length);
  const run = o.runSql ?? ((p: SqlRankParams, signal?: AbortSignal) => rankSql(p, signal ? { signal } : {}));
  await Promise.all([...byDb].map(async ([dbPath, items]) => {
    const params: SqlRankParams = { dbPath, groups: items.map((x) => x.g), match: o.match ?? 'test-suite' };
    if (o.weights) params.weights = o.weights;
    if (o.timeoutMs !== undefined) params.timeoutMs = o.timeoutMs;
    if (o.sqlLimits) Object.assign(params, o.sqlLimits);
    const r = await run(params, o.signal);
    r.groups.forEach((g, k) => (out[items[k]!.index] = g));
  }));
  return out;
}

async function scorePatch(groups: readonly InputGroup[], o: ScoreOptions): Promise<GroupOutput[]> {
  const inputs = groups.map((g): PatchRankGroupInput => {
    const files: Record<string, string> = {};
    for (const p of g.filePaths ?? []) {
      const abs = o.resolve(p, 'file');
      try {
        files[p] = fs.readFileSync(abs, 'utf8');
      } catch (e) {
        throw new CodedError('path_unreadable', `${JSON.stringify(p)}: ${(e as NodeJS.ErrnoException).code ?? 'cannot be read'}`);
      }
    }
    for (const [p, text] of Object.entries(g.files ?? {})) Object.defineProperty(files, p, { value: text, enumerable: true, writable: true, configurable: true });
    const item: PatchRankGroupInput = { group: g.group, prompt: g.prompt, candidates: g.candidates, reference: g.reference };
    if (Object.keys(files).length) item.files = files;
    if (g.selection) item.selection = g.selection;
    return item;
  });
  const params: PatchRankParams = { groups: inputs };
  if (o.patchRoot) params.root = o.patchRoot;
  if (o.weights) params.weights = o.weights;
  if (o.tests) params.tests = o.tests;
  if (o.strictSwerl) params.requireThinkSolution = true;
  if (o.patchLimits) params.limits = o.patchLimits;
  const r = await rankPatch(params, o.signal ? { signal: o.signal } : {});
  return r.groups;
}

async function scoreChart(groups: readonly InputGroup[], o: ScoreOptions): Promise<GroupOutput[]> {
  if (!o.renderer) throw new CodedError('internal', 'chart scoring needs a renderer');
  const inputs = groups.map((g): ChartGroupInput => {
    const item: ChartGroupInput = { group: g.group, candidates: g.candidates };
    // Flags fill what a group lacks (as before the shared reader): a spec, an image, a data file.
    const spec = g.referenceSpec ?? o.defaultReferenceSpec;
    if (spec) item.referenceSpec = spec;
    if (g.referenceImage !== undefined) item.referenceImagePath = o.resolve(g.referenceImage, 'image');
    else if (o.defaultReferenceImage) item.referenceImagePath = o.defaultReferenceImage;
    if (g.data !== undefined) item.dataPath = o.resolve(g.data, 'data');
    else if (o.defaultData) item.dataPath = o.defaultData;
    return item;
  });
  const r = await rankCharts(inputs, {
    renderer: o.renderer,
    inlinePng: o.inlinePng ?? 'never',
    ...(o.weights ? { weights: o.weights } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.scale !== undefined ? { scale: o.scale } : {}),
    ...(o.outDir ? { outDir: o.outDir } : {}),
    ...(o.textVariant === 'per-role' ? { textVariant: 'per-role' as const } : {}),
    ...(o.matplotlib ? { matplotlib: o.matplotlib } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return r.groups;
}

export async function scoreGroups(task: InputTask, groups: readonly InputGroup[], o: ScoreOptions): Promise<ScoreOutput> {
  const ranked = task === 'sql' ? await scoreSql(groups, o) : task === 'patch' ? await scorePatch(groups, o) : await scoreChart(groups, o);
  return { groups: ranked.map((g) => withDefinitions(task, g)) };
}
