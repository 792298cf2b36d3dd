/**
 * Review panel (webview entry, bundled to dist/webview/webview.js). Talks to the extension only through
 * src/core/protocol/webview.ts; keeps its whole state in `vscode.setState` so a reload restores the review.
 *
 * DOM hooks (stable, for tests): #rl-root, #rl-title, #rl-model, #rl-progress, #rl-status, #rl-live, #rl-error,
 * #rl-empty, #rl-all-equal, #rl-logged, #rl-weights (input.rl-weight-slider[data-reward], #rl-weights-reset),
 * #rl-cards (li.rl-card, see cards.ts), #rl-note, #rl-regenerate, #rl-cancel, #rl-finish.
 */
import type { HostMessage, PanelMessage } from '../core/protocol/webview';
import { WEBVIEW_PROTOCOL_VERSION, isHostMessage } from '../core/protocol/webview';
import { CardView, candidateName, type CardContext } from './cards';
import { el, fmt, setAttrs, text } from './dom';
import * as S from './state';

interface VsCodeApi {
  postMessage(m: unknown): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

class ReviewApp {
  private state: S.PanelState;
  private readonly cards = new Map<number, CardView>();
  private cardsSessionId: string | null = null;
  private lastOrder: number[] = [];
  private feedbackTimer: ReturnType<typeof setTimeout> | undefined;

  private readonly title = el('h1', { id: 'rl-title' });
  private readonly model = el('p', { id: 'rl-model', class: 'rl-muted' });
  private readonly progress = el('div', { id: 'rl-progress', role: 'status', 'aria-live': 'polite' });
  private readonly status = el('div', { id: 'rl-status', role: 'status', 'aria-live': 'polite' });
  private readonly live = el('div', { id: 'rl-live', class: 'rl-sr-only', 'aria-live': 'polite' });
  private readonly error = el('div', { id: 'rl-error', role: 'alert' });
  private readonly empty = el(
    'div',
    { id: 'rl-empty' },
    el('h1', {}, 'Reward Lens review'),
    el('p', {}, 'No candidates yet. Run "Reward Lens: Generate SQL Candidates...", "Generate Patch Candidates..." or "Generate Chart Candidates..." from the Command Palette (Ctrl+Shift+P).'),
    el('p', {}, 'Candidates appear here as they finish, ranked by their rewards. Accept one to use it; your choice, ratings and notes go to the preference log for GRPO/DPO training.'),
  );
  private readonly allEqual = el('p', { id: 'rl-all-equal', class: 'rl-notice' }, 'All candidates have the same total: this group carries no GRPO signal (exports can drop it).');
  private readonly logged = el('p', { id: 'rl-logged', class: 'rl-notice', role: 'status' });
  private readonly weightsBox = el('div', { class: 'rl-weight-list' });
  private readonly weights = el('section', { id: 'rl-weights', 'aria-label': 'Reward weights' }, el('h2', {}, 'Weights'), this.weightsBox);
  private readonly resetWeights = el('button', { id: 'rl-weights-reset', type: 'button' }, 'Reset weights');
  private readonly list = el('ol', { id: 'rl-cards', 'aria-label': 'Candidates, best first' });
  private readonly note = el('textarea', { id: 'rl-note', rows: 2, placeholder: 'Why this choice? (saved with it)' });
  private readonly regenerate = el('button', { id: 'rl-regenerate', type: 'button', title: 'Sample a new group with the current weights' }, 'Regenerate');
  private readonly cancel = el('button', { id: 'rl-cancel', type: 'button' }, 'Cancel');
  private readonly finish = el('button', { id: 'rl-finish', type: 'button', title: 'Log ratings, preferences and rejections without accepting a candidate' }, 'Save feedback');
  private readonly main = el('main', { id: 'rl-root' });
  private readonly sliders = new Map<string, { input: HTMLInputElement; out: HTMLOutputElement }>();

