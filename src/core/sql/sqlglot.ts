/**
 * A SQL normaliser that reproduces what sqlglot 25.32 prints for a SQLite query (`parse_one(sql, read="sqlite")
 * .sql(dialect="sqlite")`), the normalisation Reasoning-SQL's n-gram reward depends on (RLForSQL utils/ngrams.py),
 * together with what that reward and schema linking read from sqlglot's tree: table names and aliases, column names,
 * and `expr AS alias` names.
 *
 * It is a small recursive-descent translator over sqlglot's own precedence levels (OR < AND < equality < comparison
 * < range (IN, LIKE, BETWEEN, IS) < bitwise (|| & | << >>) < term (+ - % COLLATE) < factor (* /) < unary), emitting
 * sqlglot's canonical text as it parses: keywords and function names upper case, identifiers as written (backticks
 * and brackets become double quotes), `AS` before every alias, `x NOT IN/LIKE/BETWEEN/GLOB ...` and `x IS NOT y` as
 * `NOT x ...`, `ISNULL`/`NOTNULL` spelled out, `==` as `=`, `!=` as `<>`, `LIMIT a, b` as `LIMIT b OFFSET a`,
 * SQLite's default NULLS ordering dropped, comments as `/* ... *\/` where they stood, and sqlglot's function renames
 * (IFNULL -> COALESCE, SUBSTR -> SUBSTRING, ...). Like sqlglot it reads query clauses in any order (the last of a
 * kind wins), a bare expression as a statement (`hello world` is `hello AS world`), FROM-first queries, and command
 * statements (EXPLAIN ...) as text. Every statement must parse (sqlglot parses them all) and the first is returned.
 * `null` means sqlglot would raise, as far as this grammar knows.
 */

import { ParseCache } from './parseCache';

export interface GlotResult {
  /** sqlglot's SQLite text of the first statement. */
  sql: string;
  /** exp.Table names (last part), as written, in order of appearance (duplicates kept). */
  tables: string[];
  /** Aliases of exp.Table nodes. */
  tableAliases: string[];
  /** exp.Column names (`*` for `t.*`), as written. */
  columns: string[];
  /** Names of exp.Alias nodes (`expr AS name`). */
  aliases: string[];
}

type TokKind = 'word' | 'qident' | 'string' | 'number' | 'hex' | 'param' | 'op' | 'semi' | 'eof';

interface Tok {
  kind: TokKind;
  text: string;
  /** word: upper-cased text; qident/string: unquoted value. */
  value: string;
  /** Comments that precede this token in the text. */
  comments: string[];
  /** Offsets of the token's first character and of the character after it. */
  start: number;
  end: number;
}

class GlotError extends Error {}

/** sqlglot's pad_comment: a space inside each end of a comment that does not already start/end with whitespace. */
function padComment(c: string): string {
  return `${/^\s/.test(c) ? '' : ' '}${c}${/\s$/.test(c) ? '' : ' '}`;
}

/**
 * The text quoted from `open` (the opening quote's index) to `close`; with `doubled`, two closing quotes in a row
 * stand for one (SQL's '' and ""). `end` is the index after the closing quote.
 */
function quoted(sql: string, open: number, close: string, doubled: boolean, unterminated: string): { value: string; end: number } {
  let j = open + 1;
  let value = '';
  for (;;) {
    const k = sql.indexOf(close, j);
    if (k < 0) fail(unterminated);
    value += sql.slice(j, k);
    if (doubled && sql[k + 1] === close) {
      value += close;
      j = k + 2;
      continue;
    }
    return { value, end: k + 1 };
  }
}

function fail(msg: string): never {
  throw new GlotError(msg);
}

const WS = /[ \t\n\r\f\v]/;
const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

