import * as vscode from 'vscode';
import * as fs from 'fs';
import * as path from 'path';

/**
 * Select Model...: the bundled tiny model, a local ONNX folder (Hugging Face / Optimum layout), or an
 * OpenAI-compatible endpoint. Writes the user's settings (global), never workspace files.
 */
export async function selectModel(onChanged: () => Promise<void>): Promise<void> {
  const cfg = vscode.workspace.getConfiguration('rewardLens');
  const current = cfg.get<string>('endpoint.url') ? `endpoint ${cfg.get<string>('endpoint.url')}` : cfg.get<string>('modelPath') || 'bundled tiny model';
  const pick = await vscode.window.showQuickPick(
    [
      { id: 'bundled', label: '$(package) Bundled tiny model', detail: 'A 2 MB SQL-trained model shipped with the extension, for trying Reward Lens out.' },
      { id: 'folder', label: '$(folder-opened) Local ONNX model folder...', detail: 'An onnx-community export, e.g. Qwen2.5-Coder-0.5B-Instruct (config.json, tokenizer.json, onnx/model.onnx).' },
      { id: 'endpoint', label: '$(globe) OpenAI-compatible endpoint...', detail: 'Ollama, vLLM or llama.cpp server, e.g. http://127.0.0.1:11434/v1' },
    ],
    { title: `Reward Lens: Select Model (now: ${current})`, placeHolder: 'Where should candidates come from?' },
  );
  if (!pick) return;
  const target = vscode.ConfigurationTarget.Global;
  if (pick.id === 'bundled') {
    await cfg.update('modelPath', '', target);
    await cfg.update('endpoint.url', '', target);
  } else if (pick.id === 'folder') {
    const uris = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Use this model', title: 'ONNX model folder' });
    const dir = uris?.[0]?.fsPath;
    if (!dir) return;
    const missing = ['config.json', 'tokenizer.json', path.join('onnx', 'model.onnx')].filter((f) => !fs.existsSync(path.join(dir, f)));
    if (missing.length) {
      void vscode.window.showErrorMessage(`Reward Lens: ${dir} is not an ONNX model folder: missing ${missing.join(', ')}. Pick a folder exported with Optimum (e.g. from onnx-community).`);
      return;
    }
    await cfg.update('modelPath', dir, target);
    await cfg.update('endpoint.url', '', target);
  } else {
    const url = await vscode.window.showInputBox({
      title: 'OpenAI-compatible endpoint',
      prompt: 'Base URL ending in /v1',
      value: cfg.get<string>('endpoint.url') || 'http://127.0.0.1:11434/v1',
      validateInput: (v) => (/^https?:\/\/[^\s]+$/.test(v.trim()) ? undefined : 'Enter an http(s) URL, e.g. http://127.0.0.1:11434/v1'),
    });
    if (!url) return;
    const model = await vscode.window.showInputBox({ title: 'Model name on that server', value: cfg.get<string>('endpoint.model') || '', prompt: 'e.g. qwen2.5-coder:1.5b' });
    if (model === undefined) return;
    await cfg.update('endpoint.url', url.trim(), target);
    await cfg.update('endpoint.model', model.trim(), target);
  }
  await onChanged();
  // A WorkspaceConfiguration is a snapshot: read the new values from a fresh one (the old one still says the
  // previous value, which is what this message used to confirm).
  const now = vscode.workspace.getConfiguration('rewardLens');
  const url = now.get<string>('endpoint.url', '');
  const chosen = pick.id === 'bundled' ? 'the bundled tiny model (SQL only)' : pick.id === 'folder' ? now.get<string>('modelPath', '') : `endpoint ${url}${now.get<string>('endpoint.model') ? `, model ${now.get<string>('endpoint.model')}` : ''}`;
  const shadow = pick.id !== 'endpoint' && url ? ` Note: "rewardLens.endpoint.url" is still set (${url}) in a workspace setting and takes precedence.` : '';
  void vscode.window.showInformationMessage(`Reward Lens: model set to ${chosen}.${shadow}`);
}
