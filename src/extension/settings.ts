import * as vscode from 'vscode';

export type ExecutionProviderSetting = 'auto' | 'cuda' | 'webgpu' | 'cpu';
export type ModelDtypeSetting = 'auto' | 'fp32' | 'fp16' | 'q8' | 'q4' | 'q4f16';

export interface Settings {
  modelPath: string;
  endpointUrl: string;
  endpointModel: string;
  executionProvider: ExecutionProviderSetting;
  modelDtype: ModelDtypeSetting;
  numCandidates: number;
  temperature: number;
  topP: number;
  maxNewTokens: number;
  rewardWeights: Record<string, number>;
  sqlTimeoutMs: number;
  sqlDatabasePath: string;
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
    modelDtype: c.get<ModelDtypeSetting>('modelDtype', 'auto'),
    numCandidates: c.get<number>('numCandidates', 8),
    temperature: c.get<number>('temperature', 0.8),
    topP: c.get<number>('topP', 0.95),
    maxNewTokens: c.get<number>('maxNewTokens', 256),
    rewardWeights,
    sqlTimeoutMs: c.get<number>('sql.timeoutMs', 2000),
    sqlDatabasePath: c.get<string>('sql.databasePath', '').trim(),
    logLocation: c.get<string>('logLocation', '').trim(),
    patchRunTests: c.get<boolean>('patch.runTests', false),
    patchTestCommand: c.get<string>('patch.testCommand', ''),
    chartMatplotlib: c.get<boolean>('chart.matplotlib', false),
    chartPythonPath: c.get<string>('chart.pythonPath', 'python3'),
  };
}
