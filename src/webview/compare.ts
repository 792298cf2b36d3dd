/**
 * Two candidates side by side: a line diff of their code, and the task's evidence next to each other (SQL result
 * tables with the rows the other lacks marked, the two chart images, the two patch diffs). Everything is text nodes.
 *
 * Hooks: #rl-compare[data-a][data-b], .rl-compare-diff (li.rl-diff-line.rl-diff-add/.rl-diff-del/.rl-diff-same),
 * .rl-compare-side (two), tr.rl-row-only in result tables, .rl-chart-img, .rl-patch-diff.
 */
import { diffLines } from 'diff';
import type { PanelCandidate, SqlResultEvidence } from '../core/protocol/webview';
import { candidateName, MAX_ROWS } from './cards';
import { codeBlock, el, pngDataUrl } from './dom';
import { guessLanguage } from './highlight';
import type { TaskKind } from '../core/preferences/record';

export interface DiffLine {
  kind: 'add' | 'del' | 'same';
  text: string;
}

/** Line diff of `a` -> `b` (jsdiff's Myers diff), one entry per line. */
export function lineDiff(a: string, b: string): DiffLine[] {
  const out: DiffLine[] = [];
  for (const part of diffLines(a, b)) {
    const kind = part.added ? 'add' : part.removed ? 'del' : 'same';
    const lines = part.value.replace(/\n$/, '').split('\n');
    for (const text of lines) out.push({ kind, text });
  }
  return out;
}

const cellKey = (v: unknown) => (v === null ? '\u0000null' : typeof v === 'string' ? `s${v}` : `j${JSON.stringify(v)}`);
const rowKey = (row: unknown[]) => row.map(cellKey).join('\u0001');

/**
 * For each row of `mine`, whether it is missing from `other` (rows compared as a multiset: a row that appears twice
 * here and once there is marked once).
 */
export function rowsOnlyIn(mine: SqlResultEvidence, other: SqlResultEvidence | undefined): boolean[] {
  const counts = new Map<string, number>();
  for (const r of other?.rows ?? []) counts.set(rowKey(r), (counts.get(rowKey(r)) ?? 0) + 1);
  return mine.rows.map((r) => {
    const k = rowKey(r);
    const n = counts.get(k) ?? 0;
    if (n > 0) {
      counts.set(k, n - 1);
      return false;
    }
    return true;
  });
}

function resultTable(name: string, r: SqlResultEvidence, only: boolean[]): HTMLElement {
  const shown = r.rows.slice(0, MAX_ROWS);
  const table = el('table', { class: 'rl-result-table', 'aria-label': `Result of ${name}` });
  const differing = only.filter(Boolean).length;
  table.append(el('caption', { class: 'rl-row-count' }, `${r.rowCount} row${r.rowCount === 1 ? '' : 's'}${differing ? `, ${differing} not in the other result (marked ≠)` : ', all in the other result'}`));
  table.append(el('thead', {}, el('tr', {}, el('th', { scope: 'col', 'aria-label': 'differs' }, ''), ...r.columns.map((c) => el('th', { scope: 'col' }, c)))));
  const body = el('tbody');
  shown.forEach((row, i) => {
    const tr = el('tr', { class: only[i] ? 'rl-row-only' : null }, el('td', { class: 'rl-row-mark' }, only[i] ? '≠' : ''));
    for (const v of row) tr.append(v === null ? el('td', { class: 'rl-null' }, 'NULL') : el('td', {}, typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v))));
    body.append(tr);
  });
  table.append(body);
  return el('div', { class: 'rl-table-wrap', tabindex: 0, role: 'region', 'aria-label': `Result rows of ${name}` }, table);
}

function side(task: TaskKind, c: PanelCandidate, other: PanelCandidate): HTMLElement {
  const name = candidateName(c.index);
  const box = el('div', { class: 'rl-compare-side', 'data-index': c.index }, el('h3', {}, name));
  if (c.error) box.append(el('p', { class: 'rl-evidence-error' }, `${c.error.code}: ${c.error.message}`));
  if (task === 'sql' && c.result) box.append(resultTable(name, c.result, rowsOnlyIn(c.result, other.result)));
  if (task === 'chart') {
    const url = pngDataUrl(c.png);
    if (url) {
      const img = el('img', { class: 'rl-chart-img', alt: `Chart rendered from ${name}` });
      img.src = url;
      box.append(img);
    } else box.append(el('p', { class: 'rl-muted' }, 'No image.'));
  }
  if (task === 'patch') {
    if (c.diff) box.append(el('pre', { class: 'rl-code rl-patch-diff', tabindex: 0, 'aria-label': `Diff of ${name}` }, codeBlock(c.diff, 'patch')));
    else box.append(el('p', { class: 'rl-muted' }, 'No diff: the candidate does not apply.'));
  }
  return box;
}

/** The comparison section for candidates `a` and `b`. */
export function compareView(task: TaskKind, a: PanelCandidate, b: PanelCandidate, onClose: () => void): HTMLElement {
  const close = el('button', { type: 'button', class: 'rl-compare-close', 'data-action': 'close-compare' }, 'Close comparison');
  close.addEventListener('click', onClose);
  const textA = a.code ?? a.text;
  const textB = b.code ?? b.text;
  const lines = lineDiff(textA, textB);
  const lang = guessLanguage(task, textA);
  const list = el('ol', { class: 'rl-compare-diff rl-code', 'data-lang': lang, 'aria-label': `Line diff from ${candidateName(a.index)} to ${candidateName(b.index)}` });
  for (const l of lines) {
    const sign = l.kind === 'add' ? '+' : l.kind === 'del' ? '−' : ' ';
    list.append(el('li', { class: `rl-diff-line rl-diff-${l.kind}` }, el('span', { class: 'rl-diff-sign', 'aria-hidden': 'true' }, sign), el('code', {}, l.text === '' ? ' ' : l.text)));
  }
  const changed = lines.filter((l) => l.kind !== 'same').length;
  return el(
    'section',
    { id: 'rl-compare', 'data-a': a.index, 'data-b': b.index, 'aria-label': `Comparison of ${candidateName(a.index)} and ${candidateName(b.index)}` },
    el('header', { class: 'rl-compare-header' }, el('h2', {}, `${candidateName(a.index)} ↔ ${candidateName(b.index)}`), el('span', { class: 'rl-muted' }, changed === 0 ? 'same code' : `${changed} line${changed === 1 ? '' : 's'} differ (− only in ${candidateName(a.index)}, + only in ${candidateName(b.index)})`), close),
    list,
    el('div', { class: 'rl-compare-sides' }, side(task, a, b), side(task, b, a)),
  );
}
