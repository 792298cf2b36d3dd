import * as vscode from 'vscode';
import { readSettingsWith, SETTINGS_SECTION, type Settings } from '../core/settings';

export type { ExecutionProviderSetting, ModelDtypeSetting, Settings } from '../core/settings';

/** The settings in effect (defaults: package.json's `contributes.configuration`, read by src/core/settings.ts). */
export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const c = vscode.workspace.getConfiguration(SETTINGS_SECTION, scope);
  return readSettingsWith((key) => c.get<unknown>(key));
}

/** Tokens per candidate by task when `rewardLens.maxNewTokens` is 0: a chart spec or a whole-file patch needs more. */
export const TASK_MAX_NEW_TOKENS: Readonly<Record<'sql' | 'patch' | 'chart', number>> = Object.freeze({ sql: 256, chart: 1024, patch: 2048 });

export function maxNewTokensFor(s: Settings, task: 'sql' | 'patch' | 'chart'): number {
  return s.maxNewTokens > 0 ? s.maxNewTokens : TASK_MAX_NEW_TOKENS[task];
}
