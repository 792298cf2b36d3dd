/**
 * reward-lens export --format trl-grpo|trl-dpo|trl-kto|verl|openrlhf --log FILE --out FILE [options]
 * Reads a preference log (torn lines skipped and counted) and writes a dataset the trainer reads as it is.
 */
import { EXPORT_FORMATS, isExportFormat, type ExportOptions } from '../core/export';
import { describeExport, exportLog } from '../node/preferences/exportFile';

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

function num(v: string | undefined, flag: string): number {
  const x = Number(v);
  if (v === undefined || !Number.isFinite(x)) throw new Error(`${flag} needs a number`);
  return x;
}

export async function exportCommand(args: string[]): Promise<number> {
  let format: string | undefined;
  let log: string | undefined;
  let out: string | undefined;
  let json = false;
  const opts: ExportOptions = {};
  try {
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      const next = () => {
        const v = args[++i];
        if (v === undefined) throw new Error(`${a} needs a value`);
        return v;
      };
      if (a === '--format') format = next();
      else if (a === '--log') log = next();
      else if (a === '--out') out = next();
      else if (a === '--drop-all-equal') opts.dropAllEqual = true;
      else if (a === '--human-only') opts.humanOnly = true;
      else if (a === '--min-margin') opts.minMargin = num(next(), a);
      else if (a === '--min-advantage') opts.minAdvantage = num(next(), a);
      else if (a === '--split') opts.split = next();
      else if (a === '--json') json = true;
      else if (a === '--help' || a === '-h') {
        process.stdout.write(USAGE);
        return 0;
      } else throw new Error(`unknown option ${a}`);
    }
  } catch (e) {
    process.stderr.write(`reward-lens export: ${(e as Error).message}\n\n${USAGE}`);
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
    const err = e as NodeJS.ErrnoException;
    const hint = err.code === 'ENOENT' ? ` (no such file: is the log at ${log}? The extension writes .reward-lens/preferences.jsonl by default)` : '';
    process.stderr.write(`reward-lens export: ${err.message}${hint}\n`);
    return 1;
  }
}
