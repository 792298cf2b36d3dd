/**
 * One generation shown in the review panel: what was asked, the candidates as they stream in, the ranked group,
 * and the human signal coming back from the panel. Writes one preference record per session: on Accept, on "Save
 * feedback", or when a session with feedback is superseded or its panel closed. See reviewPanel.ts for the API.
 */
import * as vscode from 'vscode';
import * as fs from 'fs/promises';
import { randomUUID } from 'crypto';
import type { ErrorInfo } from '../../core/errors';
import { toErrorInfo } from '../../core/errors';
import { buildPreferenceRecord } from '../../core/preferences/build';
import type { ChatMessage, GenerationFacts, HumanSignal, RecordContext, SamplingRecord, TaskKind } from '../../core/preferences/record';
import { emptyHumanSignal, hasHumanSignal } from '../../core/preferences/record';
import type { HostMessage, PanelCandidate, RewardInfo, SessionInfo } from '../../core/protocol/webview';
import { acceptVerdict, extractedCode, toPanelCandidate } from '../../core/protocol/webview';
import type { RankOptions } from '../../core/ranking/ranking';
import type { CandidateOutput, GroupOutput } from '../../core/ranking/types';
import { appendPreferenceRecord } from '../../node/preferences/logFile';
import { rewardInfoFor } from '../../core/rewardInfo';
import { isJsonObject } from '../../core/guards';

/** Hooks the generate command supplies; each gets the candidate with all its evidence. */
export interface SessionHooks {
  /** Insert the SQL / apply the patch / save the chart spec. Throw to report failure (the choice is logged anyway). */
  onAccept?(candidate: CandidateOutput, session: ReviewSession): Promise<string | void> | string | void;
  onOpenDiff?(candidate: CandidateOutput, session: ReviewSession): Promise<void> | void;
  /** Start a new generation for the same request with these weights. */
  onRegenerate?(weights: Record<string, number>, session: ReviewSession): Promise<void> | void;
  /** The user pressed Cancel in the panel (also signalled through `session.token`). */
  onCancel?(session: ReviewSession): void;
  /**
   * "Set reference...": ask for a gold answer and re-rank the same candidates with it (no new sampling). Return the
   * reference as it goes in the record (gold SQL, oracle patch, reference image path) and the re-ranked group, or
   * undefined when the user backed out.
   */
  onSetReference?(session: ReviewSession): Promise<{ reference: string; group: GroupOutput; weights?: Record<string, number> } | undefined>;
}

export interface BeginSessionInput {
  /** Defaults to a random UUID; becomes the preference record id. */
  id?: string;
  task: TaskKind;
  /** Panel heading; defaults to the last user message. */
  title?: string;
  prompt: ChatMessage[];
  context: RecordContext;
  model: { id: string; label?: string };
  sampling: SamplingRecord;
  /** onnxruntime provider in use (`cpu`, `cuda`, `webgpu`) or `endpoint`. Never a URL or key. */
  provider: string;
  /** The weights the ranking used (e.g. SqlGroupOutput.weights). */
  weights: Record<string, number>;
  rankOptions?: Omit<RankOptions, 'weights'>;
  rewardDescriptions?: Record<string, string | RewardInfo>;
  /** Accept button text; defaults per task ("Insert SQL", "Apply patch", "Save chart spec"). */
  acceptLabel?: string;
  /** path -> text the patch candidates were computed against (SEARCH/REPLACE markers already there are not refused). */
  originals?: Record<string, string>;
  hooks?: SessionHooks;
}

export interface SessionHost {
  post(m: HostMessage): void;
  logFile(): string;
  displayPath(file: string): string;
  log: Pick<vscode.LogOutputChannel, 'info' | 'warn' | 'error'>;
}

function isWeightMap(x: unknown): x is Record<string, number> {
  return isJsonObject(x) && Object.values(x).every((v) => typeof v === 'number' && Number.isFinite(v));
}

function sameWeights(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if ((a[k] ?? 0) !== (b[k] ?? 0)) return false;
  return true;
}

