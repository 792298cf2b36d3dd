/** Params and results of the worker method `patch.rank` and of `reward-lens rank --task patch`. */
import { CodedError, type ErrorInfo } from '../errors';
import type { RankOptions } from '../ranking/ranking';
import type { CandidateOutput, GroupOutput, RankOutput } from '../ranking/types';
import type { CandidateFormat, FileStatus, Selection } from './candidate';
import { mergeLimits, type PatchLimits } from './limits';
import type { PatchSummary } from './rewards';
import { isJsonObject as isObj } from '../guards';

export interface PatchRankGroupInput {
  group: string;
  prompt: string;
  /** Completions as the model wrote them: search/replace blocks, a unified diff, or the rewritten code. */
  candidates: string[];
  /** A reference patch (any of the three formats): enables SWE-RL's `similarity`. */
  reference?: string | null;
  /** path -> current text. Paths a candidate touches that are not here are read from `root` (when given). */
  files?: Record<string, string>;
  /** The region a whole-file rewrite replaces. */
  selection?: Selection | null;
  /** path -> VS Code language id, where the editor knows it (chooses the syntax grammar before the file extension). */
  languageIds?: Record<string, string>;
}

export interface PatchTestsConfig {
  /** Shell command run in a temporary copy of `root` with the candidate applied; exit code 0 = pass. */
  command: string;
  /** Default 120,000 ms. The whole process group is killed at the limit. */
  timeoutMs?: number;
  /** Candidates tested at once (default 1; each gets its own copy). */
  concurrency?: number;
  /**
   * Run the command in the Linux sandbox (default true): every mount read-only but the copy and a scratch folder
   * (TMPDIR, the tools' caches), loopback network only, credentials and privileged sockets covered, and nothing it
   * starts outlives it. Where it cannot be made the reward is refused
   * (not_available). false: the command runs with the user's own rights.
   */
  sandbox?: boolean;
}

export interface PatchRankParams {
  groups: PatchRankGroupInput[];
  /** Workspace folder: where missing files are read from, and what `tests` copies. Never written to. */
  root?: string | null;
  /** Overrides of PATCH_DEFAULT_WEIGHTS; 0 switches a reward off. */
  weights?: Record<string, number>;
  gate?: string[];
  thresholds?: Record<string, number>;
  transform?: RankOptions['transform'];
  /** Opt-in test runs (the extension sends this only in a trusted workspace with `rewardLens.patch.runTests` on). */
  tests?: PatchTestsConfig | null;
  /** SWE-RL's strict format: <think>/<solution> tags required around search/replace blocks. */
  requireThinkSolution?: boolean;
  /** Overrides of DEFAULT_PATCH_LIMITS (sizes, time per candidate and per group). */
  limits?: Partial<PatchLimits>;
}

export interface PatchFileEvidence {
  path: string;
  oldPath?: string;
  status: FileStatus;
  /** The file's text after the candidate is applied (null: deleted). The extension diffs it against the original. */
  after: string | null;
}

export interface PatchTestEvidence {
  passed: boolean;
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  /** Last lines of stdout+stderr. */
  outputTail: string;
  /** Why the command did not run (the candidate could not be written into the sandbox). */
  error?: ErrorInfo;
}

export interface PatchCandidateOutput extends CandidateOutput {
  format: CandidateFormat | null;
  files: PatchFileEvidence[];
  summary: PatchSummary;
  /** git-style diff of the change with difflib hunks (what similarity compares), for display. */
  diff: string;
  /** e.g. "hunk 1 applied at line 5, not at line 40". */
  notes: string[];
  similarities?: { path: string; similarity: number }[];
  tests?: PatchTestEvidence;
  belowThreshold: string[];
}

export interface PatchGroupOutput extends GroupOutput {
  candidates: PatchCandidateOutput[];
  weights: Record<string, number>;
  referenceError: ErrorInfo | null;
  /** Why the group was not scored at all (a group-level limit); every candidate carries it too. */
  error?: ErrorInfo;
}

export interface PatchRankResult extends RankOutput {
  groups: PatchGroupOutput[];
}

/** One message per scored candidate (before tests run), then one per test run. */
export interface PatchRankProgress {
  group: string;
  index: number;
  stage: 'scored' | 'tested';
  applies: boolean;
  error: ErrorInfo | null;
}


