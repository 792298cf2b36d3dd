import type { PreferenceRecord } from '../preferences/record';
import type { ExportFormat, ExportOptions, ExportResult } from './common';
import { toOpenRlhf, toTrlGrpo, toVerl } from './promptRows';
import { toTrlDpo, toTrlKto } from './preferenceRows';

export * from './common';
export * from './promptRows';
export * from './preferenceRows';

/** Rows for one format; `verl` rows are written as parquet, the others as JSON Lines. */
export function exportRows(format: ExportFormat, records: readonly PreferenceRecord[], opts: ExportOptions = {}): ExportResult<object> {
  switch (format) {
    case 'trl-grpo':
      return toTrlGrpo(records, opts);
    case 'trl-dpo':
      return toTrlDpo(records, opts);
    case 'trl-kto':
      return toTrlKto(records, opts);
    case 'verl':
      return toVerl(records, opts);
    case 'openrlhf':
      return toOpenRlhf(records, opts);
  }
}

/** The file extension each format is written with. */
export function exportExtension(format: ExportFormat): 'parquet' | 'jsonl' {
  return format === 'verl' ? 'parquet' : 'jsonl';
}
