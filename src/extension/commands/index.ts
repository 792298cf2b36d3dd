import * as vscode from 'vscode';
import type { ExtensionApi } from '../api';
import { describeError } from '../errors';
import { selectModel } from './selectModel';
import { asSqlPreset, generateSqlCommand } from './generateSql';
import { asPatchPreset, generatePatchCommand } from './generatePatch';
import { asChartPreset, generateChartCommand } from './generateChart';
import { registerCandidateDocuments } from '../patch/diffReview';
import { registerReadOnlyDocuments } from '../readOnlyDocument';
import { ReviewPanel } from '../review/reviewPanel';
import { registerExportPreferences } from './exportPreferences';

export function registerCommands(context: vscode.ExtensionContext, api: ExtensionApi): void {
  const reg = (id: string, fn: (...args: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  reg('rewardLens.generateSql', (preset?: unknown) => generateSqlCommand(context, api, asSqlPreset(preset)));
  reg('rewardLens.generatePatch', (preset?: unknown) => generatePatchCommand(context, api, asPatchPreset(preset)));
  context.subscriptions.push(registerCandidateDocuments(), registerReadOnlyDocuments());
  reg('rewardLens.generateChart', (preset?: unknown) => generateChartCommand(context, api, asChartPreset(preset)));
  reg('rewardLens.openReview', () => {
    ReviewPanel.createOrShow(context, api.log, { preserveFocus: false });
  });
  context.subscriptions.push(ReviewPanel.registerSerializer(context, api.log));
  context.subscriptions.push(registerExportPreferences(context));
  reg('rewardLens.selectModel', () => selectModel(api.refreshHealth));
  reg('rewardLens.restartWorker', async () => {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Restarting Reward Lens worker' }, async () => {
      try {
        await api.worker.restart();
        await api.refreshHealth();
      } catch (e) {
        void vscode.window.showErrorMessage(`Reward Lens: the worker did not restart: ${describeError(e)}. See the "Reward Lens" output for details.`, 'Show Log').then((a) => a && api.log.show());
      }
    });
  });
}
