/**
 * The panel's state and how messages and user actions change it. Pure (no DOM): the whole state is saved with
 * `vscode.setState` after every change, so a reloaded window shows the same review.
 */
import type { ErrorInfo } from '../core/errors';
import type { HumanSignal } from '../core/preferences/record';
import { emptyHumanSignal } from '../core/preferences/record';
import type { HostMessage, PanelCandidate, SessionInfo } from '../core/protocol/webview';
import { rankGroup } from '../core/ranking/ranking';

export const STATE_VERSION = 1;

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
}

export function initialState(): PanelState {
  return { v: STATE_VERSION, session: null, candidates: [], final: false, allEqual: false, progress: null, failure: null, weights: {}, human: emptyHumanSignal(), logged: null, status: null };
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
      return { ...initialState(), session: m.session, weights: { ...m.session.weights }, human: emptyHumanSignal(m.session.weights), progress: { done: 0, total: m.session.n } };
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
  return { ...s, human: { ...s.human, accepted: index, rejected: s.human.rejected.filter((i) => i !== index) } };
}
