import * as vscode from 'vscode';

export type ExecutionProviderSetting = 'auto' | 'cuda' | 'webgpu' | 'cpu';

export interface Settings {
  modelPath: string;
  endpointUrl: string;
  endpointModel: string;
  executionProvider: ExecutionProviderSetting;
  numCandidates: number;
  temperature: number;
  topP: number;
  maxNewTokens: number;
  rewardWeights: Record<string, number>;
  sqlTimeoutMs: number;
  sqlDatabasePath: string;
  sqlMaxDatabaseMB: number;
  sqlMaxResultMB: number;
  sqlCompareBudget: number;
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
    executionProvider: c.get<ExecutionProviderSetting>('executionProvider', 'auto'),
    numCandidates: c.get<number>('numCandidates', 8),
    temperature: c.get<number>('temperature', 0.8),
    topP: c.get<number>('topP', 0.95),
    maxNewTokens: c.get<number>('maxNewTokens', 256),
    rewardWeights,
    sqlTimeoutMs: c.get<number>('sql.timeoutMs', 2000),
    sqlDatabasePath: c.get<string>('sql.databasePath', '').trim(),
    sqlMaxDatabaseMB: c.get<number>('sql.maxDatabaseMB', 512),
    sqlMaxResultMB: c.get<number>('sql.maxResultMB', 32),
    sqlCompareBudget: c.get<number>('sql.compareBudget', 20_000_000),
    logLocation: c.get<string>('logLocation', '').trim(),
    patchRunTests: c.get<boolean>('patch.runTests', false),
    patchTestCommand: c.get<string>('patch.testCommand', ''),
    chartMatplotlib: c.get<boolean>('chart.matplotlib', false),
    chartPythonPath: c.get<string>('chart.pythonPath', 'python3'),
  };
}
