import * as vscode from 'vscode';
import type { ExtensionApi } from '../api';
import { describeError } from '../errors';
import { selectModel } from './selectModel';
import { asSqlPreset, generateSqlCommand } from './generateSql';
import { ReviewPanel } from '../review/reviewPanel';
import { registerExportPreferences } from './exportPreferences';

/** Commands whose issue has not landed yet say so plainly instead of faking output. */
function notAvailable(what: string, issue: string): () => Promise<void> {
  return async () => {
    await vscode.window.showInformationMessage(`Reward Lens: ${what} is not available yet in this version (${issue}).`);
  };
}

export function registerCommands(context: vscode.ExtensionContext, api: ExtensionApi): void {
  const reg = (id: string, fn: (...args: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  reg('rewardLens.generateSql', (preset?: unknown) => generateSqlCommand(context, api, asSqlPreset(preset)));
  reg('rewardLens.generatePatch', notAvailable('Generate Patch Candidates', 'patch candidates'));
  reg('rewardLens.generateChart', notAvailable('Generate Chart Candidates', 'chart candidates'));
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
