/**
 * Entry point of the extension host side. Activation is lazy (a command or a restored review panel) and cheap:
 * the worker process is forked on activation but models load only when a generation asks for one.
 */
import * as vscode from 'vscode';
import * as path from 'path';
import { WorkerClient } from '../node/workerClient';
import { WorkerStatusBar, WORKER_MENU_COMMAND } from './statusBar';
import { registerCommands } from './commands';
import type { ExtensionApi } from './api';
import { endpointHost } from './generation/sample';
import { showReadOnly } from './readOnlyDocument';

let worker: WorkerClient | undefined;

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const t0 = Date.now();
  const log = vscode.window.createOutputChannel('Reward Lens', { log: true });
  context.subscriptions.push(log);

  worker = new WorkerClient({
    entry: { modulePath: path.join(context.extensionPath, 'dist', 'worker.js'), execArgv: ['--enable-source-maps'] },
    log: (level, message) => log[level](message),
  });
  const client = worker;
  context.subscriptions.push({ dispose: () => client.dispose() });

  const statusBar = new WorkerStatusBar(client);
  context.subscriptions.push(statusBar);
  const refreshHealth = async () => {
    try {
      statusBar.setHealth(await client.call('health', {}, { timeoutMs: 15000 }));
    } catch (e) {
      log.warn(`health check failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  context.subscriptions.push(client.onDidChangeState((s) => {
    log.info(`worker state: ${s}`);
    if (s === 'ready') void refreshHealth();
  }));

  const api: ExtensionApi = { activationMs: 0, worker: client, log, refreshHealth, setEndpointInUse: (host) => statusBar.setEndpoint(host) };
  registerCommands(context, api);
  context.subscriptions.push(
    vscode.commands.registerCommand(WORKER_MENU_COMMAND, async () => {
      const pick = await vscode.window.showQuickPick(
        [
          { label: '$(debug-restart) Restart Inference Worker', id: 'restart' },
          { label: '$(pulse) Show Worker Health', id: 'health' },
          { label: '$(output) Show Log', id: 'log' },
        ],
        { title: `Reward Lens worker: ${client.state}` },
      );
      if (pick?.id === 'restart') await vscode.commands.executeCommand('rewardLens.restartWorker');
      else if (pick?.id === 'log') log.show();
      else if (pick?.id === 'health') {
        const h = await client.call('health', {}, { timeoutMs: 15000 });
        log.info(`health: ${JSON.stringify(h)}`);
        // A read-only view (not an unsaved document that asks to be saved on close), with the model source.
        const cfg = vscode.workspace.getConfiguration('rewardLens');
        const endpoint = cfg.get<string>('endpoint.url', '').trim();
        const source = endpoint ? { endpoint: endpointHost(endpoint), endpointModel: cfg.get<string>('endpoint.model', '') || 'default' } : { modelPath: cfg.get<string>('modelPath', '') || 'bundled tiny model' };
        await showReadOnly('Reward Lens worker health.json', JSON.stringify({ candidatesFrom: source, ...h }, null, 2));
      }
    }),
  );

  void client.start().catch((e: unknown) => log.error(`worker failed to start: ${e instanceof Error ? e.message : String(e)}`));
  api.activationMs = Date.now() - t0;
  log.info(`Reward Lens ${String(context.extension.packageJSON.version)} activated in ${api.activationMs} ms (extension host pid ${process.pid}, ${context.extensionMode === vscode.ExtensionMode.Production ? 'installed' : 'development'})`);
  return api;
}

export function deactivate(): void {
  worker?.dispose();
  worker = undefined;
}