  constructor(private readonly vscode: VsCodeApi) {
    this.state = S.restoreState(vscode.getState());
    this.weights.append(this.resetWeights);
    const toolbar = el('div', { class: 'rl-toolbar', role: 'toolbar', 'aria-label': 'Group actions' }, this.regenerate, this.cancel, this.finish);
    const noteBox = el('div', { class: 'rl-note-box' }, el('label', { for: 'rl-note' }, 'Note'), this.note);
    this.main.append(
      this.empty,
      el('header', { id: 'rl-header' }, this.title, this.model, this.progress, toolbar),
      this.error,
      this.status,
      this.logged,
      this.allEqual,
      this.weights,
      this.list,
      noteBox,
      this.live,
    );
    document.body.append(this.main);

    this.regenerate.addEventListener('click', () => this.post({ type: 'regenerate', sessionId: this.state.session?.id ?? null, weights: { ...this.state.weights } }));
    this.cancel.addEventListener('click', () => this.state.session && this.post({ type: 'cancel', sessionId: this.state.session.id }));
    this.finish.addEventListener('click', () => this.state.session && this.post({ type: 'finish', sessionId: this.state.session.id, human: this.state.human }));
    this.resetWeights.addEventListener('click', () => this.reweight(S.resetWeights(this.state)));
    this.note.addEventListener('input', () => this.change(S.setNote(this.state, this.note.value), 400));

    window.addEventListener('message', (ev: MessageEvent) => this.onMessage(ev.data));
    this.render();
    this.post({ type: 'ready', version: WEBVIEW_PROTOCOL_VERSION, sessionId: this.state.session?.id ?? null });
  }

  private post(m: PanelMessage): void {
    this.vscode.postMessage(m);
  }

  private onMessage(data: unknown): void {
    if (!isHostMessage(data)) {
      this.post({ type: 'log', level: 'warn', message: `panel dropped a malformed message (${typeof data === 'object' && data !== null ? String((data as { type?: unknown }).type) : typeof data})` });
      return;
    }
    const m: HostMessage = data;
    this.state = S.applyHostMessage(this.state, m);
    this.save();
    this.render();
  }

  private save(): void {
    this.vscode.setState(this.state);
  }

  /** A human-signal change: saved, rendered, and sent to the extension (debounced for typing). */
  private change(next: S.PanelState, debounceMs = 0): void {
    this.state = next;
    this.save();
    this.render();
    const s = this.state.session;
    if (!s) return;
    clearTimeout(this.feedbackTimer);
    const send = () => this.post({ type: 'feedback', sessionId: s.id, human: this.state.human });
    if (debounceMs > 0) this.feedbackTimer = setTimeout(send, debounceMs);
    else send();
  }

  private reweight(next: S.PanelState): void {
    const before = this.lastOrder[0];
    this.change(next, 300);
    const after = this.lastOrder[0];
    if (after !== undefined && after !== before) text(this.live, `Re-ranked: ${candidateName(after)} is now first.`);
  }

  private readonly actions = {
    accept: (i: number) => {
      const s = this.state.session;
      if (!s) return;
      this.state = S.markAccepted(this.state, i);
      this.save();
      this.render();
      this.post({ type: 'accept', sessionId: s.id, index: i, human: this.state.human });
    },
    reject: (i: number) => this.change(S.toggleReject(this.state, i)),
    rate: (i: number, r: number | null) => this.change(S.setRating(this.state, i, r)),
    prefer: (c: number, r: number) => {
      this.change(S.addPreference(this.state, c, r));
      text(this.live, `${candidateName(c)} preferred over ${candidateName(r)}.`);
    },
    unprefer: (c: number, r: number) => this.change(S.removePreference(this.state, c, r)),
    copy: (i: number) => {
      const s = this.state.session;
      const c = this.state.candidates.find((x) => x.index === i);
      if (s && c) this.post({ type: 'copy', sessionId: s.id, index: i, text: c.text });
    },
    openDiff: (i: number) => this.state.session && this.post({ type: 'openDiff', sessionId: this.state.session.id, index: i }),
    focusSibling: (i: number, d: 1 | -1) => {
      const pos = this.lastOrder.indexOf(i);
      const next = this.lastOrder[pos + d];
      if (next !== undefined) this.cards.get(next)?.focus();
    },
  };

