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
  /** Patch: the unified diff of the change, shown inline on the card and in compare. */
  diff?: string;
  /** The code Copy puts on the clipboard and compare diffs: the SQL, the spec without fences, the patch's diff. */
  code?: string;
  /** Why Accept is refused for this candidate (it does not apply / does not parse); absent when it can be accepted. */
  acceptBlocked?: string;
  /** The gates this candidate fails (e.g. `executes = 0`): the panel asks before accepting it. */
  gateFailures?: string[];
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
  /** The gold answer the rewards used (gold SQL, oracle patch, reference image path), or null. */
  reference?: string | null;
  /** Whether "Set reference..." is offered (the command can re-rank with a gold answer). */
  canSetReference?: boolean;
  /** Restored from the preference log after the panel was closed: shown read-only (no Accept, no re-logging). */
  restored?: boolean;
  /** With `restored`: what the human did, as logged. */
  human?: HumanSignal;
  /** When sampling started (ms since epoch), for the elapsed time in the progress line. */
  startedAt?: number;
}

/** One earlier reviewed group in the preference log, for the panel's "Recent reviews" list. */
export interface HistoryItem {
  recordId: string;
  task: TaskKind;
  title: string;
  time: string;
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
  | { type: 'logged'; sessionId: string; recordId: string; file: string }
  /** The user cancelled the generation (not a failure: shown neutral). */
  | { type: 'cancelled'; sessionId: string }
  /** Recent reviewed groups from the log (newest first), offered after the panel was closed and reopened. */
  | { type: 'history'; items: HistoryItem[] };

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
  /** Ask for a gold answer and re-rank the group with the gold rewards. */
  | { type: 'setReference'; sessionId: string }
  /** Show an earlier reviewed group from the log (read-only). */
  | { type: 'openRecord'; recordId: string }
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

function isHistoryItem(x: unknown): x is HistoryItem {
  return isJsonObject(x) && isStr(x.recordId) && TASKS.includes(x.task as string) && isStr(x.title) && isStr(x.time);
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
  for (const k of ['diff', 'code', 'acceptBlocked'] as const) if (x[k] !== undefined && !isStr(x[k])) return false;
  if (x.gateFailures !== undefined && !(Array.isArray(x.gateFailures) && x.gateFailures.every(isStr))) return false;
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
    isStr(x.acceptLabel) &&
    (x.reference === undefined || x.reference === null || isStr(x.reference)) &&
    (x.canSetReference === undefined || typeof x.canSetReference === 'boolean') &&
    (x.restored === undefined || typeof x.restored === 'boolean') &&
    (x.human === undefined || isHumanSignal(x.human)) &&
    isOptNum(x.startedAt)
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
    case 'cancelled':
      return isStr(x.sessionId);
    case 'history':
      return Array.isArray(x.items) && x.items.every(isHistoryItem);
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
    case 'setReference':
      return isStr(x.sessionId);
    case 'openRecord':
      return isStr(x.recordId);
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
  if (isStr(c['diff']) && c['diff'] !== '') out.diff = c['diff'];
  const code = extractedCode(c);
  if (code !== null) out.code = code;
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

/**
 * The code a candidate proposes, without the model's prose and fences: the SQL the ranker extracted, the patch's
 * unified diff, or the first fenced block (a chart spec); null when there is nothing beyond the raw text.
 */
export function extractedCode(c: { text: string; [k: string]: unknown }): string | null {
  if (isStr(c['sql']) && c['sql'].trim() !== '') return c['sql'].trim();
  if (isStr(c['diff']) && c['diff'].trim() !== '') return c['diff'];
  const fenced = /```[\w-]*[^\S\n]*\r?\n([\s\S]*?)```/.exec(c.text);
  if (fenced) return fenced[1]!.replace(/\r?\n$/, '');
  return null;
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
    // Integers beyond 2^53 travel exactly as {int: "digits"}: shown as the number they are.
    if (isJsonObject(v) && isStr(v.int) && /^-?\d+$/.test(v.int)) return v.int;
    return JSON.stringify(v) ?? String(v);
  });
}

// ---- Accept: refused for what does not apply or parse, confirmed for what fails a gate ---------------------------

/** Error codes that mean the candidate cannot be used as it is: it does not parse, or does not apply. */
const BLOCKING_CODES: Readonly<Record<string, string>> = Object.freeze({
  patch_format: 'it is not a patch this extension can read',
  patch_apply: 'it does not apply to the current file',
  patch_syntax: 'the patched file does not parse',
  chart_parse: 'the chart spec does not parse',
  sql_syntax: 'the SQL does not parse',
  sql_not_sql: 'it is not SQL',
});

/** Rewards that act as pass/fail checks: 0 (or below the session's threshold) means the candidate fails it. */
const GATE_REWARDS = ['syntax', 'executes', 'applies', 'schema_valid', 'fields_valid', 'tests'];

const MARKER_LINE = /^(<{7} SEARCH|={7}|>{7} REPLACE)[^\S\n]*$/m;

/**
 * Whether Accept may use a candidate. `blocked`: why it is refused (does not apply or parse: an error code above, a
 * patch whose `applies` is 0 or that changes nothing, or a patched file that still holds SEARCH/REPLACE markers not in
 * the original); `gateFailures`: the checks it fails, which the panel confirms before accepting.
 */
export function acceptVerdict(
  task: TaskKind,
  c: { rewards: Record<string, number | null>; error: ErrorInfo | null; [k: string]: unknown },
  opts: { gate?: readonly string[]; thresholds?: Readonly<Record<string, number>>; originals?: Readonly<Record<string, string>> } = {},
): { blocked: string | null; gateFailures: string[] } {
  let blocked: string | null = null;
  if (c.error && Object.prototype.hasOwnProperty.call(BLOCKING_CODES, c.error.code)) blocked = `${BLOCKING_CODES[c.error.code]} (${c.error.code}: ${c.error.message})`;
  if (task === 'patch' && blocked === null) {
    const files = Array.isArray(c['files']) ? (c['files'] as { path?: unknown; after?: unknown; oldPath?: unknown }[]) : [];
    if (c.rewards['applies'] === 0) blocked = 'it does not apply to the current file (applies = 0)';
    else if (files.length === 0) blocked = 'it changes nothing';
    else {
      for (const f of files) {
        if (!isStr(f.after) || !MARKER_LINE.test(f.after)) continue;
        const original = opts.originals?.[isStr(f.oldPath) ? f.oldPath : isStr(f.path) ? f.path : ''];
        if (original !== undefined && MARKER_LINE.test(original)) continue;
        blocked = `SEARCH/REPLACE markers would end up in ${isStr(f.path) ? f.path : 'the file'}`;
        break;
      }
    }
  }
  const gateFailures: string[] = [];
  const names = new Set([...GATE_REWARDS, ...(opts.gate ?? [])]);
  for (const n of names) {
    const v = c.rewards[n];
    if (typeof v !== 'number') continue;
    const min = opts.thresholds?.[n];
    if (min !== undefined ? v < min : v <= 0) gateFailures.push(`${n} = ${Number.isInteger(v) ? v : v.toFixed(2)}`);
  }
  if (c.error && blocked === null) gateFailures.push(`${c.error.code}: ${c.error.message}`);
  return { blocked, gateFailures };
}
