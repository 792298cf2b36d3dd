import * as vscode from 'vscode';
import { createHash } from 'crypto';
import * as fs from 'fs';
import type { FileRef } from '../../core/preferences/record';

const hashCache = new Map<string, { key: string; sha256: Promise<string> }>();

/**
 * sha256 of a file, streamed (databases can be large). Reads only. Remembered per path while size and mtime stay the
 * same, so asking again about the same database does not read it again.
 */
export function sha256File(file: string): Promise<string> {
  const st = fs.statSync(file);
  const key = `${st.size}:${st.mtimeMs}`;
  const hit = hashCache.get(file);
  if (hit && hit.key === key) return hit.sha256;
  const sha256 = hashStream(file);
  hashCache.set(file, { key, sha256 });
  sha256.catch(() => hashCache.delete(file));
  return sha256;
}

function hashStream(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    fs.createReadStream(file).on('data', (d) => h.update(d)).on('error', reject).on('end', () => resolve(h.digest('hex')));
  });
}

export function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Workspace-relative path with forward slashes, or the absolute path outside every folder. */
export function displayPath(file: string): string {
  const rel = vscode.workspace.asRelativePath(file, false);
  return rel.split('\\').join('/');
}

export async function fileRef(file: string): Promise<FileRef> {
  return { path: displayPath(file), sha256: await sha256File(file) };
}

/**
 * Lets the user pick a workspace file by glob; one match is taken as is, several give a quick pick, none an open
 * dialog. Returns an absolute path or undefined when the user backed out.
 */
export async function pickWorkspaceFile(opts: { glob: string; title: string; filters: Record<string, string[]>; preset?: string }): Promise<string | undefined> {
  if (opts.preset) {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const abs = folder && !opts.preset.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(opts.preset) ? vscode.Uri.joinPath(folder.uri, opts.preset).fsPath : opts.preset;
    if (fs.existsSync(abs)) return abs;
    void vscode.window.showWarningMessage(`Reward Lens: ${opts.preset} does not exist; pick a file instead.`);
  }
  const found = await vscode.workspace.findFiles(opts.glob, '**/{node_modules,.git,.reward-lens}/**', 200);
  if (found.length === 1) return found[0]!.fsPath;
  if (found.length > 1) {
    const pick = await vscode.window.showQuickPick(
      found.map((u) => ({ label: displayPath(u.fsPath), uri: u })).sort((a, b) => a.label.localeCompare(b.label)),
      { title: opts.title, placeHolder: 'Pick a file from the workspace' },
    );
    return pick?.uri.fsPath;
  }
  const uris = await vscode.window.showOpenDialog({ title: opts.title, canSelectMany: false, filters: opts.filters });
  return uris?.[0]?.fsPath;
}
