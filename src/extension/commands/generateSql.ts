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
import { maxNewTokensFor, readSettings } from '../settings';
import * as fs from 'fs';
import { ReviewPanel } from '../review/reviewPanel';
import { backendFromSettings, endpointHost, ensureModelCanDo, modelLabel, sampleAndRank, samplingRecord, startWeights } from '../generation/sample';
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
  // Refused when picked, before the question is asked.
  const notSqlite = sqliteProblem(dbPath);
  if (notSqlite) {
    void vscode.window.showErrorMessage(`Reward Lens: ${vscode.workspace.asRelativePath(dbPath)} ${notSqlite}. Pick a SQLite database file (.sqlite, .db) or set "rewardLens.sql.databasePath".`);
    return undefined;
  }
  if (!ensureModelCanDo('sql', backendFromSettings(s, context.extensionPath))) return undefined;
  const question = preset?.question ?? (await vscode.window.showInputBox({ title: 'Reward Lens: Generate SQL Candidates', prompt: `Question about ${vscode.workspace.asRelativePath(dbPath)}`, placeHolder: 'e.g. Which 5 customers spent the most in 2024?', ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'Type a question') }));
  if (!question) return undefined;
  return runSql(context, api, { dbPath, question, ...(preset?.reference ? { reference: preset.reference } : {}) }, insertTargetOf(editor), undefined);
}

/** Why `file` is not a SQLite database (its 16-byte header), or null when it is one. Reads only the header. */
export function sqliteProblem(file: string): string | null {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(16);
    const n = fs.readSync(fd, head, 0, 16, 0);
    if (n === 0) return 'is empty, not a SQLite database';
    return n === 16 && head.toString('latin1') === 'SQLite format 3\u0000' ? null : 'is not a SQLite database (it does not start with the SQLite file header)';
  } catch (e) {
    return `cannot be read (${e instanceof Error ? e.message : String(e)})`;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * With a remote endpoint the schema carries sample values from the user's database: said once per workspace, with
 * the setting that leaves them out one click away.
 */
async function noticeSampleValues(context: vscode.ExtensionContext, host: string, db: string): Promise<void> {
  const key = 'rewardLens.sampleValuesNoticeShown';
  if (context.workspaceState.get<boolean>(key)) return;
  await context.workspaceState.update(key, true);
  void vscode.window
    .showInformationMessage(`Reward Lens: the schema sent to ${host} includes up to 3 sample values per column from ${db}. "rewardLens.sql.sampleValues": false sends table and column names only.`, 'Leave values out')
    .then((a) => a && vscode.workspace.getConfiguration('rewardLens').update('sql.sampleValues', false, vscode.ConfigurationTarget.Workspace));
}

async function runSql(context: vscode.ExtensionContext, api: ExtensionApi, req: SqlRequest, target: InsertTarget | undefined, weightsOverride: Record<string, number> | undefined): Promise<SqlGroupOutput | undefined> {
  const s = readSettings();
  s.maxNewTokens = maxNewTokensFor(s, 'sql');
  const backend = backendFromSettings(s, context.extensionPath);
  const weights = { ...s.rewardWeights, ...(weightsOverride ?? {}) };

  let schema;
  try {
    schema = (await api.worker.call('sql.schema', { dbPath: req.dbPath, maxDatabaseMB: s.sqlMaxDatabaseMB }, { timeoutMs: 60000 })).schema;
  } catch (e) {
    void vscode.window.showErrorMessage(`Reward Lens: could not read the database ${vscode.workspace.asRelativePath(req.dbPath)}: ${describeError(e)}`);
    return undefined;
  }
  const remote = backend.kind === 'openai' && !/^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:|\/|$)/i.test(backend.url);
  if (remote && s.sqlSampleValues) await noticeSampleValues(context, endpointHost(backend.kind === 'openai' ? backend.url : ''), vscode.workspace.asRelativePath(req.dbPath));
  const messages = buildSqlPrompt(schema, req.question, s.sqlSampleValues ? {} : { samples: 0 });
  const dbRef = await fileRef(req.dbPath);
  const panel = ReviewPanel.createOrShow(context, api.log);
  const session = panel.beginSession({
    task: 'sql',
    title: req.question,
    prompt: messages,
    context: { database: { ...dbRef, schema: schemaText(schema, s.sqlSampleValues ? 3 : 0) }, reference: req.reference ?? null },
    model: { id: modelLabel(backend) },
    sampling: samplingRecord(s),
    provider: backend.kind === 'openai' ? 'endpoint' : s.executionProvider,
    weights: startWeights('sql', !!req.reference, weights),
    rewardDescriptions: rewardInfoFor(['execution_match', 'syntax', 'executes', 'non_empty', 'schema_valid', 'schema_linking', 'ngram', 'consensus', 'format']),
    hooks: {
      onAccept: (c) => insertSql(target, typeof c.sql === 'string' ? c.sql : c.text),
      onRegenerate: async (w) => {
        await runSql(context, api, req, target, w);
      },
      onSetReference: async (sess) => {
        const gold = await vscode.window.showInputBox({ title: 'Reward Lens: reference (gold) SQL', prompt: 'The query whose result is right: candidates are re-ranked by execution match, schema linking and n-grams against it', value: req.reference ?? '', ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'Type the gold SQL') });
        if (!gold) return undefined;
        const texts = sess.rankedTexts();
        const ranked = await api.worker.call('sql.rank', { dbPath: req.dbPath, groups: [{ group: sess.id, prompt: req.question, candidates: texts, reference: gold }], weights, timeoutMs: s.sqlTimeoutMs }, { timeoutMs: 10 * 60 * 1000 });
        req.reference = gold; // Regenerate keeps it
        return { reference: gold, group: ranked.groups[0]!, weights: startWeights('sql', true, { ...((ranked.groups[0] as { weights?: Record<string, number> }).weights ?? {}), ...weights }) };
      },
    },
  });

  return sampleAndRank(api, session, s, backend, messages, {
    title: 'SQL candidates',
    rankingMessage: 'running candidates on an in-memory copy of the database...',
    shorterPrompt: () => {
      if (!s.sqlSampleValues) return null;
      const shorter = buildSqlPrompt(schema, req.question, { samples: 0 });
      return { messages: shorter, note: 'the schema was sent without sample values', context: { database: { ...dbRef, schema: schemaText(schema, 0) }, reference: req.reference ?? null } };
    },
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