const ACCEPT_LABELS: Record<TaskKind, string> = { sql: 'Insert SQL', patch: 'Apply patch', chart: 'Save chart spec' };

export class ReviewSession {
  readonly id: string;
  readonly info: SessionInfo;
  private readonly cts = new vscode.CancellationTokenSource();
  private readonly candidates = new Map<number, CandidateOutput>();
  private readonly panelCandidates = new Map<number, PanelCandidate>();
  private readonly facts = new Map<number, GenerationFacts>();
  private group: GroupOutput | null = null;
  private failure: { error: ErrorInfo; whatToDo: string } | null = null;
  private cancelledByUser = false;
  private progress: { done: number; total: number; message?: string } | null = null;
  private _human: HumanSignal;
  private logState: 'no' | 'pending' | 'writing' | 'done' = 'no';
  private loggedAs: { recordId: string; file: string } | null = null;
  private chain: Promise<void> = Promise.resolve();
  private readonly onDidLogEmitter = new vscode.EventEmitter<{ recordId: string; file: string }>();
  /** Fires once the record is on disk. */
  readonly onDidLog = this.onDidLogEmitter.event;

  constructor(
    private readonly input: BeginSessionInput,
    private readonly host: SessionHost,
  ) {
    this.id = input.id ?? randomUUID();
    const rewards: Record<string, RewardInfo> = {};
    for (const [k, v] of Object.entries(input.rewardDescriptions ?? {})) rewards[k] = typeof v === 'string' ? { description: v } : v;
    const lastUser = [...input.prompt].reverse().find((m) => m.role === 'user')?.content ?? '';
    this.info = {
      id: this.id,
      task: input.task,
      title: input.title ?? (lastUser.length > 200 ? `${lastUser.slice(0, 200)}…` : lastUser),
      prompt: input.prompt,
      modelLabel: input.model.label ?? `${input.model.id} (${input.provider}), n=${input.sampling.n}, T=${input.sampling.temperature}`,
      n: input.sampling.n,
      weights: { ...input.weights },
      rankOptions: input.rankOptions ?? {},
      rewards,
      canOpenDiff: input.hooks?.onOpenDiff !== undefined,
      acceptLabel: input.acceptLabel ?? ACCEPT_LABELS[input.task],
      reference: input.context.reference ?? null,
      canSetReference: input.hooks?.onSetReference !== undefined,
      startedAt: Date.now(),
    };
    this._human = emptyHumanSignal(input.weights);
  }

  /** Cancelled when the user presses Cancel in the panel, closes it, or a new session replaces this one. */
  get token(): vscode.CancellationToken {
    return this.cts.token;
  }

  get human(): HumanSignal {
    return this._human;
  }

  /**
   * The prompt actually sent, when a shorter one replaced the first (it is what the record logs), and the context that
   * goes with it (e.g. the schema without sample values): the record describes what the model saw.
   */
  setPrompt(prompt: ChatMessage[], context?: RecordContext): void {
    this.input.prompt = prompt;
    this.info.prompt = prompt;
    if (context) this.input.context = context;
  }

  /** The provider that actually ran the model (the setting may say `auto`); goes into the record. */
  setProvider(provider: string): void {
    this.input.provider = provider;
  }

  get logged(): { recordId: string; file: string } | null {
    return this.loggedAs;
  }

  /** A candidate finished (rewards may be missing or partial). Evidence such as `pngPath` is read here. */
  addCandidate(candidate: Partial<CandidateOutput> & { index: number; text: string }, facts?: GenerationFacts): void {
    if (facts) this.facts.set(candidate.index, facts);
    const full = { rewards: {}, error: null, ...candidate } as CandidateOutput;
    this.candidates.set(candidate.index, { ...this.candidates.get(candidate.index), ...full });
    this.enqueue(async () => {
      const pc = await this.toPanel(full);
      this.panelCandidates.set(pc.index, pc);
      this.host.post({ type: 'candidate', sessionId: this.id, candidate: pc });
    });
  }

