/**
 * Prompt datasets for online RL, where the trainer samples its own completions and scores them:
 * - TRL GRPOTrainer: column `prompt` (conversational), every other column is passed to the reward functions as a
 *   keyword argument (huggingface/trl `GRPOTrainer`, "dataset format" in its docs), so the gold answer and what is
 *   needed to check it travel as columns with the same names in every row.
 * - verl: parquet rows `data_source, prompt, ability, reward_model {style, ground_truth}, extra_info` (verl's data
 *   preparation doc; `compute_score(data_source, solution_str, ground_truth, extra_info)` reads them).
 * - OpenRLHF: JSONL `input` (a message list, with `--apply_chat_template`) and `label` (`--label_key`, sent to a
 *   remote reward model as `labels`); other keys are ignored by its PromptDataset.
 */
import type { ChatMessage, PreferenceRecord, TaskKind } from '../preferences/record';
import type { ExportOptions, ExportResult } from './common';
import { newStats, promptOf, referenceOf, selectRecords } from './common';

export interface TrlGrpoRow {
  prompt: ChatMessage[];
  task: TaskKind;
  /** SQL: the gold query; patch: the oracle patch; chart: the reference spec. Null when none is known. */
  reference: string | null;
  reference_source: 'given' | 'accepted' | null;
  /** SQL: the database, workspace-relative, and its schema as given to the model. */
  db_path: string | null;
  db_schema: string | null;
  /** Patch: files the task is about. */
  files: string[];
  /** Chart: the data file. */
  data_file: string | null;
  record_id: string;
}

export function toTrlGrpo(records: readonly PreferenceRecord[], opts: ExportOptions = {}): ExportResult<TrlGrpoRow> {
  const stats = newStats();
  const rows = selectRecords(records, opts, stats).map((r): TrlGrpoRow => {
    const ref = referenceOf(r);
    if (!ref) stats.withoutReference++;
    return {
      prompt: promptOf(r),
      task: r.task,
      reference: ref?.text ?? null,
      reference_source: ref?.source ?? null,
      db_path: r.context.database?.path ?? null,
      db_schema: r.context.database?.schema ?? null,
      files: (r.context.files ?? []).map((f) => f.path),
      data_file: r.context.dataFile?.path ?? null,
      record_id: r.id,
    };
  });
  stats.rows = rows.length;
  return { rows, stats };
}

const ABILITY: Record<TaskKind, string> = { sql: 'sql', patch: 'code', chart: 'chart' };

export interface VerlRow {
  data_source: string;
  prompt: ChatMessage[];
  ability: string;
  reward_model: { style: 'rule'; ground_truth: string };
  extra_info: {
    split: string;
    index: number;
    record_id: string;
    task: string;
    reference_source: string;
    db_path: string;
    data_file: string;
    files: string[];
  };
}

export function toVerl(records: readonly PreferenceRecord[], opts: ExportOptions = {}): ExportResult<VerlRow> {
  const stats = newStats();
  const rows = selectRecords(records, opts, stats).map((r, index): VerlRow => {
    const ref = referenceOf(r);
    if (!ref) stats.withoutReference++;
    return {
      data_source: `reward-lens/${r.task}`,
      prompt: promptOf(r),
      ability: ABILITY[r.task],
      reward_model: { style: 'rule', ground_truth: ref?.text ?? '' },
      // Parquet structs need the same fields in every row: absent values are "" / [] rather than missing.
      extra_info: {
        split: opts.split ?? 'train',
        index,
        record_id: r.id,
        task: r.task,
        reference_source: ref?.source ?? '',
        db_path: r.context.database?.path ?? '',
        data_file: r.context.dataFile?.path ?? '',
        files: (r.context.files ?? []).map((f) => f.path),
      },
    };
  });
  stats.rows = rows.length;
  return { rows, stats };
}

export interface OpenRlhfRow {
  input: ChatMessage[];
  label: string;
  datasource: string;
  record_id: string;
}

export function toOpenRlhf(records: readonly PreferenceRecord[], opts: ExportOptions = {}): ExportResult<OpenRlhfRow> {
  const stats = newStats();
  const rows = selectRecords(records, opts, stats).map((r): OpenRlhfRow => {
    const ref = referenceOf(r);
    if (!ref) stats.withoutReference++;
    return { input: promptOf(r), label: ref?.text ?? '', datasource: `reward-lens/${r.task}`, record_id: r.id };
  });
  stats.rows = rows.length;
  return { rows, stats };
}
