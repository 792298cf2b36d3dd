/**
 * The review panel (one per window) and the API the generate commands use.
 *
 *   // activate(): restore the panel after a window reload
 *   context.subscriptions.push(ReviewPanel.registerSerializer(context, log));
 *   // "Reward Lens: Open Review Panel"
 *   vscode.commands.registerCommand('rewardLens.openReview', () => ReviewPanel.createOrShow(context, log));
 *
 *   // a generate command
 *   const panel = ReviewPanel.createOrShow(context, log);        // beside the editor, keeps focus in the editor
 *   const session = panel.beginSession({
 *     task: 'sql', prompt: messages, context: { database: { path, sha256, schema }, reference: goldSql },
 *     model: { id: 'Qwen2.5-Coder-0.5B-Instruct' }, sampling: { n: 8, temperature: 0.8, topP: 0.95, maxNewTokens: 256 },
 *     provider: 'cpu', weights: group.weights, rewardDescriptions: SQL_REWARD_INFO,
 *     hooks: { onAccept: (c) => insertSql(editor, c.sql), onRegenerate: (w) => runAgain(w) },
 *   });
 *   session.token                     // cancelled by the panel's Cancel, closing the panel, or a newer session
 *   session.setProgress(3, 8)         // optional
 *   session.addCandidate(partial)     // as each candidate finishes (rewards may be missing)
 *   session.setRanked(group, facts?)  // the final GroupOutput; facts: Map<index, {tokenCount, logprobs}>
 *   session.fail(error, 'what to do') // instead of setRanked when generation failed
 *
 * The session writes one preference record (`rewardLens.logLocation`, default `.reward-lens/preferences.jsonl`)
 * when the user accepts, presses "Save feedback", or leaves feedback and starts another generation / closes the
 * panel; `session.onDidLog` fires after the fsync.
 *
 * Security: CSP `default-src 'none'` with a per-load nonce for the one script, `localResourceRoots` = dist/webview/
 * only, no command URIs; model output crosses as JSON and the panel renders it as text only.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'crypto';
import type { HistoryItem, HostMessage, PanelMessage, SessionInfo } from '../../core/protocol/webview';
import { REVIEW_VIEW_TYPE, isPanelMessage, toPanelCandidate } from '../../core/protocol/webview';
import type { PreferenceRecord } from '../../core/preferences/record';
import { rewardInfoFor } from '../../core/rewardInfo';
import { readPreferenceLog } from '../../node/preferences/logFile';
import { readSettings } from '../settings';
import { displayLogPath, resolveLogPath } from '../preferences/logLocation';
import { panelHtml } from './html';
import { ReviewSession, type BeginSessionInput } from './reviewSession';

export type { BeginSessionInput, SessionHooks } from './reviewSession';

/** How many earlier groups "Recent reviews" offers after the panel is reopened. */
const RECENT_REVIEWS = 10;

function recordTitle(r: PreferenceRecord): string {
  const user = [...r.prompt].reverse().find((m) => m.role === 'user')?.content ?? r.id;
  // The prompt's last line is the question / instruction (the schema or file text comes before it).
  const last = user.trim().split('\n').filter((l) => l.trim() !== '').pop() ?? user;
  const t = last.replace(/^(Question|Instruction|Task):\s*/i, '');
  return t.length > 200 ? `${t.slice(0, 200)}…` : t;
}

/** A logged group as the panel shows it: read-only, the rewards and choices as logged, no evidence. */
export function recordMessages(r: PreferenceRecord): HostMessage[] {
  const names = new Set<string>();
  for (const c of r.candidates) for (const k of Object.keys(c.rewards)) names.add(k);
  const session: SessionInfo = {
    id: r.id,
    task: r.task,
    title: recordTitle(r),
    prompt: r.prompt,
    modelLabel: `${r.model.id} (${r.provider}), n=${r.model.sampling.n}, T=${r.model.sampling.temperature} · logged ${r.time.replace('T', ' ').slice(0, 16)}`,
    n: r.candidates.length,
    weights: { ...r.human.weights },
    rankOptions: {},
    rewards: rewardInfoFor(names),
    canOpenDiff: false,
    acceptLabel: r.task === 'sql' ? 'Insert SQL' : r.task === 'patch' ? 'Apply patch' : 'Save chart spec',
    reference: r.context.reference ?? null,
    restored: true,
    human: r.human,
  };
  const candidates = r.candidates.map((c) => toPanelCandidate({ ...c, rewards: Object.fromEntries(Object.entries(c.rewards)) as Record<string, number | null> } as never));
  return [
    { type: 'session', session },
    { type: 'ranked', sessionId: r.id, group: { allEqual: r.allEqual, candidates } },
  ];
}
export { ReviewSession } from './reviewSession';

