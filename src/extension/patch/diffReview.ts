/**
 * Patch candidates in VS Code's own diff editor: each candidate's patched text is a read-only virtual document under
 * the `reward-lens-candidate:` scheme (served by a TextDocumentContentProvider, as rust-analyzer serves its virtual
 * documents), shown with `vscode.diff` against the real file; applying a candidate is ONE WorkspaceEdit, so a
 * single undo takes all of its files back.
 */
import * as vscode from 'vscode';
import { CodedError } from '../../core/errors';
import { candidatePathProblem } from '../../core/patch/candidate';
import type { PatchFileEvidence } from '../../core/patch/protocol';
import { resolveInsideRoot } from '../../node/paths';

export const CANDIDATE_SCHEME = 'reward-lens-candidate';

/**
 * Texts of open candidate documents, keyed by the virtual URI's query id. Kept on globalThis so that every copy of
 * this module in the extension host (the bundled extension, a test suite compiled from source) shares one store and
 * one provider registration.
 */
interface Store {
  texts: Map<string, string>;
  nextId: number;
  registration: vscode.Disposable | null;
  emitter: vscode.EventEmitter<vscode.Uri>;
}
const STORE_KEY = Symbol.for('reward-lens.candidateDocuments');
const MAX_DOCUMENTS = 256;

function store(): Store {
  const g = globalThis as unknown as Record<symbol, Store | undefined>;
  return (g[STORE_KEY] ??= { texts: new Map(), nextId: 1, registration: null, emitter: new vscode.EventEmitter<vscode.Uri>() });
}

class CandidateDocumentProvider implements vscode.TextDocumentContentProvider {
  readonly onDidChange = store().emitter.event;

  provideTextDocumentContent(uri: vscode.Uri): string | undefined {
    // undefined (not "") for unknown ids, so another registered copy of this provider may answer.
    return store().texts.get(new URLSearchParams(uri.query).get('id') ?? '');
  }
}

/** Registers the `reward-lens-candidate:` provider once per extension host; call from activate(). */
export function registerCandidateDocuments(): vscode.Disposable {
  const s = store();
  if (!s.registration) s.registration = vscode.workspace.registerTextDocumentContentProvider(CANDIDATE_SCHEME, new CandidateDocumentProvider());
  return new vscode.Disposable(() => {
    s.registration?.dispose();
    s.registration = null;
    s.texts.clear();
  });
}

/**
 * A virtual read-only document holding `text`, named like `original` (same file name, so the diff editor picks the
 * same language) and labelled with `label` in its path.
 */
export function candidateUri(original: vscode.Uri, text: string, label = 'candidate'): vscode.Uri {
  const s = store();
  if (!s.registration) registerCandidateDocuments();
  const id = String(s.nextId++);
  s.texts.set(id, text);
  // Oldest documents go first: the diff editor re-reads content only while a tab is open.
  while (s.texts.size > MAX_DOCUMENTS) s.texts.delete(s.texts.keys().next().value as string);
  const name = original.path.split('/').pop() || 'untitled';
  return vscode.Uri.from({ scheme: CANDIDATE_SCHEME, path: `/${encodeURIComponent(label)}/${name}`, query: `id=${id}` });
}

/**
 * Where a diff opens so that the review panel stays visible: the first editor group the panel is not in (the main
 * column, where the user's code is), or a new group beside the panel when it is the only one.
 */
export function diffColumn(panelColumn: vscode.ViewColumn | undefined): vscode.ViewColumn {
  if (panelColumn === undefined) return vscode.ViewColumn.One;
  const other = vscode.window.tabGroups.all.map((g) => g.viewColumn).find((c) => c !== panelColumn);
  return other ?? vscode.ViewColumn.Beside;
}

/** Opens `original` ↔ the candidate's patched text in the diff editor. Returns the virtual document's URI. */
export async function openCandidateDiff(original: vscode.Uri, patchedText: string, title: string, viewColumn: vscode.ViewColumn = vscode.ViewColumn.One): Promise<vscode.Uri> {
  const right = candidateUri(original, patchedText, title);
  await vscode.commands.executeCommand('vscode.diff', original, right, title, { preview: true, viewColumn });
  return right;
}

/**
 * Opens one file of a candidate (as the worker reports it) against the workspace: an added file against an empty
 * document, a deleted file against an empty one on the right, a renamed file against its old path.
 */
