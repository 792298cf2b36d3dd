/**
 * The one contract between the extension host and the review panel (webview). Every message is declared once here.
 *
 * Order: the panel posts `ready` first (after restoring its own state); the extension queues everything until then.
 * A generation is a session: `session` (what was asked, with which weights), then `candidate` notifications as
 * candidates finish (partial: rewards may still be missing), `progress`, then one `ranked` with the final group, or
 * `failed` with what to do. The panel answers with user actions keyed by session id.
 *
 * Messages arrive as `unknown` on both sides: `isPanelMessage` / `isHostMessage` narrow them, anything else is
 * logged and dropped. Candidate texts are model output: the panel renders them as text only.
 */
import type { ErrorInfo } from '../errors';
import { isErrorInfo } from '../errors';
import type { ChatMessage, HumanSignal, TaskKind } from '../preferences/record';
import { isChatMessage, isHumanSignal } from '../preferences/record';
import type { RankOptions } from '../ranking/ranking';
import { isJsonObject } from '../guards';

export const WEBVIEW_PROTOCOL_VERSION = 1;
export const REVIEW_VIEW_TYPE = 'rewardLens.review';

/** What a reward measures and its range, for the bar and the hover text. */
export interface RewardInfo {
  description: string;
  /** Value range for drawing the bar; omitted: scaled to the largest value in the group. */
  min?: number;
  max?: number;
}

/** SQL evidence: the first rows of the candidate's result on the in-memory database copy. */
export interface SqlResultEvidence {
  columns: string[];
  rows: unknown[][];
  rowCount: number;
}

/** Patch evidence: the files a candidate changes (the diff itself opens in VS Code's diff editor). */
export interface PatchFileSummary {
  path: string;
  /** added, modified, deleted, renamed */
  status?: string;
  added?: number;
  removed?: number;
}

/**
 * A candidate as the panel shows it. Rewards may be partial while scoring streams in. Evidence travels as plain
 * data: `result` (SQL), `png` (base64 PNG, charts), `summary` + `files` (patches).
 */
export interface PanelCandidate {
  index: number;
  text: string;
  rewards: Record<string, number | null>;
  total?: number;
  advantage?: number;
  rank?: number;
  error: ErrorInfo | null;
  result?: SqlResultEvidence;
  png?: string;
  summary?: string;
  files?: PatchFileSummary[];
}

export interface PanelGroup {
  allEqual: boolean;
  candidates: PanelCandidate[];
}

export interface SessionInfo {
  id: string;
  task: TaskKind;
  /** Human-readable title, e.g. the question. */
  title: string;
  prompt: ChatMessage[];
  /** Short description of model + provider, e.g. "Qwen2.5-Coder-0.5B (cpu), n=8, T=0.8". */
  modelLabel: string;
  /** Expected number of candidates, for progress. */
  n: number;
  weights: Record<string, number>;
  /** Rank options other than weights (gate, thresholds, transform), so the panel re-ranks as the extension did. */
  rankOptions: Omit<RankOptions, 'weights'>;
  rewards: Record<string, RewardInfo>;
  /** Which actions make sense: `openDiff` for patches. */
  canOpenDiff: boolean;
  /** Label of the Accept button, e.g. "Insert SQL", "Apply patch", "Save chart spec". */
  acceptLabel: string;
}

/** extension -> panel */
export type HostMessage =
  | { type: 'session'; session: SessionInfo }
  | { type: 'candidate'; sessionId: string; candidate: PanelCandidate }
  | { type: 'progress'; sessionId: string; done: number; total: number; message?: string }
  | { type: 'ranked'; sessionId: string; group: PanelGroup }
  | { type: 'failed'; sessionId: string; error: ErrorInfo; whatToDo: string }
  /** Outcome of an action (accepted, logged, copied, ...), shown in the panel's status line. */
  | { type: 'status'; sessionId: string | null; level: 'info' | 'warning' | 'error'; message: string }
  /** The record for this session is in the log (the panel marks the session as logged). */
  | { type: 'logged'; sessionId: string; recordId: string; file: string };