  private render(): void {
    const s = this.state;
    const session = s.session;
    this.empty.hidden = session !== null;
    for (const e of [this.title, this.model, this.weights, this.list, this.note.parentElement!]) e.hidden = session === null;
    text(this.title, session ? session.title : '');
    text(this.model, session ? session.modelLabel : '');
    const generating = session !== null && !s.final && s.failure === null;
    text(this.progress, s.progress && generating ? `Generating: ${s.progress.done} of ${s.progress.total} candidates${s.progress.message ? ` (${s.progress.message})` : ''}` : '');
    setAttrs(this.main, { 'aria-busy': generating ? 'true' : null, 'data-state': session === null ? 'empty' : generating ? 'generating' : s.failure ? 'failed' : 'ranked' });
    this.cancel.hidden = !generating;
    this.regenerate.disabled = session === null || generating;
    this.finish.disabled = session === null || s.logged !== null || generating;

    this.error.replaceChildren(...(s.failure ? [el('strong', {}, 'Generation failed: '), `${s.failure.error.message} `, el('span', { class: 'rl-what-to-do' }, s.failure.whatToDo), el('code', { class: 'rl-error-code' }, s.failure.error.code)] : []));
    this.error.hidden = s.failure === null;
    text(this.status, s.status?.message ?? '');
    this.status.className = s.status ? `rl-status-${s.status.level}` : '';
    text(this.logged, s.logged ? `Your choice is in the preference log (${s.logged.file}).` : '');
    this.logged.hidden = s.logged === null;
    if (this.note.value !== s.human.note && document.activeElement !== this.note) this.note.value = s.human.note;

    if (!session) {
      this.list.replaceChildren();
      this.cards.clear();
      this.allEqual.hidden = true;
      return;
    }
    this.renderWeights();
    const views = S.rankedView(s);
    this.allEqual.hidden = !(s.final && S.viewAllEqual(views));
    this.renderCards(views);
  }

  private rewardNames(): string[] {
    const s = this.state;
    const names = new Set<string>(Object.keys(s.session?.rewards ?? {}));
    for (const k of Object.keys(s.session?.weights ?? {})) names.add(k);
    for (const c of s.candidates) for (const k of Object.keys(c.rewards)) names.add(k);
    return [...names];
  }

  private renderWeights(): void {
    const s = this.state;
    const names = this.rewardNames();
    if (names.join('\n') !== [...this.sliders.keys()].join('\n')) {
      this.sliders.clear();
      this.weightsBox.replaceChildren();
      for (const n of names) {
        const id = `rl-weight-${n.replace(/[^\w-]/g, '_')}`;
        const base = s.session?.weights[n] ?? 0;
        const input = el('input', { type: 'range', id, class: 'rl-weight-slider', 'data-reward': n, min: 0, max: Math.max(5, Math.ceil(base * 2)), step: 0.1, 'aria-describedby': `${id}-desc` });
        const out = el('output', { for: id, class: 'rl-weight-value' });
        const info = s.session?.rewards[n];
        input.addEventListener('input', () => this.reweight(S.setWeight(this.state, n, Number(input.value))));
        this.weightsBox.append(el('div', { class: 'rl-weight', 'data-reward': n }, el('label', { for: id }, n), input, out, el('span', { id: `${id}-desc`, class: 'rl-sr-only' }, info?.description ?? '')));
        this.sliders.set(n, { input, out });
      }
    }
    for (const [n, { input, out }] of this.sliders) {
      const w = s.weights[n] ?? 0;
      if (Number(input.value) !== w && document.activeElement !== input) input.value = String(w);
      text(out, fmt(w, 1));
      setAttrs(input, { 'aria-valuetext': `weight ${fmt(w, 1)}` });
    }
  }

  private renderCards(views: S.RankedView[]): void {
    const s = this.state;
    const session = s.session!;
    if (this.cardsSessionId !== session.id) {
      this.cards.clear();
      this.list.replaceChildren();
      this.cardsSessionId = session.id;
    }
    const rewardNames = this.rewardNames();
    const maxAbs: Record<string, number> = {};
    for (const n of rewardNames) maxAbs[n] = Math.max(0, ...s.candidates.map((c) => Math.abs(c.rewards[n] ?? 0)));
    const ctx: CardContext = { session, human: s.human, indexes: s.candidates.map((c) => c.index).sort((a, b) => a - b), rewardNames, maxAbs, logged: s.logged !== null };
    for (const v of views) {
      let card = this.cards.get(v.candidate.index);
      if (!card) {
        card = new CardView(v.candidate.index, session, this.actions);
        this.cards.set(v.candidate.index, card);
      }
      card.update(v, ctx);
    }
    const order = views.map((v) => v.candidate.index);
    if (order.join(',') !== this.lastOrder.join(',')) {
      // Moving the focused node blurs it; put focus back where it was.
      const focused = document.activeElement;
      order.forEach((i, pos) => {
        const node = this.cards.get(i)!.root;
        if (this.list.children[pos] !== node) this.list.insertBefore(node, this.list.children[pos] ?? null);
      });
      if (focused instanceof HTMLElement && focused !== document.activeElement && this.list.contains(focused)) focused.focus();
    }
    this.lastOrder = order;
  }
}

new ReviewApp(acquireVsCodeApi());
