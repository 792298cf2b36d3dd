/**
 * The panel's state and how messages and user actions change it. Pure (no DOM): the whole state is saved with
 * `vscode.setState` after every change, so a reloaded window shows the same review.
 */
import type { ErrorInfo } from '../core/errors';
import type { HumanSignal } from '../core/preferences/record';
import { emptyHumanSignal } from '../core/preferences/record';
import type { HistoryItem, HostMessage, PanelCandidate, SessionInfo } from '../core/protocol/webview';
import { rankGroup } from '../core/ranking/ranking';

export const STATE_VERSION = 2;

/** Overview sort: by rank (default), total, advantage, candidate number, a reward, or status. */
export interface SortState {
  key: string;
  dir: 1 | -1;
}

export interface PanelState {
  v: typeof STATE_VERSION;
  session: SessionInfo | null;
  /** Candidates by arrival; a later message for the same index replaces the earlier one. */
  candidates: PanelCandidate[];
  final: boolean;
  allEqual: boolean;
  progress: { done: number; total: number; message?: string } | null;
  failure: { error: ErrorInfo; whatToDo: string } | null;
  /** Current slider weights (start as the session's). */
  weights: Record<string, number>;
  human: HumanSignal;
  logged: { recordId: string; file: string } | null;
  status: { level: 'info' | 'warning' | 'error'; message: string } | null;
  /** The user cancelled the generation: neutral, not a failure. */
  cancelled: boolean;
  sort: SortState;
  /** Up to two candidate indexes picked for side-by-side comparison. */
  compare: number[];
  weightsOpen: boolean;
  /** Candidate whose Accept waits for "Accept anyway" (it fails a gate). */
  confirmAccept: number | null;
  /** Earlier reviewed groups from the log, newest first. */
  history: HistoryItem[];
}

export function initialState(): PanelState {
  return {
    v: STATE_VERSION, session: null, candidates: [], final: false, allEqual: false, progress: null, failure: null, weights: {}, human: emptyHumanSignal(), logged: null, status: null,
    cancelled: false, sort: { key: 'rank', dir: 1 }, compare: [], weightsOpen: false, confirmAccept: null, history: [],
  };
}

/** A saved state from `getState()`, or a fresh one when it is missing or from another version. */
export function restoreState(saved: unknown): PanelState {
  if (typeof saved === 'object' && saved !== null && (saved as PanelState).v === STATE_VERSION && Array.isArray((saved as PanelState).candidates)) {
    return saved as PanelState;
  }
  return initialState();
}

function upsert(list: PanelCandidate[], c: PanelCandidate): PanelCandidate[] {
  const i = list.findIndex((x) => x.index === c.index);
  if (i < 0) return [...list, c];
  const next = list.slice();
  next[i] = { ...list[i], ...c };
  return next;
}

export function applyHostMessage(s: PanelState, m: HostMessage): PanelState {
  switch (m.type) {
    case 'session':
      // The extension replays the session when the panel is re-created (hidden, reloaded): keep what the user did.
      if (m.session.id === s.session?.id) {
        // The weights actually used are known once ranking is done (task defaults overlaid with the settings):
        // adopt them unless the user has moved a slider.
        if (!sameWeights(s.weights, s.session.weights)) return { ...s, session: m.session };
        const weights = { ...m.session.weights };
        return { ...s, session: m.session, weights, human: { ...s.human, weights } };
      }
      return {
        ...initialState(),
        session: m.session,
        weights: { ...m.session.weights },
        human: m.session.restored && m.session.human ? m.session.human : emptyHumanSignal(m.session.weights),
        progress: m.session.restored ? null : { done: 0, total: m.session.n },
        final: m.session.restored === true,
        history: s.history,
      };
    case 'candidate':
      if (m.sessionId !== s.session?.id) return s;
      return { ...s, candidates: upsert(s.candidates, m.candidate) };
    case 'progress':
      if (m.sessionId !== s.session?.id) return s;
      return { ...s, progress: m.message === undefined ? { done: m.done, total: m.total } : { done: m.done, total: m.total, message: m.message } };
    case 'ranked': {
      if (m.sessionId !== s.session?.id) return s;
      let candidates = s.candidates;
      for (const c of m.group.candidates) candidates = upsert(candidates, c);
      return { ...s, candidates, final: true, allEqual: m.group.allEqual, progress: null };
    }
    case 'failed':
      if (m.sessionId !== s.session?.id) return s;
      return { ...s, failure: { error: m.error, whatToDo: m.whatToDo }, progress: null };
    case 'status':
      if (m.sessionId !== null && m.sessionId !== s.session?.id) return s;
      return { ...s, status: { level: m.level, message: m.message } };
    case 'logged':
      if (m.sessionId !== s.session?.id) return s;
      return { ...s, logged: { recordId: m.recordId, file: m.file } };
    case 'cancelled':
      if (m.sessionId !== s.session?.id) return s;
      return { ...s, cancelled: true, progress: null };
    case 'history':
      return { ...s, history: m.items };
  }
}

