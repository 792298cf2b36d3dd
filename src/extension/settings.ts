import * as vscode from 'vscode';
import { readSettingsWith, SETTINGS_SECTION, type Settings } from '../core/settings';

export type { ExecutionProviderSetting, Settings } from '../core/settings';

/** The settings in effect (defaults: package.json's `contributes.configuration`, read by src/core/settings.ts). */
export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const c = vscode.workspace.getConfiguration(SETTINGS_SECTION, scope);
  return readSettingsWith((key) => c.get<unknown>(key));
}
