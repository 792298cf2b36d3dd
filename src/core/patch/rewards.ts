/**
 * Patch rewards other than SWE-RL's similarity: applies, syntax, size, consensus, plus the per-candidate summary.
 * Names are fixed (they are the keys of `rewards` in the output and of the user's weights).
 */
import type { ErrorInfo } from '../errors';
import type { FileChange } from './candidate';
import { computeChangeSimilarities, getNormalizedPatch, newFiles, type Files } from './swerl';
import { generateUnifiedDiff } from './unifiedDiff';

export const PATCH_REWARDS = ['similarity', 'similarity_unidiff', 'applies', 'syntax', 'consensus', 'size', 'tests'] as const;
export type PatchRewardName = (typeof PATCH_REWARDS)[number];

/**
 * Default weights. SWE-RL's similarity leads when there is a reference (its range is [-1, 1], -1 for a patch that
 * does not parse or apply); without one, consensus with the group (Con-RAG PS-GRPO style) stands in for it.
 * `applies` and `syntax` are 0/1 checks; `size` only breaks ties towards the minimal change; `tests` (opt-in) is the
 * strongest signal when a test command is configured. `similarity_unidiff` is reported, not weighted.
 */
export const PATCH_DEFAULT_WEIGHTS: Readonly<Record<PatchRewardName, number>> = {
  similarity: 3,
  similarity_unidiff: 0,
  applies: 1,
  syntax: 1,
  consensus: 1,
  size: 0.25,
  tests: 3,
};

export interface PatchSummary {
  files: number;
  added: number;
  removed: number;
  hunks: number;
}

/** Per-file before/after maps of a change set, in SWE-RL's terms (code context, new content). */
export function contextAndNew(changes: readonly FileChange[]): { context: Files; after: Files } {
  const context = newFiles();
  const after = newFiles();
  for (const c of changes) {
    context[c.path] = c.status === 'renamed' || c.before === null ? '' : c.before;
    after[c.path] = c.after ?? '';
    if (c.oldPath !== undefined) {
      context[c.oldPath] = c.before ?? '';
      after[c.oldPath] = '';
    }
  }
  return { context, after };
}

/** The normalised (difflib, n=3, header-less) diff of each changed file: what similarity, consensus and size read. */
export function normalizedPatch(changes: readonly FileChange[], check?: () => void): Files {
  const { context, after } = contextAndNew(changes);
  return getNormalizedPatch(context, after, check);
}

export function summarize(patch: Files): PatchSummary {
  const s: PatchSummary = { files: 0, added: 0, removed: 0, hunks: 0 };
  for (const text of Object.values(patch)) {
    s.files++;
    for (const line of text.split('\n')) {
      const c = line.charCodeAt(0);
      if (c === 0x2b) s.added++;
      else if (c === 0x2d) s.removed++;
      else if (c === 0x40 && line.startsWith('@@ ')) s.hunks++;
    }
  }
  return s;
}

/**
 * size = 1 / (1 + log2(c) + (h − 1) / 2 + (f − 1)), with c = added + removed lines, h = hunks and f = files of the
 * normalised diff; 0 for an empty change. One changed line in one place scores 1; every doubling of the changed
 * lines costs as much as two more hunks or one more file, so among candidates that do the same thing the smallest,
 * most local edit wins. (Reward Lens's own formula: no paper defines one.)
 */
export function sizeReward(s: PatchSummary): number {
  const c = s.added + s.removed;
  if (c === 0) return 0;
  return 1 / (1 + Math.log2(c) + (Math.max(1, s.hunks) - 1) / 2 + (Math.max(1, s.files) - 1));
}

/**
 * consensus_i = mean over the other applicable candidates j of SWE-RL's per-file similarity of i's normalised diff
 * to j's (j standing in for the oracle): group similarity in the spirit of Con-RAG's PS-GRPO. null when no other
 * candidate applies.
 */
export function consensusRewards(patches: readonly (Files | null)[]): (number | null)[] {
  return patches.map((mine, i) => {
    if (mine === null) return null;
    let sum = 0;
    let n = 0;
    patches.forEach((other, j) => {
      if (j === i || other === null) return;
      const sims = computeChangeSimilarities(mine, other);
      // Two no-op candidates agree perfectly; SWE-RL has no value for it (its assert fails).
      const v = sims.length === 0 ? 1 : sims.reduce((a, x) => a + x.similarity, 0) / sims.length;
      sum += v;
      n++;
    });
    return n === 0 ? null : sum / n;
  });
}

/**
 * A parser port: null when the language is not supported, else the first syntax error (or none). `errors`, when the
 * parser counts them, is how many error sites the text has (so an already broken file can be judged on whether a
 * patch adds errors).
 */
export type SyntaxChecker = (path: string, text: string) => { ok: true } | { ok: false; message: string; errors?: number } | null;

/** JSON files need no dependency: JSON.parse is the parser. */
export const jsonSyntaxChecker: SyntaxChecker = (path, text) => {
  if (!/\.json$/i.test(path) || /(^|\/)(tsconfig[^/]*|jsconfig[^/]*|\.eslintrc|settings|launch|tasks|devcontainer)\.json$/i.test(path)) return null;
  try {
    JSON.parse(text);
    return { ok: true };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
};

/** Tries each checker in turn; the first that knows the language answers. */
export function chainCheckers(...checkers: SyntaxChecker[]): SyntaxChecker {
  return (path, text) => {
    for (const c of checkers) {
      const r = c(path, text);
      if (r !== null) return r;
    }
    return null;
  };
}

/**
 * syntax = 1 when every changed file in a supported language parses, 0 when one that parsed before no longer does,
 * null when no changed file is checkable. A file that was already broken is held against the candidate only when the
 * patch adds errors to it (both counts known and the new one higher); without counts it is not held against it.
 */
export function syntaxReward(changes: readonly FileChange[], checker: SyntaxChecker): { value: number | null; error: ErrorInfo | null } {
  let checked = 0;
  for (const c of changes) {
    if (c.after === null) continue;
    const r = checker(c.path, c.after);
    if (r === null) continue;
    checked++;
    if (!r.ok) {
      const before = c.before === null ? null : checker(c.oldPath ?? c.path, c.before);
      if (before !== null && !before.ok) {
        if (before.errors === undefined || r.errors === undefined || r.errors <= before.errors) continue;
        return { value: 0, error: { code: 'patch_syntax', message: `${c.path}: ${r.message} (syntax errors ${before.errors} -> ${r.errors})` } };
      }
      return { value: 0, error: { code: 'patch_syntax', message: `${c.path}: ${r.message}` } };
    }
  }
  return { value: checked === 0 ? null : 1, error: null };
}

/**
 * A git-style unified diff of a change set (for display and for the CLI's evidence), difflib hunks. `patch` (the
 * normalised patch of the same changes) saves recomputing the bodies of files that were not renamed.
 */
export function displayDiff(changes: readonly FileChange[], patch?: Files): string {
  const parts: string[] = [];
  for (const c of changes) {
    const from = c.before === null ? '/dev/null' : `a/${c.oldPath ?? c.path}`;
    const to = c.after === null ? '/dev/null' : `b/${c.path}`;
    const body = patch && c.oldPath === undefined ? (patch[c.path] ?? '') : generateUnifiedDiff(c.before ?? '', c.after ?? '');
    parts.push(`--- ${from}\n+++ ${to}${body ? '\n' + body : ''}`);
  }
  return parts.join('\n');
}
