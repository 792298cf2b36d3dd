/**
 * A small tokenizer for candidate texts: SQL, SWE-RL patches (SEARCH/REPLACE blocks, unified diffs), JSON
 * (Vega-Lite) and Python (matplotlib). It only classifies substrings; the panel puts each token in a span with
 * `textContent`, so whatever the model wrote stays text. Pure (no DOM) so it is tested in Node.
 */

export type TokenKind =
  | 'plain'
  | 'keyword'
  | 'string'
  | 'number'
  | 'comment'
  | 'punct'
  | 'tag'
  | 'add'
  | 'del'
  | 'hunk'
  | 'meta'
  /** An invisible or direction-changing character, shown as a visible marker instead of applied. */
  | 'ctrl';

export interface Token {
  kind: TokenKind;
  text: string;
}

export type Language = 'sql' | 'patch' | 'json' | 'python' | 'plain';

const SQL_KEYWORDS = new Set(
  (
    'select from where and or not in is null like glob between group by order having limit offset as on join inner left right ' +
    'outer full cross natural using distinct all union intersect except case when then else end asc desc exists ' +
    'count sum avg min max cast with recursive insert into values update set delete create table drop alter index ' +
    'view trigger primary key foreign references default unique check collate escape'
  ).split(' '),
);

const PY_KEYWORDS = new Set(
  (
    'import from as def return if elif else for while in not and or is None True False with try except finally ' +
    'raise class lambda pass break continue yield global nonlocal assert del await async'
  ).split(' '),
);

/** Bidi controls, zero-width characters, BOM, and C0/C1 controls other than tab and newline. */
export const CONTROL_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g;

/** The visible stand-in for a control character, e.g. `⟨U+202E⟩`. */
export function controlMarker(ch: string): string {
  return `⟨U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}⟩`;
}

export function guessLanguage(task: 'sql' | 'patch' | 'chart', text: string): Language {
  if (task === 'sql') return 'sql';
  if (task === 'patch') return 'patch';
  return /^\s*(```(json|vega)?\s*)?[{[]/.test(text) ? 'json' : 'python';
}

interface Rule {
  re: RegExp;
  kind: TokenKind | ((m: string) => TokenKind);
}

function rulesFor(lang: Language): Rule[] {
  const tag: Rule = { re: /<\/?[A-Za-z_][\w-]*>/y, kind: 'tag' };
  const ws: Rule = { re: /\s+/y, kind: 'plain' };
  switch (lang) {
    case 'sql':
      return [
        ws,
        { re: /--[^\n]*/y, kind: 'comment' },
        { re: /\/\*[\s\S]*?(\*\/|$)/y, kind: 'comment' },
        tag,
        { re: /'(?:[^']|'')*'?/y, kind: 'string' },
        { re: /"(?:[^"]|"")*"?|`[^`]*`?|\[[^\]\n]*\]?/y, kind: 'plain' },
        { re: /\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/iy, kind: 'number' },
        { re: /[A-Za-z_][\w$]*/y, kind: (m) => (SQL_KEYWORDS.has(m.toLowerCase()) ? 'keyword' : 'plain') },
        { re: /[(),;.*=<>!+\-/%|]+/y, kind: 'punct' },
      ];
    case 'json':
      return [
        ws,
        { re: /"(?:[^"\\\n]|\\.)*"?(?=\s*:)/y, kind: 'keyword' },
        { re: /"(?:[^"\\\n]|\\.)*"?/y, kind: 'string' },
        { re: /-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/iy, kind: 'number' },
        { re: /\b(?:true|false|null)\b/y, kind: 'keyword' },
        { re: /[{}[\],:]/y, kind: 'punct' },
        { re: /```\w*/y, kind: 'meta' },
      ];
    case 'python':
      return [
        ws,
        { re: /#[^\n]*/y, kind: 'comment' },
        tag,
        { re: /("""|''')[\s\S]*?(\1|$)/y, kind: 'string' },
        { re: /[rbfu]{0,2}("(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?)/iy, kind: 'string' },
        { re: /\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/iy, kind: 'number' },
        { re: /[A-Za-z_]\w*/y, kind: (m) => (PY_KEYWORDS.has(m) ? 'keyword' : 'plain') },
        { re: /[()[\]{},:.=+\-*/%<>!&|^~@]+/y, kind: 'punct' },
        { re: /```\w*/y, kind: 'meta' },
      ];
    default:
      return [];
  }
}

/** Patches highlight by line: additions, deletions, hunk headers, SEARCH/REPLACE markers, file headers. */
function tokenizePatch(text: string): Token[] {
  const out: Token[] = [];
  for (const line of text.split(/(?<=\n)/)) {
    let kind: TokenKind = 'plain';
    if (/^(<<<<<<< SEARCH|=======|>>>>>>> REPLACE)\s*$/.test(line)) kind = 'hunk';
    else if (/^@@/.test(line)) kind = 'hunk';
    else if (/^(\+\+\+|---|###|diff |index )/.test(line)) kind = 'meta';
    else if (/^\+/.test(line)) kind = 'add';
    else if (/^-/.test(line)) kind = 'del';
    else if (/^\s*<\/?(think|solution|reasoning|answer)>\s*$/.test(line)) kind = 'tag';
    out.push({ kind, text: line });
  }
  return out;
}

function tokenizeWith(rules: Rule[], text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let plainStart = -1;
  const flushPlain = (end: number) => {
    if (plainStart >= 0 && end > plainStart) out.push({ kind: 'plain', text: text.slice(plainStart, end) });
    plainStart = -1;
  };
  outer: while (i < text.length) {
    for (const r of rules) {
      r.re.lastIndex = i;
      const m = r.re.exec(text);
      if (m && m[0].length > 0) {
        const kind = typeof r.kind === 'function' ? r.kind(m[0]) : r.kind;
        if (kind === 'plain') {
          if (plainStart < 0) plainStart = i;
        } else {
          flushPlain(i);
          out.push({ kind, text: m[0] });
        }
        i += m[0].length;
        continue outer;
      }
    }
    if (plainStart < 0) plainStart = i;
    i++;
  }
  flushPlain(i);
  return out;
}

/** Splits control characters out of every token into `ctrl` tokens (their text is the raw character). */
function splitControls(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (const t of tokens) {
    // matchAll starts from the regex's lastIndex, so `test` (which moves it) is not used on the global regex.
    if (t.text.search(CONTROL_CHARS) < 0) {
      out.push(t);
      continue;
    }
    let last = 0;
    for (const m of t.text.matchAll(CONTROL_CHARS)) {
      if (m.index! > last) out.push({ kind: t.kind, text: t.text.slice(last, m.index) });
      out.push({ kind: 'ctrl', text: m[0] });
      last = m.index! + m[0].length;
    }
    if (last < t.text.length) out.push({ kind: t.kind, text: t.text.slice(last) });
  }
  return out;
}

/** Texts longer than this are shown unhighlighted (still with control characters made visible). */
export const HIGHLIGHT_LIMIT = 200_000;

/** Tokens whose texts concatenate to exactly `text`. */
export function tokenize(text: string, lang: Language): Token[] {
  let tokens: Token[];
  if (text.length > HIGHLIGHT_LIMIT || lang === 'plain') tokens = [{ kind: 'plain', text }];
  else if (lang === 'patch') tokens = tokenizePatch(text);
  else tokens = tokenizeWith(rulesFor(lang), text);
  return splitControls(tokens).filter((t) => t.text.length > 0);
}
