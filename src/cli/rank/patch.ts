/**
 * `reward-lens rank --task patch`: kept as an entry point for callers of the former per-task command; the grammar,
 * input reader and scoring are the shared ones (src/cli/rank.ts, src/core/input/groups.ts, src/cli/score.ts).
 */
import { describeProblems, readGroupLines } from '../../core/input/groups';
import type { PatchRankGroupInput } from '../../core/patch/protocol';
import { rankCommand } from '../rank';

export const RANK_PATCH_USAGE =
  'usage: reward-lens rank --task patch --input FILE.jsonl [--root DIR] [--weights name=w,...] [--tests "CMD"] [--tests-timeout-ms N] [--strict-swerl] [--limit NAME=N,...]\n';

/** Reads the JSONL input into groups; throws listing every bad line with its number. */
export function readPatchRankInput(text: string): PatchRankGroupInput[] {
  const r = readGroupLines(text, 'patch');
  if (r.errors.length) throw new Error(describeProblems(r.errors));
  return r.groups.map((g) => ({
    group: g.group,
    prompt: g.prompt,
    candidates: g.candidates,
    reference: g.reference,
    ...(g.files ? { files: { ...g.files } } : {}),
    ...(g.selection ? { selection: g.selection } : {}),
  }));
}

export function rankPatchCommand(args: string[]): Promise<number> {
  return rankCommand(['--task=patch', ...args]);
}
