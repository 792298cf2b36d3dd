/**
 * One line of the preference log (`.reward-lens/preferences.jsonl`): one sampled group of candidates for one prompt,
 * how the rewards scored them, and what the human did with them. Schema-versioned so exporters can read old logs.
 *
 * What never goes in: secrets (API keys, endpoint URLs with credentials, environment), whole database contents
 * (a SQL candidate's result rows are evidence for the panel, not training data: only the schema and a fingerprint
 * of the database file are logged). `toCandidateRecord` strips evidence for that reason.
 */
import type { ErrorInfo } from '../errors';
import { isErrorInfo } from '../errors';
import type { CandidateOutput } from '../ranking/types';
import { isJsonObject } from '../guards';
import { isChatMessage, type ChatMessage } from '../chat';
import { summarizeLogprobs as summarize, type LogprobSummary } from '../sampling/logprobs';

export const PREFERENCE_SCHEMA = 'reward-lens/preference';
/**
 * 2: adds `rewardDefinitions` (which definition each logged reward follows, src/core/rewardVersions.ts). Version 1
 * records (no definitions) are still read and exported.
 */
export const PREFERENCE_SCHEMA_VERSION = 2;
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [1, 2];

export type TaskKind = 'sql' | 'patch' | 'chart';
export const TASK_KINDS: readonly TaskKind[] = ['sql', 'patch', 'chart'];

export type { ChatMessage } from '../chat';
export { isChatMessage } from '../chat';
export type { LogprobSummary } from '../sampling/logprobs';

export interface FileRef {
  /** Workspace-relative path with forward slashes (absolute only when outside every workspace folder). */
  path: string;
  /** sha256 hex of the file contents when the group was sampled. */
  sha256: string;
}

/** What the rewards needed to score the group; enough to re-score it later, without the data itself. */
export interface RecordContext {
  database?: FileRef & {
    /** `CREATE TABLE ...` statements, as given to the model. */
    schema: string;
  };
  /** Source files the patch candidates edit. */
  files?: FileRef[];
  /** Data file the chart candidates plot. */
  dataFile?: FileRef;
  /** Gold answer given by the user: gold SQL, an oracle patch, a reference chart spec. */
  reference?: string | null;
}

export interface SamplingRecord {
  n: number;
  temperature: number;
  topP: number;
  topK?: number | null;
  maxNewTokens: number;
  seed?: number | null;
}

export interface CandidateRecord {
  index: number;
  text: string;
  tokenCount: number | null;
  logprobs: LogprobSummary | null;
  rewards: Record<string, number | null>;
  total: number;
  advantage: number;
  rank: number;
  error: ErrorInfo | null;
}

export interface PairwisePreference {
  /** Candidate index the human preferred ... */
  chosen: number;
  /** ... over this one. */
  rejected: number;
}

export interface HumanSignal {
  /** Index of the accepted candidate (inserted / applied / saved), or null. */
  accepted: number | null;
  preferences: PairwisePreference[];
  /** Indexes the human rejected explicitly. */
  rejected: number[];
  /** 1-5 rating by candidate index. */
  ratings: Record<string, number>;
  note: string;
  /** Reward weights in force when the human decided (after live re-weighting in the panel). */
  weights: Record<string, number>;
}

export interface PreferenceRecord {
  schema: typeof PREFERENCE_SCHEMA;
  /** 1 or 2; records are written as PREFERENCE_SCHEMA_VERSION. */
  version: 1 | 2;
  id: string;
  /** ISO 8601, UTC. */
  time: string;
  task: TaskKind;
  prompt: ChatMessage[];
  context: RecordContext;
  model: { id: string; sampling: SamplingRecord };
  /** Where the candidates were computed: onnxruntime provider (`cpu`, `cuda`, `webgpu`) or `endpoint`. */
  provider: string;
  /** Every total equal: no GRPO signal (DAPO's dynamic sampling drops such groups). */
  allEqual: boolean;
  candidates: CandidateRecord[];
  human: HumanSignal;
  /**
   * Version 2: reward name -> definition id (`swerl@12f8d90`, `reward-lens@1`) for every reward in `candidates`, so
   * each number can be traced to the code that produced it. The gold answer the rewards used is `context.reference`.
   */
  rewardDefinitions?: Record<string, string>;
}

export function emptyHumanSignal(weights: Record<string, number> = {}): HumanSignal {
  return { accepted: null, preferences: [], rejected: [], ratings: {}, note: '', weights: { ...weights } };
}

/** True when the human said anything about the group. */
export function hasHumanSignal(h: HumanSignal): boolean {
  return h.accepted !== null || h.preferences.length > 0 || h.rejected.length > 0 || Object.keys(h.ratings).length > 0 || h.note.trim() !== '';
}

/** Generation facts per candidate that the ranking output does not carry. */
export interface GenerationFacts {
  tokenCount?: number | null;
  logprobs?: LogprobSummary | null;
}

/** The logged part of a scored candidate: evidence (result rows, images, patched files) is dropped on purpose. */
export function toCandidateRecord(c: CandidateOutput, facts: GenerationFacts = {}): CandidateRecord {
  const rewards: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(c.rewards)) rewards[k] = typeof v === 'number' && Number.isFinite(v) ? v : null;
  const tokenCount = facts.tokenCount ?? (typeof c['tokenCount'] === 'number' ? c['tokenCount'] : null);
  const lp = facts.logprobs ?? (isLogprobSummary(c['logprobs']) ? c['logprobs'] : null);
  return {
    index: c.index,
    text: c.text,
    tokenCount,
    logprobs: lp,
    rewards,
    total: finiteOr(c.total, 0),
    advantage: finiteOr(c.advantage, 0),
    rank: c.rank,
    error: c.error ? { code: c.error.code, message: c.error.message } : null,
  };
}