export interface RankedView {
  candidate: PanelCandidate;
  /** Null while the candidate has no rewards yet. */
  total: number | null;
  advantage: number | null;
  rank: number | null;
}

function sameWeights(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if ((a[k] ?? 0) !== (b[k] ?? 0)) return false;
  return true;
}

/**
 * Candidates in display order, best first. With the session's own weights and a final group, the extension's
 * totals are shown as they are; otherwise (streaming, or sliders moved) the same `rankGroup` re-ranks in the panel.
 * Candidates without rewards yet go last, in arrival order.
 */
export function rankedView(s: PanelState): RankedView[] {
  // In candidate order, so that ties break by candidate index exactly as the extension's ranking does (candidates
  // stream in the order they finish, which is not their index order).
  const scored = s.candidates.filter((c) => Object.keys(c.rewards).length > 0 || c.error !== null || c.total !== undefined).sort((a, b) => a.index - b.index);
  const pending = s.candidates.filter((c) => !scored.includes(c));
  let views: RankedView[];
  const useGiven = s.final && s.session !== null && sameWeights(s.weights, s.session.weights) && scored.every((c) => c.total !== undefined && c.rank !== undefined);
  if (useGiven) {
    views = scored.map((c) => ({ candidate: c, total: c.total!, advantage: c.advantage ?? 0, rank: c.rank! }));
  } else {
    const r = rankGroup(
      scored.map((c) => c.rewards),
      { ...(s.session?.rankOptions ?? {}), weights: s.weights },
    );
    views = scored.map((c, i) => ({ candidate: c, total: r.scored[i]!.total, advantage: r.scored[i]!.advantage, rank: r.scored[i]!.rank }));
  }
  views.sort((a, b) => a.rank! - b.rank! || a.candidate.index - b.candidate.index);
  return [...views, ...pending.map((c) => ({ candidate: c, total: null, advantage: null, rank: null }))];
}

/** Whether the current totals are all equal (no GRPO signal), under the current weights. */
export function viewAllEqual(views: RankedView[]): boolean {
  const totals = views.map((v) => v.total).filter((t): t is number => t !== null);
  return totals.length > 1 && totals.every((t) => t === totals[0]);
}

// ---- human signal edits -----------------------------------------------------------------------------------------

export function setWeight(s: PanelState, name: string, value: number): PanelState {
  const weights = { ...s.weights, [name]: value };
  return { ...s, weights, human: { ...s.human, weights } };
}

export function resetWeights(s: PanelState): PanelState {
  const weights = { ...(s.session?.weights ?? {}) };
  return { ...s, weights, human: { ...s.human, weights } };
}

export function setRating(s: PanelState, index: number, rating: number | null): PanelState {
  const ratings = { ...s.human.ratings };
  if (rating === null) delete ratings[String(index)];
  else ratings[String(index)] = rating;
  return { ...s, human: { ...s.human, ratings } };
}

export function toggleReject(s: PanelState, index: number): PanelState {
  const on = s.human.rejected.includes(index);
  const rejected = on ? s.human.rejected.filter((i) => i !== index) : [...s.human.rejected, index];
  return { ...s, human: { ...s.human, rejected, accepted: !on && s.human.accepted === index ? null : s.human.accepted } };
}

