/**
 * The extension's settings, declared once: `contributes.configuration` in package.json holds every setting with its
 * type and default, and this module reads the defaults from there (the JSON is imported, so a setting that is not
 * declared there does not compile). src/extension/settings.ts supplies VS Code's configuration reader.
 */
import manifest from '../../package.json';
import type { ModelDtypeSetting } from './sampling/request';

const DECLARED = manifest.contributes.configuration.properties;
type Declared = typeof DECLARED;
export const SETTINGS_SECTION = 'rewardLens';

/** A setting's key inside the `rewardLens` section, e.g. `sql.timeoutMs`. */
export type SettingKey = keyof Declared extends infer Id ? (Id extends `${typeof SETTINGS_SECTION}.${infer K}` ? K : never) : never;

/** The default declared in package.json. */
export function settingDefault<K extends SettingKey>(key: K): Declared[`rewardLens.${K}`]['default'] {
  return DECLARED[`${SETTINGS_SECTION}.${key}`].default;
}

export type ExecutionProviderSetting = 'auto' | 'cuda' | 'webgpu' | 'cpu';

export type { ModelDtypeSetting };

export interface Settings {
  modelPath: string;
  modelDtype: ModelDtypeSetting;
  endpointUrl: string;
  endpointModel: string;
  endpointTimeoutMs: number;
  executionProvider: ExecutionProviderSetting;
  numCandidates: number;
  temperature: number;
  topP: number;
  /** 0: the task's default (maxNewTokensFor in src/extension/settings.ts). */
  maxNewTokens: number;
  /** Prompt-lookup draft tokens per candidate and pass for local models (0 = off), an integer in [0, 32]. */
  draftTokens: number;
  rewardWeights: Record<string, number>;
  sqlTimeoutMs: number;
  sqlDatabasePath: string;
  sqlSampleValues: boolean;
  sqlMaxDatabaseMB: number;
  sqlMaxResultMB: number;
  sqlCompareBudget: number;
  logLocation: string;
  patchRunTests: boolean;
  patchTestCommand: string;
  patchTestSandbox: boolean;
  chartMatplotlib: boolean;
  chartPythonPath: string;
}

/**
 * Reads every setting through `get` (VS Code's `WorkspaceConfiguration.get`, which answers the declared default for
 * an unset key). A value of the wrong type (settings.json is hand-edited) falls back to the declared default.
 */
export function readSettingsWith(get: (key: SettingKey) => unknown): Settings {
  const str = (k: SettingKey & { [K in SettingKey]: Declared[`rewardLens.${K}`]['default'] extends string ? K : never }[SettingKey]): string => {
    const v = get(k);
    return typeof v === 'string' ? v : (settingDefault(k) as string);
  };
  const num = (k: SettingKey & { [K in SettingKey]: Declared[`rewardLens.${K}`]['default'] extends number ? K : never }[SettingKey]): number => {
    const v = get(k);
    return typeof v === 'number' && Number.isFinite(v) ? v : (settingDefault(k) as number);
  };
  const bool = (k: SettingKey & { [K in SettingKey]: Declared[`rewardLens.${K}`]['default'] extends boolean ? K : never }[SettingKey]): boolean => {
    const v = get(k);
    return typeof v === 'boolean' ? v : (settingDefault(k) as boolean);
  };
  const provider = get('executionProvider');
  const weights = get('rewardWeights');
  // Keyed by reward names the user typed: no prototype.
  const rewardWeights: Record<string, number> = Object.create(null) as Record<string, number>;
  if (typeof weights === 'object' && weights !== null && !Array.isArray(weights)) {
    for (const [k, v] of Object.entries(weights)) if (typeof v === 'number' && Number.isFinite(v)) rewardWeights[k] = v;
  }
  return {
    modelPath: str('modelPath').trim(),
    modelDtype: DECLARED['rewardLens.modelDtype'].enum.includes(get('modelDtype') as string) ? (get('modelDtype') as ModelDtypeSetting) : (settingDefault('modelDtype') as ModelDtypeSetting),
    endpointUrl: str('endpoint.url').trim(),
    endpointModel: str('endpoint.model').trim(),
    endpointTimeoutMs: num('endpoint.timeoutMs'),
    executionProvider: DECLARED['rewardLens.executionProvider'].enum.includes(provider as string) ? (provider as ExecutionProviderSetting) : (settingDefault('executionProvider') as ExecutionProviderSetting),
    numCandidates: num('numCandidates'),
    temperature: num('temperature'),
    topP: num('topP'),
    maxNewTokens: num('maxNewTokens'),
    draftTokens: Math.max(0, Math.min(32, Math.floor(num('draftTokens')))),
    rewardWeights,
    sqlTimeoutMs: num('sql.timeoutMs'),
    sqlDatabasePath: str('sql.databasePath').trim(),
    sqlSampleValues: bool('sql.sampleValues'),
    sqlMaxDatabaseMB: num('sql.maxDatabaseMB'),
    sqlMaxResultMB: num('sql.maxResultMB'),
    sqlCompareBudget: num('sql.compareBudget'),
    logLocation: str('logLocation').trim(),
    patchRunTests: bool('patch.runTests'),
    patchTestCommand: str('patch.testCommand'),
    patchTestSandbox: bool('patch.testSandbox'),
    chartMatplotlib: bool('chart.matplotlib'),
    chartPythonPath: str('chart.pythonPath'),
  };
}