  /** The final ranked group. Token counts / log-probs per candidate index may come with it. */
  setRanked(group: GroupOutput, facts?: ReadonlyMap<number, GenerationFacts>): void {
    for (const [k, v] of facts ?? []) this.facts.set(k, v);
    // Task rankers report the weights they actually used (defaults overlaid with settings): the panel's sliders
    // and the human signal start from those.
    const used = (group as { weights?: unknown }).weights;
    if (isWeightMap(used) && !sameWeights(used, this.info.weights)) {
      if (sameWeights(this._human.weights, this.info.weights)) this._human = { ...this._human, weights: { ...used } };
      this.info.weights = { ...used };
      const info = { ...this.info };
      this.enqueue(async () => this.host.post({ type: 'session', session: info }));
    }
    this.group = group;
    this.progress = null;
    for (const c of group.candidates) this.candidates.set(c.index, c);
    this.enqueue(async () => {
      const cands = await Promise.all(group.candidates.map((c) => this.toPanel(c)));
      for (const pc of cands) this.panelCandidates.set(pc.index, pc);
      this.host.post({ type: 'ranked', sessionId: this.id, group: { allEqual: group.allEqual, candidates: cands } });
    });
    if (this.logState === 'pending') this.enqueue(() => this.writeRecord());
  }

  setProgress(done: number, total: number, message?: string): void {
    const p = message === undefined ? { done, total } : { done, total, message };
    this.progress = p;
    this.enqueue(async () => this.host.post({ type: 'progress', sessionId: this.id, ...p }));
  }

  /** Generation failed: shown in the panel with what to do next. */
  fail(error: unknown, whatToDo = 'See the "Reward Lens" output for details, then try again.'): void {
    const f = { error: toErrorInfo(error), whatToDo };
    this.failure = f;
    this.enqueue(async () => this.host.post({ type: 'failed', sessionId: this.id, ...f }));
  }

  /** The user cancelled (panel or notification): shown neutral, not as a failure. */
  markCancelled(): void {
    if (this.cancelledByUser) return;
    this.cancelledByUser = true;
    this.progress = null;
    this.enqueue(async () => this.host.post({ type: 'cancelled', sessionId: this.id }));
  }

  get wasCancelled(): boolean {
    return this.cancelledByUser;
  }

  status(level: 'info' | 'warning' | 'error', message: string): void {
    this.host.post({ type: 'status', sessionId: this.id, level, message });
  }

  /** Messages that rebuild this session in a fresh panel (after it was hidden, or re-created). */
  snapshot(): HostMessage[] {
    const out: HostMessage[] = [{ type: 'session', session: this.info }];
    if (this.group) {
      const cands = this.group.candidates.map((c) => this.panelCandidates.get(c.index)).filter((c): c is PanelCandidate => c !== undefined);
      out.push({ type: 'ranked', sessionId: this.id, group: { allEqual: this.group.allEqual, candidates: cands } });
    } else {
      for (const c of this.panelCandidates.values()) out.push({ type: 'candidate', sessionId: this.id, candidate: c });
      if (this.progress) out.push({ type: 'progress', sessionId: this.id, ...this.progress });
    }
    if (this.failure) out.push({ type: 'failed', sessionId: this.id, ...this.failure });
    if (this.cancelledByUser) out.push({ type: 'cancelled', sessionId: this.id });
    if (this.loggedAs) out.push({ type: 'logged', sessionId: this.id, ...this.loggedAs, file: this.host.displayPath(this.loggedAs.file) });
    return out;
  }

  // ---- from the panel ---------------------------------------------------------------------------------------

  updateHuman(h: HumanSignal): void {
    if (this.logState === 'no') this._human = h;
  }

