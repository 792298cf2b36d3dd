/**
 * One candidate card: rank, total, a bar per reward, the text, the task's evidence and the actions. A card is built
 * once per candidate and updated in place, so re-ranking only moves nodes (focus and scroll survive).
 *
 * Stable hooks for tests and screen readers: `li.rl-card#rl-card-<index>[data-index][data-rank]`, `.rl-total`,
 * `.rl-reward[data-reward]`, `.rl-code-text`, `.rl-result-table`, `.rl-chart-img`, `.rl-patch-summary`, and buttons
 * by `data-action` (accept, reject, copy, open-diff), `select.rl-prefer`, rating radios `input[data-rating]`.
 */
import type { HumanSignal } from '../core/preferences/record';
import type { PanelCandidate, RewardInfo, SessionInfo } from '../core/protocol/webview';
import { el, fmt, pngDataUrl, setAttrs, signed, text, codeBlock } from './dom';
import { guessLanguage } from './highlight';
import type { RankedView } from './state';

export interface CardActions {
  /** Accept pressed (the app asks first when the candidate fails a gate). */
  accept(index: number): void;
  /** "Accept anyway" on the confirmation, or its Cancel (`confirmed` false). */
  confirmAccept(index: number, confirmed: boolean): void;
  reject(index: number): void;
  rate(index: number, rating: number | null): void;
  prefer(chosen: number, rejected: number): void;
  unprefer(chosen: number, rejected: number): void;
  copy(index: number): void;
  openDiff(index: number): void;
  focusSibling(index: number, delta: 1 | -1): void;
}

export interface CardContext {
  session: SessionInfo;
  human: HumanSignal;
  /** All candidate indexes, for "Prefer over...". */
  indexes: number[];
  rewardNames: string[];
  /** Scale for bars of rewards without a declared range: the largest |value| in the group. */
  maxAbs: Record<string, number>;
  logged: boolean;
  /** Candidate whose Accept waits for confirmation. */
  confirmAccept: number | null;
}

export const candidateName = (index: number) => `Candidate ${index + 1}`;

export const MAX_ROWS = 50;

export class CardView {
  readonly root: HTMLLIElement;
  private readonly title: HTMLHeadingElement;
  private readonly totalEl: HTMLSpanElement;
  private readonly advEl: HTMLSpanElement;
  private readonly badges: HTMLSpanElement;
  private readonly rewardsList: HTMLUListElement;
  private readonly codeWrap: HTMLPreElement;
  private readonly evidence: HTMLDivElement;
  private readonly acceptBtn: HTMLButtonElement;
  private readonly rejectBtn: HTMLButtonElement;
  private readonly preferSel: HTMLSelectElement;
  private readonly preferBtn: HTMLButtonElement;
  private readonly blockedNote: HTMLParagraphElement;
  private readonly confirmBox: HTMLDivElement;
  private readonly actionsRow: HTMLDivElement;
  private readonly specBox: HTMLDetailsElement | null;
  /** SQL: the model's whole answer, folded, when the card shows the extracted query instead. */
  private readonly rawBox: HTMLDetailsElement | null;
  private readonly rawWrap: HTMLPreElement | null;
  private readonly prefList: HTMLUListElement;
  private readonly ratingBox: HTMLFieldSetElement;
  private readonly diffBtn: HTMLButtonElement | null;
  private lastCandidate: PanelCandidate | null = null;
  private lastIndexes = '';

