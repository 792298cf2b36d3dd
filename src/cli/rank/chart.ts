/**
 * `reward-lens rank --task chart`: kept as an entry point for callers of the former per-task command; the grammar,
 * input reader and scoring are the shared ones (src/cli/rank.ts, src/core/input/groups.ts, src/cli/score.ts).
 * The README's `reference` field (a Vega-Lite spec, or a reference image path) is read like `reference_spec`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeProblems, readGroupLines } from '../../core/input/groups';
import type { ChartGroupInput } from '../../worker/chart/rankCharts';
import { rankCommand } from '../rank';

/** Reads the JSONL file into chart groups (paths relative to the file; flags fill groups that lack them). */
export function readChartGroups(file: string, flags: { data?: string; referenceImage?: string; referenceSpec?: string } = {}): ChartGroupInput[] {
  const r = readGroupLines(fs.readFileSync(file, 'utf8'), 'chart');
  if (r.errors.length) throw new Error(describeProblems(r.errors.map((p) => ({ ...p, where: `${file}:${p.line}` }))));
  const base = path.dirname(path.resolve(file));
  const refSpec = flags.referenceSpec ? (JSON.parse(fs.readFileSync(flags.referenceSpec, 'utf8')) as Record<string, unknown>) : undefined;
  return r.groups.map((g) => {
    const out: ChartGroupInput = { group: g.group, candidates: g.candidates };
    if (g.referenceSpec) out.referenceSpec = g.referenceSpec;
    else if (refSpec) out.referenceSpec = refSpec;
    if (g.referenceImage !== undefined) out.referenceImagePath = path.resolve(base, g.referenceImage);
    else if (flags.referenceImage) out.referenceImagePath = path.resolve(flags.referenceImage);
    if (g.data !== undefined) out.dataPath = path.resolve(base, g.data);
    else if (flags.data) out.dataPath = path.resolve(flags.data);
    return out;
  });
}

export function rankChartCommand(args: string[]): Promise<number> {
  return rankCommand(['--task=chart', ...args]);
}