  async accept(index: number, h: HumanSignal): Promise<void> {
    this.updateHuman(h);
    const c = this.candidates.get(index);
    if (!c) return this.status('error', `Candidate ${index + 1} is not part of this review.`);
    // The panel already disables Accept for these; this is the authoritative check (a stale or scripted panel).
    const verdict = this.verdict(c);
    if (verdict.blocked) return this.status('error', `Candidate ${index + 1} was not accepted: ${verdict.blocked}.`);
    try {
      const msg = await (this.input.hooks?.onAccept ?? defaultAccept)(c, this);
      this.status('info', msg || `Accepted candidate ${index + 1}.`);
    } catch (e) {
      this.status('error', `Candidate ${index + 1} was not applied: ${toErrorInfo(e).message}`);
    }
    this.requestLog();
  }

  finish(h: HumanSignal): void {
    this.updateHuman(h);
    if (this.logState !== 'no') return this.status('info', 'This review is already in the preference log.');
    this.requestLog();
  }

  async openDiff(index: number): Promise<void> {
    const c = this.candidates.get(index);
    if (!c || !this.input.hooks?.onOpenDiff) return;
    try {
      await this.input.hooks.onOpenDiff(c, this);
    } catch (e) {
      this.status('error', `The diff did not open: ${toErrorInfo(e).message}`);
    }
  }

  async regenerate(weights: Record<string, number>): Promise<void> {
    if (!this.input.hooks?.onRegenerate) {
      await vscode.commands.executeCommand('workbench.action.quickOpen', '>Reward Lens: Generate');
      return;
    }
    await this.input.hooks.onRegenerate(weights, this);
  }

  cancel(): void {
    this.markCancelled();
    this.cts.cancel();
    this.input.hooks?.onCancel?.(this);
  }

  /** "Set reference...": the command's hook asks for the gold answer and re-ranks; the record carries it. */
  async setReference(): Promise<void> {
    const hook = this.input.hooks?.onSetReference;
    if (!hook) return this.status('warning', 'This review cannot be re-ranked with a reference.');
    if (!this.group) return this.status('info', 'Wait until scoring finishes, then set the reference.');
    if (this.logState !== 'no') return this.status('info', 'This review is already in the preference log; set the reference before accepting.');
    let out;
    try {
      out = await hook(this);
    } catch (e) {
      return this.status('error', `The group was not re-ranked: ${toErrorInfo(e).message}`);
    }
    if (!out) return;
    this.input.context = { ...this.input.context, reference: out.reference };
    this.info.reference = out.reference;
    const names = new Set<string>();
    for (const c of out.group.candidates) for (const k of Object.keys(c.rewards)) names.add(k);
    const infos = rewardInfoFor(names);
    for (const n of names) if (!this.info.rewards[n]) this.info.rewards[n] = infos[n]!;
    if (out.weights) (out.group as { weights?: unknown }).weights = out.weights;
    // A new weight set comes with the gold rewards: the sliders and the logged weights follow it.
    const used = (out.group as { weights?: unknown }).weights;
    if (isWeightMap(used)) {
      this._human = { ...this._human, weights: { ...used } };
      this.info.weights = { ...used };
    }
    const info = { ...this.info };
    this.enqueue(async () => this.host.post({ type: 'session', session: info }));
    this.setRanked(out.group);
    this.status('info', `Re-ranked with the reference: ${[...names].filter((n) => !['syntax', 'executes', 'non_empty', 'schema_valid', 'consensus', 'format'].includes(n)).join(', ') || 'no gold reward applies'}.`);
  }

  candidate(index: number): CandidateOutput | undefined {
    return this.candidates.get(index);
  }

  /** The ranked group's candidate texts by index (what a re-rank with a reference scores again). */
  rankedTexts(): string[] {
    return this.group ? [...this.group.candidates].sort((a, b) => a.index - b.index).map((c) => c.text) : [];
  }

  /** What Copy puts on the clipboard: the extracted code (SQL, spec, diff), not the raw answer with its fences. */
  copyText(index: number): string | undefined {
    const c = this.candidates.get(index);
    return c ? (extractedCode(c) ?? c.text) : undefined;
  }