type Log = Pick<vscode.LogOutputChannel, 'info' | 'warn' | 'error'>;
const consoleLog: Log = { info: () => undefined, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };

export class ReviewPanel {
  static readonly viewType = REVIEW_VIEW_TYPE;
  private static current: ReviewPanel | undefined;

  private ready = false;
  private readyWaiters: (() => void)[] = [];
  private queue: HostMessage[] = [];
  private session: ReviewSession | null = null;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly onDidDisposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.onDidDisposeEmitter.event;

  /** The open panel, revealed; or a new one beside the active editor. */
  static createOrShow(context: vscode.ExtensionContext, log: Log = consoleLog, opts: { preserveFocus?: boolean } = {}): ReviewPanel {
    const preserveFocus = opts.preserveFocus ?? true;
    if (ReviewPanel.current) {
      ReviewPanel.current.panel.reveal(undefined, preserveFocus);
      return ReviewPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(ReviewPanel.viewType, 'Reward Lens Review', { viewColumn: vscode.ViewColumn.Beside, preserveFocus }, ReviewPanel.webviewOptions(context));
    ReviewPanel.current = new ReviewPanel(panel, context, log);
    return ReviewPanel.current;
  }

  /** The panel if one is open. */
  static get active(): ReviewPanel | undefined {
    return ReviewPanel.current;
  }

  /** Restores the panel after a window reload (its cards come back from the webview's own saved state). */
  static registerSerializer(context: vscode.ExtensionContext, log: Log = consoleLog): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(ReviewPanel.viewType, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
        ReviewPanel.revive(panel, context, log);
      },
    });
  }

  /**
   * A restored panel handed back by VS Code. It revives one only when its tab is first shown; by then a command may
   * have opened a live panel (createOrShow found none), which holds the running review: the stale tab goes, not it.
   * Returns whether the restored panel was kept.
   */
  static revive(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, log: Log = consoleLog): boolean {
    if (ReviewPanel.current) {
      log.info('review panel: a restored panel tab was shown while another panel was open; closed the restored one');
      panel.dispose();
      ReviewPanel.current.panel.reveal(undefined, false);
      return false;
    }
    panel.webview.options = ReviewPanel.webviewOptions(context);
    ReviewPanel.current = new ReviewPanel(panel, context, log);
    return true;
  }

  private static webviewOptions(context: vscode.ExtensionContext): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      enableCommandUris: false,
      // The panel's own folder only (script and stylesheet): not the worker bundles, fonts or wasm next to it.
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview')],
    };
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly context: vscode.ExtensionContext,
    private readonly log: Log,
  ) {
    const webview = panel.webview;
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview', 'review.css')).toString(),
    });
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
      // A hidden webview is torn down (no retainContextWhenHidden); queue until it says ready again.
      panel.onDidChangeViewState((e) => {
        if (!e.webviewPanel.visible) this.ready = false;
      }),
    );
  }

  /** Starts showing a new generation; the previous session is closed (its feedback logged if there was any). */
  beginSession(input: BeginSessionInput): ReviewSession {
    void this.session?.close();
    const session = new ReviewSession(input, {
      post: (m) => this.post(m),
      logFile: () => this.logFile(),
      displayPath: (f) => displayLogPath(f, this.folders()),
      log: this.log,
    });
    this.session = session;
    this.post({ type: 'session', session: session.info });
    return session;
  }

  /** Resolves once the webview has loaded and said `ready` (for tests and for commands that want to wait). */
  whenReady(): Promise<void> {
    return this.ready ? Promise.resolve() : new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Test hook: handle a message as if the webview had posted it (the e2e tests drive the real webview). */
  receiveForTest(m: unknown): Promise<void> {
    return this.onMessage(m);
  }

  get currentSession(): ReviewSession | null {
    return this.session;
  }

  reveal(preserveFocus = true): void {
    this.panel.reveal(undefined, preserveFocus);
  }

  private folders(): string[] {
    return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  }

  private logFile(): string {
    return resolveLogPath(readSettings().logLocation, this.folders(), this.context.globalStorageUri.fsPath);
  }

  /** Test hook: the last messages sent to the webview (integration tests cannot read the webview's DOM). */
  readonly sentForTest: HostMessage[] = [];

  private post(m: HostMessage): void {
    if (this.disposed) return;
    this.sentForTest.push(m);
    if (this.sentForTest.length > 200) this.sentForTest.shift();
    if (!this.ready) {
      this.queue.push(m);
      return;
    }
    void this.panel.webview.postMessage(m);
  }

  private async onMessage(raw: unknown): Promise<void> {
    if (!isPanelMessage(raw)) {
      this.log.warn(`review panel: dropped a malformed message ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    const m: PanelMessage = raw;
    if (m.type === 'ready') {
      this.ready = true;
      for (const w of this.readyWaiters.splice(0)) w();
      // A re-created webview may have missed queued messages: the live session's snapshot replaces the queue.
      const pending = this.session ? [...this.session.snapshot(), ...this.queue.filter((q) => q.type === 'status')] : this.queue;
      this.queue = [];
      for (const q of pending) {
        this.sentForTest.push(q);
        void this.panel.webview.postMessage(q);
      }
      // Reopened after a close (no live session, and the webview has nothing of its own): the last reviewed groups
      // come back from the log, the newest shown read-only.
      if (!this.session && m.sessionId === null) await this.restoreFromLog(true);
      else if (!this.session) await this.restoreFromLog(false);
      return;
    }
    if (m.type === 'openRecord') {
      await this.showRecord(m.recordId);
      return;
    }
    if (m.type === 'log') {
      this.log[m.level === 'warn' ? 'warn' : m.level](`review panel: ${m.message}`);
      return;
    }
    if (m.type === 'copy') {
      // Our own copy of the extracted code when the session is live; the panel's (restored from the log) otherwise.
      const text = this.session?.id === m.sessionId ? (this.session.copyText(m.index) ?? m.text) : m.text;
      await vscode.env.clipboard.writeText(text);
      this.post({ type: 'status', sessionId: m.sessionId, level: 'info', message: `Copied candidate ${m.index + 1}.` });
      return;
    }
    if (m.type === 'regenerate' && (m.sessionId === null || this.session?.id !== m.sessionId)) {
      await vscode.commands.executeCommand('workbench.action.quickOpen', '>Reward Lens: Generate');
      return;
    }
    const s = this.session;
    if (!s || s.id !== m.sessionId) {
      if (m.type === 'feedback') return; // a restored review's ratings are not logged again
      this.post({ type: 'status', sessionId: m.sessionId, level: 'warning', message: 'This review is not connected to a generation any more (restored from the log or after a reload). Copy still works; run a Generate command to review and log new candidates.' });
      return;
    }
    switch (m.type) {
      case 'feedback':
        s.updateHuman(m.human);
        break;
      case 'accept':
        await s.accept(m.index, m.human);
        break;
      case 'finish':
        s.finish(m.human);
        break;
      case 'openDiff':
        await s.openDiff(m.index);
        break;
      case 'regenerate':
        await s.regenerate(m.weights);
        break;
      case 'cancel':
        s.cancel();
        break;
      case 'setReference':
        await s.setReference();
        break;
    }
  }

  private recentRecords: PreferenceRecord[] = [];

  /** Reads the log's last groups; sends the list, and the newest as a read-only review when `showNewest`. */
  private async restoreFromLog(showNewest: boolean): Promise<void> {
    let records: PreferenceRecord[];
    try {
      records = (await readPreferenceLog(this.logFile())).records;
    } catch {
      return; // no log yet: the empty state stays
    }
    this.recentRecords = records.slice(-RECENT_REVIEWS).reverse();
    const items: HistoryItem[] = this.recentRecords.map((r) => ({ recordId: r.id, task: r.task, title: recordTitle(r), time: r.time }));
    this.post({ type: 'history', items });
    if (showNewest && this.recentRecords[0] && !this.session) await this.showRecord(this.recentRecords[0].id);
  }

  private async showRecord(recordId: string): Promise<void> {
    if (this.session) {
      this.post({ type: 'status', sessionId: null, level: 'info', message: 'Finish the review in progress first (Accept or Save feedback), then open an earlier one.' });
      return;
    }
    const r = this.recentRecords.find((x) => x.id === recordId);
    if (!r) return;
    for (const m of recordMessages(r)) this.post(m);
  }

  private disposed = false;

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (ReviewPanel.current === this) ReviewPanel.current = undefined;
    void this.session?.close();
    this.session = null;
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.onDidDisposeEmitter.fire();
    this.onDidDisposeEmitter.dispose();
  }
}
