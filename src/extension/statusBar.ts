import * as vscode from 'vscode';
import type { WorkerClient, WorkerState } from '../node/workerClient';
import type { HealthResult } from '../core/protocol/worker';

export const WORKER_MENU_COMMAND = 'rewardLens.workerMenu';

/** Worker state and execution provider in the status bar; clicking offers Restart (rust-analyzer's ctx.ts pattern). */
export class WorkerStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('rewardLens.worker', vscode.StatusBarAlignment.Right, 100);
  private health: HealthResult | undefined;
  private state: WorkerState;
  private endpointHost: string | null = null;
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly worker: WorkerClient) {
    this.item.name = 'Reward Lens Worker';
    this.item.command = WORKER_MENU_COMMAND;
    this.state = worker.state;
    this.subs.push(worker.onDidChangeState((s) => {
      this.state = s;
      if (s !== 'ready') this.health = undefined;
      this.render();
    }));
    this.render();
    this.item.show();
  }

  /** While an OpenAI-compatible endpoint samples, the item says so (the worker's provider is idle meanwhile). */
  setEndpoint(host: string | null): void {
    this.endpointHost = host;
    this.render();
  }

  setHealth(h: HealthResult | undefined): void {
    this.health = h;
    this.render();
  }

  private render(): void {
    const provider = this.endpointHost !== null ? `endpoint (${this.endpointHost})` : (this.health?.activeProvider ?? (this.health ? 'idle' : undefined));
    switch (this.state) {
      case 'ready':
        this.item.text = `$(beaker) Reward Lens${provider ? `: ${provider}` : ''}`;
        this.item.backgroundColor = undefined;
        break;
      case 'starting':
        this.item.text = '$(loading~spin) Reward Lens: starting';
        break;
      case 'restarting':
        this.item.text = '$(sync~spin) Reward Lens: restarting';
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
        break;
      case 'stopped':
        this.item.text = '$(circle-slash) Reward Lens: stopped';
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
        break;
    }
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendMarkdown(`**Reward Lens inference worker**: ${this.state}\n\n`);
    if (this.endpointHost !== null) tip.appendMarkdown(`Sampling from the OpenAI-compatible endpoint at ${this.endpointHost}\n\n`);
    if (this.health) {
      tip.appendMarkdown(`pid ${this.health.pid} · Node ${this.health.node}\n\n`);
      tip.appendMarkdown(`Execution provider in use: ${this.health.activeProvider ?? 'none (no model loaded yet)'}\n\n`);
      tip.appendMarkdown(`Available: ${this.health.executionProviders.join(', ') || 'none'}\n\n`);
      for (const [p, why] of Object.entries(this.health.fallbackReasons)) tip.appendMarkdown(`- ${p} not used: ${why}\n`);
      if (this.health.onnxruntimeError) tip.appendMarkdown(`\nonnxruntime failed to load: ${this.health.onnxruntimeError}\n`);
    }
    tip.appendMarkdown('\nClick for Restart, health details and the log.');
    this.item.tooltip = tip;
  }

  dispose(): void {
    this.item.dispose();
    for (const s of this.subs) s.dispose();
  }
}