  private verdict(c: CandidateOutput) {
    const o = this.info.rankOptions;
    return acceptVerdict(this.input.task, c, { ...(o.gate ? { gate: o.gate } : {}), ...(o.thresholds ? { thresholds: o.thresholds } : {}), ...(this.input.originals ? { originals: this.input.originals } : {}) });
  }

  /** Called when a newer session replaces this one or the panel closes: logs feedback that was given. */
  close(): Promise<void> {
    this.cts.cancel();
    if (this.logState === 'no' && this.group && hasHumanSignal(this._human)) this.requestLog();
    const done = this.chain;
    this.cts.dispose();
    return done;
  }

  // ---- internals ------------------------------------------------------------------------------------------

  private requestLog(): void {
    if (this.logState !== 'no') return;
    this.logState = 'pending';
    if (this.group) this.enqueue(() => this.writeRecord());
    else this.status('info', 'Your choice will be logged when scoring finishes.');
  }

  private async writeRecord(): Promise<void> {
    if (this.logState !== 'pending' || !this.group) return;
    this.logState = 'writing';
    const file = this.host.logFile();
    const record = buildPreferenceRecord({
      id: this.id,
      time: new Date(),
      task: this.input.task,
      prompt: this.input.prompt,
      context: this.input.context,
      modelId: this.input.model.id,
      sampling: this.input.sampling,
      provider: this.input.provider,
      group: this.group,
      facts: this.facts,
      human: this._human,
    });
    try {
      await appendPreferenceRecord(file, record);
      this.logState = 'done';
      this.loggedAs = { recordId: record.id, file };
      this.host.log.info(`preference record ${record.id} appended to ${file}`);
      this.host.post({ type: 'logged', sessionId: this.id, recordId: record.id, file: this.host.displayPath(file) });
      this.onDidLogEmitter.fire(this.loggedAs);
    } catch (e) {
      this.logState = 'no';
      const info = toErrorInfo(e);
      this.host.log.error(`preference log write failed (${file}): ${info.message}`);
      this.status('error', `Your choice was not logged: ${info.message}. Check "rewardLens.logLocation" and that the folder is writable, then press Save feedback.`);
    }
  }

  private enqueue(job: () => Promise<void>): void {
    this.chain = this.chain.then(job).catch((e: unknown) => this.host.log.error(`review session: ${toErrorInfo(e).message}`));
  }

  private async toPanel(c: CandidateOutput): Promise<PanelCandidate> {
    const pc = toPanelCandidate(c);
    if (Object.keys(c.rewards).length > 0 || c.error) {
      const v = this.verdict(c);
      if (v.blocked) pc.acceptBlocked = v.blocked;
      if (v.gateFailures.length > 0) pc.gateFailures = v.gateFailures;
    }
    const pngPath = c['pngPath'];
    if (pc.png === undefined && typeof pngPath === 'string') {
      try {
        pc.png = (await fs.readFile(pngPath)).toString('base64');
      } catch (e) {
        this.host.log.warn(`chart image ${pngPath}: ${toErrorInfo(e).message}`);
      }
    }
    return pc;
  }
}

/** Without a hook: SQL goes to the editor the generation started from (or a new SQL document), charts to a new JSON document. */
async function defaultAccept(c: CandidateOutput, s: ReviewSession): Promise<string> {
  const text = typeof c['sql'] === 'string' && c['sql'] !== '' ? c['sql'] : c.text;
  const target = vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme !== 'output' && !e.document.isClosed);
  if (s.info.task === 'sql' && target) {
    const ok = await target.edit((b) => b.replace(target.selection, text));
    if (ok) return `Inserted candidate ${c.index + 1} into ${vscode.workspace.asRelativePath(target.document.uri)}.`;
  }
  if (s.info.task === 'patch') throw new Error('no patch applier was given for this review');
  const doc = await vscode.workspace.openTextDocument({ language: s.info.task === 'sql' ? 'sql' : 'json', content: text });
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One });
  return `Opened candidate ${c.index + 1} in a new editor.`;
}
