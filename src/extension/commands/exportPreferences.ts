/**
 * "Reward Lens: Export Preferences...": pick a trainer format, where to save, and whether to drop all-equal groups;
 * writes the dataset with progress and says what was written and what was left out.
 */
import * as vscode from 'vscode';
import * as path from 'path';
import * as fs from 'fs';
import type { ExportFormat } from '../../core/export';
import { exportExtension } from '../../core/export';
import { readPreferenceLog } from '../../node/preferences/logFile';
import { assertNotTheLog, describeExport, writeExport } from '../../node/preferences/exportFile';
import { readSettings } from '../settings';
import { resolveLogPath } from '../preferences/logLocation';

interface FormatItem extends vscode.QuickPickItem {
  format: ExportFormat;
}

const FORMATS: FormatItem[] = [
  { format: 'trl-grpo', label: 'TRL GRPO', description: 'JSONL: prompt + gold answer / database columns', detail: 'For GRPOTrainer: your reward functions receive reference, db_path, db_schema, files, data_file as keyword arguments.' },
  { format: 'trl-dpo', label: 'TRL DPO', description: 'JSONL: prompt / chosen / rejected', detail: 'Pairs from your choices (accept, reject, prefer, ratings); groups without a choice pair best vs worst by reward.' },
  { format: 'trl-kto', label: 'TRL KTO', description: 'JSONL: prompt / completion / label', detail: 'Accepted and 4-5 stars are desirable, rejected and 1-2 stars undesirable; else the sign of a clear advantage.' },
  { format: 'verl', label: 'verl', description: 'parquet: data_source, prompt, ability, reward_model, extra_info', detail: 'For data.train_files; reward_model.ground_truth is the gold (or accepted) answer.' },
  { format: 'openrlhf', label: 'OpenRLHF', description: 'JSONL: input / label', detail: 'Use --input_key input --label_key label --apply_chat_template.' },
];

export function registerExportPreferences(context: vscode.ExtensionContext): vscode.Disposable {
  return vscode.commands.registerCommand('rewardLens.exportPreferences', () => exportPreferences(context));
}

async function exportPreferences(context: vscode.ExtensionContext): Promise<void> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  const logFile = resolveLogPath(readSettings().logLocation, folders, context.globalStorageUri.fsPath);
  if (!fs.existsSync(logFile)) {
    const pick = await vscode.window.showWarningMessage(
      `Reward Lens: there is no preference log yet at ${logFile}. Generate candidates and accept one (or press Save feedback) in the review panel first, or point "rewardLens.logLocation" at an existing log.`,
      'Open Settings',
    );
    if (pick) await vscode.commands.executeCommand('workbench.action.openSettings', 'rewardLens.logLocation');
    return;
  }
  const log = await readPreferenceLog(logFile);
  if (log.records.length === 0) {
    void vscode.window.showWarningMessage(`Reward Lens: the preference log ${logFile} has no readable records${log.torn + log.invalid ? ` (${log.torn + log.invalid} damaged lines skipped)` : ''}.`);
    return;
  }
  const allEqual = log.records.filter((r) => r.allEqual).length;
  const item = await vscode.window.showQuickPick(FORMATS, { title: `Export ${log.records.length} preference groups`, placeHolder: 'Training format', matchOnDescription: true, matchOnDetail: true });
  if (!item) return;

  let dropAllEqual = false;
  if (allEqual > 0) {
    const choice = await vscode.window.showQuickPick(
      [
        { label: `Drop the ${allEqual} all-equal group${allEqual === 1 ? '' : 's'}`, drop: true, detail: 'Every candidate scored the same: no GRPO signal (DAPO dynamic sampling drops them).' },
        { label: `Keep them`, drop: false, detail: 'Their prompts and your choices are still exported.' },
      ],
      { title: `${allEqual} of ${log.records.length} groups have all-equal rewards` },
    );
    if (!choice) return;
    dropAllEqual = choice.drop;
  }

  const ext = exportExtension(item.format);
  const defaultDir = folders[0] ? path.join(folders[0], '.reward-lens', 'exports') : path.dirname(logFile);
  // The save dialog starts in the default folder only if it exists (otherwise it falls back to some other place).
  try {
    fs.mkdirSync(defaultDir, { recursive: true });
  } catch {
    // an unwritable workspace: the dialog still lets the user pick another folder
  }
  const target = await vscode.window.showSaveDialog({
    title: `Save ${item.label} dataset`,
    defaultUri: vscode.Uri.file(path.join(defaultDir, `${item.format}.${ext}`)),
    filters: ext === 'parquet' ? { Parquet: ['parquet'] } : { 'JSON Lines': ['jsonl'] },
  });
  if (!target) return;
  try {
    await assertNotTheLog(logFile, target.fsPath);
  } catch {
    void vscode.window.showErrorMessage(`Reward Lens: ${vscode.workspace.asRelativePath(target)} is the preference log itself; exporting there would replace your logged choices. Choose another file.`);
    return;
  }

  try {
    const stats = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Reward Lens: writing ${item.label} dataset`, cancellable: false },
      () => writeExport(item.format, log.records, target.fsPath, { dropAllEqual }),
    );
    const summary = describeExport({ format: item.format, file: vscode.workspace.asRelativePath(target), stats, torn: log.torn, invalid: log.invalid });
    // The guide ships with the source, not the .vsix (see .vscodeignore's allowlist).
    const guide = vscode.Uri.joinPath(context.extensionUri, 'docs', 'training.md');
    const actions = [ext === 'jsonl' ? 'Open' : 'Reveal', ...(fs.existsSync(guide.fsPath) ? ['Training Guide'] : [])];
    const action = await vscode.window.showInformationMessage(`Reward Lens: ${summary}.`, ...actions);
    if (action === 'Open') await vscode.window.showTextDocument(target, { preview: true });
    else if (action === 'Reveal') await vscode.commands.executeCommand('revealFileInOS', target);
    else if (action === 'Training Guide') await vscode.commands.executeCommand('markdown.showPreview', guide);
  } catch (e) {
    void vscode.window.showErrorMessage(`Reward Lens: the export was not written: ${e instanceof Error ? e.message : String(e)}. Check that the folder is writable and try another location.`);
  }
}
