import * as vscode from 'vscode';

/**
 * Read-only text views (worker health, ...) under the `reward-lens-view:` scheme: VS Code shows them like a file
 * that cannot be edited, and closing one never asks to save it (an untitled document would).
 */
const SCHEME = 'reward-lens-view';
const texts = new Map<string, string>();
const emitter = new vscode.EventEmitter<vscode.Uri>();
let registration: vscode.Disposable | null = null;

export function registerReadOnlyDocuments(): vscode.Disposable {
  registration ??= vscode.workspace.registerTextDocumentContentProvider(SCHEME, { onDidChange: emitter.event, provideTextDocumentContent: (uri) => texts.get(uri.path) });
  return new vscode.Disposable(() => {
    registration?.dispose();
    registration = null;
    texts.clear();
  });
}

/** Opens (or refreshes) the read-only view named `name` with `text`. */
export async function showReadOnly(name: string, text: string): Promise<vscode.TextEditor> {
  registerReadOnlyDocuments();
  const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${name}` });
  texts.set(uri.path, text);
  emitter.fire(uri);
  const doc = await vscode.workspace.openTextDocument(uri);
  return vscode.window.showTextDocument(doc, { preview: true });
}
