/**
 * Generate Chart Candidates...: a data file, an instruction and optionally a reference image -> N Vega-Lite specs
 * (matplotlib opt-in, trusted workspaces) -> rendered in a sandboxed child with no network or file access ->
 * ChartMaster/ChartMimic rewards -> ranked cards with their images. Accept saves the chosen spec as a new file.
 */
import * as vscode from 'vscode';
import * as fs from 'fs';
import * as path from 'path';
import { buildChartPrompt } from '../../core/chart/prompt';
import type { ChartRankParams } from '../../core/chart/protocol';
import { rewardInfoFor } from '../../core/rewardInfo';
import type { ExtensionApi } from '../api';
import { maxNewTokensFor, readSettings } from '../settings';
import { ReviewPanel } from '../review/reviewPanel';
import { backendFromSettings, ensureModelCanDo, modelLabel, sampleAndRank, samplingRecord, startWeights } from '../generation/sample';
import { fileRef, pickWorkspaceFile } from '../generation/files';

export interface ChartRequest {
  dataPath: string;
  instruction: string;
  referenceImagePath?: string;
}

export function asChartPreset(x: unknown): Partial<ChartRequest> | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const o = x as Record<string, unknown>;
  const out: Partial<ChartRequest> = {};
  if (typeof o.dataPath === 'string') out.dataPath = o.dataPath;
  if (typeof o.instruction === 'string') out.instruction = o.instruction;
  if (typeof o.referenceImagePath === 'string') out.referenceImagePath = o.referenceImagePath;
  return out;
}

function headOf(file: string, lines = 6): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8').split(/\r?\n/).slice(0, lines).join('\n');
  } finally {
    fs.closeSync(fd);
  }
}

export async function generateChartCommand(context: vscode.ExtensionContext, api: ExtensionApi, preset?: Partial<ChartRequest>): Promise<unknown> {
  if (!ensureModelCanDo('chart', backendFromSettings(readSettings(), context.extensionPath))) return undefined;
  const dataPath = preset?.dataPath ?? (await pickWorkspaceFile({ glob: '**/*.{csv,tsv,json}', title: 'Reward Lens: data file for the chart', filters: { Data: ['csv', 'tsv', 'json'] } }));
  if (!dataPath) return undefined;
  const instruction = preset?.instruction ?? (await vscode.window.showInputBox({ title: 'Reward Lens: Generate Chart Candidates', prompt: `What should the chart of ${path.basename(dataPath)} show?`, placeHolder: 'e.g. monthly revenue by region as a line chart', ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'Type an instruction') }));
  if (!instruction) return undefined;
  let referenceImagePath = preset?.referenceImagePath;
  if (referenceImagePath === undefined && !preset?.instruction) {
    const ref = await vscode.window.showQuickPick([{ label: 'No reference', id: 'none' }, { label: 'Reference image (PNG/JPEG)...', id: 'image', detail: 'Score candidates by how closely they reproduce it (ChartMimic / ChartMaster chart-to-code).' }], { title: 'Reward Lens: reference chart' });
    if (!ref) return undefined;
    if (ref.id === 'image') {
      const uris = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { Images: ['png', 'jpg', 'jpeg'] }, title: 'Reference chart image' });
      referenceImagePath = uris?.[0]?.fsPath;
      if (!referenceImagePath) return undefined;
    }
  }
  return runChart(context, api, { dataPath, instruction, ...(referenceImagePath ? { referenceImagePath } : {}) }, undefined);
}

