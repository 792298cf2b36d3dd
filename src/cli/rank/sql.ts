/**
 * `reward-lens rank --task sql`: kept as an entry point for callers of the former per-task command; the grammar,
 * input reader and scoring are the shared ones (src/cli/rank.ts, src/core/input/groups.ts, src/cli/score.ts).
 */
import { describeProblems, readGroupLines } from '../../core/input/groups';
import type { SqlRankGroupInput } from '../../core/sql/protocol';
import { rankCommand } from '../rank';

export const RANK_SQL_USAGE =
  'usage: reward-lens rank --task sql --db FILE --input FILE.jsonl [--weights name=w,...] [--match test-suite|bird] [--eval-pipeline] [--timeout-ms N]\n' +
  '       [--max-database-mb N] [--max-result-mb N] [--compare-budget N]\n';

/** Reads the JSONL input into groups; throws listing every bad line with its number. */
export function readSqlRankInput(text: string): SqlRankGroupInput[] {
  const r = readGroupLines(text, 'sql');
  if (r.errors.length) throw new Error(describeProblems(r.errors));
  return r.groups.map((g) => ({ group: g.group, prompt: g.prompt, candidates: g.candidates, reference: g.reference, ...(g.tagged !== undefined ? { tagged: g.tagged } : {}) }));
}

export function rankSqlCommand(args: string[]): Promise<number> {
  return rankCommand(['--task=sql', ...args]);
}
