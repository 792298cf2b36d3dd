/**
 * Generate Patch Candidates...: the selection (or the whole file) and an instruction -> N samples -> SWE-RL
 * similarity / applies / syntax / size / consensus (and opt-in tests on a temporary copy) -> ranked cards. Any
 * candidate opens in VS Code's diff editor; Accept applies it as one undoable WorkspaceEdit. Nothing touches the
 * user's files before Accept.
 */
import * as vscode from 'vscode';
import { buildPatchPrompt } from '../../core/patch/prompt';
import type { PatchFileEvidence } from '../../core/patch/protocol';
import { rewardInfoFor } from '../../core/rewardInfo';
import type { CandidateOutput } from '../../core/ranking/types';
import type { ExtensionApi } from '../api';
import { maxNewTokensFor, readSettings } from '../settings';
import { ReviewPanel } from '../review/reviewPanel';
import { backendFromSettings, ensureModelCanDo, modelLabel, sampleAndRank, samplingRecord, startWeights } from '../generation/sample';
import { displayPath, sha256Text } from '../generation/files';
import { applyCandidate, diffColumn, openCandidateFileDiff, StaleFileError } from '../patch/diffReview';

export interface PatchRequest {
  uri: vscode.Uri;
  instruction: string;
  /** Character offsets of the selection; absent or empty: the whole file. */
  selection?: { start: number; end: number } | null;
  reference?: string;
}

export function asPatchPreset(x: unknown): Partial<PatchRequest> | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const o = x as Record<string, unknown>;
  const out: Partial<PatchRequest> = {};
  if (typeof o.uri === 'string') out.uri = vscode.Uri.parse(o.uri);
  else if (o.uri instanceof vscode.Uri) out.uri = o.uri;
  if (typeof o.instruction === 'string') out.instruction = o.instruction;
  if (typeof o.reference === 'string') out.reference = o.reference;
  const sel = o.selection as { start?: unknown; end?: unknown } | undefined;
  if (sel && typeof sel.start === 'number' && typeof sel.end === 'number') out.selection = { start: sel.start, end: sel.end };
  return out;
}

function rootFor(uri: vscode.Uri): vscode.Uri {
  return vscode.workspace.getWorkspaceFolder(uri)?.uri ?? vscode.Uri.joinPath(uri, '..');
}

export async function generatePatchCommand(context: vscode.ExtensionContext, api: ExtensionApi, preset?: Partial<PatchRequest>): Promise<unknown> {
  const editor = vscode.window.activeTextEditor;
  const uri = preset?.uri ?? editor?.document.uri;
  if (!uri || uri.scheme !== 'file') {
    void vscode.window.showWarningMessage('Reward Lens: open a file (and optionally select code) before generating patch candidates.');
    return undefined;
  }
  if (!ensureModelCanDo('patch', backendFromSettings(readSettings(uri), context.extensionPath))) return undefined;
  let selection = preset?.selection;
  if (selection === undefined && editor && editor.document.uri.toString() === uri.toString() && !editor.selection.isEmpty) {
    selection = { start: editor.document.offsetAt(editor.selection.start), end: editor.document.offsetAt(editor.selection.end) };
  }
  const instruction = preset?.instruction ?? (await vscode.window.showInputBox({
    title: 'Reward Lens: Generate Patch Candidates',
    prompt: selection ? 'What should change in the selected code?' : `What should change in ${vscode.workspace.asRelativePath(uri)}?`,
    placeHolder: 'e.g. handle an empty cart and round the total to cents',
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() ? undefined : 'Type an instruction'),
  }));
  if (!instruction) return undefined;
  return runPatch(context, api, { uri, instruction, selection: selection ?? null, ...(preset?.reference ? { reference: preset.reference } : {}) }, undefined);
}