function tokenize(sql: string): Tok[] {
  const toks: Tok[] = [];
  let pending: string[] = [];
  const n = sql.length;
  let i = 0;
  let lastEnd = -1;
  const push = (kind: TokKind, text: string, value = text) => {
    toks.push({ kind, text, value, comments: pending, start: i, end: i + text.length });
    pending = [];
    lastEnd = i + text.length;
  };
  // sqlglot's tokenizer gives a comment on the line of the previous token to that token; the parser then prints a
  // SELECT keyword's comments before the SELECT. Elsewhere the comment stays where it stood.
  const comment = (text: string, at: number) => {
    const prev = toks[toks.length - 1];
    const sameLine = prev !== undefined && !/[\n\r]/.test(sql.slice(lastEnd, at));
    if (sameLine && prev.kind === 'op' && prev.text === '(') return; // sqlglot loses comments of an opening parenthesis
    if (sameLine && prev.kind === 'word' && ['SELECT', 'UNION', 'EXCEPT', 'INTERSECT', 'ALL'].includes(prev.value)) prev.comments.push(text);
    else pending.push(text);
  };
  while (i < n) {
    const c = sql[i]!;
    if (WS.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      let k = i + 2;
      while (k < n && sql[k] !== '\n' && sql[k] !== '\r') k++;
      comment(sql.slice(i + 2, k), i);
      i = k;
    } else if (c === '/' && sql[i + 1] === '*') {
      const k = sql.indexOf('*/', i + 2);
      if (k < 0) fail('unterminated comment');
      comment(sql.slice(i + 2, k), i);
      i = k + 2;
    } else if (c === ';') {
      // Comments before a semicolon stay with it: they are printed after the statement they end.
      push('semi', ';');
      i++;
    } else if (c === "'") {
      const q = quoted(sql, i, "'", true, 'unterminated string');
      push('string', sql.slice(i, q.end), q.value);
      i = q.end;
    } else if (c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      const q = quoted(sql, i, close, close !== ']', 'unterminated identifier');
      push('qident', sql.slice(i, q.end), q.value);
      i = q.end;
    } else if ((c === 'x' || c === 'X') && sql[i + 1] === "'") {
      const k = sql.indexOf("'", i + 2);
      if (k < 0) fail('unterminated hex string');
      push('hex', sql.slice(i, k + 1), sql.slice(i + 2, k));
      i = k + 1;
    } else if (c === '0' && (sql[i + 1] === 'x' || sql[i + 1] === 'X')) {
      let j = i + 2;
      while (j < n && /[0-9A-Za-z_]/.test(sql[j]!)) j++;
      push('hex', sql.slice(i, j), sql.slice(i + 2, j));
      i = j;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const m = /^[0-9]*(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?/.exec(sql.slice(i, i + 400))!;
      push('number', m[0]);
      i += m[0].length;
    } else if (c === '?' || ((c === ':' || c === '@' || c === '$') && WORD_CHAR.test(sql[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < n && WORD_CHAR.test(sql[j]!)) j++;
      push('param', sql.slice(i, j));
      i = j;
    } else if (WORD_START.test(c)) {
      let j = i + 1;
      while (j < n && WORD_CHAR.test(sql[j]!)) j++;
      const text = sql.slice(i, j);
      push('word', text, text.toUpperCase());
      i = j;
    } else {
      const three = sql.slice(i, i + 3);
      const two = sql.slice(i, i + 2);
      const op = three === '->>' || three === '<=>' ? three : ['<=', '>=', '<>', '!=', '==', '||', '->', '::'].includes(two) ? two : c;
      if (!'+-*/%<>=!|&~^(),.'.includes(op[0]!)) fail(`unexpected character ${c}`);
      push('op', op);
      i += op.length;
    }
  }
  push('eof', '');
  return toks;
}

/** Words sqlglot never reads as an implicit select-list alias (they continue or end the query). */
const SELECT_NO_ALIAS = new Set([
  'FROM', 'WHERE', 'HAVING', 'LIMIT', 'UNION', 'EXCEPT', 'INTERSECT', 'ON', 'USING', 'JOIN', 'INNER', 'OUTER', 'CROSS',
  'AS', 'AND', 'OR', 'NOT', 'IN', 'LIKE', 'GLOB', 'BETWEEN', 'WHEN', 'THEN', 'ELSE', 'COLLATE', 'SELECT', 'DISTINCT',
  'ISNULL', 'NOTNULL', 'NULL', 'CASE', 'EXISTS', 'WITH', 'VALUES', 'OVER', 'REGEXP', 'MATCH', 'IS',
]);

/** Words sqlglot never reads as an implicit table alias. */
const TABLE_NO_ALIAS = new Set([
  ...SELECT_NO_ALIAS, 'WHERE', 'GROUP', 'ORDER', 'OFFSET', 'WINDOW', 'LEFT', 'RIGHT', 'FULL', 'NATURAL', 'INDEXED', 'SET',
]);

/** Marks a name read in a clause sqlglot drops (see Translator.clauses). */
const DEAD = '\u0000dropped';

/** Words that end a list where an item could start (clause keywords). */
const LIST_END = new Set(['FROM', 'WHERE', 'HAVING', 'LIMIT', 'OFFSET', 'UNION', 'EXCEPT', 'INTERSECT', 'WINDOW', 'ON', 'USING']);

/** sqlglot's command keywords: the rest of such a statement is kept as text (tokens.py TokenType.COMMAND and COMMANDS). */
const COMMANDS = new Set(['EXPLAIN', 'ANALYZE', 'VACUUM', 'CALL', 'OPTIMIZE', 'PREPARE', 'EXECUTE', 'SHOW', 'FETCH', 'RENAME']);

/** Words that cannot be a column where an operand starts. */
const NOT_EXPR = new Set([
  'FROM', 'WHERE', 'HAVING', 'LIMIT', 'UNION', 'EXCEPT', 'INTERSECT', 'ON', 'USING', 'JOIN', 'INNER', 'OUTER', 'CROSS',
  'AS', 'AND', 'OR', 'IN', 'LIKE', 'GLOB', 'BETWEEN', 'WHEN', 'THEN', 'ELSE', 'WITH', 'SELECT', 'DISTINCT', 'ALL',
  'NOTNULL',
]);

/** Function names sqlglot prints differently from how they are written (observed with sqlglot 25.32, SQLite dialect). */
const RENAME: Record<string, string> = {
  IFNULL: 'COALESCE',
  NVL: 'COALESCE',
  SUBSTR: 'SUBSTRING',
  CHAR: 'CHR',
  POW: 'POWER',
  CEILING: 'CEIL',
  RAND: 'RANDOM',
  LEN: 'LENGTH',
  CHAR_LENGTH: 'LENGTH',
  CHARACTER_LENGTH: 'LENGTH',
  STDDEV_SAMP: 'STDDEV',
  APPROX_COUNT_DISTINCT: 'APPROX_DISTINCT',
};

/** sqlglot's SQLite type names in CAST. */
const TYPES: Record<string, string> = {
  INT: 'INTEGER', INTEGER: 'INTEGER', BIGINT: 'INTEGER', SMALLINT: 'INTEGER', TINYINT: 'INTEGER', BOOLEAN: 'INTEGER', BOOL: 'INTEGER',
  FLOAT: 'REAL', DOUBLE: 'REAL', DECIMAL: 'REAL', REAL: 'REAL', NUMERIC: 'NUMERIC',
  CHAR: 'TEXT', NCHAR: 'TEXT', VARCHAR: 'TEXT', NVARCHAR: 'TEXT', TEXT: 'TEXT', STRING: 'TEXT',
  BINARY: 'BLOB', VARBINARY: 'BLOB', BLOB: 'BLOB', DATETIME: 'DATETIME', TIMESTAMP: 'TIMESTAMP', TIME: 'TIME',
};

class Translator {
  private i = 0;
  readonly tables: string[] = [];
  readonly tableAliases: string[] = [];
  readonly columns: string[] = [];
  readonly aliases: string[] = [];

  constructor(
    private readonly toks: Tok[],
    private readonly sql: string,
  ) {}

  private get cur(): Tok {
    return this.toks[this.i]!;
  }
  private peek(k = 1): Tok {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }
  private isWord(w: string, t: Tok = this.cur): boolean {
    return t.kind === 'word' && t.value === w;
  }
  private isOp(o: string, t: Tok = this.cur): boolean {
    return t.kind === 'op' && t.text === o;
  }
  /** Consumes the current token; returns its comments rendered as ` /* c *\/` pieces to place where it stood. */
  private take(): Tok {
    const t = this.cur;
    if (t.kind === 'eof') fail('unexpected end');
    this.i++;
    // Comments of a token consumed without being printed surface at the next printed position (never lost).
    if (t.comments.length && !this.done.has(t)) {
      this.loose.push(...t.comments);
      this.done.add(t);
    }
    return t;
  }
  private readonly loose: string[] = [];
  private readonly done = new Set<Tok>();
  /** Pending comments, then the token's own (when not printed yet), as `/* c *\/ ` pieces. */
  private cmt(t?: Tok): string {
    const cs = this.loose.splice(0);
    if (t && t.comments.length && !this.done.has(t)) {
      cs.push(...t.comments);
      this.done.add(t);
    }
    return cs.flatMap((c) => (c ? [`/*${padComment(c)}*/ `] : [])).join('');
  }
  /** Keyword text with the comments that preceded it. */
  private kw(text: string, t: Tok): string {
    return this.cmt(t) + text;
  }
  private expectWord(w: string): Tok {
    if (!this.isWord(w)) fail(`expected ${w}`);
    return this.take();
  }
  private expectOp(o: string): Tok {
    if (!this.isOp(o)) fail(`expected ${o}`);
    return this.take();
  }
  private matchWord(w: string): Tok | null {
    return this.isWord(w) ? this.take() : null;
  }
  private matchOp(o: string): Tok | null {
    return this.isOp(o) ? this.take() : null;
  }

  atEnd(): boolean {
    return this.cur.kind === 'eof';
  }
  trailingComments(): string {
    return this.cmt(this.cur);
  }

  /** One statement up to `;` or the end. */
  statement(): string {
    if (this.cur.kind === 'word' && COMMANDS.has(this.cur.value)) return this.command();
    if (this.isWord('DELETE')) return this.deleteStmt();
    if (this.isWord('UPDATE')) return this.updateStmt();
    if (this.isWord('INSERT') || this.isWord('REPLACE')) return this.insertStmt();
    if (this.isWord('DROP')) return this.dropStmt();
    if (this.startsQuery() || this.isWord('FROM') || this.parenQueryAhead()) return this.query();
    // sqlglot reads any other statement as an expression with an optional alias (`hello world` is `hello AS world`),
    // which a set operation may follow.
    const e = this.expr();
    const alias = this.aliasAfter(true);
    if (alias !== null) this.aliases.push(this.lastAliasValue);
    let out = alias === null ? e : `${e} AS ${alias}`;
    out += this.setOperations();
    return out;
  }

  /**
   * A statement opening with one of sqlglot's command keywords (EXPLAIN, VACUUM, ...): the keyword upper-cased, then
   * the rest of the statement's text as written (trimmed); nothing in it is a table or column.
   */
  private command(): string {
    const k = this.take();
    while (this.cur.kind !== 'semi' && this.cur.kind !== 'eof') this.take();
    const stop = this.cur.kind === 'semi' ? this.cur.start : this.sql.length;
    this.loose.splice(0);
    return `${k.value} ${this.sql.slice(k.end, stop).trim()}`.trim();
  }

  // Writes are refused before they run, but the text rewards score them as the reference does.
  private deleteStmt(): string {
    const d = this.take();
    this.expectWord('FROM');
    let out = `${this.kw('DELETE', d)} FROM ${this.tableItem()}`;
    if (this.matchWord('WHERE')) out += ` WHERE ${this.expr()}`;
    return out + this.dmlLimit();
  }

  /** sqlglot reads LIMIT (not ORDER BY) after DELETE. */
  private dmlLimit(): string {
    if (!this.isWord('LIMIT')) return '';
    this.take();
    return ` LIMIT ${this.expr()}`;
  }

  private updateStmt(): string {
    const u = this.take();
    let out = `${this.kw('UPDATE', u)} ${this.tableItem()}`;
    this.expectWord('SET');
    const sets: string[] = [];
    do {
      const col = this.columnRef();
      this.expectOp('=');
      sets.push(`${col} = ${this.expr()}`);
    } while (this.matchOp(','));
    out += ` SET ${sets.join(', ')}`;
    if (this.isWord('FROM')) {
      this.take();
      out += ` FROM ${this.fromClause()}`;
    }
    if (this.matchWord('WHERE')) out += ` WHERE ${this.expr()}`;
    return out + this.modifiers();
  }

  private insertStmt(): string {
    const t = this.take();
    let out = this.kw(t.value === 'REPLACE' ? 'REPLACE' : 'INSERT', t);
    if (t.value === 'INSERT' && this.matchWord('OR')) out += ` OR ${this.take().value}`;
    this.expectWord('INTO');
    const name = this.identifier();
    this.tables.push(this.lastIdentValue);
    out += ` INTO ${name}`;
    if (this.isOp('(') && !this.startsQuery(this.peek())) out += ` (${this.parenIdentList().join(', ')})`;
    // VALUES rows end the statement there (sqlglot raises on a LIMIT after them).
    return `${out} ${this.isWord('VALUES') ? this.values() : this.query()}`;
  }

  private dropStmt(): string {
    const d = this.take();
    const kind = this.take().value;
    let out = `${this.kw('DROP', d)} ${kind}`;
    if (this.isWord('IF')) {
      this.take();
      this.expectWord('EXISTS');
      out += ' IF EXISTS';
    }
    const name = this.identifier();
    if (kind === 'TABLE' || kind === 'VIEW') this.tables.push(this.lastIdentValue);
    return `${out} ${name}`;
  }

  skipSemis(): void {
    while (this.cur.kind === 'semi') this.take();
  }

  // ---- queries -------------------------------------------------------------------------------------------------

  /** `(` opening a query, possibly inside more parentheses: `((SELECT 1))`. */
  private parenQueryAhead(): boolean {
    let k = 0;
    while (this.isOp('(', this.peek(k))) k++;
    return k > 0 && this.startsQuery(this.peek(k));
  }

  private startsQuery(t: Tok = this.cur): boolean {
    return this.isWord('SELECT', t) || this.isWord('WITH', t) || this.isWord('VALUES', t);
  }

  query(): string {
    let out = '';
    if (this.isWord('WITH')) out = this.withClause() + ' ';
    const body = this.setOperand() + this.setOperations();
    return out + body;
  }

  /** `UNION [ALL] operand ...` after a first operand, then the modifiers of the whole. */
  private setOperations(): string {
    let body = '';
    for (;;) {
      const t = this.cur;
      let op: string | null = null;
      if (this.isWord('UNION')) {
        this.take();
        op = this.matchWord('ALL') ? 'UNION ALL' : (this.matchWord('DISTINCT'), 'UNION');
      } else if (this.isWord('EXCEPT') || this.isWord('INTERSECT')) {
        op = this.take().value;
        this.matchWord('DISTINCT');
      }
      if (op === null) break;
      body += ` ${this.kw(op, t)} ${this.setOperand()}`;
    }
    body += this.modifiers();
    return body;
  }

  private withClause(): string {
    const w = this.take();
    let out = this.kw('WITH', w);
    if (this.matchWord('RECURSIVE')) out += ' RECURSIVE';
    const ctes: string[] = [];
    do {
      const name = this.identifier();
      // sqlglot's SQLite generator drops column lists of table aliases (SUPPORTS_TABLE_ALIAS_COLUMNS = False).
      if (this.isOp('(')) this.parenIdentList();
      this.expectWord('AS');
      if (this.matchWord('MATERIALIZED') === null && this.isWord('NOT')) {
        this.take();
        this.expectWord('MATERIALIZED');
      }
      this.expectOp('(');
      // sqlglot reads any statement as a CTE's body (a write, or an expression).
      const q = this.statement();
      this.expectOp(')');
      ctes.push(`${name} AS (${q})`);
    } while (this.matchOp(','));
    return `${out} ${ctes.join(', ')}`;
  }

  private parenIdentList(): string[] {
    this.expectOp('(');
    const out: string[] = [];
    do out.push(this.identifier());
    while (this.matchOp(','));
    this.expectOp(')');
    return out;
  }

  private setOperand(): string {
    if (this.isWord('WITH')) {
      const w = this.withClause();
      return `${w} ${this.setOperand()}`;
    }
    if (this.parenQueryAhead()) {
      this.take();
      const q = this.query();
      this.expectOp(')');
      return `(${q})`;
    }
    if (this.isWord('VALUES')) return this.values();
    return this.selectCore();
  }

  private values(): string {
    const t = this.take();
    const rows: string[] = [];
    do {
      this.expectOp('(');
      const items = this.exprList(')');
      this.expectOp(')');
      rows.push(`(${items.join(', ')})`);
    } while (this.matchOp(','));
    return `${this.kw('VALUES', t)} ${rows.join(', ')}`;
  }

  private selectCore(): string {
    // sqlglot reads a leading FROM (duckdb's FROM-first): `FROM t` is `SELECT * FROM t`, `FROM t SELECT x` is
    // `SELECT x FROM t`.
    let fromFirst: string | null = null;
    if (this.isWord('FROM')) {
      const f = this.take();
      fromFirst = ` ${this.kw('FROM', f)} ${this.fromClause()}`;
      if (!this.isWord('SELECT')) return `SELECT *${fromFirst}${this.clauses(true)}`;
    }
    const t = this.expectWord('SELECT');
    let out = this.kw('SELECT', t);
    if (this.matchWord('DISTINCT')) out += ' DISTINCT';
    else this.matchWord('ALL');
    const items: string[] = [];
    for (;;) {
      // sqlglot skips empty items of a list (`a,, b`, a trailing comma before FROM).
      if (this.noItem()) {
        if (this.isOp(',')) {
          this.take();
          continue;
        }
        break;
      }
      items.push(this.selectItem());
      if (!this.matchOp(',')) break;
    }
    if (items.length) out += ' ' + items.join(', ');
    if (fromFirst !== null) out += fromFirst;
    else if (this.isWord('FROM')) {
      const f = this.take();
      out += ` ${this.kw('FROM', f)} ${this.fromClause()}`;
    }
    return out + this.clauses(true);
  }

  /**
   * The modifiers after a query (sqlglot's _parse_query_modifiers): clauses may come in any order and again, the
   * last of a kind winning (`LIMIT a, b` sets the offset too), printed in sqlglot's order. `all`: WHERE, GROUP BY,
   * HAVING and WINDOW as well as ORDER BY, LIMIT and OFFSET.
   */
  private clauses(all: boolean): string {
    type Slot = 'where' | 'group' | 'having' | 'window' | 'order' | 'limit' | 'offset';
    const slot: Record<Slot, string> = { where: '', group: '', having: '', window: '', order: '', limit: '', offset: '' };
    // Names read in a clause that a later one of its kind replaces are not in sqlglot's tree.
    const names = [this.tables, this.tableAliases, this.columns, this.aliases];
    const read: Partial<Record<Slot, number[][]>> = {};
    for (;;) {
      const t = this.cur;
      const before = names.map((a) => a.length);
      const was = { ...slot };
      if (all && this.isWord('WHERE')) {
        this.take();
        slot.where = ` ${this.kw('WHERE', t)} ${this.expr()}`;
      } else if (all && this.isWord('GROUP') && this.isWord('BY', this.peek())) {
        this.take();
        this.take();
        slot.group = ` ${this.kw('GROUP BY', t)} ${this.exprList(null).join(', ')}`;
      } else if (all && this.isWord('HAVING')) {
        this.take();
        slot.having = ` ${this.kw('HAVING', t)} ${this.expr()}`;
      } else if (all && this.isWord('WINDOW')) {
        this.take();
        const defs: string[] = [];
        do {
          if (this.isOp(',')) continue;
          const name = this.identifier();
          this.expectWord('AS');
          defs.push(`${name} AS ${this.windowSpec()}`);
        } while (this.matchOp(','));
        slot.window = ` ${this.kw('WINDOW', t)} ${defs.join(', ')}`;
      } else if (this.isWord('ORDER') && this.isWord('BY', this.peek())) {
        this.take();
        this.take();
        slot.order = ` ${this.kw('ORDER BY', t)} ${this.orderList()}`;
      } else if (this.isWord('LIMIT')) {
        // sqlglot reads the counts of LIMIT and OFFSET at the term level (+ - but no comparison).
        this.take();
        const a = this.term();
        if (this.matchOp(',')) {
          const b = this.term();
          slot.limit = ` ${this.kw('LIMIT', t)} ${b}`;
          slot.offset = ` OFFSET ${a}`;
        } else slot.limit = ` ${this.kw('LIMIT', t)} ${a}`;
      } else if (this.isWord('OFFSET')) {
        this.take();
        slot.offset = ` ${this.kw('OFFSET', t)} ${this.term()}`;
      } else break;
      for (const k of Object.keys(slot) as Slot[]) {
        if (slot[k] === was[k]) continue;
        for (const r of read[k] ?? []) names.forEach((a, j) => a.fill(DEAD, r[j]!, r[j + 4]!));
        read[k] = [[...before, ...names.map((a) => a.length)]];
      }
    }
    return slot.where + slot.group + slot.having + slot.window + slot.order + slot.limit + slot.offset;
  }

  /** ORDER BY, LIMIT and OFFSET of a query (after a parenthesised last set operand). */
  private modifiers(): string {
    return this.clauses(false);
  }

  private orderList(): string {
    const items: string[] = [];
    do {
      if (this.noItem()) continue;
      let e = this.expr();
      let desc: boolean | null = null;
      if (this.isWord('ASC')) {
        this.take();
        desc = false;
        e += ' ASC';
      } else if (this.isWord('DESC')) {
        this.take();
        desc = true;
        e += ' DESC';
      }
      if (this.isWord('NULLS')) {
        this.take();
        const first = this.isWord('FIRST');
        if (!first && !this.isWord('LAST')) fail('expected FIRST or LAST');
        this.take();
        // SQLite sorts NULL first ascending and last descending: sqlglot prints only what differs from that.
        if (first === !!desc) e += first ? ' NULLS FIRST' : ' NULLS LAST';
      }
      items.push(e);
    } while (this.matchOp(','));
    return items.join(', ');
  }

  private selectItem(): string {
    let e: string;
    if (this.isOp('*')) {
      const t = this.cur;
      const pre = this.cmt(t);
      this.take();
      e = pre + '*';
    } else e = this.expr();
    // A comment before AS is the expression's: sqlglot prints it after the alias.
    const asTok = this.isWord('AS') ? this.cur : null;
    const asComments = asTok && !this.done.has(asTok) ? asTok.comments : [];
    if (asTok) this.done.add(asTok);
    const alias = this.aliasAfter(true);
    if (alias === null) return e;
    this.aliases.push(this.lastAliasValue);
    const after = asComments.flatMap((c) => (c ? [` /*${padComment(c)}*/`] : [])).join('');
    return `${e} AS ${alias}${after}`;
  }

  /** `[AS] name` after an expression or table; records exp.Alias names for select items. */
  private aliasAfter(column: boolean): string | null {
    const t = this.cur;
    let name: string | null = null;
    if (this.isWord('AS')) {
      this.take();
      const a = this.cur;
      if (a.kind === 'word' || a.kind === 'qident' || (column && a.kind === 'string')) name = this.aliasName();
      // sqlglot drops an AS that no name follows (`SELECT 1 AS`, `FROM t AS, u`).
      else if (a.kind === 'eof' || a.kind === 'semi' || this.isOp(',') || this.isOp(')')) return null;
      else fail('expected alias');
    } else if (
      t.kind === 'qident' ||
      (t.kind === 'word' && !(column ? SELECT_NO_ALIAS : TABLE_NO_ALIAS).has(t.value) && !((t.value === 'ORDER' || t.value === 'GROUP') && this.isWord('BY', this.peek()))) ||
      (column && t.kind === 'string')
    ) {
      name = this.aliasName();
    }
    if (name === null) return null;
    return name;
  }

  /** An alias token: identifiers keep their quotes; a string alias (STRING_ALIASES) becomes a quoted identifier. */
  private aliasName(): string {
    const t = this.take();
    const pre = this.cmt(t);
    if (t.kind === 'string') {
      this.lastAliasValue = t.value;
      return pre + `"${t.value.replace(/"/g, '""')}"`;
    }
    this.lastAliasValue = t.kind === 'word' ? t.text : t.value;
    return pre + (t.kind === 'word' ? t.text : `"${t.value.replace(/"/g, '""')}"`);
  }
  private lastAliasValue = '';

  private fromClause(): string {
    let out = this.tableItem();
    for (;;) {
      if (this.matchOp(',')) {
        out += `, ${this.tableItem()}`;
        continue;
      }
      const start = this.cur;
      const kinds: string[] = [];
      const save = this.i;
      for (const k of ['NATURAL', 'LEFT', 'RIGHT', 'FULL', 'INNER', 'OUTER', 'CROSS']) {
        if (this.isWord(k)) kinds.push(this.take().value);
      }
      if (!this.isWord('JOIN')) {
        this.i = save;
        break;
      }
      this.take();
      const pre = this.cmt(start);
      const table = this.tableItem();
      let cond = '';
      if (this.isWord('ON')) {
        const on = this.take();
        cond = ` ${this.kw('ON', on)} ${this.expr()}`;
      } else if (this.isWord('USING')) {
        const u = this.take();
        cond = ` ${this.kw('USING', u)} (${this.parenIdentList().join(', ')})`;
      }
      // sqlglot prints a bare JOIN (no side, kind or method) with no condition as a comma.
      out += kinds.length === 0 && cond === '' ? `, ${pre}${table}` : ` ${pre}${[...kinds, 'JOIN'].join(' ')} ${table}${cond}`;
    }
    return out;
  }

  private tableItem(): string {
    if (this.isOp('(')) {
      const p = this.take();
      let inner: string;
      if (this.startsQuery()) inner = this.query();
      else inner = this.fromClause();
      this.expectOp(')');
      const alias = this.tableAlias();
      return `${this.cmt(p)}(${inner})${alias === null ? '' : ` AS ${alias}`}`;
    }
    // sqlglot reads a string where a table name belongs as that name, quoted; AS cannot be a table name.
    if (this.cur.kind === 'string') this.cur.kind = 'qident';
    if (this.isWord('AS')) fail('expected table name');
    const parts = [this.identifier()];
    const rawNames = [this.lastIdentValue];
    while (this.isOp('.')) {
      this.take();
      parts.push(this.identifier());
      rawNames.push(this.lastIdentValue);
    }
    if (this.isOp('(')) {
      // Table-valued function (json_each(x), generate_series(...)).
      this.take();
      const args = this.isOp(')') ? [] : this.exprList(')');
      this.expectOp(')');
      const alias = this.tableAlias();
      return `${parts.join('.').toUpperCase()}(${args.join(', ')})${alias === null ? '' : ` AS ${alias}`}`;
    }
    this.tables.push(rawNames[rawNames.length - 1]!);
    const alias = this.tableAlias(true);
    // sqlglot has no INDEXED BY: it raises.
    if (this.isWord('INDEXED') || (this.isWord('NOT') && this.isWord('INDEXED', this.peek()))) fail('INDEXED BY');
    return `${parts.join('.')}${alias === null ? '' : ` AS ${alias}`}`;
  }

  private tableAlias(isTable = false): string | null {
    const a = this.aliasAfter(false);
    if (a === null) return null;
    if (isTable) this.tableAliases.push(this.lastAliasValue);
    if (this.isOp('(')) this.parenIdentList();
    return a;
  }

  // ---- expressions ---------------------------------------------------------------------------------------------

  /** A comma-separated list up to a token no item starts with (`_close`, the closing token expected, documents it). */
  exprList(_close: string | null): string[] {
    const out: string[] = [];
    do {
      if (this.noItem()) continue;
      out.push(this.expr());
    } while (this.matchOp(','));
    return out;
  }

  /** Whether no list item starts here (sqlglot's _parse_csv drops the empty ones: `a,, b`, `ORDER BY a, LIMIT 1`). */
  private noItem(): boolean {
    const t = this.cur;
    if (t.kind === 'eof' || t.kind === 'semi') return true;
    if (t.kind === 'op') return t.text === ',' || t.text === ')';
    if (t.kind !== 'word') return false;
    if ((t.value === 'ORDER' || t.value === 'GROUP') && this.isWord('BY', this.peek())) return true;
    return LIST_END.has(t.value);
  }

  expr(): string {
    return this.disjunction();
  }

  private binaryLevel(next: () => string, ops: (t: Tok) => string | null): string {
    let left = next();
    for (;;) {
      const t = this.cur;
      const op = ops(t);
      if (op === null) return left;
      this.take();
      left = `${left} ${this.cmt(t)}${op} ${next()}`;
    }
  }

  private disjunction(): string {
    return this.binaryLevel(() => this.conjunction(), (t) => (this.isWord('OR', t) ? 'OR' : null));
  }
  private conjunction(): string {
    return this.binaryLevel(() => this.equality(), (t) => (this.isWord('AND', t) ? 'AND' : null));
  }
  private equality(): string {
    return this.binaryLevel(
      () => this.comparison(),
      (t) => (t.kind !== 'op' ? null : t.text === '=' || t.text === '==' ? '=' : t.text === '!=' || t.text === '<>' ? '<>' : t.text === '<=>' ? 'IS NOT DISTINCT FROM' : null),
    );
  }
  private comparison(): string {
    return this.binaryLevel(() => this.range(), (t) => (t.kind === 'op' && ['<', '>', '<=', '>='].includes(t.text) ? t.text : null));
  }

  private range(): string {
    let left = this.bitwise();
    const negTok = this.isWord('NOT') && !this.isWord('NULL', this.peek()) ? this.take() : null;
    const t = this.cur;
    let out: string | null = null;
    if (this.isWord('IN')) {
      this.take();
      out = `${left} IN ${this.inRhs()}`;
    } else if (this.isWord('REGEXP')) {
      // sqlglot's SQLite reads `x REGEXP y` as exp.RegexpLike and prints it as a function.
      this.take();
      out = `REGEXP_LIKE(${left}, ${this.bitwise()})`;
    } else if (this.isWord('LIKE') || this.isWord('GLOB')) {
      const op = this.take().value;
      let r = `${left} ${op} ${this.bitwise()}`;
      if (this.isWord('ESCAPE')) {
        this.take();
        const s = this.cur;
        if (s.kind !== 'string') fail('expected string after ESCAPE');
        r += ` ESCAPE ${this.primary()}`;
      }
      out = r;
    } else if (this.isWord('BETWEEN')) {
      this.take();
      const lo = this.bitwise();
      this.expectWord('AND');
      out = `${left} BETWEEN ${lo} AND ${this.bitwise()}`;
    } else if (this.isWord('ISNULL')) {
      this.take();
      out = `${left} IS NULL`;
    }
    if (out !== null) left = this.cmt(t) + out;
    if (this.isWord('NOTNULL')) {
      this.take();
      left = `NOT ${left} IS NULL`;
    }
    if (negTok) {
      if (out === null) fail('NOT without a range operator');
      left = `${this.cmt(negTok)}NOT ${left}`;
    }
    if (this.isWord('IS')) {
      this.take();
      const not = this.matchWord('NOT');
      if (this.isWord('DISTINCT')) {
        this.take();
        this.expectWord('FROM');
        const r = this.bitwise();
        left = `${left} IS ${not ? 'NOT ' : ''}DISTINCT FROM ${r}`;
      } else {
        const r = this.isPrimary();
        left = not ? `NOT ${left} IS ${r}` : `${left} IS ${r}`;
      }
    }
    return left;
  }

  /** The right side of IS: sqlglot reads a primary (literal, NULL, parenthesised) only. */
  private isPrimary(): string {
    const t = this.cur;
    if (t.kind === 'string' || t.kind === 'number' || t.kind === 'hex' || this.isOp('(') || this.isWord('NULL') || this.isWord('TRUE') || this.isWord('FALSE')) return this.primary();
    if (this.isOp('-') || this.isOp('+')) return this.unary();
    fail('IS needs a literal');
  }

  private inRhs(): string {
    if (this.isOp('(')) {
      this.take();
      if (this.startsQuery()) {
        const q = this.query();
        this.expectOp(')');
        return `(${q})`;
      }
      const items = this.exprList(')');
      this.expectOp(')');
      return `(${items.join(', ')})`;
    }
    // IN column, IN table, IN literal (sqlglot's _parse_column reads any field).
    return this.primary();
  }

  private bitwise(): string {
    let left = this.term();
    for (;;) {
      const t = this.cur;
      let op: string | null = null;
      if (t.kind === 'op' && ['&', '|', '^', '||'].includes(t.text)) {
        this.take();
        op = t.text;
      } else if (this.isOp('<') && this.isOp('<', this.peek())) {
        this.take();
        this.take();
        op = '<<';
      } else if (this.isOp('>') && this.isOp('>', this.peek())) {
        this.take();
        this.take();
        op = '>>';
      }
      if (op === null) return left;
      left = `${left} ${this.cmt(t)}${op} ${this.term()}`;
    }
  }

  private term(): string {
    let left = this.factor();
    for (;;) {
      const t = this.cur;
      if (t.kind === 'op' && (t.text === '+' || t.text === '-' || t.text === '%')) {
        this.take();
        left = `${left} ${this.cmt(t)}${t.text} ${this.factor()}`;
      } else if (this.isWord('COLLATE')) {
        this.take();
        const c = this.cur;
        if (c.kind !== 'word' && c.kind !== 'qident' && c.kind !== 'string') fail('expected collation');
        this.take();
        left = `${left} COLLATE ${c.kind === 'qident' ? `"${c.value}"` : c.text}`;
      } else return left;
    }
  }

  private factor(): string {
    let left = this.unary();
    for (;;) {
      const t = this.cur;
      if (t.kind === 'op' && (t.text === '*' || t.text === '/')) {
        this.take();
        left = `${left} ${this.cmt(t)}${t.text} ${this.unary()}`;
      } else return left;
    }
  }

  private unary(): string {
    const t = this.cur;
    if (this.isWord('NOT')) {
      this.take();
      return `${this.cmt(t)}NOT ${this.equality()}`;
    }
    if (this.isOp('-')) {
      this.take();
      return `${this.cmt(t)}-${this.unary()}`;
    }
    if (this.isOp('+')) {
      this.take();
      return this.cmt(t) + this.unary();
    }
    if (this.isOp('~')) {
      this.take();
      return `${this.cmt(t)}~${this.unary()}`;
    }
    return this.postfix(this.primary());
  }

  private postfix(e: string): string {
    let out = e;
    while (this.isOp('->') || this.isOp('->>')) {
      const op = this.take().text;
      out = `${out} ${op} ${this.primary()}`;
    }
    return out;
  }

  private primary(): string {
    const t = this.cur;
    const pre = this.cmt(t);
    switch (t.kind) {
      case 'string':
        this.take();
        return `${pre}'${t.value.replace(/'/g, "''")}'`;
      case 'number': {
        this.take();
        return pre + (t.text.startsWith('.') ? '0' + t.text : t.text);
      }
      case 'hex':
        this.take();
        return `${pre}x'${t.value}'`;
      case 'param':
        this.take();
        return pre + t.text;
      case 'op':
        if (t.text === '(') {
          this.take();
          if (this.startsQuery()) {
            const q = this.query();
            this.expectOp(')');
            return `${pre}(${q})`;
          }
          const items = this.exprList(null);
          this.expectOp(')');
          return `${pre}(${items.join(', ')})`;
        }
        if (t.text === '*') {
          // sqlglot reads `*` as an operand anywhere (exp.Star): `POW(2, *)`, `WHERE *`.
          this.take();
          return pre + '*';
        }
        return fail(`unexpected ${t.text}`);
      case 'qident':
        return pre + this.columnRef();
      case 'word':
        return pre + this.wordPrimary();
      default:
        return fail('unexpected end');
    }
  }

  private wordPrimary(): string {
    const t = this.cur;
    const pre = this.cmt(t);
    const w = t.value;
    if (w === 'NULL' || w === 'TRUE' || w === 'FALSE') {
      this.take();
      return pre + w;
    }
    if (w === 'CURRENT_DATE' || w === 'CURRENT_TIME' || w === 'CURRENT_TIMESTAMP') {
      this.take();
      if (this.isOp('(') && this.isOp(')', this.peek())) {
        this.take();
        this.take();
      }
      return pre + w;
    }
    if (w === 'CASE') return pre + this.caseExpr();
    if (w === 'CAST' && this.isOp('(', this.peek())) return pre + this.cast();
    if (w === 'EXISTS' && this.isOp('(', this.peek())) {
      this.take();
      this.take();
      const q = this.query();
      this.expectOp(')');
      return `${pre}EXISTS(${q})`;
    }
    if ((w === 'ALL' || w === 'ANY' || w === 'SOME') && this.isOp('(', this.peek()) && this.startsQuery(this.peek(2))) {
      this.take();
      this.take();
      const q = this.query();
      this.expectOp(')');
      return `${pre}${w} (${q})`;
    }
    if (this.isOp('(', this.peek()) && !['IN', 'SELECT', 'WITH', 'VALUES', 'AND', 'OR', 'FROM', 'WHERE', 'ON', 'USING', 'AS', 'WHEN', 'THEN', 'ELSE', 'DISTINCT'].includes(w)) {
      return pre + this.call();
    }
    if (NOT_EXPR.has(w)) fail(`unexpected ${w}`);
    return pre + this.columnRef();
  }

  /** `a`, `t.a`, `s.t.a`, `t.*`: an exp.Column (its name recorded as written). */
  private columnRef(): string {
    const parts: string[] = [this.identifier()];
    let name = this.lastIdentValue;
    while (this.isOp('.')) {
      this.take();
      if (this.isOp('*')) {
        this.take();
        parts.push('*');
        name = '*';
        break;
      }
      parts.push(this.identifier());
      name = this.lastIdentValue;
    }
    this.columns.push(name);
    return parts.join('.');
  }

  private lastIdentValue = '';
  /** A plain or quoted identifier, printed as sqlglot prints it (quoted ones with double quotes). */
  private identifier(): string {
    const t = this.cur;
    const pre = this.cmt(t);
    if (t.kind === 'word') {
      this.take();
      this.lastIdentValue = t.text;
      return pre + t.text;
    }
    if (t.kind === 'qident') {
      this.take();
      this.lastIdentValue = t.value;
      return `${pre}"${t.value.replace(/"/g, '""')}"`;
    }
    return fail('expected identifier');
  }

  private caseExpr(): string {
    this.take();
    let out = 'CASE';
    if (!this.isWord('WHEN')) out += ' ' + this.expr();
    while (this.matchWord('WHEN')) {
      const c = this.expr();
      this.expectWord('THEN');
      out += ` WHEN ${c} THEN ${this.expr()}`;
    }
    if (this.matchWord('ELSE')) out += ` ELSE ${this.expr()}`;
    this.expectWord('END');
    return out + ' END';
  }

  private cast(): string {
    this.take();
    this.expectOp('(');
    const e = this.expr();
    this.expectWord('AS');
    const ty = this.typeName();
    this.expectOp(')');
    // sqlglot's SQLite generator prints CAST(x AS DATE) as DATE(x); CAST is a function there, so OVER may follow.
    const out = ty === 'DATE' ? `DATE(${e})` : `CAST(${e} AS ${ty})`;
    return this.isWord('OVER') ? `${out} ${this.take() && 'OVER'} ${this.isOp('(') ? this.windowSpec() : this.identifier()}` : out;
  }

  private typeName(): string {
    const words: string[] = [];
    while (this.cur.kind === 'word' && !this.isOp('(', this.cur)) words.push(this.take().value);
    if (words.length === 0) fail('expected type');
    let args = '';
    if (this.isOp('(')) {
      this.take();
      const xs = this.exprList(')');
      this.expectOp(')');
      args = `(${xs.join(', ')})`;
    }
    const name = words.join(' ');
    const mapped = TYPES[name] ?? (name === 'DOUBLE PRECISION' ? 'REAL' : name);
    return mapped + args;
  }

  /** A function call, with sqlglot's renames and rewrites of the functions text-to-SQL models write. */
  private call(): string {
    const nameTok = this.take();
    const upper = nameTok.value;
    this.expectOp('(');
    let distinct = false;
    let args: string[];
    if (this.isOp('*')) {
      this.take();
      args = ['*'];
    } else {
      if (this.matchWord('DISTINCT')) distinct = true;
      else this.matchWord('ALL');
      if (distinct && this.isOp('*')) {
        this.take();
        args = ['*'];
      } else args = this.isOp(')') ? [] : this.exprList(')');
    }
    this.expectOp(')');
    let out: string;
    const a = (k: number) => args[k] ?? '';
    if ((upper === 'LIKE' || upper === 'GLOB') && args.length >= 2) out = `${a(1)} ${upper} ${a(0)}${args.length > 2 ? ` ESCAPE ${a(2)}` : ''}`;
    else if (upper === 'STRFTIME' && args.length === 1) out = `STRFTIME(${a(0)}, CURRENT_TIMESTAMP)`;
    else if (upper === 'MOD' && args.length === 2) out = `${a(0)} % ${a(1)}`;
    else if (upper === 'CONCAT' && args.length >= 2) out = args.join(' || ');
    else {
      const name = RENAME[upper] ?? upper;
      out = `${name}(${distinct ? 'DISTINCT ' : ''}${args.join(', ')})`;
    }
    if (this.isWord('FILTER') && this.isOp('(', this.peek())) {
      this.take();
      this.take();
      this.expectWord('WHERE');
      const c = this.expr();
      this.expectOp(')');
      out += ` FILTER(WHERE ${c})`;
    }
    if (this.isWord('OVER')) {
      this.take();
      out += ` OVER ${this.isOp('(') ? this.windowSpec() : this.identifier()}`;
    }
    return out;
  }

  private windowSpec(): string {
    this.expectOp('(');
    const parts: string[] = [];
    if (this.cur.kind === 'word' && !['PARTITION', 'ORDER', 'ROWS', 'RANGE', 'GROUPS'].includes(this.cur.value)) parts.push(this.identifier());
    if (this.matchWord('PARTITION')) {
      this.expectWord('BY');
      parts.push(`PARTITION BY ${this.exprList(null).join(', ')}`);
    }
    if (this.matchWord('ORDER')) {
      this.expectWord('BY');
      parts.push(`ORDER BY ${this.orderList()}`);
    }
    if (this.isWord('ROWS') || this.isWord('RANGE') || this.isWord('GROUPS')) {
      // Frames are rare in text-to-SQL output: kept word for word (sqlglot lower-cases some of them; n-grams do too).
      const words: string[] = [];
      while (!this.isOp(')') && !this.atEnd()) words.push(this.take().text);
      parts.push(words.join(' '));
    }
    this.expectOp(')');
    return `(${parts.join(' ')})`;
  }
}

/**
 * sqlglot's parse + generate of the first statement, and what RLForSQL reads from its tree; null when sqlglot would
 * raise a ParseError (including on a later statement: sqlglot parses them all).
 */
export function sqlglotNormalise(sql: string): GlotResult | null {
  // A group scores every candidate against the same gold, and a training run sends that gold again with every group.
  return glotCache.get('sqlite', sql, normaliseUncached);
}

/** The normalisations kept across calls (src/core/sql/parseCache.ts); callers only read them. */
export const glotCache = new ParseCache<GlotResult | null>();

/** sqlglotNormalise without the cache (tests compare the two). */
export function sqlglotNormaliseUncached(sql: string): GlotResult | null {
  return normaliseUncached(sql);
}

function normaliseUncached(sql: string): GlotResult | null {
  let toks: Tok[];
  try {
    toks = tokenize(sql);
  } catch (e) {
    if (e instanceof GlotError) return null;
    throw e;
  }
  const tr = new Translator(toks, sql);
  try {
    // An empty first statement (a leading `;`) is sqlglot's "No expression was parsed".
    if (tr.atEnd() || (toks[0]!.kind === 'semi' && toks[0]!.comments.length === 0)) return null;
    tr.skipSemis();
    if (tr.atEnd()) return null;
    let first: string | null = null;
    let firstInfo: Omit<GlotResult, 'sql'> | null = null;
    while (!tr.atEnd()) {
      let s = tr.statement();
      // Comments after the statement's last token (before `;` or the end) follow it.
      const tail = tr.trailingComments().trimEnd();
      if (tail) s += ' ' + tail;
      if (first === null) {
        first = s;
        const live = (xs: string[]) => xs.filter((x) => x !== DEAD);
        firstInfo = { tables: live(tr.tables), tableAliases: live(tr.tableAliases), columns: live(tr.columns), aliases: live(tr.aliases) };
      }
      const t = (tr as unknown as { cur: Tok }).cur;
      if (t.kind !== 'semi' && t.kind !== 'eof') fail('unexpected token after statement');
      tr.skipSemis();
    }
    return { sql: first!, ...firstInfo! };
  } catch (e) {
    if (e instanceof GlotError) return null;
    throw e;
  }
}
