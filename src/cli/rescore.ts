/**
 * reward-lens rescore --log FILE [--root DIR] [--weights name=w,...] [--json]
 * Re-scores every logged group with today's rewards (the same scoreGroups as `rank` and the server) and reports what
 * moved: rewards whose value changed, totals, the best candidate. The record's paths (database, files, data file) are
 * resolved inside --root (real-path containment: a log is input like any other); a file whose sha256 differs from the
 * logged one is reported, since then the data moved, not only the rewards.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CodedError, toErrorInfo, type ErrorInfo } from '../core/errors';
import type { InputGroup } from '../core/input/groups';
import type { PreferenceRecord } from '../core/preferences/record';
import { parseWeights } from '../core/ranking/ranking';
import { resolveInsideRoot } from '../node/paths';
import { readPreferenceLog } from '../node/preferences/logFile';
import { ChartRenderer } from '../worker/chart/renderer';
import { closeAllExecutors } from '../worker/sql/executor';
import { parseCli, runCommand, UsageError } from './args';
import { scoreGroups, type ScoreOptions } from './score';

export const RESCORE_USAGE = `usage: reward-lens rescore --log FILE [--root DIR] [--weights name=w,...] [--json]

  --log FILE        the preference log (.reward-lens/preferences.jsonl)
  --root DIR        the workspace the logged paths are relative to (default: the folder holding .reward-lens)
  --weights ...     weights for the new totals (default: the weights logged with each group)
  --json            one JSON object: every group's changes
`;

const EPS = 1e-9;

export interface RewardMove {
  index: number;
  reward: string;
  before: number | null;
  after: number | null;
}

export interface RescoredGroup {
  id: string;
  task: string;
  /** Rewards that changed value (appeared, disappeared, or moved by more than 1e-9). */
  moved: RewardMove[];
  totalsBefore: number[];
  totalsAfter: number[];
  bestBefore: number;
  bestAfter: number;
  /** Logged files whose sha256 differs now (the data changed, not only the rewards). */
  changedFiles: string[];
}

export interface RescoreReport {
  groups: RescoredGroup[];
  skipped: { id: string; error: ErrorInfo }[];
  summary: { records: number; rescored: number; moved: number; bestChanged: number; byReward: Record<string, number>; torn: number; invalid: number };
}

function sha256(file: string): string | null {
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return null;
  }
}

function best(totals: number[]): number {
  let b = 0;
  totals.forEach((t, i) => {
    if (t > totals[b]!) b = i;
  });
  return b;
}

/** The group a record describes, in the input reader's shape. */
export function groupOfRecord(r: PreferenceRecord): InputGroup {
  const user = [...r.prompt].reverse().find((m) => m.role === 'user');
  const g: InputGroup = { group: r.id, prompt: user?.content ?? '', candidates: r.candidates.map((c) => c.text), reference: r.context.reference ?? null };
  if (r.task === 'sql' && r.context.database) g.db = r.context.database.path;
  if (r.task === 'patch' && r.context.files?.length) g.filePaths = r.context.files.map((f) => f.path);
  if (r.task === 'chart') {
    if (r.context.dataFile) g.data = r.context.dataFile.path;
    if (g.reference) {
      try {
        const spec = JSON.parse(g.reference) as unknown;
        if (spec && typeof spec === 'object' && !Array.isArray(spec)) g.referenceSpec = spec as Record<string, unknown>;
      } catch {
        // not a spec: reference-free chart rewards
      }
    }
  }
  return g;
}

