/**
 * Review panel (webview entry, bundled to dist/webview/webview.js). Talks to the extension only through
 * src/core/protocol/webview.ts; keeps its whole state in `vscode.setState` so a reload restores the review.
 *
 * DOM hooks (stable, for tests): #rl-root[data-state=empty|generating|ranked|failed|cancelled|restored], #rl-title,
 * #rl-model, #rl-progress, #rl-status, #rl-live, #rl-error, #rl-empty, #rl-all-equal, #rl-logged, #rl-restored,
 * #rl-reference, #rl-history (button[data-record]), #rl-overview (th button[data-key], tr.rl-ov-row[data-index]
 * with td.rl-ov-reward[data-reward][data-q], input.rl-ov-compare), #rl-compare (compare.ts), #rl-weights (a
 * <details>: input.rl-weight-slider[data-reward], #rl-weights-reset), #rl-cards (li.rl-card, see cards.ts), #rl-note,
 * #rl-regenerate, #rl-cancel, #rl-finish, #rl-set-reference.
 */
import type { HostMessage, PanelMessage } from '../core/protocol/webview';
import { WEBVIEW_PROTOCOL_VERSION, isHostMessage } from '../core/protocol/webview';
import { CardView, candidateName, type CardContext } from './cards';
import { compareView } from './compare';
import { el, fmt, setAttrs, signed, text } from './dom';
import * as S from './state';

interface VsCodeApi {
  postMessage(m: unknown): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** A weight as typed in settings: 0.25 stays 0.25, 3 stays 3. */
const fmtWeight = (w: number) => String(Number(w.toFixed(2)));

class ReviewApp {
  private state: S.PanelState;
  private readonly cards = new Map<number, CardView>();
  private cardsSessionId: string | null = null;
  private lastOrder: number[] = [];
  private feedbackTimer: ReturnType<typeof setTimeout> | undefined;
  private clock: ReturnType<typeof setInterval> | undefined;
  private compareKey = '';

  private readonly title = el('h1', { id: 'rl-title' });
  private readonly model = el('p', { id: 'rl-model', class: 'rl-muted' });
  private readonly reference = el('p', { id: 'rl-reference', class: 'rl-muted' });
  private readonly progress = el('div', { id: 'rl-progress', role: 'status', 'aria-live': 'polite' });
  private readonly status = el('div', { id: 'rl-status', role: 'status', 'aria-live': 'polite' });
  private readonly live = el('div', { id: 'rl-live', class: 'rl-sr-only', 'aria-live': 'polite' });
  private readonly error = el('div', { id: 'rl-error', role: 'alert' });
  private readonly emptyText = el('p', {}, 'No candidates yet. Run "Reward Lens: Generate SQL Candidates...", "Generate Patch Candidates..." or "Generate Chart Candidates..." from the Command Palette (Ctrl+Shift+P).');
  private readonly empty = el(
    'div',
    { id: 'rl-empty' },
    el('h1', {}, 'Reward Lens review'),
    this.emptyText,
    el('p', {}, 'Candidates appear here as they finish, ranked by their rewards. Accept one to use it; your choice, ratings and notes go to the preference log for GRPO/DPO training.'),
  );
  private readonly historyList = el('ul', { class: 'rl-history-list' });
  private readonly historySummary = el('summary', {}, 'Recent reviews');
  private readonly history = el('details', { id: 'rl-history' }, this.historySummary, this.historyList);
  private readonly allEqual = el('p', { id: 'rl-all-equal', class: 'rl-notice' }, 'All candidates have the same total: this group carries no GRPO signal (exports can drop it).');
  private readonly logged = el('p', { id: 'rl-logged', class: 'rl-notice', role: 'status' });
  private readonly restored = el('p', { id: 'rl-restored', class: 'rl-notice' });
  private readonly overview = el('table', { id: 'rl-overview', 'aria-label': 'Candidates at a glance' });
  private readonly overviewWrap = el('div', { class: 'rl-overview-wrap' }, this.overview);
  private readonly compareSlot = el('div', { id: 'rl-compare-slot' });
  private readonly weightsBox = el('div', { class: 'rl-weight-list' });
  private readonly weightsSummary = el('summary', {}, 'Weights');
  private readonly resetWeights = el('button', { id: 'rl-weights-reset', type: 'button' }, 'Reset weights');
  private readonly weights = el('details', { id: 'rl-weights', 'aria-label': 'Reward weights' }, this.weightsSummary, this.weightsBox, this.resetWeights);
  private readonly list = el('ol', { id: 'rl-cards', 'aria-label': 'Candidates, best first' });
  private readonly note = el('textarea', { id: 'rl-note', rows: 2, placeholder: 'Why this choice? (saved with it)' });
  private readonly regenerate = el('button', { id: 'rl-regenerate', type: 'button', title: 'Sample a new group with the current weights' }, 'Regenerate');
  private readonly cancel = el('button', { id: 'rl-cancel', type: 'button' }, 'Cancel');
  private readonly finish = el('button', { id: 'rl-finish', type: 'button', title: 'Log ratings, preferences and rejections without accepting a candidate' }, 'Save feedback');
  private readonly setReference = el('button', { id: 'rl-set-reference', type: 'button', title: 'Give the gold answer: the group is re-ranked with the rewards that compare against it' }, 'Set reference…');
  private readonly main = el('main', { id: 'rl-root' });
  private readonly sliders = new Map<string, { input: HTMLInputElement; out: HTMLOutputElement }>();