/** panel -> extension */
export type PanelMessage =
  | { type: 'ready'; version: number; sessionId: string | null }
  /** Latest human signal (on every change): the extension logs it on accept, on "Save feedback", or when superseded. */
  | { type: 'feedback'; sessionId: string; human: HumanSignal }
  | { type: 'accept'; sessionId: string; index: number; human: HumanSignal }
  /** Log the feedback without accepting a candidate. */
  | { type: 'finish'; sessionId: string; human: HumanSignal }
  | { type: 'openDiff'; sessionId: string; index: number }
  | { type: 'copy'; sessionId: string; index: number; text: string }
  | { type: 'regenerate'; sessionId: string | null; weights: Record<string, number> }
  | { type: 'cancel'; sessionId: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

export type HostMessageType = HostMessage['type'];
export type PanelMessageType = PanelMessage['type'];

// ---------------------------------------------------------------------------------------------------------------

const isStr = (x: unknown): x is string => typeof x === 'string';
const isInt = (x: unknown): x is number => Number.isInteger(x);
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isNumMap = (x: unknown): x is Record<string, number> => isJsonObject(x) && Object.values(x).every(isNum);
const isOptNum = (x: unknown) => x === undefined || isNum(x);

const TASKS: readonly string[] = ['sql', 'patch', 'chart'];

function isRewardInfo(x: unknown): x is RewardInfo {
  return isJsonObject(x) && isStr(x.description) && isOptNum(x.min) && isOptNum(x.max);
}

function isSqlResult(x: unknown): x is SqlResultEvidence {
  return isJsonObject(x) && Array.isArray(x.columns) && x.columns.every(isStr) && Array.isArray(x.rows) && x.rows.every(Array.isArray) && isInt(x.rowCount);
}

function isPatchFiles(x: unknown): x is PatchFileSummary[] {
  return Array.isArray(x) && x.every((f) => isJsonObject(f) && isStr(f.path) && (f.status === undefined || isStr(f.status)) && (f.added === undefined || isInt(f.added)) && (f.removed === undefined || isInt(f.removed)));
}

export function isPanelCandidate(x: unknown): x is PanelCandidate {
  if (!isJsonObject(x) || !isInt(x.index) || !isStr(x.text)) return false;
  if (!isJsonObject(x.rewards) || !Object.values(x.rewards).every((v) => v === null || isNum(v))) return false;
  if (!isOptNum(x.total) || !isOptNum(x.advantage) || !(x.rank === undefined || isInt(x.rank))) return false;
  if (!(x.error === null || isErrorInfo(x.error))) return false;
  if (x.result !== undefined && !isSqlResult(x.result)) return false;
  if (x.png !== undefined && !isStr(x.png)) return false;
  if (x.summary !== undefined && !isStr(x.summary)) return false;
  return x.files === undefined || isPatchFiles(x.files);
}

function isRankOptionsRest(x: unknown): x is Omit<RankOptions, 'weights'> {
  if (!isJsonObject(x)) return false;
  if (x.gate !== undefined && !(Array.isArray(x.gate) && x.gate.every(isStr))) return false;
  if (x.thresholds !== undefined && !isNumMap(x.thresholds)) return false;
  if (x.transform !== undefined) {
    const t = x.transform;
    if (!isJsonObject(t) || t.kind !== 'log-sigmoid' || !(t.reference === 'group-mean' || isNumMap(t.reference))) return false;
  }
  return true;
}

export function isSessionInfo(x: unknown): x is SessionInfo {
  return (
    isJsonObject(x) &&
    isStr(x.id) &&
    TASKS.includes(x.task as string) &&
    isStr(x.title) &&
    Array.isArray(x.prompt) &&
    x.prompt.every(isChatMessage) &&
    isStr(x.modelLabel) &&
    isInt(x.n) &&
    isNumMap(x.weights) &&
    isRankOptionsRest(x.rankOptions) &&
    isJsonObject(x.rewards) &&
    Object.values(x.rewards).every(isRewardInfo) &&
    typeof x.canOpenDiff === 'boolean' &&
    isStr(x.acceptLabel)
  );
}

export function isHostMessage(x: unknown): x is HostMessage {
  if (!isJsonObject(x) || !isStr(x.type)) return false;
  switch (x.type) {
    case 'session':
      return isSessionInfo(x.session);
    case 'candidate':
      return isStr(x.sessionId) && isPanelCandidate(x.candidate);
    case 'progress':
      return isStr(x.sessionId) && isInt(x.done) && isInt(x.total) && (x.message === undefined || isStr(x.message));
    case 'ranked':
      return isStr(x.sessionId) && isJsonObject(x.group) && typeof x.group.allEqual === 'boolean' && Array.isArray(x.group.candidates) && x.group.candidates.every(isPanelCandidate);
    case 'failed':
      return isStr(x.sessionId) && isErrorInfo(x.error) && isStr(x.whatToDo);
    case 'status':
      return (x.sessionId === null || isStr(x.sessionId)) && (x.level === 'info' || x.level === 'warning' || x.level === 'error') && isStr(x.message);
    case 'logged':
      return isStr(x.sessionId) && isStr(x.recordId) && isStr(x.file);
    default:
      return false;
  }
}

export function isPanelMessage(x: unknown): x is PanelMessage {
  if (!isJsonObject(x) || !isStr(x.type)) return false;
  switch (x.type) {
    case 'ready':
      return isInt(x.version) && (x.sessionId === null || isStr(x.sessionId));
    case 'feedback':
    case 'finish':
      return isStr(x.sessionId) && isHumanSignal(x.human);
    case 'accept':
      return isStr(x.sessionId) && isInt(x.index) && isHumanSignal(x.human);
    case 'openDiff':
      return isStr(x.sessionId) && isInt(x.index);
    case 'copy':
      return isStr(x.sessionId) && isInt(x.index) && isStr(x.text);
    case 'regenerate':
      return (x.sessionId === null || isStr(x.sessionId)) && isNumMap(x.weights);
    case 'cancel':
      return isStr(x.sessionId);
    case 'log':
      return (x.level === 'info' || x.level === 'warn' || x.level === 'error') && isStr(x.message);
    default:
      return false;
  }
}

/** Converts a ranking-output candidate (evidence under any key) to what the panel reads; unknown evidence dropped. */
export function toPanelCandidate(c: { index: number; text: string; rewards: Record<string, number | null>; error: ErrorInfo | null; total?: number; advantage?: number; rank?: number; [k: string]: unknown }): PanelCandidate {
  const out: PanelCandidate = { index: c.index, text: c.text, rewards: { ...c.rewards }, error: c.error ? { code: c.error.code, message: c.error.message } : null };
  if (isNum(c.total)) out.total = c.total;
  if (isNum(c.advantage)) out.advantage = c.advantage;
  if (isInt(c.rank)) out.rank = c.rank;
  if (isSqlResult(c['result'])) {
    const r = c['result'];
    out.result = { columns: r.columns, rows: r.rows.slice(0, 50).map(toCells), rowCount: r.rowCount };
  }
  if (isStr(c['png'])) out.png = c['png'];
  const summary = patchSummaryText(c['summary'], c['notes']);
  if (summary !== null) out.summary = summary;
  if (isPatchFiles(c['files'])) {
    out.files = c['files'].map((f) => {
      const o: PatchFileSummary = { path: f.path };
      if (f.status !== undefined) o.status = f.status;
      if (f.added !== undefined) o.added = f.added;
      if (f.removed !== undefined) o.removed = f.removed;
      return o;
    });
  }
  return out;
}

/** Patch summaries come as text or as `{files, added, removed, hunks}` (src/core/patch/rewards.ts), plus notes. */
function patchSummaryText(summary: unknown, notes: unknown): string | null {
  let text: string | null = null;
  if (isStr(summary)) text = summary;
  else if (isJsonObject(summary) && isInt(summary.files) && isInt(summary.added) && isInt(summary.removed)) {
    const hunks = isInt(summary.hunks) ? `, ${summary.hunks} hunk${summary.hunks === 1 ? '' : 's'}` : '';
    text = `${summary.files} file${summary.files === 1 ? '' : 's'} changed, +${summary.added} −${summary.removed}${hunks}`;
  }
  if (Array.isArray(notes) && notes.every(isStr) && notes.length > 0) text = [text ?? '', ...notes].filter(Boolean).join('\n');
  return text;
}

/** Cells cross postMessage as JSON-safe scalars (blobs summarised, bigints as text). */
function toCells(row: unknown[]): unknown[] {
  return row.map((v) => {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Uint8Array) return `<blob ${v.length} bytes>`;
    if (isJsonObject(v) && isStr(v.blob)) return `<blob ${Math.floor(v.blob.length / 2)} bytes>`; // SqlValue blobs travel as hex
    return JSON.stringify(v) ?? String(v);
  });
}