  constructor(
    readonly index: number,
    session: SessionInfo,
    private readonly actions: CardActions,
  ) {
    const id = `rl-card-${index}`;
    const name = candidateName(index);
    this.title = el('h2', { class: 'rl-card-title', id: `${id}-title` });
    this.totalEl = el('span', { class: 'rl-total' });
    this.advEl = el('span', { class: 'rl-advantage', title: 'GRPO advantage: (total − group mean) / (group std + 1e-4)' });
    this.badges = el('span', { class: 'rl-badges' });
    this.rewardsList = el('ul', { class: 'rl-rewards', 'aria-label': `Rewards of ${name}` });
    this.codeWrap = el('pre', { class: 'rl-code', tabindex: 0, 'aria-label': `Text of ${name}` });
    this.evidence = el('div', { class: 'rl-evidence' });

    this.acceptBtn = el('button', { class: 'rl-accept rl-primary', type: 'button', 'data-action': 'accept', 'aria-keyshortcuts': 'A' }, session.acceptLabel);
    this.acceptBtn.addEventListener('click', () => actions.accept(index));
    this.rejectBtn = el('button', { class: 'rl-reject', type: 'button', 'data-action': 'reject', 'aria-pressed': 'false', 'aria-keyshortcuts': 'X' }, 'Reject');
    this.rejectBtn.addEventListener('click', () => actions.reject(index));
    const copyBtn = el('button', { class: 'rl-copy', type: 'button', 'data-action': 'copy', 'aria-keyshortcuts': 'C', 'aria-label': `Copy ${name}` }, 'Copy');
    copyBtn.addEventListener('click', () => actions.copy(index));
    this.diffBtn = session.canOpenDiff ? el('button', { class: 'rl-open-diff', type: 'button', 'data-action': 'open-diff', 'aria-keyshortcuts': 'D', 'aria-label': `Open diff of ${name}` }, 'Open diff') : null;
    this.diffBtn?.addEventListener('click', () => actions.openDiff(index));

    // Choosing in the list only picks; the preference is recorded by the Prefer button or Enter. (A closed <select>
    // changes value on ArrowDown and fires `change`, so recording on `change` recorded the first candidate passed.)
    this.preferSel = el('select', { class: 'rl-prefer', 'aria-label': `Prefer ${name} over: pick a candidate, then press Enter or Prefer` });
    this.preferBtn = el('button', { type: 'button', class: 'rl-prefer-add', 'data-action': 'prefer', 'aria-label': `Record that ${name} is preferred over the picked candidate` }, 'Prefer');
    const commit = () => {
      const v = this.preferSel.value;
      if (v === '') return;
      this.preferSel.value = '';
      this.preferBtn.disabled = true;
      actions.prefer(index, Number(v));
    };
    this.preferSel.addEventListener('change', () => {
      this.preferBtn.disabled = this.preferSel.value === '';
    });
    this.preferSel.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        commit();
      }
    });
    this.preferBtn.addEventListener('click', commit);
    this.preferBtn.disabled = true;
    this.prefList = el('ul', { class: 'rl-prefs', 'aria-label': `Preferences of ${name}` });

    this.ratingBox = el('fieldset', { class: 'rl-rating' }, el('legend', {}, 'Rating'));
    for (let r = 1; r <= 5; r++) {
      const rid = `${id}-rating-${r}`;
      const input = el('input', { type: 'radio', name: `${id}-rating`, id: rid, value: r, 'data-rating': r, 'aria-label': `Rate ${name} ${r} of 5` });
      input.addEventListener('change', () => input.checked && actions.rate(index, r));
      this.ratingBox.append(input, el('label', { for: rid }, String(r)));
    }
    const clear = el('button', { type: 'button', class: 'rl-rating-clear', 'data-action': 'clear-rating', 'aria-label': `Clear rating of ${name}` }, '×');
    clear.addEventListener('click', () => actions.rate(index, null));
    this.ratingBox.append(clear);

    this.actionsRow = el('div', { class: 'rl-actions', role: 'group', 'aria-label': `Actions for ${name}` }, this.acceptBtn, el('span', { class: 'rl-prefer-box' }, this.preferSel, this.preferBtn), this.rejectBtn, this.ratingBox, copyBtn, this.diffBtn);
    this.blockedNote = el('p', { class: 'rl-accept-blocked', role: 'note' });
    this.confirmBox = el('div', { class: 'rl-accept-confirm', role: 'alertdialog', 'aria-label': `Confirm accepting ${name}` });

    // Charts: the image is the evidence people compare, the spec folds away under it. Patches: the diff is shown,
    // the model's raw answer folds away.
    const task = session.task;
    this.specBox = task === 'chart' || task === 'patch' ? el('details', { class: 'rl-spec' }, el('summary', {}, task === 'chart' ? 'Spec' : 'Model output'), this.codeWrap) : null;
    // SQL: the card shows the query the ranker extracted (what Accept inserts); the answer as written folds below.
    this.rawWrap = task === 'sql' ? el('pre', { class: 'rl-code rl-raw', tabindex: 0, 'aria-label': `Answer of ${name} as written` }) : null;
    this.rawBox = this.rawWrap ? el('details', { class: 'rl-spec rl-raw-box' }, el('summary', {}, 'Model output'), this.rawWrap) : null;
    const body = task === 'chart' ? [this.evidence, this.specBox!, this.rewardsList] : task === 'patch' ? [this.rewardsList, this.evidence, this.specBox!] : [this.rewardsList, this.codeWrap, this.evidence, this.rawBox!];

    this.root = el(
      'li',
      { class: 'rl-card', id, 'data-index': index, 'data-task': task, tabindex: 0, 'aria-labelledby': `${id}-title`, 'aria-keyshortcuts': 'A X C 1 2 3 4 5 ArrowUp ArrowDown' },
      el('header', { class: 'rl-card-header' }, this.title, this.totalEl, this.advEl, this.badges),
      ...body,
      this.blockedNote,
      this.confirmBox,
      this.actionsRow,
      this.prefList,
    );
    this.root.addEventListener('keydown', (e) => this.onKey(e));
  }

  private onKey(e: KeyboardEvent): void {
    const t = e.target as HTMLElement;
    if (t.closest('input, textarea, select') && !(t instanceof HTMLInputElement && t.type === 'radio' && /^[1-5]$/.test(e.key))) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const k = e.key;
    let handled = true;
    if (k === 'a' || k === 'A') this.actions.accept(this.index);
    else if (k === 'x' || k === 'X') this.actions.reject(this.index);
    else if (k === 'c' || k === 'C') this.actions.copy(this.index);
    else if ((k === 'd' || k === 'D') && this.diffBtn) this.actions.openDiff(this.index);
    else if (/^[1-5]$/.test(k)) this.actions.rate(this.index, Number(k));
    else if ((k === 'ArrowDown' || k === 'j') && t === this.root) this.actions.focusSibling(this.index, 1);
    else if ((k === 'ArrowUp' || k === 'k') && t === this.root) this.actions.focusSibling(this.index, -1);
    else handled = false;
    if (handled) e.preventDefault();
  }

  update(v: RankedView, ctx: CardContext): void {
    const c = v.candidate;
    const name = candidateName(this.index);
    const h = ctx.human;
    setAttrs(this.root, { 'data-rank': v.rank ?? 'pending', 'data-total': v.total ?? '', 'aria-busy': v.total === null ? 'true' : null });
    text(this.title, v.rank === null ? `${name} · scoring…` : `#${v.rank} · ${name}`);
    text(this.totalEl, v.total === null ? 'total …' : `total ${fmt(v.total)}`);
    text(this.advEl, v.advantage === null ? '' : `A ${signed(v.advantage)}`);

    const accepted = h.accepted === this.index;
    const rejected = h.rejected.includes(this.index);
    this.root.classList.toggle('rl-is-accepted', accepted);
    this.root.classList.toggle('rl-is-rejected', rejected);
    this.root.classList.toggle('rl-has-error', c.error !== null);
    this.badges.replaceChildren(
      ...[accepted ? el('span', { class: 'rl-badge rl-badge-accepted' }, 'accepted') : null, rejected ? el('span', { class: 'rl-badge rl-badge-rejected' }, 'rejected') : null, c.error ? el('span', { class: 'rl-badge rl-badge-error', title: c.error.message }, c.error.code) : null].filter(
        (x): x is HTMLSpanElement => x !== null,
      ),
    );
    setAttrs(this.rejectBtn, { 'aria-pressed': rejected ? 'true' : 'false' });
    text(this.rejectBtn, rejected ? 'Rejected' : 'Reject');
    const blocked = c.acceptBlocked ?? null;
    this.acceptBtn.disabled = v.total === null || blocked !== null || ctx.session.restored === true;
    setAttrs(this.acceptBtn, { title: blocked ? `Accept is refused: ${blocked}` : (c.gateFailures?.length ?? 0) > 0 ? `Fails ${c.gateFailures!.join(', ')}: you will be asked first` : null });
    text(this.acceptBtn, ctx.session.acceptLabel);
    this.root.classList.toggle('rl-is-blocked', blocked !== null);
    text(this.blockedNote, blocked ? `${ctx.session.acceptLabel} is refused: ${blocked}.` : '');
    this.blockedNote.hidden = blocked === null;
    // A group restored from the log is read-only: only Copy (and Open diff) remain.
    for (const e of [this.acceptBtn, this.rejectBtn, this.ratingBox, this.preferSel.parentElement!]) e.hidden = ctx.session.restored === true;
    this.renderConfirm(c, ctx);

    this.renderRewards(c, ctx);

    if (this.lastCandidate?.text !== c.text || this.lastCandidate?.code !== c.code || this.lastCandidate === null) {
      const showCode = this.rawWrap !== null && c.code !== undefined && c.code !== c.text.trim();
      const shown = showCode ? c.code! : c.text;
      this.codeWrap.replaceChildren(codeBlock(shown, guessLanguage(ctx.session.task, shown)));
      if (this.rawWrap && this.rawBox) {
        this.rawBox.hidden = !showCode;
        this.rawWrap.replaceChildren(showCode ? codeBlock(c.text, guessLanguage(ctx.session.task, c.text)) : '');
      }
    }
    if (this.lastCandidate !== c) this.renderEvidence(c);
    this.lastCandidate = c;

    const key = ctx.indexes.join(',');
    if (key !== this.lastIndexes) {
      this.lastIndexes = key;
      this.preferSel.replaceChildren(
        el('option', { value: '' }, 'Prefer over…'),
        ...ctx.indexes.filter((i) => i !== this.index).map((i) => el('option', { value: i }, candidateName(i))),
      );
    }
    const mine = h.preferences.filter((p) => p.chosen === this.index);
    this.prefList.replaceChildren(
      ...mine.map((p) => {
        const rm = el('button', { type: 'button', class: 'rl-pref-remove', 'data-action': 'remove-preference', 'aria-label': `Remove preference of ${name} over ${candidateName(p.rejected)}` }, '×');
        rm.addEventListener('click', () => this.actions.unprefer(p.chosen, p.rejected));
        return el('li', { class: 'rl-pref', 'data-index': p.rejected }, `Preferred over ${candidateName(p.rejected)} `, rm);
      }),
    );
    const rating = h.ratings[String(this.index)];
    for (const input of this.ratingBox.querySelectorAll('input')) input.checked = rating !== undefined && Number(input.value) === rating;
  }

  private renderConfirm(c: PanelCandidate, ctx: CardContext): void {
    const open = ctx.confirmAccept === this.index && c.acceptBlocked === undefined;
    this.confirmBox.hidden = !open;
    if (!open) {
      if (this.confirmBox.childElementCount > 0) this.confirmBox.replaceChildren();
      return;
    }
    if (this.confirmBox.childElementCount > 0) return;
    const yes = el('button', { type: 'button', class: 'rl-primary', 'data-action': 'accept-anyway' }, `${ctx.session.acceptLabel} anyway`);
    const no = el('button', { type: 'button', 'data-action': 'accept-cancel' }, 'Cancel');
    yes.addEventListener('click', () => this.actions.confirmAccept(this.index, true));
    no.addEventListener('click', () => this.actions.confirmAccept(this.index, false));
    this.confirmBox.append(el('p', {}, el('strong', {}, 'Warning: '), `${candidateName(this.index)} fails ${(c.gateFailures ?? []).join('; ')}.`), yes, no);
    queueMicrotask(() => no.focus());
  }

  private renderRewards(c: PanelCandidate, ctx: CardContext): void {
    const items: HTMLLIElement[] = [];
    for (const nameR of ctx.rewardNames) {
      const value = c.rewards[nameR];
      const info: RewardInfo | undefined = ctx.session.rewards[nameR];
      const weight = ctx.human.weights[nameR] ?? 0;
      let frac = 0;
      if (typeof value === 'number') {
        if (info?.min !== undefined && info.max !== undefined && info.max > info.min) frac = (value - info.min) / (info.max - info.min);
        else frac = (ctx.maxAbs[nameR] ?? 0) > 0 ? value / ctx.maxAbs[nameR]! : 0;
      }
      frac = Math.max(0, Math.min(1, frac));
      const fill = el('span', { class: 'rl-bar-fill' });
      fill.style.width = `${(frac * 100).toFixed(1)}%`; // CSSOM, allowed by the CSP (no inline style attribute)
      const desc = info?.description ?? nameR;
      const valueText = typeof value === 'number' ? fmt(value) : 'n/a';
      items.push(
        el(
          'li',
          { class: `rl-reward${weight === 0 ? ' rl-reward-off' : ''}`, 'data-reward': nameR, title: `${desc} (weight ${fmt(weight, 1)})` },
          el('span', { class: 'rl-reward-name' }, nameR),
          el('span', { class: 'rl-bar', role: 'meter', 'aria-label': nameR, 'aria-valuenow': typeof value === 'number' ? value : 0, 'aria-valuemin': info?.min ?? 0, 'aria-valuemax': info?.max ?? (ctx.maxAbs[nameR] || 1), 'aria-valuetext': `${valueText}: ${desc}` }, fill),
          el('span', { class: 'rl-reward-value' }, valueText),
        ),
      );
    }
    this.rewardsList.replaceChildren(...items);
  }

  private renderEvidence(c: PanelCandidate): void {
    const parts: HTMLElement[] = [];
    const name = candidateName(this.index);
    if (c.error) {
      parts.push(el('p', { class: 'rl-evidence-error', role: 'note' }, el('strong', {}, `${c.error.code}: `), c.error.message));
    }
    if (c.result) {
      const r = c.result;
      const shown = r.rows.slice(0, MAX_ROWS);
      const table = el('table', { class: 'rl-result-table', 'aria-label': `Result of ${name}` });
      table.append(el('caption', { class: 'rl-row-count' }, r.rowCount > shown.length ? `${shown.length} of ${r.rowCount} rows` : `${r.rowCount} row${r.rowCount === 1 ? '' : 's'}`));
      table.append(el('thead', {}, el('tr', {}, ...r.columns.map((col) => el('th', { scope: 'col' }, col)))));
      const body = el('tbody');
      for (const row of shown) {
        body.append(el('tr', {}, ...row.map((v) => (v === null ? el('td', { class: 'rl-null' }, 'NULL') : el('td', {}, typeof v === 'string' ? v : JSON.stringify(v) ?? String(v))))));
      }
      table.append(body);
      parts.push(el('div', { class: 'rl-table-wrap', tabindex: 0, role: 'region', 'aria-label': `Result rows of ${name}` }, table));
    }
    if (c.png !== undefined) {
      const url = pngDataUrl(c.png);
      if (url) {
        const img = el('img', { class: 'rl-chart-img', alt: `Chart rendered from ${name}` });
        img.src = url; // validated base64 PNG only
        parts.push(img);
      } else {
        parts.push(el('p', { class: 'rl-evidence-error' }, 'The chart image is not a valid PNG; it is not shown.'));
      }
    }
    if (c.diff !== undefined) {
      parts.push(el('pre', { class: 'rl-code rl-patch-diff', tabindex: 0, 'aria-label': `Diff of ${name}` }, codeBlock(c.diff, 'patch')));
    }
    if (c.summary !== undefined || c.files) {
      const box = el('div', { class: 'rl-patch-summary' });
      if (c.summary !== undefined) box.append(el('p', {}, c.summary));
      if (c.files) {
        box.append(
          el(
            'ul',
            { class: 'rl-patch-files' },
            ...c.files.map((f) =>
              el('li', {}, f.path, f.status ? ` (${f.status})` : '', f.added !== undefined ? el('span', { class: 'tk-add' }, ` +${f.added}`) : null, f.removed !== undefined ? el('span', { class: 'tk-del' }, ` −${f.removed}`) : null),
            ),
          ),
        );
      }
      parts.push(box);
    }
    this.evidence.replaceChildren(...parts);
    this.evidence.hidden = parts.length === 0;
  }

  focus(): void {
    this.root.focus();
  }
}
