/**
 * Scores one group of patch candidates (one prompt, N samples) on everything that needs no process or file system:
 * similarity to a reference (SWE-RL), the unidiff variant, applies, syntax (through an injected parser), size and
 * consensus. The worker adds `tests` and ranks (src/worker/patch/rankPatch.ts).
 *
 * The work is a generator of small steps (one candidate applied, one similarity, one consensus pair): the worker
 * drives it asynchronously, yielding to its event loop between steps so a cancellation is seen, and every step runs
 * under a work budget (per candidate and per group, PatchLimits) that stops it in the middle when its time is up.
 */
import { CodedError, toErrorInfo, type ErrorInfo } from '../errors';
import type { Rewards } from '../ranking/types';
import { applyCandidate, detectFormat, type ApplyOptions, type ApplyResult, type CandidateFormat, type FileChange, type PatchContext } from './candidate';
import { DEFAULT_PATCH_LIMITS, limitError, raiseHint, WorkBudget, type PatchLimits } from './limits';
import { displayDiff, jsonSyntaxChecker, normalizedPatch, sizeReward, summarize, syntaxReward, type PatchSummary, type SyntaxChecker } from './rewards';
import { calculateRewardUnidiff, computeChangeSimilarities, getNormalizedPatch, meanSimilarity, searchReplaceNewContent, type ChangeSimilarity, type Files } from './swerl';

export interface ScoreOptions extends ApplyOptions {
  /** A reference patch (any of the three formats) or null. */
  reference?: string | null;
  /** Parser for the syntax reward (the worker passes TypeScript's); JSON only when absent. */
  syntax?: SyntaxChecker;
  /** Size and time bounds (default DEFAULT_PATCH_LIMITS). */
  limits?: PatchLimits;
  /** Polled at every budget check: true stops the work with `cancelled`. */
  cancelled?: () => boolean;
  /** The clock of the budgets (tests pass a fake one). */
  now?: () => number;
  /** Group name for messages. */
  group?: string;
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

/** Drives the steps synchronously (no pauses: a cancellation is only seen through `opts.cancelled`). */
export function scorePatchGroup(candidates: readonly string[], ctx: PatchContext, opts: ScoreOptions = {}): ScoredPatchGroup {
  const it = scoreSteps(candidates, ctx, opts);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
  }
}

/** Drives the steps with `pause()` between them (the worker passes a setImmediate, so abort events get through). */
export async function scorePatchGroupAsync(candidates: readonly string[], ctx: PatchContext, opts: ScoreOptions, pause: () => Promise<void>): Promise<ScoredPatchGroup> {
  const it = scoreSteps(candidates, ctx, opts);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
    await pause();
  }
}

/** Runs `fn` under `budget`; a limit error becomes the returned verdict, a cancellation is rethrown. */
function guarded<T>(budget: WorkBudget, fn: (check: () => void) => T): { ok: true; value: T } | { ok: false; error: ErrorInfo } {
  try {
    return { ok: true, value: budget.run(fn) };
  } catch (e) {
    if (e instanceof CodedError && e.code === 'limit_exceeded') return { ok: false, error: e.toInfo() };
    throw e;
  }
}

