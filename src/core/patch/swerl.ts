/**
 * The SWE-RL reward (Wei et al. 2025, facebookresearch/swe-rl `src/swerl/core/reward.py`), reproduced function by
 * function so that the same inputs give the same floats:
 *  - calculateSearchReplaceReward: <think>/<solution> tags, search/replace blocks, -1 on any format error;
 *  - calculateReward: per file SequenceMatcher(None, pred, oracle, autojunk=False).ratio() of the normalised
 *    unified diffs (difflib, n=3, lineterm="", headers dropped), mean over the union of files;
 *  - calculateRewardUnidiff: the same similarity over hunk texts of two sets of unified diffs (python-unidiff's
 *    parse, reproduced in unidiffFiles.ts), never -1, 1.0 when both sides are empty.
 * Known difference: Python iterates the union of paths in set order (hash-seed dependent), so its mean can differ
 * from ours in the last bit; per-file similarities are identical.
 * Path-keyed maps are null-prototype objects: a path `__proto__` or `constructor` is a key like any other.
 */
import { SequenceMatcher } from './sequenceMatcher';
import { generateUnifiedDiff, pyStrip } from './unifiedDiff';
import { filelevelDiff } from './unidiffFiles';

export const THINK_START = '<think>';
export const THINK_END = '</think>';
export const ANSWER_START = '<solution>';
export const ANSWER_END = '</solution>';

/**
 * SWE-RL's SEARCH_REPLACE_REGEX. Python's `.` excludes only "\n" (JS's also excludes "\r", U+2028, U+2029), so it
 * is spelled `[^\n]` here.
 */
export const SEARCH_REPLACE_REGEX = /```[^\n]*?\n### ([^\n]*)\n<<<<<<< SEARCH\n([\s\S]*?)\n=======\n([\s\S]*?)\n>>>>>>> REPLACE\n```/g;

export class FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormatError';
  }
}

export type Files = Record<string, string>;

/** A fresh path -> text map with no prototype (user text as keys must not reach Object.prototype). */
export function newFiles(from?: Files): Files {
  const out = Object.create(null) as Files;
  if (from) for (const k of Object.keys(from)) out[k] = from[k]!;
  return out;
}

/** `d.get(path)` for a path-keyed map: own properties only. */
export function getOwn(files: Files, path: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(files, path) ? files[path] : undefined;
}

function countNonOverlapping(s: string, sub: string): number {
  let n = 0;
  for (let i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length)) n++;
  return n;
}

/** `extract_thought_solution`: exactly one of each tag, non-empty thought. Returns [thought, answer]. */
export function extractThoughtSolution(output: string): [string, string] {
  for (const tag of [THINK_START, THINK_END, ANSWER_START, ANSWER_END]) {
    if (countNonOverlapping(output, tag) !== 1) throw new FormatError(`count of ${tag} is not 1`);
  }
  const thought = pyStrip(output.split(THINK_START)[1]!.split(THINK_END)[0]!);
  const answer = pyStrip(output.split(ANSWER_START)[1]!.split(ANSWER_END)[0]!);
  if (thought.length === 0) throw new FormatError('Thought is empty');
  return [thought, answer];
}

export interface SearchReplace {
  search: string;
  replace: string;
}

/** `parse_search_replace`: path -> edits, paths in first-seen order (Python dict order). */
export function parseSearchReplace(text: string): Map<string, SearchReplace[]> {
  const out = new Map<string, SearchReplace[]>();
  for (const m of text.matchAll(SEARCH_REPLACE_REGEX)) {
    const path = m[1]!;
    let list = out.get(path);
    if (!list) out.set(path, (list = []));
    list.push({ search: m[2]!, replace: m[3]! });
  }
  return out;
}

/**
 * `apply_code_change`: each search (prefixed with "\n" so that it anchors at a line start) must occur in the file
 * (a missing file counts as ""), and every occurrence is replaced (Python's str.replace).
 */
export function applyCodeChange(codeContext: Files, edits: Map<string, SearchReplace[]>, check?: () => void): Files {
  const out = newFiles();
  for (const [path, list] of edits) {
    let content = '\n' + (getOwn(codeContext, path) ?? '');
    for (const { search, replace } of list) {
      check?.();
      if (search === replace) throw new FormatError('Search and replace blocks are identical');
      const s = '\n' + search;
      if (!content.includes(s)) throw new FormatError(`Search block not found in the code: ${s}`);
      content = content.split(s).join('\n' + replace);
    }
    out[path] = content.slice(1);
  }
  return out;
}

/** `get_normalized_patch`: path -> header-less difflib unified diff, only for files that changed. */
export function getNormalizedPatch(codeContext: Files, newContent: Files, check?: () => void): Files {
  const out = newFiles();
  for (const path of Object.keys(newContent)) {
    const patch = generateUnifiedDiff(getOwn(codeContext, path) ?? '', newContent[path]!, 3, check);
    if (patch) out[path] = patch;
  }
  return out;
}

