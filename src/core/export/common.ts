/**
 * What every exporter shares: options, statistics, record selection (DAPO-style dropping of all-equal groups), and
 * the reference answer of a record. Exporters are pure: records in, rows out; src/worker/preferences/exportFile.ts
 * writes them.
 */
import type { CandidateRecord, ChatMessage, PreferenceRecord } from '../preferences/record';
import { candidateByIndex } from '../preferences/record';
import { extractSql } from '../sql/extract';

export const EXPORT_FORMATS = ['trl-grpo', 'trl-dpo', 'trl-kto', 'verl', 'openrlhf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function isExportFormat(x: string): x is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(x);
}

export interface ExportOptions {
  /** Leave out groups whose totals are all equal (no GRPO signal; DAPO's dynamic sampling drops them). */
  dropAllEqual?: boolean;
  /** DPO from rewards: the best and worst totals must differ by at least this much (default 1). */
  minMargin?: number;
  /** KTO from rewards: |GRPO advantage| at least this (default 0.5, half a group std). */
  minAdvantage?: number;
  /** DPO/KTO: only human choices, no reward-order fallback. */
  humanOnly?: boolean;
  /** verl `extra_info.split` (default "train"). */
  split?: string;
}

export interface ExportStats {
  records: number;
  /** Groups whose totals were all equal. */
  allEqual: number;
  /** Of those, left out because of `dropAllEqual`. */
  droppedAllEqual: number;
  rows: number;
  /** Rows from human choices / from reward order (DPO, KTO). */
  fromHuman: number;
  fromRewards: number;
  /** Records that gave no row, by reason. */
  skipped: Record<string, number>;
  /** Prompt rows without a gold answer (given or accepted): reward functions that need one get null / "". */
  withoutReference: number;
}

export interface ExportResult<Row> {
  rows: Row[];
  stats: ExportStats;
}

export function newStats(): ExportStats {
  return { records: 0, allEqual: 0, droppedAllEqual: 0, rows: 0, fromHuman: 0, fromRewards: 0, skipped: {}, withoutReference: 0 };
}

export function skip(stats: ExportStats, reason: string): void {
  stats.skipped[reason] = (stats.skipped[reason] ?? 0) + 1;
}

/** Records to export, with the all-equal bookkeeping done. */
export function selectRecords(records: readonly PreferenceRecord[], opts: ExportOptions, stats: ExportStats): PreferenceRecord[] {
  const out: PreferenceRecord[] = [];
  for (const r of records) {
    stats.records++;
    if (r.allEqual) {
      stats.allEqual++;
      if (opts.dropAllEqual) {
        stats.droppedAllEqual++;
        continue;
      }
    }
    out.push(r);
  }
  return out;
}

export interface Reference {
  text: string;
  /** `given`: the user's gold answer; `accepted`: the candidate the user accepted (SQL extracted from its text). */
  source: 'given' | 'accepted';
}

export function answerText(r: PreferenceRecord, c: CandidateRecord): string {
  return r.task === 'sql' ? extractSql(c.text).sql : c.text;
}

export function referenceOf(r: PreferenceRecord): Reference | null {
  if (typeof r.context.reference === 'string' && r.context.reference.trim() !== '') return { text: r.context.reference, source: 'given' };
  if (r.human.accepted !== null) {
    const c = candidateByIndex(r, r.human.accepted);
    if (c) return { text: answerText(r, c), source: 'accepted' };
  }
  return null;
}

export function promptOf(r: PreferenceRecord): ChatMessage[] {
  return r.prompt.map((m) => ({ role: m.role, content: m.content }));
}

export const assistant = (content: string): ChatMessage[] => [{ role: 'assistant', content }];