function finiteOr(x: number, d: number): number {
  return Number.isFinite(x) ? x : d;
}

/** Summary of per-token log-probabilities for a record. Null for an empty list (nothing was sampled). */
export function summarizeLogprobs(lps: readonly number[]): LogprobSummary | null {
  return lps.length === 0 ? null : summarize(lps);
}

// ---------------------------------------------------------------------------------------------------------------
// Guards: the reader and the exporters take lines from disk, written by any version: `unknown` until checked.

type Obj = Record<string, unknown>;
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isStr = (x: unknown): x is string => typeof x === 'string';

/** `count` is checked when present: lines logged before it was part of the summary lack it (nothing reads it back). */
function isLogprobSummary(x: unknown): x is LogprobSummary {
  return isJsonObject(x) && isNum(x.sum) && isNum(x.mean) && isNum(x.min) && (x.count === undefined || isNum(x.count));
}

function isFileRef(x: unknown): x is FileRef {
  return isJsonObject(x) && isStr(x.path) && isStr(x.sha256);
}

function isContext(x: unknown): x is RecordContext {
  if (!isJsonObject(x)) return false;
  if (x.database !== undefined && !(isFileRef(x.database) && isStr((x.database as unknown as Obj).schema))) return false;
  if (x.files !== undefined && !(Array.isArray(x.files) && x.files.every(isFileRef))) return false;
  if (x.dataFile !== undefined && !isFileRef(x.dataFile)) return false;
  if (x.reference !== undefined && x.reference !== null && !isStr(x.reference)) return false;
  return true;
}

function isCandidateRecord(x: unknown): x is CandidateRecord {
  if (!isJsonObject(x)) return false;
  if (!Number.isInteger(x.index) || !isStr(x.text)) return false;
  if (x.tokenCount !== null && !isNum(x.tokenCount)) return false;
  if (x.logprobs !== null && !isLogprobSummary(x.logprobs)) return false;
  if (!isJsonObject(x.rewards) || !Object.values(x.rewards).every((v) => v === null || isNum(v))) return false;
  if (!isNum(x.total) || !isNum(x.advantage) || !Number.isInteger(x.rank)) return false;
  return x.error === null || isErrorInfo(x.error);
}

export function isHumanSignal(x: unknown): x is HumanSignal {
  if (!isJsonObject(x)) return false;
  if (x.accepted !== null && !Number.isInteger(x.accepted)) return false;
  if (!Array.isArray(x.preferences) || !x.preferences.every((p) => isJsonObject(p) && Number.isInteger(p.chosen) && Number.isInteger(p.rejected))) return false;
  if (!Array.isArray(x.rejected) || !x.rejected.every((i) => Number.isInteger(i))) return false;
  if (!isJsonObject(x.ratings) || !Object.values(x.ratings).every((r) => Number.isInteger(r) && (r as number) >= 1 && (r as number) <= 5)) return false;
  if (!isStr(x.note)) return false;
  return isJsonObject(x.weights) && Object.values(x.weights).every(isNum);
}

/** Why `x` is not a current-version preference record, or null when it is one. */
export function checkPreferenceRecord(x: unknown): string | null {
  if (!isJsonObject(x)) return 'not an object';
  if (x.schema !== PREFERENCE_SCHEMA) return `schema is not "${PREFERENCE_SCHEMA}"`;
  if (!READABLE_SCHEMA_VERSIONS.includes(x.version as number)) return `unsupported version ${String(x.version)}`;
  if (x.version === 2 && !(isJsonObject(x.rewardDefinitions) && Object.values(x.rewardDefinitions).every(isStr))) return 'version 2 without rewardDefinitions';
  if (!isStr(x.id) || x.id === '') return 'missing id';
  if (!isStr(x.time) || Number.isNaN(Date.parse(x.time))) return 'bad time';
  if (!TASK_KINDS.includes(x.task as TaskKind)) return `unknown task ${String(x.task)}`;
  if (!Array.isArray(x.prompt) || x.prompt.length === 0 || !x.prompt.every(isChatMessage)) return 'bad prompt';
  if (!isContext(x.context)) return 'bad context';
  const m = x.model;
  if (!isJsonObject(m) || !isStr(m.id) || !isJsonObject(m.sampling)) return 'bad model';
  const s = m.sampling;
  if (!isNum(s.n) || !isNum(s.temperature) || !isNum(s.topP) || !isNum(s.maxNewTokens)) return 'bad sampling';
  if (!isStr(x.provider)) return 'bad provider';
  if (typeof x.allEqual !== 'boolean') return 'bad allEqual';
  if (!Array.isArray(x.candidates) || !x.candidates.every(isCandidateRecord)) return 'bad candidates';
  if (!isHumanSignal(x.human)) return 'bad human signal';
  const idx = new Set((x.candidates as CandidateRecord[]).map((c) => c.index));
  const h = x.human as HumanSignal;
  const refs = [...h.rejected, ...h.preferences.flatMap((p) => [p.chosen, p.rejected]), ...Object.keys(h.ratings).map(Number)];
  if (h.accepted !== null) refs.push(h.accepted);
  if (refs.some((i) => !idx.has(i))) return 'human signal names a candidate that is not in the group';
  return null;
}

export function isPreferenceRecord(x: unknown): x is PreferenceRecord {
  return checkPreferenceRecord(x) === null;
}

/** Candidates by index (indexes are the sampler's, not positions in the array). */
export function candidateByIndex(r: PreferenceRecord, index: number): CandidateRecord | undefined {
  return r.candidates.find((c) => c.index === index);
}