export async function rescoreLog(log: string, root: string, weights?: Record<string, number>): Promise<RescoreReport> {
  const read = await readPreferenceLog(log);
  const report: RescoreReport = { groups: [], skipped: [], summary: { records: read.records.length, rescored: 0, moved: 0, bestChanged: 0, byReward: {}, torn: read.torn, invalid: read.invalid } };
  let renderer: ChartRenderer | null = null;
  try {
    for (const r of read.records) {
      const g = groupOfRecord(r);
      const opts: ScoreOptions = { resolve: (p) => resolveInsideRoot(root, p), weights: weights ?? r.human.weights };
      if (r.task === 'chart') opts.renderer = renderer ??= new ChartRenderer();
      try {
        if (r.task === 'sql' && !g.db) throw new CodedError('bad_request', 'the record names no database');
        const out = (await scoreGroups(r.task, [g], opts)).groups[0]!;
        const moved: RewardMove[] = [];
        r.candidates.forEach((c, i) => {
          const now = out.candidates[i]!.rewards;
          const names = new Set([...Object.keys(c.rewards), ...Object.keys(now)]);
          for (const k of [...names].sort()) {
            const before = Object.prototype.hasOwnProperty.call(c.rewards, k) ? c.rewards[k] ?? null : null;
            const after = Object.prototype.hasOwnProperty.call(now, k) ? now[k]! : null;
            if (before === null && after === null) continue;
            if (before === null || after === null || Math.abs(before - after) > EPS) moved.push({ index: i, reward: k, before, after });
          }
        });
        const changedFiles: string[] = [];
        const refs = [...(r.context.database ? [r.context.database] : []), ...(r.context.files ?? []), ...(r.context.dataFile ? [r.context.dataFile] : [])];
        for (const f of refs) {
          let abs: string;
          try {
            abs = resolveInsideRoot(root, f.path);
          } catch {
            continue;
          }
          if (sha256(abs) !== f.sha256) changedFiles.push(f.path);
        }
        const totalsBefore = r.candidates.map((c) => c.total);
        const totalsAfter = out.candidates.map((c) => c.total);
        const rg: RescoredGroup = { id: r.id, task: r.task, moved, totalsBefore, totalsAfter, bestBefore: best(totalsBefore), bestAfter: best(totalsAfter), changedFiles };
        report.groups.push(rg);
        report.summary.rescored++;
        if (moved.length) report.summary.moved++;
        if (rg.bestBefore !== rg.bestAfter) report.summary.bestChanged++;
        for (const m of moved) report.summary.byReward[m.reward] = (report.summary.byReward[m.reward] ?? 0) + 1;
      } catch (e) {
        report.skipped.push({ id: r.id, error: toErrorInfo(e) });
      }
    }
  } finally {
    renderer?.dispose();
    closeAllExecutors();
  }
  return report;
}

export function describeRescore(rep: RescoreReport): string {
  const s = rep.summary;
  const lines = [`${s.rescored} of ${s.records} logged groups rescored; ${s.moved} with rewards that moved; best candidate changed in ${s.bestChanged}`];
  const by = Object.entries(s.byReward).sort((a, b) => b[1] - a[1]);
  if (by.length) lines.push(`moved values by reward: ${by.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  for (const g of rep.groups) {
    if (!g.moved.length && !g.changedFiles.length) continue;
    const parts = g.moved.slice(0, 6).map((m) => `#${m.index} ${m.reward} ${m.before ?? '-'} -> ${m.after ?? '-'}`);
    if (g.moved.length > 6) parts.push(`... ${g.moved.length - 6} more`);
    if (g.bestBefore !== g.bestAfter) parts.push(`best #${g.bestBefore} -> #${g.bestAfter}`);
    if (g.changedFiles.length) parts.push(`files changed since logging: ${g.changedFiles.join(', ')}`);
    lines.push(`  ${g.id} (${g.task}): ${parts.join('; ')}`);
  }
  for (const k of rep.skipped) lines.push(`  ${k.id}: not rescored (${k.error.code}: ${k.error.message})`);
  if (s.torn || s.invalid) lines.push(`${s.torn} torn and ${s.invalid} unreadable log lines skipped`);
  return lines.join('\n');
}

export async function rescoreCommand(args: string[]): Promise<number> {
  return runCommand('rescore', RESCORE_USAGE, async () => {
    const a = parseCli(args, { log: { type: 'string' }, root: { type: 'string' }, weights: { type: 'string' }, json: { type: 'boolean' } });
    if (a.help) {
      process.stdout.write(RESCORE_USAGE);
      return 0;
    }
    const log = a.required('log');
    if (!fs.existsSync(log)) throw new UsageError(`--log ${log} does not exist`);
    const dir = path.dirname(path.resolve(log));
    const root = path.resolve(a.str('root') ?? (path.basename(dir) === '.reward-lens' ? path.dirname(dir) : process.cwd()));
    if (!fs.existsSync(root)) throw new UsageError(`--root ${root} does not exist`);
    let weights: Record<string, number> | undefined;
    const w = a.str('weights');
    if (w !== undefined) {
      try {
        weights = parseWeights(w);
      } catch (e) {
        throw new UsageError(`--weights: ${(e as Error).message}`);
      }
    }
    const rep = await rescoreLog(log, root, weights);
    process.stdout.write(a.flag('json') ? JSON.stringify(rep) + '\n' : describeRescore(rep) + '\n');
    return 0;
  });
}
