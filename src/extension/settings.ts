import * as vscode from 'vscode';

export type ExecutionProviderSetting = 'auto' | 'cuda' | 'webgpu' | 'cpu';

export interface Settings {
  modelPath: string;
  endpointUrl: string;
  endpointModel: string;
  endpointTimeoutMs: number;
  executionProvider: ExecutionProviderSetting;
  numCandidates: number;
  temperature: number;
  topP: number;
  /** 0: the task's default (maxNewTokensFor). */
  maxNewTokens: number;
  rewardWeights: Record<string, number>;
  sqlTimeoutMs: number;
  sqlDatabasePath: string;
  sqlSampleValues: boolean;
  logLocation: string;
  patchRunTests: boolean;
  patchTestCommand: string;
  chartMatplotlib: boolean;
  chartPythonPath: string;
}

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const c = vscode.workspace.getConfiguration('rewardLens', scope);
  const weights = c.get<Record<string, unknown>>('rewardWeights', {});
  const rewardWeights: Record<string, number> = {};
  for (const [k, v] of Object.entries(weights ?? {})) if (typeof v === 'number' && Number.isFinite(v)) rewardWeights[k] = v;
  return {
    modelPath: c.get<string>('modelPath', '').trim(),
    endpointUrl: c.get<string>('endpoint.url', '').trim(),
    endpointModel: c.get<string>('endpoint.model', '').trim(),
    endpointTimeoutMs: c.get<number>('endpoint.timeoutMs', 120000),
    executionProvider: c.get<ExecutionProviderSetting>('executionProvider', 'auto'),
    numCandidates: c.get<number>('numCandidates', 8),
    temperature: c.get<number>('temperature', 0.8),
    topP: c.get<number>('topP', 0.95),
    maxNewTokens: c.get<number>('maxNewTokens', 0),
    rewardWeights,
    sqlTimeoutMs: c.get<number>('sql.timeoutMs', 2000),
    sqlDatabasePath: c.get<string>('sql.databasePath', '').trim(),
    sqlSampleValues: c.get<boolean>('sql.sampleValues', true),
    logLocation: c.get<string>('logLocation', '').trim(),
    patchRunTests: c.get<boolean>('patch.runTests', false),
    patchTestCommand: c.get<string>('patch.testCommand', ''),
    chartMatplotlib: c.get<boolean>('chart.matplotlib', false),
    chartPythonPath: c.get<string>('chart.pythonPath', 'python3'),
  };
}

/** Tokens per candidate by task when `rewardLens.maxNewTokens` is 0: a chart spec or a whole-file patch needs more. */
export const TASK_MAX_NEW_TOKENS: Readonly<Record<'sql' | 'patch' | 'chart', number>> = Object.freeze({ sql: 256, chart: 1024, patch: 2048 });

export function maxNewTokensFor(s: Settings, task: 'sql' | 'patch' | 'chart'): number {
  return s.maxNewTokens > 0 ? s.maxNewTokens : TASK_MAX_NEW_TOKENS[task];
}
