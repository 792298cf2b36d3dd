/**
 * reward-lens export --format trl-grpo|trl-dpo|trl-kto|verl|openrlhf --log FILE --out FILE [options]
 * Reads a preference log (torn lines skipped and counted) and writes a dataset the trainer reads as it is.
 */
import { EXPORT_FORMATS, isExportFormat, type ExportOptions } from '../core/export';
import { describeExport, exportLog } from '../node/preferences/exportFile';
import { parseCli, UsageError, type OptionSpec } from './args';

const USAGE = `usage: reward-lens export --format FORMAT --log FILE --out FILE [options]

formats:
  trl-grpo    JSONL prompts + gold columns for TRL GRPOTrainer reward functions
  trl-dpo     JSONL prompt/chosen/rejected (human choices; else best vs worst by reward)
  trl-kto     JSONL prompt/completion/label
  verl        parquet data_source/prompt/ability/reward_model/extra_info
  openrlhf    JSONL input/label for OpenRLHF (--input_key input --label_key label --apply_chat_template)

options:
  --drop-all-equal     leave out groups whose rewards were all equal (no GRPO signal)
  --min-margin X       DPO from rewards: best - worst total at least X (default 1)
  --min-advantage X    KTO from rewards: |advantage| at least X (default 0.5)
  --human-only         DPO/KTO: only pairs/labels from your choices, no reward fallback
  --split NAME         verl extra_info.split (default train)
  --json               print the summary as JSON
`;

const OPTIONS: OptionSpec = {
  format: { type: 'string' },
  log: { type: 'string' },
  out: { type: 'string' },
  'drop-all-equal': { type: 'boolean' },
  'human-only': { type: 'boolean' },
  'min-margin': { type: 'string' },
  'min-advantage': { type: 'string' },
  split: { type: 'string' },
  json: { type: 'boolean' },
};

export async function exportCommand(args: string[]): Promise<number> {
  let format: string | undefined;
  let log: string | undefined;
  let out: string | undefined;
  let json = false;
  const opts: ExportOptions = {};
  try {
    const a = parseCli(args, OPTIONS);
    if (a.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    format = a.str('format');
    log = a.str('log');
    out = a.str('out');
    json = a.flag('json');
    if (a.flag('drop-all-equal')) opts.dropAllEqual = true;
    if (a.flag('human-only')) opts.humanOnly = true;
    const minMargin = a.num('min-margin');
    if (minMargin !== undefined) opts.minMargin = minMargin;
    const minAdvantage = a.num('min-advantage', { min: 0 });
    if (minAdvantage !== undefined) opts.minAdvantage = minAdvantage;
    const split = a.str('split');
    if (split !== undefined) opts.split = split;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`reward-lens export: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (!format || !isExportFormat(format) || !log || !out) {
    process.stderr.write(`reward-lens export: --format (${EXPORT_FORMATS.join('|')}), --log and --out are required\n\n${USAGE}`);
    return 2;
  }
  try {
    const summary = await exportLog(format, log, out, opts);
    if (json) process.stdout.write(JSON.stringify(summary) + '\n');
    else process.stdout.write(`${describeExport(summary)}\n`);
    return 0;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { code?: string };
    if (err.code === 'export_overwrites_log' || err.code === 'bad_request') {
      process.stderr.write(`reward-lens export: ${err.message}\n`);
      return 2;
    }
    const hint = err.code === 'ENOENT' ? ` (no such file: is the log at ${log}? The extension writes .reward-lens/preferences.jsonl by default)` : '';
    process.stderr.write(`reward-lens export: ${err.message}${hint}\n`);
    return 1;
  }
}
