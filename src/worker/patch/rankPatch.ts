/**
 * Patch ranking end to end: load the files the candidates name, score every group in core (similarity, applies,
 * syntax through tree-sitter, size, consensus), optionally run the test command on a temporary copy per
 * candidate, then rank with the shared ranking module. The worker's `patch.rank` and `reward-lens rank --task patch`
 * both call `rankPatch`.
 */
import * as fs from 'node:fs';
import { CodedError, toErrorInfo, type ErrorInfo } from '../../core/errors';
import { candidatePathProblem, referencedPaths, type PatchContext } from '../../core/patch/candidate';
import { limitError, mergeLimits, type PatchLimits } from '../../core/patch/limits';
import type { PatchCandidateOutput, PatchGroupOutput, PatchRankGroupInput, PatchRankParams, PatchRankProgress, PatchRankResult, PatchTestEvidence } from '../../core/patch/protocol';
import { PATCH_DEFAULT_WEIGHTS, type SyntaxChecker } from '../../core/patch/rewards';
import { scorePatchGroupAsync, type ScoredPatchGroup } from '../../core/patch/score';
import { getOwn, newFiles } from '../../core/patch/swerl';
import { mergeWeights, rankGroup } from '../../core/ranking/ranking';
import type { Rewards } from '../../core/ranking/types';
import { resolveInsideRoot } from '../../node/paths';
import { runPatchTests } from './testRunner';
import { syntaxCheckerFor } from '../syntax/syntaxPort';

export interface RankPatchOptions {
  signal?: AbortSignal;
  progress?: (p: PatchRankProgress) => void;
  /** Parser port (tests pass a fake); default tree-sitter, with the grammars each group's files need. */
  syntax?: SyntaxChecker;
  /** The clock of the time limits (tests pass a fake one). */
  now?: () => number;
}

export interface GroupFiles {
  files: Record<string, string>;
  /** Files under root that are binary (NUL bytes or invalid UTF-8): never read as text, never patched. */
  binary: Set<string>;
  /** Paths refused after resolution (a link that leaves the root, a file over maxFileBytes), with the reason. */
  refused: Map<string, ErrorInfo>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Files of the group: the given ones, plus every path a candidate or the reference names that exists under root.
 * Each path is resolved with realpath and must stay inside root's real path (a symlink inside the root that points
 * elsewhere is refused, so no candidate reads outside the root); only regular files are read.
 */
export function groupFiles(g: PatchRankGroupInput, root: string | null | undefined, limits: Pick<PatchLimits, 'maxFileBytes'> = mergeLimits()): GroupFiles {
  const files = newFiles(g.files ?? undefined);
  const out: GroupFiles = { files, binary: new Set(), refused: new Map() };
  if (!root) return out;
  const texts = [...g.candidates, ...(g.reference ? [g.reference] : [])];
  const seen = new Set<string>();
  for (const t of texts) {
    for (const p of referencedPaths(t, g.selection)) {
      if (seen.has(p) || getOwn(files, p) !== undefined) continue;
      seen.add(p);
      if (candidatePathProblem(p)) continue; // the candidate's verdict says why
      let abs: string;
      try {
        abs = resolveInsideRoot(root, p);
      } catch (e) {
        out.refused.set(p, toErrorInfo(e));
        continue;
      }
      let st: fs.Stats;
      try {
        st = fs.statSync(abs);
      } catch {
        continue; // not there: the candidate creates it, or names a file that does not exist (its verdict says so)
      }
      if (!st.isFile()) continue;
      if (st.size > limits.maxFileBytes) {
        out.refused.set(p, limitError('maxFileBytes', limits.maxFileBytes, `${p}: ${st.size} bytes`).toInfo());
        continue;
      }
      let buf: Buffer;
      try {
        buf = fs.readFileSync(abs);
      } catch {
        continue;
      }
      if (buf.includes(0)) {
        out.binary.add(p);
        continue;
      }
      try {
        files[p] = utf8.decode(buf);
      } catch {
        out.binary.add(p);
      }
    }
  }
  return out;
}