function bad(message: string): never {
  throw new CodedError('bad_request', message);
}

function numberMap(x: unknown, what: string): Record<string, number> | undefined {
  if (x === undefined || x === null) return undefined;
  if (!isObj(x)) return bad(`${what} must be an object of numbers`);
  const out = Object.create(null) as Record<string, number>;
  for (const [k, v] of Object.entries(x)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) bad(`${what}.${k} must be a finite number`);
    out[k] = v as number;
  }
  return out;
}

function stringMap(x: unknown, what: string): Record<string, string> | undefined {
  if (x === undefined || x === null) return undefined;
  if (!isObj(x)) return bad(`${what} must be an object {path: text}`);
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(x)) {
    if (typeof v !== 'string') bad(`${what}[${JSON.stringify(k)}] must be a string`);
    out[k] = v as string;
  }
  return out;
}

/** Narrows `unknown` params of `patch.rank`; throws CodedError('bad_request') naming the first bad field. */
export function parsePatchRankParams(x: unknown): PatchRankParams {
  if (!isObj(x)) return bad('params must be an object');
  if (!Array.isArray(x.groups)) bad('groups must be an array');
  const groups = (x.groups as unknown[]).map((g, i): PatchRankGroupInput => {
    if (!isObj(g)) return bad(`groups[${i}] must be an object`);
    if (!Array.isArray(g.candidates) || !g.candidates.every((c) => typeof c === 'string')) bad(`groups[${i}].candidates must be an array of strings`);
    if (g.reference !== undefined && g.reference !== null && typeof g.reference !== 'string') bad(`groups[${i}].reference must be a string`);
    const out: PatchRankGroupInput = {
      group: typeof g.group === 'string' ? g.group : String(g.group ?? i),
      prompt: typeof g.prompt === 'string' ? g.prompt : '',
      candidates: g.candidates as string[],
      reference: (g.reference as string | null | undefined) ?? null,
    };
    const files = stringMap(g.files, `groups[${i}].files`);
    if (files) out.files = files;
    const languageIds = stringMap(g.languageIds, `groups[${i}].languageIds`);
    if (languageIds) out.languageIds = languageIds;
    if (g.selection !== undefined && g.selection !== null) {
      const s = g.selection;
      if (!isObj(s) || typeof s.path !== 'string' || typeof s.start !== 'number' || typeof s.end !== 'number') bad(`groups[${i}].selection must be {path, start, end}`);
      const sel = s as Record<string, unknown>;
      out.selection = { path: sel.path as string, start: sel.start as number, end: sel.end as number };
    }
    return out;
  });
  const out: PatchRankParams = { groups };
  if (x.root !== undefined && x.root !== null) {
    if (typeof x.root !== 'string') bad('root must be a string');
    out.root = x.root as string;
  }
  const w = numberMap(x.weights, 'weights');
  if (w) out.weights = w;
  const t = numberMap(x.thresholds, 'thresholds');
  if (t) out.thresholds = t;
  if (Array.isArray(x.gate)) out.gate = x.gate.map(String);
  if (isObj(x.transform)) out.transform = x.transform as unknown as NonNullable<RankOptions['transform']>;
  if (x.tests !== undefined && x.tests !== null) {
    const tc = x.tests;
    if (!isObj(tc) || typeof tc.command !== 'string' || !tc.command.trim()) bad('tests.command must be a non-empty string');
    const tt = tc as Record<string, unknown>;
    const cfg: PatchTestsConfig = { command: tt.command as string };
    if (tt.timeoutMs !== undefined) {
      if (typeof tt.timeoutMs !== 'number' || !(tt.timeoutMs > 0)) bad('tests.timeoutMs must be a positive number');
      cfg.timeoutMs = tt.timeoutMs as number;
    }
    if (tt.concurrency !== undefined) {
      if (typeof tt.concurrency !== 'number' || !(tt.concurrency >= 1)) bad('tests.concurrency must be >= 1');
      cfg.concurrency = Math.floor(tt.concurrency as number);
    }
    out.tests = cfg;
  }
  if (x.requireThinkSolution === true) out.requireThinkSolution = true;
  const lim = numberMap(x.limits, 'limits');
  if (lim) {
    mergeLimits(lim);
    out.limits = lim;
  }
  return out;
}
