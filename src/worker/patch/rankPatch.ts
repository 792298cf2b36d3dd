/**
 * Patch ranking end to end: load the files the candidates name, score every group in core (similarity, applies,
 * syntax through tree-sitter, size, consensus), optionally run the test command on a temporary copy per
 * candidate, then rank with the shared ranking module. The worker's `patch.rank` and `reward-lens rank --task patch`
 * both call `rankPatch`.
 */
import * as fs from 'node:fs';
import { CodedError } from '../../core/errors';
import { referencedPaths } from '../../core/patch/candidate';
import type { PatchCandidateOutput, PatchGroupOutput, PatchRankGroupInput, PatchRankParams, PatchRankProgress, PatchRankResult, PatchTestEvidence } from '../../core/patch/protocol';
import { PATCH_DEFAULT_WEIGHTS, type SyntaxChecker } from '../../core/patch/rewards';
import { scorePatchGroup } from '../../core/patch/score';
import { mergeWeights, rankGroup } from '../../core/ranking/ranking';
import type { Rewards } from '../../core/ranking/types';
import { insideRoot, runPatchTests } from './testRunner';
import { syntaxCheckerFor } from '../syntax/syntaxPort';

export interface RankPatchOptions {
  signal?: AbortSignal;
  progress?: (p: PatchRankProgress) => void;
  /** Parser port (tests pass a fake); default tree-sitter, with the grammars each group's files need. */
  syntax?: SyntaxChecker;
}

/** Files of the group: the given ones, plus every path a candidate or the reference names that exists under root. */
export function groupFiles(g: PatchRankGroupInput, root: string | null | undefined): Record<string, string> {
  const files: Record<string, string> = { ...(g.files ?? {}) };
  if (!root) return files;
  const texts = [...g.candidates, ...(g.reference ? [g.reference] : [])];
  for (const t of texts) {
    for (const p of referencedPaths(t, g.selection)) {
      if (p in files) continue;
      let abs: string;
      try {
        abs = insideRoot(root, p);
      } catch {
        continue;
      }
      try {
        if (fs.statSync(abs).isFile()) files[p] = fs.readFileSync(abs, 'utf8');
      } catch {
        // not there: the candidate creates it, or names a file that does not exist (its verdict says so)
      }
    }
  }
  return files;
}

/** tree-sitter with the grammars of every file the group names loaded (core calls the checker synchronously). */
function groupSyntaxChecker(g: PatchRankGroupInput, files: Record<string, string>): Promise<SyntaxChecker> {
  const paths = new Set([...Object.keys(files), ...g.candidates.flatMap((t) => referencedPaths(t, g.selection))]);
  return syntaxCheckerFor([...paths], { texts: [...Object.values(files), ...g.candidates], bases: files });
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (x: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

export async function rankPatch(params: PatchRankParams, opts: RankPatchOptions = {}): Promise<PatchRankResult> {
  const checkCancel = () => {
    if (opts.signal?.aborted) throw new CodedError('cancelled', 'ranking cancelled');
  };
  const weights = mergeWeights(PATCH_DEFAULT_WEIGHTS, params.weights);
  const groups: PatchGroupOutput[] = [];
  for (const g of params.groups) {
    checkCancel();
    const files = groupFiles(g, params.root);
    const ctx = g.selection ? { files, selection: g.selection } : { files };
    const syntax = opts.syntax ?? (await groupSyntaxChecker(g, files));
    const scored = scorePatchGroup(g.candidates, ctx, {
      reference: g.reference ?? null,
      syntax,
      ...(params.requireThinkSolution ? { requireThinkSolution: true } : {}),
    });
    for (const c of scored.candidates) opts.progress?.({ group: g.group, index: c.index, stage: 'scored', applies: c.rewards.applies === 1, error: c.error });

    const tests: (PatchTestEvidence | null)[] = scored.candidates.map(() => null);
    if (params.tests && params.root) {
      const cfg = params.tests;
      const root = params.root;
      await mapLimit(scored.candidates, cfg.concurrency ?? 1, async (c, i) => {
        checkCancel();
        if (c.rewards.applies !== 1) return;
        tests[i] = await runPatchTests(root, c.changes, cfg, opts.signal);
        checkCancel();
        opts.progress?.({ group: g.group, index: i, stage: 'tested', applies: true, error: c.error });
      });
    }
    const rewards: Rewards[] = scored.candidates.map((c, i) => {
      const r: Rewards = { ...c.rewards };
      if (params.tests) r.tests = tests[i] ? (tests[i]!.passed ? 1 : 0) : 0;
      return r;
    });
    const ranked = rankGroup(rewards, {
      weights,
      ...(params.gate ? { gate: params.gate } : {}),
      ...(params.thresholds ? { thresholds: params.thresholds } : {}),
      ...(params.transform ? { transform: params.transform } : {}),
    });
    const candidates: PatchCandidateOutput[] = scored.candidates.map((c, i) => {
      const s = ranked.scored[i]!;
      const shown: Record<string, number> = {};
      for (const [k, v] of Object.entries(rewards[i]!)) if (v !== null) shown[k] = v;
      const out: PatchCandidateOutput = {
        index: c.index,
        text: c.text,
        rewards: shown,
        total: s.total,
        advantage: s.advantage,
        rank: s.rank,
        error: c.error,
        format: c.format,
        files: c.changes.map((f) => ({ path: f.path, ...(f.oldPath !== undefined ? { oldPath: f.oldPath } : {}), status: f.status, after: f.after })),
        summary: c.summary,
        diff: c.diff,
        notes: c.notes,
        belowThreshold: s.belowThreshold,
      };
      if (c.similarities) out.similarities = c.similarities;
      if (tests[i]) out.tests = tests[i]!;
      return out;
    });
    groups.push({ group: g.group, allEqual: ranked.allEqual, candidates, weights, referenceError: scored.referenceError });
  }
  return { groups };
}