/** tree-sitter with the grammars of every file the group names loaded (core calls the checker synchronously). */
function groupSyntaxChecker(g: PatchRankGroupInput, files: Record<string, string>): Promise<SyntaxChecker> {
  const paths = new Set([...Object.keys(files), ...g.candidates.flatMap((t) => referencedPaths(t, g.selection))]);
  const languageIds = g.languageIds ? new Map(Object.entries(g.languageIds)) : undefined;
  return syntaxCheckerFor([...paths], { texts: [...Object.values(files), ...g.candidates], bases: files, ...(languageIds ? { languageIds } : {}) });
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

const pause = () => new Promise<void>((resolve) => setImmediate(resolve));

function groupSizeError(g: PatchRankGroupInput, files: Record<string, string>, limits: PatchLimits): ErrorInfo | null {
  const label = `group ${JSON.stringify(g.group)}`;
  if (g.candidates.length > limits.maxCandidates) return limitError('maxCandidates', limits.maxCandidates, `${label}: ${g.candidates.length} candidates`).toInfo();
  let chars = (g.reference ?? '').length;
  for (const c of g.candidates) chars += c.length;
  for (const k of Object.keys(files)) chars += files[k]!.length;
  if (chars > limits.maxGroupChars) return limitError('maxGroupChars', limits.maxGroupChars, `${label}: ${chars} characters (candidates, reference and files)`).toInfo();
  return null;
}

export async function rankPatch(params: PatchRankParams, opts: RankPatchOptions = {}): Promise<PatchRankResult> {
  const checkCancel = () => {
    if (opts.signal?.aborted) throw new CodedError('cancelled', 'ranking cancelled');
  };
  const weights = mergeWeights(PATCH_DEFAULT_WEIGHTS, params.weights);
  const limits = mergeLimits(params.limits);
  const groups: PatchGroupOutput[] = [];
  for (const g of params.groups) {
    checkCancel();
    await pause();
    const gf = groupFiles(g, params.root, limits);
    const sizeError = groupSizeError(g, gf.files, limits);
    if (sizeError) {
      groups.push(refusedGroup(g, weights, sizeError));
      continue;
    }
    const syntax = opts.syntax ?? (await groupSyntaxChecker(g, gf.files));
    const ctx: PatchContext = { files: gf.files, binary: gf.binary, refused: gf.refused, ...(g.selection ? { selection: g.selection } : {}) };
    const scored: ScoredPatchGroup = await scorePatchGroupAsync(
      g.candidates,
      ctx,
      {
        reference: g.reference ?? null,
        syntax,
        limits,
        group: g.group,
        cancelled: () => opts.signal?.aborted === true,
        ...(opts.now ? { now: opts.now } : {}),
        ...(params.requireThinkSolution ? { requireThinkSolution: true } : {}),
      },
      pause,
    );
    for (const c of scored.candidates) opts.progress?.({ group: g.group, index: c.index, stage: 'scored', applies: c.rewards.applies === 1, error: c.error });

    const tests: (PatchTestEvidence | null)[] = scored.candidates.map(() => null);
    if (params.tests && params.root) {
      const cfg = params.tests;
      const root = params.root;
      await mapLimit(scored.candidates, cfg.concurrency ?? 1, async (c, i) => {
        checkCancel();
        if (c.rewards.applies !== 1) return;
        try {
          tests[i] = await runPatchTests(root, c.changes, cfg, opts.signal);
        } catch (e) {
          const err = toErrorInfo(e);
          if (err.code === 'cancelled') throw e;
          // One candidate that cannot be written into the sandbox fails its own test, not the batch.
          tests[i] = { passed: false, exitCode: null, timedOut: false, durationMs: 0, outputTail: '', error: err };
        }
        checkCancel();
        opts.progress?.({ group: g.group, index: i, stage: 'tested', applies: true, error: tests[i]!.error ?? c.error });
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

/** A group refused as a whole (a group-level limit): every candidate carries the verdict, nothing is ranked. */
function refusedGroup(g: PatchRankGroupInput, weights: Record<string, number>, error: ErrorInfo): PatchGroupOutput {
  const candidates: PatchCandidateOutput[] = g.candidates.map((text, index) => ({
    index,
    text: text.length > 2000 ? text.slice(0, 2000) : text,
    rewards: {},
    total: 0,
    advantage: 0,
    rank: index + 1,
    error,
    format: null,
    files: [],
    summary: { files: 0, added: 0, removed: 0, hunks: 0 },
    diff: '',
    notes: [],
    belowThreshold: [],
  }));
  return { group: g.group, allEqual: true, candidates, weights, referenceError: null, error };
}
