/**
 * Generate SQL Candidates...: question -> schema prompt -> N samples -> executed on an in-memory copy of the
 * database (never the file) -> Reasoning-SQL rewards -> ranked cards in the review panel -> Accept inserts the SQL.
 */
import * as vscode from 'vscode';
import { buildSqlPrompt, schemaText } from '../../core/sql/prompt';
import type { SqlGroupOutput } from '../../core/sql/protocol';
import { rewardInfoFor } from '../../core/rewardInfo';
import type { ExtensionApi } from '../api';
import { describeError } from '../errors';
import { readSettings } from '../settings';
import { ReviewPanel } from '../review/reviewPanel';
import { backendFromSettings, modelLabel, sampleAndRank, samplingRecord } from '../generation/sample';
import { fileRef, pickWorkspaceFile } from '../generation/files';

export interface SqlRequest {
  dbPath: string;
  question: string;
  /** Gold SQL, when the caller has one (tests, benchmarks); the palette flow has none. */
  reference?: string;
}

/** Narrows command arguments (from executeCommand, e.g. tests or other extensions) to a preset request. */
export function asSqlPreset(x: unknown): Partial<SqlRequest> | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const o = x as Record<string, unknown>;
  const out: Partial<SqlRequest> = {};
  if (typeof o.dbPath === 'string') out.dbPath = o.dbPath;
  if (typeof o.question === 'string') out.question = o.question;
  if (typeof o.reference === 'string') out.reference = o.reference;
  return out;
}

export async function generateSqlCommand(context: vscode.ExtensionContext, api: ExtensionApi, preset?: Partial<SqlRequest>): Promise<SqlGroupOutput | undefined> {
  const editor = vscode.window.activeTextEditor;
  const s = readSettings();
  const dbPath = preset?.dbPath ?? (await pickWorkspaceFile({ glob: '**/*.{sqlite,sqlite3,db}', title: 'Reward Lens: SQLite database', filters: { 'SQLite database': ['sqlite', 'sqlite3', 'db'] }, preset: s.sqlDatabasePath || undefined }));
  if (!dbPath) return undefined;
  const question = preset?.question ?? (await vscode.window.showInputBox({ title: 'Reward Lens: Generate SQL Candidates', prompt: `Question about ${vscode.workspace.asRelativePath(dbPath)}`, placeHolder: 'e.g. Which 5 customers spent the most in 2024?', ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'Type a question') }));
  if (!question) return undefined;
  return runSql(context, api, { dbPath, question, ...(preset?.reference ? { reference: preset.reference } : {}) }, insertTargetOf(editor), undefined);
}

async function runSql(context: vscode.ExtensionContext, api: ExtensionApi, req: SqlRequest, target: InsertTarget | undefined, weightsOverride: Record<string, number> | undefined): Promise<SqlGroupOutput | undefined> {
  const s = readSettings();
  const backend = backendFromSettings(s, context.extensionPath);
  const weights = { ...s.rewardWeights, ...(weightsOverride ?? {}) };

  let schema;
  try {
    schema = (await api.worker.call('sql.schema', { dbPath: req.dbPath, maxDatabaseMB: s.sqlMaxDatabaseMB }, { timeoutMs: 60000 })).schema;
  } catch (e) {
    void vscode.window.showErrorMessage(`Reward Lens: could not read the database ${vscode.workspace.asRelativePath(req.dbPath)}: ${describeError(e)}`);
    return undefined;
  }
  const messages = buildSqlPrompt(schema, req.question);
  const panel = ReviewPanel.createOrShow(context, api.log);
  const session = panel.beginSession({
    task: 'sql',
    title: req.question,
    prompt: messages,
    context: { database: { ...(await fileRef(req.dbPath)), schema: schemaText(schema) }, reference: req.reference ?? null },
    model: { id: modelLabel(backend) },
    sampling: samplingRecord(s),
    provider: backend.kind === 'openai' ? 'endpoint' : s.executionProvider,
    weights,
    rewardDescriptions: rewardInfoFor(['execution_match', 'syntax', 'executes', 'non_empty', 'schema_valid', 'schema_linking', 'ngram', 'consensus', 'format']),
    hooks: {
      onAccept: (c) => insertSql(target, typeof c.sql === 'string' ? c.sql : c.text),
      onRegenerate: async (w) => {
        await runSql(context, api, req, target, w);
      },
    },
  });

  return sampleAndRank(api, session, s, backend, messages, {
    title: 'SQL candidates',
    rankingMessage: 'running candidates on an in-memory copy of the database...',
    rank: async (texts, signal) => {
      const ranked = await api.worker.call(
        'sql.rank',
        { dbPath: req.dbPath, groups: [{ group: session.id, prompt: req.question, candidates: texts, reference: req.reference ?? null }], weights, timeoutMs: s.sqlTimeoutMs,
          maxDatabaseMB: s.sqlMaxDatabaseMB, maxResultMB: s.sqlMaxResultMB, compareBudget: s.sqlCompareBudget },
        { signal, timeoutMs: 10 * 60 * 1000 },
      );
      return ranked.groups[0]!;
    },
  });
}

/** Where Accept puts the SQL: the document and selection that were active when the command ran. */
interface InsertTarget {
  uri: vscode.Uri;
  selection: vscode.Selection;
  viewColumn: vscode.ViewColumn | undefined;
}

function insertTargetOf(editor: vscode.TextEditor | undefined): InsertTarget | undefined {
  if (!editor || editor.document.uri.scheme === 'output') return undefined;
  return { uri: editor.document.uri, selection: editor.selection, viewColumn: editor.viewColumn };
}

/**
 * Accept: into the document that was active when the command ran, at its selection, as one undoable edit; else a
 * new SQL document. The TextEditor itself is not kept: it is disposed as soon as the panel hides it.
 */
async function insertSql(target: InsertTarget | undefined, sql: string): Promise<string> {
  const text = sql.trim().endsWith(';') ? sql.trim() : `${sql.trim()};`;
  if (target) {
    const doc = await vscode.workspace.openTextDocument(target.uri);
    const range = doc.validateRange(target.selection);
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: target.viewColumn ?? vscode.ViewColumn.One, preserveFocus: false });
    const ok = await editor.edit((b) => b.replace(range, text));
    if (ok) {
      const end = doc.positionAt(doc.offsetAt(range.start) + text.length);
      editor.selection = new vscode.Selection(end, end);
      return `Inserted into ${vscode.workspace.asRelativePath(doc.uri)}`;
    }
  }
  const doc = await vscode.workspace.openTextDocument({ language: 'sql', content: text + '\n' });
  await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
  return 'Opened in a new SQL document';
}
