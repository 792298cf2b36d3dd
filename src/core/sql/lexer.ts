/**
 * A small SQLite lexer: enough to count statements, find the leading keyword, skip comments and literals, and
 * produce tokens for the n-gram reward. It is deliberately not a parser (node-sql-parser does the parsing); its job is
 * to never be fooled by a `;` or a keyword hidden inside a string, an identifier or a comment.
 * Token rules follow SQLite's tokenizer (tokenize.c): '' strings, "" `` [] identifiers, -- and /* *\/ comments,
 * X'..' blobs, ?NNN :name @name $name parameters.
 */
export type TokenKind = 'word' | 'ident' | 'string' | 'number' | 'blob' | 'param' | 'op' | 'semi';

export interface Token {
  kind: TokenKind;
  /** Source text of the token (quotes included for strings and quoted identifiers). */
  text: string;
  /** For `ident` and `string`: the unquoted value. For `word`: the text upper-cased. */
  value: string;
  start: number;
}

export interface LexResult {
  tokens: Token[];
  /** Set when a string, quoted identifier or block comment is not closed, or a character is not SQL. */
  error: string | null;
}

// Character classes by UTF-16 code unit, as SQLite's tokenizer reads bytes: letters, `_` and every non-ASCII unit
// start a word; digits and `$` continue one. (Code-unit tests instead of a regex per character: the policy lexes
// every candidate on the parent's thread before it runs.)
const isWordStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 0x80;
const isWordChar = (c: number): boolean => isWordStart(c) || (c >= 48 && c <= 57) || c === 36;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
/** A numeric literal at lastIndex (sticky): hex, or digits/fraction/exponent; may match empty. */
const NUMBER = /0[xX][0-9a-fA-F_]+|(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][+-]?[0-9]+)?/y;
const NUMBER_IN_SLICE = /^(?:0[xX][0-9a-fA-F_]+|(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][+-]?[0-9]+)?)/;

export function lex(sql: string): LexResult {
  const tokens: Token[] = [];
  const n = sql.length;
  let i = 0;
  let error: string | null = null;
  const closeQuoted = (open: number, close: string): number => {
    // Returns index after the closing quote; doubled quotes escape themselves ('' "" ``), ] does not double.
    let j = open + 1;
    for (;;) {
      const k = sql.indexOf(close, j);
      if (k < 0) return -1;
      if (close !== ']' && sql[k + 1] === close) {
        j = k + 2;
        continue;
      }
      return k + 1;
    }
  };
  while (i < n) {
    const c = sql[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      const k = sql.indexOf('\n', i);
      i = k < 0 ? n : k + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const k = sql.indexOf('*/', i + 2);
      // SQLite accepts an unterminated block comment at the end of input; so do we.
      i = k < 0 ? n : k + 2;
    } else if (c === ';') {
      tokens.push({ kind: 'semi', text: ';', value: ';', start: i });
      i++;
    } else if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      const end = closeQuoted(i, close);
      if (end < 0) {
        error = `unterminated ${c === "'" ? 'string' : 'quoted identifier'} at ${i}`;
        break;
      }
      const text = sql.slice(i, end);
      const inner = text.slice(1, -1);
      const value = close === ']' ? inner : inner.split(close + close).join(close);
      tokens.push({ kind: c === "'" ? 'string' : 'ident', text, value, start: i });
      i = end;
    } else if ((c === 'x' || c === 'X') && sql[i + 1] === "'") {
      const end = closeQuoted(i + 1, "'");
      if (end < 0) {
        error = `unterminated blob literal at ${i}`;
        break;
      }
      const text = sql.slice(i, end);
      tokens.push({ kind: 'blob', text, value: text.slice(2, -1), start: i });
      i = end;
    } else if (isDigit(sql.charCodeAt(i)) || (c === '.' && isDigit(sql.charCodeAt(i + 1)))) {
      // The literal as matched within the next 400 characters. Matched in place: a match that ends within them is
      // also the match in a 400-character slice (the pattern is unanchored, so cutting the input can only make a
      // path fail); a longer one is matched again in the slice.
      NUMBER.lastIndex = i;
      let m = NUMBER.exec(sql);
      if (m && m[0].length > 400) m = NUMBER_IN_SLICE.exec(sql.slice(i, i + 400));
      const len = Math.max(1, m?.[0].length ?? 1);
      const text = sql.slice(i, i + len);
      tokens.push({ kind: 'number', text, value: text, start: i });
      i += len;
    } else if (c === '?' || c === ':' || c === '@' || c === '$' || c === '#') {
      let j = i + 1;
      while (j < n && isWordChar(sql.charCodeAt(j))) j++;
      if (j === i + 1 && c !== '?') {
        // ':' alone is not a token SQLite accepts (except as part of an identifier); treat as an operator.
        tokens.push({ kind: 'op', text: c, value: c, start: i });
        i++;
        continue;
      }
      tokens.push({ kind: 'param', text: sql.slice(i, j), value: sql.slice(i, j), start: i });
      i = j;
    } else if (isWordStart(sql.charCodeAt(i))) {
      let j = i + 1;
      while (j < n && isWordChar(sql.charCodeAt(j))) j++;
      const text = sql.slice(i, j);
      tokens.push({ kind: 'word', text, value: text.toUpperCase(), start: i });
      i = j;
    } else {
      const two = sql.slice(i, i + 2);
      const three = sql.slice(i, i + 3);
      const op = three === '->>' ? three : ['<=', '>=', '<>', '!=', '==', '||', '<<', '>>', '->'].includes(two) ? two : c;
      if (!'+-*/%<>=!|&~(),.'.includes(op[0]!)) {
        error = `unexpected character ${JSON.stringify(c)} at ${i}`;
        break;
      }
      tokens.push({ kind: 'op', text: op, value: op, start: i });
      i += op.length;
    }
  }
  return { tokens, error };
}

/** Splits a token list at top-level `;` into statements, dropping empty ones. */
export function splitStatements(tokens: readonly Token[]): Token[][] {
  const out: Token[][] = [];
  let cur: Token[] = [];
  for (const t of tokens) {
    if (t.kind === 'semi') {
      if (cur.length > 0) out.push(cur);
      cur = [];
    } else cur.push(t);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
