/**
 * DOM helpers of the panel. Every text goes in through `textContent`; attributes are set one by one from a fixed
 * list of names (no `on*`, no `style`, no `href`/`src` here: the only image source is built by `pngDataUrl`).
 */
import type { Language } from './highlight';
import { controlMarker, tokenize } from './highlight';

const SAFE_ATTRS = new Set([
  'id', 'class', 'role', 'title', 'type', 'name', 'value', 'for', 'tabindex', 'min', 'max', 'step', 'rows', 'placeholder',
  'aria-label', 'aria-labelledby', 'aria-describedby', 'aria-pressed', 'aria-live', 'aria-valuenow', 'aria-valuemin',
  'aria-valuemax', 'aria-valuetext', 'aria-hidden', 'aria-keyshortcuts', 'aria-busy', 'aria-current', 'aria-disabled',
  'data-index', 'data-rank', 'data-reward', 'data-action', 'data-cp', 'data-rating', 'data-state', 'data-lang', 'data-total',
  'scope', 'colspan', 'alt', 'width', 'height', 'lang', 'dir', 'data-a', 'data-b', 'aria-sort', 'data-key', 'data-status',
  'data-q', 'aria-expanded', 'aria-controls', 'data-task', 'data-record', 'aria-checked',
]);

export type Attrs = Record<string, string | number | boolean | null | undefined>;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string | null | undefined)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  setAttrs(e, attrs);
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return e;
}

export function setAttrs(e: Element, attrs: Attrs): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (!SAFE_ATTRS.has(k)) throw new Error(`attribute ${k} is not allowed in the panel`);
    if (v === null || v === undefined || v === false) e.removeAttribute(k);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
}

export function text(e: Element, s: string): void {
  if (e.textContent !== s) e.textContent = s;
}

/** Model output as highlighted text: one span per token, control characters as visible markers. */
export function codeBlock(source: string, lang: Language): HTMLElement {
  const code = el('code', { class: `rl-code-text rl-lang-${lang}`, 'data-lang': lang });
  const frag = document.createDocumentFragment();
  for (const t of tokenize(source, lang)) {
    if (t.kind === 'ctrl') {
      const cp = t.text.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      const s = el('span', { class: 'rl-ctrl', 'data-cp': cp, title: `Invisible or text-direction character U+${cp}, shown here instead of applied` });
      s.textContent = controlMarker(t.text);
      frag.append(s);
    } else if (t.kind === 'plain') {
      frag.append(document.createTextNode(t.text));
    } else {
      const s = document.createElement('span');
      s.className = `tk-${t.kind}`;
      s.textContent = t.text;
      frag.append(s);
    }
  }
  code.append(frag);
  return code;
}

const PNG_MAGIC = '\x89PNG\r\n\x1a\n';

/**
 * A `data:image/png;base64,...` URL, only when `b64` is strict base64 whose bytes start with the PNG signature;
 * null otherwise. Nothing but these characters reaches the attribute, so the URL cannot be anything else.
 */
export function pngDataUrl(b64: unknown): string | null {
  if (typeof b64 !== 'string' || b64.length < 12 || b64.length % 4 !== 0 || b64.length > 40_000_000) return null;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null;
  let head: string;
  try {
    head = atob(b64.slice(0, 12));
  } catch {
    return null;
  }
  if (!head.startsWith(PNG_MAGIC)) return null;
  return `data:image/png;base64,${b64}`;
}

export function fmt(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  const s = x.toFixed(digits);
  return s === '-0.00' ? '0.00' : s;
}

export function signed(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  return `${x >= 0 ? '+' : ''}${fmt(x)}`;
}
