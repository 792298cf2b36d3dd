/**
 * Scores one group of patch candidates (one prompt, N samples) on everything that needs no process or file system:
 * similarity to a reference (SWE-RL), the unidiff variant, applies, syntax (through an injected parser), size and
 * consensus. The worker adds `tests` and ranks (src/worker/patch/rankPatch.ts).
 */
import type { ErrorInfo } from '../errors';
import type { Rewards } from '../ranking/types';
import { applyCandidate, detectFormat, type ApplyOptions, type ApplyResult, type CandidateFormat, type FileChange, type PatchContext } from './candidate';
import { consensusRewards, displayDiff, jsonSyntaxChecker, normalizedPatch, sizeReward, summarize, syntaxReward, type PatchSummary, type SyntaxChecker } from './rewards';
import { calculateRewardUnidiff, computeChangeSimilarities, type ChangeSimilarity } from './swerl';

export interface ScoreOptions extends ApplyOptions {
  /** A reference patch (any of the three formats) or null. */
  reference?: string | null;
  /** Parser for the syntax reward (the worker passes TypeScript's); JSON only when absent. */
  syntax?: SyntaxChecker;
}

export interface ScoredPatchCandidate {
  index: number;
  text: string;
  format: CandidateFormat | null;
  rewards: Rewards;
  error: ErrorInfo | null;
  changes: FileChange[];
  summary: PatchSummary;
  notes: string[];
  /** git-style diff of the change (difflib hunks), for display. */
  diff: string;
  /** SWE-RL's per-file similarities to the reference, when there is one. */
  similarities?: { path: string; similarity: number }[];
}

export interface ScoredPatchGroup {
  candidates: ScoredPatchCandidate[];
  /** Why the reference could not be used (then `similarity` is null for everyone). */
  referenceError: ErrorInfo | null;
}

function memoChecker(inner: SyntaxChecker): SyntaxChecker {
  const seen = new Map<string, ReturnType<SyntaxChecker>>();
  return (path, text) => {
    const key = `${path}\u0000${text}`;
    let r = seen.get(key);
    if (r === undefined && !seen.has(key)) seen.set(key, (r = inner(path, text)));
    return r ?? null;
  };
}

const EMPTY_SUMMARY: PatchSummary = { files: 0, added: 0, removed: 0, hunks: 0 };

export function scorePatchGroup(candidates: readonly string[], ctx: PatchContext, opts: ScoreOptions = {}): ScoredPatchGroup {
  // Sampled candidates often produce the same file text: parse each distinct text once per group.
  const checker = memoChecker(opts.syntax ?? jsonSyntaxChecker);
  let reference: ApplyResult | null = null;
  let referenceError: ErrorInfo | null = null;
  if (opts.reference) {
    reference = applyCandidate(opts.reference, ctx);
    if (!reference.ok) referenceError = { code: reference.error.code, message: `reference: ${reference.error.message}` };
  }
  // SWE-RL's calculate_reward, with each side's normalised diff computed once per group (not once per pair).
  const oraclePatch = reference?.ok ? normalizedPatch(reference.changes) : null;
  const refIsDiff = opts.reference ? detectFormat(opts.reference) === 'unified-diff' : false;

  const results = candidates.map((text) => applyCandidate(text, ctx, opts));
  const patches = results.map((r) => (r.ok ? normalizedPatch(r.changes) : null));
  const consensus = consensusRewards(patches);

  const scored = results.map((r, index): ScoredPatchCandidate => {
    const text = candidates[index]!;
    const rewards: Rewards = {};
    let similarities: ChangeSimilarity[] | undefined;
    if (oraclePatch) {
      const predPatch = patches[index];
      if (predPatch) {
        similarities = computeChangeSimilarities(predPatch, oraclePatch);
        // No file changed on either side: SWE-RL has no value (its assert fails).
        rewards.similarity = similarities.length === 0 ? null : similarities.reduce((a, x) => a + x.similarity, 0) / similarities.length;
      } else {
        rewards.similarity = -1.0;
      }
      if (refIsDiff && detectFormat(text) === 'unified-diff') rewards.similarity_unidiff = calculateRewardUnidiff([opts.reference!], [text]).reward;
    } else {
      rewards.similarity = null;
    }
    rewards.applies = r.ok ? 1 : 0;
    let error: ErrorInfo | null = r.ok ? null : r.error;
    if (r.ok) {
      const syn = syntaxReward(r.changes, checker);
      rewards.syntax = syn.value;
      error = syn.error;
    } else {
      rewards.syntax = null;
    }
    rewards.consensus = consensus[index] ?? null;
    const patch = patches[index];
    const summary = patch ? summarize(patch) : EMPTY_SUMMARY;
    rewards.size = r.ok ? sizeReward(summary) : 0;
    const out: ScoredPatchCandidate = {
      index,
      text,
      format: r.format,
      rewards,
      error,
      changes: r.ok ? r.changes : [],
      summary,
      notes: r.notes,
      diff: r.ok && patch ? displayDiff(r.changes, patch) : '',
    };
    if (similarities) out.similarities = similarities.map((s) => ({ path: s.path, similarity: s.similarity }));
    return out;
  });
  return { candidates: scored, referenceError };
}