export async function openCandidateFileDiff(root: vscode.Uri, file: PatchFileEvidence, title: string, viewColumn: vscode.ViewColumn = vscode.ViewColumn.One): Promise<vscode.Uri> {
  const target = vscode.Uri.joinPath(root, file.path);
  if (file.status === 'added') {
    const left = candidateUri(target, '', `${title} (new file)`);
    const right = candidateUri(target, file.after ?? '', title);
    await vscode.commands.executeCommand('vscode.diff', left, right, `${title}: ${file.path} (new)`, { preview: true, viewColumn });
    return right;
  }
  const source = file.oldPath !== undefined ? vscode.Uri.joinPath(root, file.oldPath) : target;
  return openCandidateDiff(source, file.after ?? '', `${title}: ${file.oldPath !== undefined ? `${file.oldPath} → ` : ''}${file.path}`, viewColumn);
}

/** The smallest replacement turning `before` into `after` (common prefix and suffix kept): keeps cursors and folds. */
function minimalReplace(doc: vscode.TextDocument, after: string): { range: vscode.Range; text: string } | null {
  const before = doc.getText();
  if (before === after) return null;
  let p = 0;
  const max = Math.min(before.length, after.length);
  while (p < max && before.charCodeAt(p) === after.charCodeAt(p)) p++;
  let s = 0;
  while (s < max - p && before.charCodeAt(before.length - 1 - s) === after.charCodeAt(after.length - 1 - s)) s++;
  // Do not split a CRLF pair or a surrogate pair.
  while (p > 0 && (before[p - 1] === '\r' || (before.charCodeAt(p - 1) & 0xfc00) === 0xd800)) p--;
  while (s > 0 && (before[before.length - s] === '\n' || (before.charCodeAt(before.length - s) & 0xfc00) === 0xdc00)) s--;
  return { range: new vscode.Range(doc.positionAt(p), doc.positionAt(before.length - s)), text: after.slice(p, after.length - s) };
}

export interface ApplyCandidateOptions {
  /** Label of the edit in the undo stack and refactor preview. */
  label?: string;
  /** path -> the text the candidate was computed against: a file that has changed since is refused. */
  expectedBefore?: Record<string, string>;
}

/** Throws CodedError('path_outside_root') unless `rel` stays inside `root` (real paths, for file: folders). */
export function insideWorkspace(root: vscode.Uri, rel: string): vscode.Uri {
  const problem = candidatePathProblem(rel);
  if (problem) throw new CodedError('path_outside_root', `${JSON.stringify(rel)}: ${problem}; the candidate is not applied`);
  if (root.scheme === 'file') resolveInsideRoot(root.fsPath, rel);
  return vscode.Uri.joinPath(root, rel);
}

export class StaleFileError extends Error {
  constructor(readonly path: string) {
    super(`${path} has changed since the candidates were generated`);
    this.name = 'StaleFileError';
  }
}

/**
 * Applies a candidate's files (modified, added, deleted, renamed; paths relative to `root`) as ONE WorkspaceEdit.
 * Resolves true when VS Code applied it. A single undo reverts every file.
 */
export async function applyCandidate(root: vscode.Uri, files: readonly PatchFileEvidence[], opts: ApplyCandidateOptions = {}): Promise<boolean> {
  // Refuse the whole candidate before any edit when one of its paths leaves the workspace folder (`../`, absolute,
  // `a/../../x`, a symbolic link inside the folder that points out of it).
  for (const f of files) for (const p of f.oldPath !== undefined ? [f.path, f.oldPath] : [f.path]) insideWorkspace(root, p);
  const edit = new vscode.WorkspaceEdit();
  const meta: vscode.WorkspaceEditEntryMetadata = { label: opts.label ?? 'Apply patch candidate', needsConfirmation: false };
  for (const f of files) {
    const target = vscode.Uri.joinPath(root, f.path);
    const expected = opts.expectedBefore?.[f.oldPath ?? f.path];
    if (f.status === 'added') {
      edit.createFile(target, { overwrite: false, ignoreIfExists: false, contents: new TextEncoder().encode(f.after ?? '') }, meta);
      continue;
    }
    const source = f.oldPath !== undefined ? vscode.Uri.joinPath(root, f.oldPath) : target;
    const doc = await vscode.workspace.openTextDocument(source);
    if (expected !== undefined && doc.getText() !== expected) throw new StaleFileError(f.oldPath ?? f.path);
    if (f.status === 'deleted') {
      edit.deleteFile(source, { ignoreIfNotExists: false }, meta);
      continue;
    }
    const r = minimalReplace(doc, f.after ?? '');
    if (r) edit.replace(source, r.range, r.text, meta);
    if (f.status === 'renamed' && f.oldPath !== undefined) edit.renameFile(source, target, { overwrite: false }, meta);
  }
  return vscode.workspace.applyEdit(edit);
}