export interface ChangeSimilarity {
  path: string;
  predChange: string;
  oracleChange: string;
  similarity: number;
}

/** `compute_change_similarities`: union of paths; a path changed on one side only scores 0. */
export function computeChangeSimilarities(predPatch: Files, oraclePatch: Files, check?: () => void): ChangeSimilarity[] {
  const paths = new Set([...Object.keys(oraclePatch), ...Object.keys(predPatch)]);
  const out: ChangeSimilarity[] = [];
  for (const path of paths) {
    const predChange = getOwn(predPatch, path) ?? '';
    const oracleChange = getOwn(oraclePatch, path) ?? '';
    let similarity = 0.0;
    if (oracleChange !== '' && predChange !== '') {
      const sm = new SequenceMatcher(null, predChange, oracleChange, false);
      sm.check = check;
      similarity = sm.ratio();
    }
    out.push({ path, predChange, oracleChange, similarity });
  }
  return out;
}

export interface RewardResult {
  reward: number;
  similarities?: ChangeSimilarity[];
  error?: string;
}

/** The mean of the per-file similarities; 1.0 when neither side changes any file (SWE-RL: "they are identical"). */
export function meanSimilarity(sims: readonly ChangeSimilarity[]): number {
  if (sims.length === 0) return 1.0;
  let s = 0;
  for (const x of sims) s += x.similarity;
  return s / sims.length;
}

/** `calculate_reward(code_context, oracle_new_content, pred_new_content)`. */
export function calculateReward(codeContext: Files, oracleNewContent: Files, predNewContent: Files): RewardResult {
  const oraclePatch = getNormalizedPatch(codeContext, oracleNewContent);
  const predPatch = getNormalizedPatch(codeContext, predNewContent);
  const similarities = computeChangeSimilarities(predPatch, oraclePatch);
  return { reward: meanSimilarity(similarities), similarities };
}

/** True when the text carries any of SWE-RL's four tags: it is then read as SWE-RL's tagged answer. */
export function hasSwerlTags(text: string): boolean {
  return [THINK_START, THINK_END, ANSWER_START, ANSWER_END].some((t) => text.includes(t));
}

export type SearchReplaceOutcome =
  | { ok: true; newContent: Files; edits: Map<string, SearchReplace[]>; thought?: string; answer: string }
  | { ok: false; error: FormatError };

/**
 * The parse-and-apply half of `calculate_search_replace_reward`: tags extracted (required when `requireTags`, and
 * whenever the text carries one), blocks parsed, edits applied to `codeContext`; every FormatError is returned.
 * Without tags (Reward Lens's default prompt asks for none) the whole text is the answer.
 */
export function searchReplaceNewContent(codeContext: Files, output: string, requireTags: boolean, check?: () => void): SearchReplaceOutcome {
  const parsed = parseSearchReplaceAnswer(output, requireTags);
  if (!parsed.ok) return parsed;
  try {
    return { ...parsed, newContent: applyCodeChange(codeContext, parsed.edits, check) };
  } catch (e) {
    if (e instanceof FormatError) return { ok: false, error: e };
    throw e;
  }
}

/** The parse half: tags (when required or present), then the blocks; FormatError when there is none. */
export function parseSearchReplaceAnswer(
  output: string,
  requireTags: boolean,
): { ok: true; edits: Map<string, SearchReplace[]>; thought?: string; answer: string } | { ok: false; error: FormatError } {
  try {
    let thought: string | undefined;
    let answer = output;
    if (requireTags || hasSwerlTags(output)) [thought, answer] = extractThoughtSolution(output);
    const edits = parseSearchReplace(answer);
    if (edits.size === 0) throw new FormatError('No valid search blocks found');
    return thought === undefined ? { ok: true, edits, answer } : { ok: true, edits, thought, answer };
  } catch (e) {
    if (e instanceof FormatError) return { ok: false, error: e };
    throw e;
  }
}

/** `calculate_search_replace_reward(code_context, oracle_new_content, output)`: -1.0 on any format error. */
export function calculateSearchReplaceReward(codeContext: Files, oracleNewContent: Files, output: string): RewardResult & { thought?: string; answer?: string } {
  const r = searchReplaceNewContent(codeContext, output, true);
  if (!r.ok) return { reward: -1.0, error: r.error.message };
  return { ...calculateReward(codeContext, oracleNewContent, r.newContent), ...(r.thought !== undefined ? { thought: r.thought } : {}), answer: r.answer };
}

/** `calculate_reward_unidiff(oracle_patches, pred_patches)`: in [0, 1]; 1.0 when neither side has a file diff. */
export function calculateRewardUnidiff(oraclePatches: readonly string[], predPatches: readonly string[], check?: () => void): RewardResult {
  const pred = newFiles();
  const oracle = newFiles();
  for (const p of oraclePatches) Object.assign(oracle, filelevelDiff(p));
  for (const p of predPatches) Object.assign(pred, filelevelDiff(p));
  const similarities = computeChangeSimilarities(pred, oracle, check);
  return { reward: meanSimilarity(similarities), similarities };
}