async function runPatch(context: vscode.ExtensionContext, api: ExtensionApi, req: PatchRequest, weightsOverride: Record<string, number> | undefined): Promise<unknown> {
  const s = readSettings(req.uri);
  s.maxNewTokens = maxNewTokensFor(s, 'patch');
  const backend = backendFromSettings(s, context.extensionPath);
  const weights = { ...s.rewardWeights, ...(weightsOverride ?? {}) };
  const doc = await vscode.workspace.openTextDocument(req.uri);
  // The text the candidates are computed against (the editor's, saved or not); Accept refuses if it changes.
  const fileText = doc.getText();
  const root = rootFor(req.uri);
  const relPath = vscode.workspace.getWorkspaceFolder(req.uri) ? displayPath(req.uri.fsPath) : req.uri.path.split('/').pop()!;
  const selection = req.selection && req.selection.end > req.selection.start ? { path: relPath, ...req.selection } : null;
  const messages = buildPatchPrompt({ path: relPath, languageId: doc.languageId, fileText, instruction: req.instruction, selection });
  const runTests = s.patchRunTests && s.patchTestCommand.trim() !== '' && vscode.workspace.isTrusted;

  const panel = ReviewPanel.createOrShow(context, api.log);
  const session = panel.beginSession({
    task: 'patch',
    title: req.instruction,
    prompt: messages,
    context: { files: [{ path: relPath, sha256: sha256Text(fileText) }], reference: req.reference ?? null },
    model: { id: modelLabel(backend) },
    sampling: samplingRecord(s),
    provider: backend.kind === 'openai' ? 'endpoint' : s.executionProvider,
    weights: startWeights('patch', !!req.reference, { ...(runTests ? { tests: 3 } : {}), ...weights }),
    originals: { [relPath]: fileText },
    rewardDescriptions: rewardInfoFor(['similarity', 'applies', 'syntax', 'consensus', 'size', ...(runTests ? ['tests'] : [])]),
    hooks: {
      onOpenDiff: async (c) => {
        const files = evidenceFiles(c);
        if (files.length === 0) throw new Error(c.error ? c.error.message : 'this candidate changes nothing');
        const column = diffColumn(ReviewPanel.active?.panel.viewColumn);
        for (const f of files) await openCandidateFileDiff(root, f, `${f.path} ↔ candidate #${c.index + 1}`, column);
      },
      onAccept: async (c) => {
        const files = evidenceFiles(c);
        if (files.length === 0) throw new Error(c.error ? `this candidate cannot be applied: ${c.error.message}` : 'this candidate changes nothing');
        try {
          const ok = await applyCandidate(root, files, { label: `Reward Lens: candidate #${c.index + 1}`, expectedBefore: { [relPath]: fileText } });
          if (!ok) throw new Error('VS Code did not apply the edit');
        } catch (e) {
          if (e instanceof StaleFileError) throw new Error(`${e.path} changed after the candidates were generated: regenerate to patch the current text`);
          throw e;
        }
        return `Applied to ${files.map((f) => f.path).join(', ')} (undo with Ctrl+Z)`;
      },
      onRegenerate: async (w) => {
        await runPatch(context, api, req, w);
      },
      onSetReference: async (sess) => {
        const ref = await vscode.window.showInputBox({ title: 'Reward Lens: reference (oracle) patch', prompt: 'The right change, as SEARCH/REPLACE blocks, a unified diff or the whole new file: candidates are re-ranked by SWE-RL similarity to it', value: req.reference ?? '', ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'Paste the reference patch') });
        if (!ref) return undefined;
        const out = await api.worker.call(
          'patch.rank',
          { groups: [{ group: sess.id, prompt: req.instruction, candidates: sess.rankedTexts(), files: { [relPath]: fileText }, languageIds: { [relPath]: doc.languageId }, selection, reference: ref }], root: root.fsPath, weights, tests: runTests ? { command: s.patchTestCommand, sandbox: s.patchTestSandbox } : null },
          { timeoutMs: 30 * 60 * 1000 },
        );
        req.reference = ref;
        return { reference: ref, group: out.groups[0]! };
      },
    },
  });

  return sampleAndRank(api, session, s, backend, messages, {
    title: 'patch candidates',
    rankingMessage: runTests ? 'applying candidates and running tests on temporary copies...' : 'applying and scoring candidates...',
    rank: async (texts, signal) => {
      const out = await api.worker.call(
        'patch.rank',
        {
          groups: [{ group: session.id, prompt: req.instruction, candidates: texts, files: { [relPath]: fileText }, languageIds: { [relPath]: doc.languageId }, selection, reference: req.reference ?? null }],
          root: root.fsPath,
          weights,
          tests: runTests ? { command: s.patchTestCommand, sandbox: s.patchTestSandbox } : null,
        },
        { signal, timeoutMs: 30 * 60 * 1000 },
      );
      return out.groups[0]!;
    },
  });
}

function evidenceFiles(c: CandidateOutput): PatchFileEvidence[] {
  return Array.isArray(c.files) ? (c.files as PatchFileEvidence[]) : [];
}