async function runChart(context: vscode.ExtensionContext, api: ExtensionApi, req: ChartRequest, weightsOverride: Record<string, number> | undefined): Promise<unknown> {
  const s = readSettings();
  s.maxNewTokens = maxNewTokensFor(s, 'chart');
  const backend = backendFromSettings(s, context.extensionPath);
  const weights = { ...s.rewardWeights, ...(weightsOverride ?? {}) };
  const matplotlib = s.chartMatplotlib && vscode.workspace.isTrusted;
  // the candidates' sandbox covers the workspace folders (and the home folder) with empty ones: nothing of the user's to read
  const mplOptions: NonNullable<ChartRankParams['matplotlib']> = { python: s.chartPythonPath, hide: (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath) };
  let dataHead: string;
  try {
    dataHead = headOf(req.dataPath);
  } catch (e) {
    void vscode.window.showErrorMessage(`Reward Lens: cannot read ${req.dataPath}: ${e instanceof Error ? e.message : String(e)}. Pick a CSV, TSV or JSON file.`);
    return undefined;
  }
  const messages = buildChartPrompt({ dataFileName: path.basename(req.dataPath), dataHead, instruction: req.instruction, hasReferenceImage: !!req.referenceImagePath, matplotlib });
  const hasRef = !!req.referenceImagePath;
  const panel = ReviewPanel.createOrShow(context, api.log);
  const session = panel.beginSession({
    task: 'chart',
    title: req.instruction,
    prompt: messages,
    context: { dataFile: await fileRef(req.dataPath), reference: req.referenceImagePath ? vscode.workspace.asRelativePath(req.referenceImagePath) : null },
    model: { id: modelLabel(backend) },
    sampling: samplingRecord(s),
    provider: backend.kind === 'openai' ? 'endpoint' : s.executionProvider,
    weights: startWeights('chart', hasRef, weights),
    rankOptions: { gate: ['executes'] },
    rewardDescriptions: rewardInfoFor(hasRef ? ['executes', 'visual', 'attributes', 'text', 'type', 'layout', 'color', 'fields_valid'] : ['executes', 'fields_valid', 'consensus']),
    hooks: {
      onAccept: async (c) => saveSpec(req.dataPath, c.index, c.text),
      onRegenerate: async (w) => {
        await runChart(context, api, req, w);
      },
      onSetReference: async (sess) => {
        const uris = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { Images: ['png', 'jpg', 'jpeg'] }, title: 'Reference chart image: candidates are re-ranked by how closely they reproduce it' });
        const ref = uris?.[0]?.fsPath;
        if (!ref) return undefined;
        const out = await api.worker.call(
          'chart.rank',
          { groups: [{ group: sess.id, candidates: sess.rankedTexts(), dataPath: req.dataPath, referenceImagePath: ref }], weights, matplotlib: matplotlib ? mplOptions : null },
          { timeoutMs: 10 * 60 * 1000 },
        );
        req.referenceImagePath = ref;
        const g = out.groups[0]!;
        return { reference: vscode.workspace.asRelativePath(ref), group: g, weights: (g as { weights?: Record<string, number> }).weights ?? startWeights('chart', true, weights) };
      },
    },
  });
  return sampleAndRank(api, session, s, backend, messages, {
    title: 'chart candidates',
    rankingMessage: 'rendering candidates in the sandbox...',
    rank: async (texts, signal) => {
      const out = await api.worker.call(
        'chart.rank',
        { groups: [{ group: session.id, candidates: texts, dataPath: req.dataPath, ...(req.referenceImagePath ? { referenceImagePath: req.referenceImagePath } : {}) }], weights, matplotlib: matplotlib ? mplOptions : null },
        { signal, timeoutMs: 10 * 60 * 1000 },
      );
      return out.groups[0]!;
    },
  });
}

/** Accept: the spec (or matplotlib code) goes into a new untitled document beside the data; the user saves it. */
async function saveSpec(dataPath: string, index: number, text: string): Promise<string> {
  const fenced = /```(json|python|vega-lite|vega)?\s*\n([\s\S]*?)```/i.exec(text);
  const body = (fenced ? fenced[2]! : text).trim();
  const language = fenced?.[1]?.toLowerCase() === 'python' ? 'python' : 'json';
  const ext = language === 'python' ? 'py' : 'vl.json';
  const target = vscode.Uri.file(path.join(path.dirname(dataPath), `${path.basename(dataPath).replace(/\.[^.]+$/, '')}.chart-${index + 1}.${ext}`)).with({ scheme: 'untitled' });
  const doc = await vscode.workspace.openTextDocument(target);
  const edit = new vscode.WorkspaceEdit();
  edit.insert(target, new vscode.Position(0, 0), body + '\n');
  await vscode.workspace.applyEdit(edit);
  await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
  return `Spec opened as ${path.basename(target.fsPath)}: save it to keep it`;
}
