import type * as vscode from 'vscode';
import type { WorkerClient } from '../node/workerClient';

/** What activate() returns: used by commands and by the in-host integration tests. */
export interface ExtensionApi {
  activationMs: number;
  worker: WorkerClient;
  log: vscode.LogOutputChannel;
  refreshHealth(): Promise<void>;
  /** The status bar shows "endpoint (host)" while an OpenAI-compatible endpoint is sampling; null when done. */
  setEndpointInUse?(host: string | null): void;
}