  constructor(private readonly vscode: VsCodeApi) {
    this.state = S.restoreState(vscode.getState());
    const toolbar = el('div', { class: 'rl-toolbar', role: 'toolbar', 'aria-label': 'Group actions' }, this.regenerate, this.cancel, this.finish, this.setReference);
    const noteBox = el('div', { class: 'rl-note-box' }, el('label', { for: 'rl-note' }, 'Note'), this.note);
    this.main.append(
      this.empty,
      el('header', { id: 'rl-header' }, this.title, el('div', { class: 'rl-header-line' }, this.model, this.progress, toolbar), this.reference),
      this.error,
      this.status,
      this.logged,
      this.restored,
      this.allEqual,
      this.overviewWrap,
      this.compareSlot,
      this.weights,
      this.list,
      noteBox,
      this.history,
      this.live,
    );
    document.body.append(this.main);

    this.regenerate.addEventListener('click', () => this.post({ type: 'regenerate', sessionId: this.state.session?.id ?? null, weights: { ...this.state.weights } }));
    this.cancel.addEventListener('click', () => this.state.session && this.post({ type: 'cancel', sessionId: this.state.session.id }));
    this.finish.addEventListener('click', () => this.state.session && this.post({ type: 'finish', sessionId: this.state.session.id, human: this.state.human }));
    this.setReference.addEventListener('click', () => this.state.session && this.post({ type: 'setReference', sessionId: this.state.session.id }));
    this.resetWeights.addEventListener('click', () => this.reweight(S.resetWeights(this.state)));
    this.note.addEventListener('input', () => this.change(S.setNote(this.state, this.note.value), 400));
    this.weights.addEventListener('toggle', () => {
      if (this.weights.open !== this.state.weightsOpen) this.local(S.setWeightsOpen(this.state, this.weights.open));
    });

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

  /** A view-only change (sorting, comparing, folding): saved and rendered, not sent. */
  private local(next: S.PanelState): void {
    this.state = next;
    this.save();
    this.render();
  }

  /** A human-signal change: saved, rendered, and sent to the extension (debounced for typing). */
  private change(next: S.PanelState, debounceMs = 0): void {
    this.state = next;
    this.save();
    this.render();
    const s = this.state.session;
    if (!s || s.restored) return;
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

  private candidate(i: number) {
    return this.state.candidates.find((x) => x.index === i);
  }

  private doAccept(i: number): void {
    const s = this.state.session;
    if (!s) return;
    this.state = S.markAccepted(this.state, i);
    this.save();
    this.render();
    this.post({ type: 'accept', sessionId: s.id, index: i, human: this.state.human });
  }

  private readonly actions = {
    accept: (i: number) => {
      const s = this.state.session;
      const c = this.candidate(i);
      if (!s || !c || s.restored) return;
      if (c.acceptBlocked) {
        text(this.live, `${s.acceptLabel} is refused for ${candidateName(i)}: ${c.acceptBlocked}.`);
        return;
      }
      if ((c.gateFailures?.length ?? 0) > 0) this.local(S.askAccept(this.state, i));
      else this.doAccept(i);
    },
    confirmAccept: (i: number, yes: boolean) => {
      if (yes) this.doAccept(i);
      else {
        this.local(S.askAccept(this.state, null));
        this.cards.get(i)?.focus();
      }
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
      const c = this.candidate(i);
      if (s && c) this.post({ type: 'copy', sessionId: s.id, index: i, text: c.code ?? c.text });
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
    text(this.emptyText, s.history.length > 0 ? 'No review is open. Pick one of your recent reviews below, or run a Generate command from the Command Palette (Ctrl+Shift+P).' : 'No candidates yet. Run "Reward Lens: Generate SQL Candidates...", "Generate Patch Candidates..." or "Generate Chart Candidates..." from the Command Palette (Ctrl+Shift+P).');
    for (const e of [this.title, this.model, this.weights, this.list, this.note.parentElement!, this.overviewWrap]) e.hidden = session === null;
    text(this.title, session ? session.title : '');
    text(this.model, session ? session.modelLabel : '');
    const ref = session?.reference ?? null;
    // One line (the full reference on hover): the overview and the first card keep their place.
    text(this.reference, ref ? `Reference: ${ref.length > 300 ? `${ref.slice(0, 300)}…` : ref.replace(/\s+/g, ' ')}` : '');
    setAttrs(this.reference, { title: ref });
    this.reference.hidden = !ref;
    const generating = session !== null && !s.final && s.failure === null && !s.cancelled;
    this.renderProgress(generating);
    const state = session === null ? 'empty' : session.restored ? 'restored' : generating ? 'generating' : s.failure ? 'failed' : s.cancelled ? 'cancelled' : 'ranked';
    setAttrs(this.main, { 'aria-busy': generating ? 'true' : null, 'data-state': state, 'data-task': session?.task ?? null });
    this.cancel.hidden = !generating;
    this.regenerate.disabled = session === null || generating;
    this.finish.hidden = session?.restored === true;
    this.finish.disabled = session === null || s.logged !== null || generating;
    this.setReference.hidden = !(session?.canSetReference && !session.restored);
    this.setReference.disabled = generating || s.logged !== null || s.candidates.length === 0;

    const f = s.failure;
    this.error.replaceChildren(...(f ? [el('strong', {}, 'Generation failed: '), `${f.error.message} `, ...(f.whatToDo ? [el('span', { class: 'rl-what-to-do' }, f.whatToDo)] : []), el('code', { class: 'rl-error-code' }, f.error.code)] : []));
    this.error.hidden = s.failure === null;
    const statusText = s.status?.message ?? (s.cancelled ? 'Generation cancelled.' : '');
    text(this.status, statusText);
    this.status.className = s.status ? `rl-status-${s.status.level}` : s.cancelled ? 'rl-status-info' : '';
    text(this.logged, s.logged ? `Your choice is in the preference log (${s.logged.file}).` : '');
    this.logged.hidden = s.logged === null || session?.restored === true;
    text(this.restored, session?.restored ? 'A review from your preference log, shown read-only. Run a Generate command to review new candidates.' : '');
    this.restored.hidden = !session?.restored;
    if (this.note.value !== s.human.note && document.activeElement !== this.note) this.note.value = s.human.note;
    this.note.readOnly = session?.restored === true;
    this.renderHistory();

    if (!session) {
      this.list.replaceChildren();
      this.cards.clear();
      this.allEqual.hidden = true;
      this.compareSlot.replaceChildren();
      this.compareKey = '';
      return;
    }
    this.renderWeights(generating || s.failure !== null || s.cancelled);
    const views = S.rankedView(s);
    this.allEqual.hidden = !(s.final && S.viewAllEqual(views));
    this.renderOverview(views);
    this.renderCompare();
    this.renderCards(views);
  }

  private renderProgress(generating: boolean): void {
    const s = this.state;
    const started = s.session?.startedAt;
    const elapsed = started !== undefined ? ` · ${Math.max(0, Math.round((Date.now() - started) / 1000))} s` : '';
    text(this.progress, s.progress && generating ? `Generating: ${s.progress.done} of ${s.progress.total} candidates${s.progress.message ? ` (${s.progress.message})` : ''}${elapsed}` : '');
    if (generating && started !== undefined && this.clock === undefined) this.clock = setInterval(() => this.renderProgress(this.state.session !== null && !this.state.final && this.state.failure === null && !this.state.cancelled), 1000);
    if (!generating && this.clock !== undefined) {
      clearInterval(this.clock);
      this.clock = undefined;
    }
  }

  private renderHistory(): void {
    const items = this.state.history.filter((h) => h.recordId !== this.state.session?.id);
    this.history.hidden = items.length === 0;
    text(this.historySummary, `Recent reviews (${items.length})`);
    if (this.state.session === null && items.length > 0) this.history.open = true;
    const key = items.map((h) => h.recordId).join(',');
    if (this.history.getAttribute('data-key') === key) return;
    setAttrs(this.history, { 'data-key': key });
    this.historyList.replaceChildren(
      ...items.map((h) => {
        const b = el('button', { type: 'button', class: 'rl-history-open', 'data-record': h.recordId }, `${h.task}: ${h.title.length > 90 ? `${h.title.slice(0, 90)}…` : h.title}`);
        b.addEventListener('click', () => this.post({ type: 'openRecord', recordId: h.recordId }));
        return el('li', {}, b, el('span', { class: 'rl-muted' }, ` ${h.time.replace('T', ' ').slice(0, 16)}`));
      }),
    );
  }

  private rewardNames(): string[] {
    return S.presentRewards(this.state);
  }

  private renderWeights(settle: boolean): void {
    const s = this.state;
    const names = this.rewardNames();
    if (this.weights.open !== s.weightsOpen) this.weights.open = s.weightsOpen;
    const shown = names.filter((n) => (s.weights[n] ?? 0) !== 0);
    text(this.weightsSummary, `Weights: ${shown.map((n) => `${n} ${fmtWeight(s.weights[n] ?? 0)}`).join(', ') || 'all 0'}`);
    if (names.join('\n') !== [...this.sliders.keys()].join('\n')) {
      this.sliders.clear();
      this.weightsBox.replaceChildren();
      for (const n of names) {
        const id = `rl-weight-${n.replace(/[^\w-]/g, '_')}`;
        const base = s.session?.weights[n] ?? 0;
        const input = el('input', { type: 'range', id, class: 'rl-weight-slider', 'data-reward': n, min: 0, max: Math.max(5, Math.ceil(base * 2)), step: 0.05, 'aria-describedby': `${id}-desc` });
        const out = el('output', { for: id, class: 'rl-weight-value' });
        const info = s.session?.rewards[n];
        input.addEventListener('input', () => this.reweight(S.setWeight(this.state, n, Number(input.value))));
        this.weightsBox.append(el('div', { class: 'rl-weight', 'data-reward': n }, el('label', { for: id }, n), input, out, el('span', { id: `${id}-desc`, class: 'rl-sr-only' }, info?.description ?? '')));
        this.sliders.set(n, { input, out });
      }
    }
    for (const [n, { input, out }] of this.sliders) {
      // While generating or after a failure the sliders rest on the weights the ranking will use.
      const w = settle ? (s.session?.weights[n] ?? 0) : (s.weights[n] ?? 0);
      if (Number(input.value) !== w && document.activeElement !== input) input.value = String(w);
      input.disabled = settle || s.session?.restored === true;
      text(out, fmtWeight(w));
      setAttrs(input, { 'aria-valuetext': `weight ${fmtWeight(w)}` });
    }
    this.resetWeights.disabled = settle || s.session?.restored === true;
  }

  private renderOverview(views: S.RankedView[]): void {
    const s = this.state;
    const names = this.rewardNames();
    const rows = S.overviewRows(s, views);
    const sortable = (key: string, label: string, title?: string) => {
      const active = s.sort.key === key;
      // Reward names break after their underscores, so eight columns fit a panel beside the editor.
      const parts = label.split(/(?<=_)/).flatMap((p, i) => (i === 0 ? [p] : [el('wbr'), p]));
      const b = el('button', { type: 'button', class: 'rl-sort', 'data-key': key, title: title ?? `Sort by ${label}` }, ...parts, active ? (s.sort.dir === 1 ? ' ▲' : ' ▼') : '');
      b.addEventListener('click', () => this.local(S.setSort(this.state, key)));
      return el('th', { scope: 'col', 'aria-sort': active ? (s.sort.dir === 1 ? 'ascending' : 'descending') : 'none', 'data-key': key }, b);
    };
    const head = el(
      'tr',
      {},
      el('th', { scope: 'col', class: 'rl-ov-cmp-h', title: 'Pick two to compare side by side' }, 'cmp'),
      sortable('rank', '#'),
      sortable('index', 'cand.'),
      sortable('total', 'total'),
      sortable('advantage', 'adv.', 'GRPO advantage: (total − group mean) / (group std + 1e-4)'),
      ...names.map((n) => sortable(n, n, s.session?.rewards[n]?.description ?? n)),
      sortable('status', 'status'),
    );
    const body = el('tbody');
    for (const r of rows) {
      const c = r.view.candidate;
      const cmp = el('input', { type: 'checkbox', class: 'rl-ov-compare', 'aria-label': `Compare ${candidateName(c.index)}` });
      cmp.checked = s.compare.includes(c.index);
      cmp.addEventListener('click', (e) => e.stopPropagation());
      cmp.addEventListener('change', () => this.local(S.toggleCompare(this.state, c.index)));
      const jump = el('button', { type: 'button', class: 'rl-ov-jump', title: `Show ${candidateName(c.index)}` }, String(c.index + 1));
      jump.addEventListener('click', () => this.jumpTo(c.index));
      const cells = names.map((n) => {
        const v = c.rewards[n];
        const info = s.session?.rewards[n];
        let q: number | null = null;
        if (typeof v === 'number') {
          const lo = info?.min ?? 0;
          const hi = info?.max ?? Math.max(1e-9, ...s.candidates.map((x) => Math.abs(x.rewards[n] ?? 0)));
          q = Math.round(Math.max(0, Math.min(1, (v - lo) / (hi - lo || 1))) * 4);
        }
        return el('td', { class: 'rl-ov-reward', 'data-reward': n, 'data-q': q ?? 'na', title: `${n}: ${typeof v === 'number' ? fmt(v) : 'n/a'}` }, typeof v === 'number' ? fmt(v) : '–');
      });
      const tr = el(
        'tr',
        { class: 'rl-ov-row', 'data-index': c.index, 'data-status': r.status, 'aria-current': this.state.human.accepted === c.index ? 'true' : null },
        el('td', { class: 'rl-ov-cmp' }, cmp),
        el('td', { class: 'rl-ov-rank' }, r.view.rank === null ? '…' : String(r.view.rank)),
        el('td', { class: 'rl-ov-index' }, jump),
        el('td', { class: 'rl-ov-total' }, r.view.total === null ? '…' : fmt(r.view.total)),
        el('td', { class: 'rl-ov-adv' }, r.view.advantage === null ? '' : signed(r.view.advantage)),
        ...cells,
        el('td', { class: `rl-ov-status rl-st-${r.status.replace(/[^\w-]/g, '-')}`, title: c.acceptBlocked ? `Accept refused: ${c.acceptBlocked}` : c.error ? c.error.message : '' }, r.status),
      );
      tr.addEventListener('click', () => this.jumpTo(c.index));
      body.append(tr);
    }
    this.overview.replaceChildren(el('thead', {}, head), body);
  }

  private jumpTo(i: number): void {
    const card = this.cards.get(i);
    if (!card) return;
    card.root.scrollIntoView({ block: 'start' });
    card.focus();
  }

  private renderCompare(): void {
    const s = this.state;
    const [a, b] = s.compare.map((i) => this.candidate(i));
    if (!s.session || s.compare.length !== 2 || !a || !b) {
      if (this.compareKey !== '') this.compareSlot.replaceChildren();
      this.compareKey = '';
      return;
    }
    // Rebuilt only when the pair or their evidence changes (keeps scroll position while re-weighting).
    const key = `${s.session.id}:${a.index}:${b.index}:${a.code ?? a.text}:${b.code ?? b.text}:${a.result?.rowCount}:${b.result?.rowCount}:${a.png?.length}:${b.png?.length}`;
    if (key === this.compareKey) return;
    this.compareKey = key;
    this.compareSlot.replaceChildren(compareView(s.session.task, a, b, () => this.local(S.clearCompare(this.state))));
  }

  private renderCards(views: S.RankedView[]): void {
    const s = this.state;
    const session = s.session!;
    if (this.cardsSessionId !== session.id) {
      this.cards.clear();
      this.list.replaceChildren();
      this.cardsSessionId = session.id;
    }
    this.list.classList.toggle('rl-grid', session.task === 'chart');
    const rewardNames = this.rewardNames();
    const maxAbs: Record<string, number> = {};
    for (const n of rewardNames) maxAbs[n] = Math.max(0, ...s.candidates.map((c) => Math.abs(c.rewards[n] ?? 0)));
    const ctx: CardContext = { session, human: s.human, indexes: s.candidates.map((c) => c.index).sort((a, b) => a - b), rewardNames, maxAbs, logged: s.logged !== null, confirmAccept: s.confirmAccept };
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