export function* scoreSteps(candidates: readonly string[], ctx0: PatchContext, opts: ScoreOptions = {}): Generator<void, ScoredPatchGroup, void> {
  const limits = opts.limits ?? DEFAULT_PATCH_LIMITS;
  const now = opts.now ?? Date.now;
  const label = opts.group !== undefined ? `group ${JSON.stringify(opts.group)}` : 'the group';
  const groupBudget = new WorkBudget(
    limits.groupTimeMs,
    () => new CodedError('limit_exceeded', `${label}: scoring took over groupTimeMs=${limits.groupTimeMs} ms; ${raiseHint('groupTimeMs')}`),
    opts.cancelled,
    now,
  ).begin();
  const budgetFor = (what: string) =>
    new WorkBudget(
      limits.candidateTimeMs,
      () => new CodedError('limit_exceeded', `${what}: scoring took over candidateTimeMs=${limits.candidateTimeMs} ms; ${raiseHint('candidateTimeMs')}`),
      opts.cancelled,
      now,
      groupBudget,
    );
  // Sampled candidates often produce the same file text: parse each distinct text once per group.
  const checker = memoChecker(opts.syntax ?? jsonSyntaxChecker);
  const applyOpts: ApplyOptions = opts.requireThinkSolution ? { requireThinkSolution: true } : {};
  const withCheck = (check: () => void): PatchContext => ({ ...ctx0, limits, check });

  let referenceError: ErrorInfo | null = null;
  let oraclePatch: Files | null = null;
  if (opts.reference) {
    if (opts.reference.length > limits.maxPatchChars) {
      referenceError = limitError('maxPatchChars', limits.maxPatchChars, `reference: ${opts.reference.length} characters`).toInfo();
    } else {
      const ref = opts.reference;
      const g = guarded(budgetFor('reference'), (check) => {
        const r = applyCandidate(ref, withCheck(check));
        return r.ok ? { r, patch: normalizedPatch(r.changes, check) } : { r, patch: null };
      });
      if (!g.ok) referenceError = { code: g.error.code, message: `reference: ${g.error.message}` };
      else if (!g.value.r.ok) referenceError = { code: g.value.r.error.code, message: `reference: ${g.value.r.error.message}` };
      else oraclePatch = g.value.patch;
    }
    yield;
  }
  const refIsDiff = opts.reference ? detectFormat(opts.reference) === 'unified-diff' : false;

  interface Work {
    budget: WorkBudget;
    result: ApplyResult | null;
    patch: Files | null;
    /** The candidate's limit verdict (time or size): its rewards are null. */
    limit: ErrorInfo | null;
  }
  const work: Work[] = [];
  for (let index = 0; index < candidates.length; index++) {
    const text = candidates[index]!;
    const w: Work = { budget: budgetFor(`candidate ${index}`), result: null, patch: null, limit: null };
    work.push(w);
    if (text.length > limits.maxPatchChars) {
      w.limit = limitError('maxPatchChars', limits.maxPatchChars, `candidate ${index}: ${text.length} characters`).toInfo();
      continue;
    }
    const g = guarded(w.budget, (check) => {
      const r = applyCandidate(text, withCheck(check), applyOpts);
      return { r, patch: r.ok ? normalizedPatch(r.changes, check) : null };
    });
    if (g.ok) {
      w.result = g.value.r;
      w.patch = g.value.patch;
    } else {
      w.limit = g.error;
    }
    yield;
  }

  const similarity: (number | null)[] = candidates.map(() => null);
  const sims: (ChangeSimilarity[] | undefined)[] = candidates.map(() => undefined);
  const unidiff: (number | null | undefined)[] = candidates.map(() => undefined);
  if (oraclePatch) {
    for (let i = 0; i < candidates.length; i++) {
      const w = work[i]!;
      if (w.limit) continue;
      const oracle = oraclePatch;
      const text = candidates[i]!;
      const g = guarded(w.budget, (check) => {
        let pred = w.patch;
        if (!pred && w.result?.format === 'search-replace') {
          // SWE-RL's own reading of a search/replace answer, even where Reward Lens does not apply it (a path that
          // leaves the root, a binary file, several edits in one fence): the similarity is the reference's value.
          const sr = searchReplaceNewContent(ctx0.files, text, opts.requireThinkSolution === true, check);
          if (sr.ok) pred = getNormalizedPatch(ctx0.files, sr.newContent, check);
        }
        const s = pred ? computeChangeSimilarities(pred, oracle, check) : undefined;
        const u = refIsDiff && detectFormat(candidates[i]!) === 'unified-diff' ? calculateRewardUnidiff([opts.reference!], [candidates[i]!], check).reward : undefined;
        return { s, u };
      });
      if (g.ok) {
        sims[i] = g.value.s;
        // A candidate that does not parse or apply scores -1, as SWE-RL's format errors do.
        similarity[i] = g.value.s ? meanSimilarity(g.value.s) : -1.0;
        unidiff[i] = g.value.u;
      } else {
        w.limit = g.error;
      }
      yield;
    }
  }

  // consensus_i: mean similarity of i's normalised diff to each other applicable candidate's (pairs charged to i).
  const consensus: (number | null)[] = candidates.map(() => null);
  for (let i = 0; i < candidates.length; i++) {
    const mine = work[i]!.patch;
    if (mine === null || work[i]!.limit) continue;
    let sum = 0;
    let n = 0;
    let stopped = false;
    for (let j = 0; j < candidates.length && !stopped; j++) {
      const other = work[j]!.patch;
      if (j === i || other === null || work[j]!.limit) continue;
      const g = guarded(work[i]!.budget, (check) => meanSimilarity(computeChangeSimilarities(mine, other, check)));
      if (g.ok) {
        sum += g.value;
        n++;
      } else {
        work[i]!.limit = g.error;
        stopped = true;
      }
      yield;
    }
    if (!stopped) consensus[i] = n === 0 ? null : sum / n;
  }

  const scored = work.map((w, index): ScoredPatchCandidate => {
    const text = candidates[index]!;
    const r = w.result;
    if (w.limit || r === null) {
      return { index, text, format: r?.format ?? null, rewards: {}, error: w.limit, changes: [], summary: EMPTY_SUMMARY, notes: r?.notes ?? [], diff: '' };
    }
    const rewards: Rewards = {};
    rewards.similarity = oraclePatch ? similarity[index]! : null;
    if (unidiff[index] !== undefined) rewards.similarity_unidiff = unidiff[index]!;
    rewards.applies = r.ok ? 1 : 0;
    let error: ErrorInfo | null = r.ok ? null : r.error;
    if (r.ok) {
      let syn: ReturnType<typeof syntaxReward>;
      try {
        syn = syntaxReward(r.changes, checker);
      } catch (e) {
        syn = { value: null, error: toErrorInfo(e) };
      }
      rewards.syntax = syn.value;
      error = syn.error;
    } else {
      rewards.syntax = null;
    }
    rewards.consensus = consensus[index] ?? null;
    const patch = w.patch;
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
    const s = sims[index];
    if (s) out.similarities = s.map((x) => ({ path: x.path, similarity: x.similarity }));
    return out;
  });
  return { candidates: scored, referenceError };
}
