/**
 * Offline preference datasets from the human signal, falling back to reward order where the human said nothing.
 * TRL's conversational formats (huggingface/trl docs, "Dataset formats"):
 * - DPO (paired): `{prompt: messages, chosen: [{role: "assistant", content}], rejected: [...]}`
 * - KTO (unpaired): `{prompt: messages, completion: [{role: "assistant", content}], label: bool}`
 * Only these columns are written: TRL tokenizes every column it is given.
 */
import type { CandidateRecord, ChatMessage, PreferenceRecord } from '../preferences/record';
import { candidateByIndex } from '../preferences/record';
import type { ExportOptions, ExportResult } from './common';
import { assistant, newStats, promptOf, selectRecords, skip } from './common';

export interface TrlDpoRow {
  prompt: ChatMessage[];
  chosen: ChatMessage[];
  rejected: ChatMessage[];
}

export interface TrlKtoRow {
  prompt: ChatMessage[];
  completion: ChatMessage[];
  label: boolean;
}

type Pair = [chosen: number, rejected: number];

/**
 * Pairs the human stated or implied, in this order: explicit "prefer A over B"; the accepted candidate over each
 * rejected one; higher over lower rating. Only when none of these exist, an accepted candidate is paired with the
 * lowest-ranked other candidate. Contradictory pairs (both directions) are dropped.
 */
export function humanPairs(r: PreferenceRecord): Pair[] {
  const h = r.human;
  const pairs: Pair[] = h.preferences.map((p) => [p.chosen, p.rejected]);
  if (h.accepted !== null) for (const j of h.rejected) pairs.push([h.accepted, j]);
  const rated = Object.entries(h.ratings).map(([k, v]) => [Number(k), v] as const);
  for (const [i, ri] of rated) for (const [j, rj] of rated) if (ri > rj) pairs.push([i, j]);
  if (pairs.length === 0 && h.accepted !== null) {
    const others = r.candidates.filter((c) => c.index !== h.accepted).sort((a, b) => b.rank - a.rank);
    if (others[0]) pairs.push([h.accepted, others[0].index]);
  }
  const key = (p: Pair) => `${p[0]}>${p[1]}`;
  const all = new Set(pairs.map(key));
  const seen = new Set<string>();
  return pairs.filter((p) => {
    const k = key(p);
    if (seen.has(k) || all.has(`${p[1]}>${p[0]}`)) return false;
    seen.add(k);
    return true;
  });
}

/** Best vs worst total, when they differ by at least `minMargin`. */
export function rewardPair(r: PreferenceRecord, minMargin: number): Pair | null {
  if (r.candidates.length < 2) return null;
  const byTotal = [...r.candidates].sort((a, b) => b.total - a.total || a.index - b.index);
  const best = byTotal[0]!;
  const worst = byTotal[byTotal.length - 1]!;
  return best.total - worst.total >= minMargin ? [best.index, worst.index] : null;
}

export function toTrlDpo(records: readonly PreferenceRecord[], opts: ExportOptions = {}): ExportResult<TrlDpoRow> {
  const stats = newStats();
  const minMargin = opts.minMargin ?? 1;
  const rows: TrlDpoRow[] = [];
  for (const r of selectRecords(records, opts, stats)) {
    let pairs = humanPairs(r);
    let fromHuman = true;
    if (pairs.length === 0 && !opts.humanOnly) {
      const p = rewardPair(r, minMargin);
      pairs = p ? [p] : [];
      fromHuman = false;
    }
    const seenTexts = new Set<string>();
    let made = 0;
    for (const [ci, ri] of pairs) {
      const c = candidateByIndex(r, ci);
      const j = candidateByIndex(r, ri);
      if (!c || !j || c.text === j.text) continue; // identical texts teach nothing
      const k = JSON.stringify([c.text, j.text]);
      if (seenTexts.has(k)) continue;
      seenTexts.add(k);
      rows.push({ prompt: promptOf(r), chosen: assistant(c.text), rejected: assistant(j.text) });
      made++;
    }
    if (made === 0) skip(stats, opts.humanOnly ? 'no human preference' : `no human preference and reward margin < ${minMargin}`);
    else if (fromHuman) stats.fromHuman += made;
    else stats.fromRewards += made;
  }
  stats.rows = rows.length;
  return { rows, stats };
}

/** Desirable / undesirable labels from the human: accepted or rated 4-5 is good; rejected or rated 1-2 is bad. */
export function humanLabels(r: PreferenceRecord): Map<number, boolean> {
  const h = r.human;
  const labels = new Map<number, boolean>();
  for (const [k, v] of Object.entries(h.ratings)) {
    if (v >= 4) labels.set(Number(k), true);
    else if (v <= 2) labels.set(Number(k), false);
  }
  for (const j of h.rejected) labels.set(j, false);
  if (h.accepted !== null) labels.set(h.accepted, true);
  return labels;
}

/** From rewards: failed candidates are bad; others by the sign of the GRPO advantage, when |A| >= minAdvantage. */
export function rewardLabels(r: PreferenceRecord, minAdvantage: number): Map<number, boolean> {
  const labels = new Map<number, boolean>();
  if (r.allEqual) return labels;
  for (const c of r.candidates) {
    if (c.error !== null) labels.set(c.index, false);
    else if (Math.abs(c.advantage) >= minAdvantage) labels.set(c.index, c.advantage > 0);
  }
  return labels;
}

export function toTrlKto(records: readonly PreferenceRecord[], opts: ExportOptions = {}): ExportResult<TrlKtoRow> {
  const stats = newStats();
  const minAdvantage = opts.minAdvantage ?? 0.5;
  const rows: TrlKtoRow[] = [];
  for (const r of selectRecords(records, opts, stats)) {
    let labels = humanLabels(r);
    const fromHuman = labels.size > 0;
    if (!fromHuman && !opts.humanOnly) labels = rewardLabels(r, minAdvantage);
    const seen = new Set<string>();
    let made = 0;
    const ordered = [...labels.entries()].sort((a, b) => a[0] - b[0]);
    for (const [i, label] of ordered) {
      const c: CandidateRecord | undefined = candidateByIndex(r, i);
      if (!c || seen.has(c.text)) continue;
      seen.add(c.text);
      rows.push({ prompt: promptOf(r), completion: assistant(c.text), label });
      made++;
    }
    if (made === 0) skip(stats, opts.humanOnly ? 'no human label' : 'no human label and no clear reward advantage');
    else if (fromHuman) stats.fromHuman += made;
    else stats.fromRewards += made;
  }
  stats.rows = rows.length;
  return { rows, stats };
}