export function addPreference(s: PanelState, chosen: number, rejected: number): PanelState {
  if (chosen === rejected) return s;
  // The opposite preference is replaced, not kept beside this one.
  const prefs = s.human.preferences.filter((p) => !(p.chosen === rejected && p.rejected === chosen) && !(p.chosen === chosen && p.rejected === rejected));
  return { ...s, human: { ...s.human, preferences: [...prefs, { chosen, rejected }] } };
}

export function removePreference(s: PanelState, chosen: number, rejected: number): PanelState {
  return { ...s, human: { ...s.human, preferences: s.human.preferences.filter((p) => !(p.chosen === chosen && p.rejected === rejected)) } };
}

export function setNote(s: PanelState, note: string): PanelState {
  return { ...s, human: { ...s.human, note } };
}

export function markAccepted(s: PanelState, index: number): PanelState {
  return { ...s, confirmAccept: null, human: { ...s.human, accepted: index, rejected: s.human.rejected.filter((i) => i !== index) } };
}

// ---- overview, compare, accept confirmation -----------------------------------------------------------------------

/** Rewards that apply to this group: a number for at least one candidate (no n/a-only columns or sliders). */
export function presentRewards(s: PanelState): string[] {
  const order = [...Object.keys(s.session?.rewards ?? {}), ...Object.keys(s.session?.weights ?? {})];
  const present = new Set<string>();
  for (const c of s.candidates) for (const [k, v] of Object.entries(c.rewards)) if (typeof v === 'number') present.add(k);
  if (present.size === 0) {
    // Nothing scored yet (generating, or failed): the rewards this ranking will weigh, at their defaults.
    for (const [k, w] of Object.entries(s.session?.weights ?? {})) if (w !== 0) present.add(k);
  }
  const out = [...new Set(order)].filter((n) => present.has(n));
  for (const n of present) if (!out.includes(n)) out.push(n);
  return out;
}

export function setSort(s: PanelState, key: string): PanelState {
  const dir: 1 | -1 = s.sort.key === key ? (s.sort.dir === 1 ? -1 : 1) : key === 'rank' || key === 'index' ? 1 : -1;
  return { ...s, sort: { key, dir } };
}

function statusOf(v: RankedView, h: HumanSignal): string {
  if (h.accepted === v.candidate.index) return 'accepted';
  if (h.rejected.includes(v.candidate.index)) return 'rejected';
  if (v.candidate.acceptBlocked) return 'blocked';
  if (v.candidate.error) return v.candidate.error.code;
  if (v.total === null) return 'scoring';
  return (v.candidate.gateFailures?.length ?? 0) > 0 ? 'fails a check' : 'ok';
}

export interface OverviewRow {
  view: RankedView;
  status: string;
}

/** Overview rows in the chosen order; ties (and pending candidates) by candidate number. */
export function overviewRows(s: PanelState, views: RankedView[]): OverviewRow[] {
  const rows = views.map((v) => ({ view: v, status: statusOf(v, s.human) }));
  const { key, dir } = s.sort;
  const val = (r: OverviewRow): number | string | null => {
    if (key === 'rank') return r.view.rank;
    if (key === 'total') return r.view.total;
    if (key === 'advantage') return r.view.advantage;
    if (key === 'index') return r.view.candidate.index;
    if (key === 'status') return r.status;
    const x = r.view.candidate.rewards[key];
    return typeof x === 'number' ? x : null;
  };
  return rows.sort((a, b) => {
    const x = val(a);
    const y = val(b);
    if (x === null && y !== null) return 1; // missing values last in both directions
    if (y === null && x !== null) return -1;
    if (x !== null && y !== null && x !== y) return (typeof x === 'string' || typeof y === 'string' ? String(x).localeCompare(String(y)) : x - y) * dir;
    return a.view.candidate.index - b.view.candidate.index;
  });
}

export function toggleCompare(s: PanelState, index: number): PanelState {
  const on = s.compare.includes(index);
  const compare = on ? s.compare.filter((i) => i !== index) : [...s.compare, index].slice(-2);
  return { ...s, compare };
}

export function clearCompare(s: PanelState): PanelState {
  return { ...s, compare: [] };
}

export function setWeightsOpen(s: PanelState, open: boolean): PanelState {
  return { ...s, weightsOpen: open };
}

export function askAccept(s: PanelState, index: number | null): PanelState {
  return { ...s, confirmAccept: index };
}
