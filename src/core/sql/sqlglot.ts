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
 * SQLite's default NULLS ordering dropped, comments placed as sqlglot places them (see Translator.take), and sqlglot's function renames
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

/** Comments as sqlglot prints them: `/* c *\/` each, empty ones dropped, joined by spaces. */
function render(cs: readonly string[]): string {
  return cs.flatMap((c) => (c ? [`/*${padComment(c)}*/`] : [])).join(' ');
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
  // sqlglot's tokenizer counts lines (\n and \r end one, \r\n once). Only "is this comment on the line where the
  // previous token (or the last comment given to it) ended" is asked, and only for comments: `prevEnd` is where
  // that ended, and the answer is whether a line break lies between (a comment never starts on a \n, so a \r right
  // before it is a line break of its own).
  let prevEnd = -1;
  const sameLine = (from: number, to: number): boolean => {
    for (let p = from; p < to; p++) if (sql[p] === '\n' || sql[p] === '\r') return false;
    return true;
  };
  const push = (kind: TokKind, text: string, value = text) => {
    // Comments waiting for the next token go to the previous one when that next token is a semicolon.
    if (kind === 'semi' && pending.length && toks.length) {
      toks[toks.length - 1]!.comments.push(...pending);
      pending = [];
    }
    toks.push({ kind, text, value, comments: pending, start: i, end: i + text.length });
    pending = [];
    prevEnd = i + text.length;
  };
  // sqlglot's tokenizer gives a comment that starts on the line where the previous token ended to that token, and any
  // other comment to the next token (the last token when none follows).
  const comment = (text: string, at: number, end: number) => {
    if (toks.length && sameLine(prevEnd, at)) {
      toks[toks.length - 1]!.comments.push(...pending, text);
      pending = [];
      prevEnd = end;
    } else pending.push(text);
  };
  while (i < n) {
    const c = sql[i]!;
    if (WS.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      let k = i + 2;
      while (k < n && sql[k] !== '\n' && sql[k] !== '\r') k++;
      comment(sql.slice(i + 2, k), i, k);
      i = k;
    } else if (c === '/' && sql[i + 1] === '*') {
      const k = sql.indexOf('*/', i + 2);
      if (k < 0) fail('unterminated comment');
      comment(sql.slice(i + 2, k), i, k + 1);
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
  if (pending.length && toks.length) toks[toks.length - 1]!.comments.push(...pending);
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
  ANY_VALUE: 'MAX',
  ARGMAX: 'ARG_MAX',
  ARGMIN: 'ARG_MIN',
  ARRAY_CAT: 'ARRAY_CONCAT',
  ARRAY_FILTER: 'FILTER',
  ARRAY_HAS: 'ARRAY_CONTAINS',
  ARRAY_JOIN: 'ARRAY_TO_STRING',
  BOOLAND_AGG: 'MIN',
  BOOLOR_AGG: 'MAX',
  BOOL_AND: 'MIN',
  BOOL_OR: 'MAX',
  DATEFROMPARTS: 'DATE_FROM_PARTS',
  DAYOFMONTH: 'DAY_OF_MONTH',
  DAYOFWEEK: 'DAY_OF_WEEK',
  DAYOFYEAR: 'DAY_OF_YEAR',
  IF: 'IIF',
  INSERT: 'STUFF',
  ISINF: 'IS_INF',
  ISNAN: 'IS_NAN',
  ISODOW: 'DAYOFWEEK_ISO',
  LCASE: 'LOWER',
  LEVENSHTEIN: 'EDITDIST3',
  LOGICAL_AND: 'MIN',
  LOGICAL_OR: 'MAX',
  MAX_BY: 'ARG_MAX',
  MIN_BY: 'ARG_MIN',
  SHA1: 'SHA',
  SIGNUM: 'SIGN',
  SPLIT_BY_STRING: 'STRING_TO_ARRAY',
  STARTSWITH: 'STARTS_WITH',
  STDEV: 'STDDEV',
  TIMEFROMPARTS: 'TIME_FROM_PARTS',
  TIMESTAMPFROMPARTS: 'TIMESTAMP_FROM_PARTS',
  TO_HEX: 'HEX',
  UCASE: 'UPPER',
  VARIANCE_SAMP: 'VARIANCE',
  VAR_POP: 'VARIANCE_POP',
  VAR_SAMP: 'VARIANCE',
  WEEKOFYEAR: 'WEEK_OF_YEAR',
};

/**
 * The functions sqlglot's SQLite parser knows (observed with sqlglot 25.32 by calling each with 0 to 6 column
 * arguments): `NAME:min-max` (`NAME:n` exactly n, `NAME:n+` at least n) where other counts make sqlglot raise, a bare
 * `NAME` where every count parses. A quoted name of one of these is read as the function itself; any other quoted
 * name is an unknown function, printed upper-cased in quotes.
 */
const KNOWN_FUNCS: ReadonlyMap<string, { min: number; max: number }> = new Map(
  (
    'ABS:1 ADD_MONTHS:2 ANONYMOUS_AGG_FUNC:1+ ANY ANY_VALUE:1 APPLY:1+ APPROX_COUNT_DISTINCT:1-2 APPROX_DISTINCT:1-2 ' +
    'APPROX_QUANTILE:2-4 APPROX_TOP_K:1-3 ARGMAX:2-3 ARGMIN:2-3 ARG_MAX:2-3 ARG_MIN:2-3 ARRAY ARRAYAGG:1-2 ' +
    'ARRAY_AGG:1-2 ARRAY_ALL:2 ARRAY_ANY:2 ARRAY_CAT:1+ ARRAY_CONCAT:1+ ARRAY_CONSTRUCT_COMPACT:1+ ARRAY_CONTAINS:2 ' +
    'ARRAY_CONTAINS_ALL:2 ARRAY_FILTER:2 ARRAY_HAS:2 ARRAY_HAS_ALL:2 ARRAY_JOIN:2-3 ARRAY_LENGTH:1-2 ARRAY_OVERLAPS:2 ' +
    'ARRAY_SIZE:1-2 ARRAY_SORT:1-2 ARRAY_SUM:1-2 ARRAY_TO_STRING:2-3 ARRAY_UNION_AGG:1 ARRAY_UNIQUE_AGG:1 AVG:1 ' +
    'BOOLAND_AGG:1 BOOLOR_AGG:1 BOOL_AND:1 BOOL_OR:1 CASE CAST CAST_TO_STR_TYPE:2 CBRT:1 CEIL:1-2 CEILING:1-2 CHAR:1+ ' +
    'CHR:1+ COALESCE:1+ COLLATE:2 COLUMNS:1-2 COMBINED_AGG_FUNC:3+ COMBINED_PARAMETERIZED_AGG:4 CONCAT:1+ ' +
    'CONCAT_WS:1+ CONNECT_BY_ROOT CONTAINS:2 CONVERT:2 CONVERT_TIMEZONE:2-3 CORR:2 COUNT COUNTIF:1 COUNT_IF:1 ' +
    'COVAR_POP:2 COVAR_SAMP:2 CURRENT_DATE:0-1 CURRENT_DATETIME:0-1 CURRENT_TIME:0-1 CURRENT_TIMESTAMP:0-2 ' +
    'CURRENT_USER:0-1 DATE DATEDIFF:2-3 DATEFROMPARTS:3 DATETIME DATETIME_ADD:2-3 DATETIME_DIFF:2-3 DATETIME_SUB:2-3 ' +
    'DATETIME_TRUNC:2-3 DATE_ADD:2-3 DATE_DIFF:2-3 DATE_FROM_PARTS:3 DATE_STR_TO_DATE:1 DATE_SUB:2-3 ' +
    'DATE_TO_DATE_STR:1-5 DATE_TO_DI:1 DATE_TRUNC:2-3 DAY:1 DAYOFMONTH:1 DAYOFWEEK:1 DAYOFWEEK_ISO:1 DAYOFYEAR:1 ' +
    'DAY_OF_MONTH:1 DAY_OF_WEEK:1 DAY_OF_YEAR:1 DECODE:2+ DI_TO_DATE:1 EDITDIST3:1+ ENCODE:2 EXISTS:1-2 EXP:1 ' +
    'EXPLODE:1+ EXPLODE_OUTER:1+ EXPLODING_GENERATE_SERIES:2-4 EXTRACT:2 FEATURES_AT_TIME:1-4 FILTER:2 FIRST:1 ' +
    'FIRST_VALUE:1 FLATTEN:1 FLOOR:1-2 FROM_BASE:2 FROM_BASE64:1 FROM_ISO8601_TIMESTAMP:1 GAP_FILL:3+ ' +
    'GENERATE_DATE_ARRAY:2-3 GENERATE_SERIES:2-4 GENERATE_TIMESTAMP_ARRAY:3 GENERATE_UUID:0-2 GEN_RANDOM_UUID:0-2 ' +
    'GLOB:2+ GREATEST:1+ GROUP_CONCAT:1-3 HEX:1 HLL:1+ IF:2-3 IFNULL:1+ IIF:2-3 INITCAP:1-2 INLINE:1 INSERT:4 ' +
    'INSTR:2-4 INT64:1 ISINF:1 ISNAN:1 ISODOW:1 IS_INF:1 IS_NAN:1 JSONB_CONTAINS:2 JSONB_EXISTS:2 JSONB_EXTRACT:2 ' +
    'JSONB_EXTRACT_SCALAR:2 JSON_ARRAY_CONTAINS:2 JSON_EXTRACT:2+ JSON_EXTRACT_ARRAY:1-2 JSON_EXTRACT_PATH_TEXT:2+ ' +
    'JSON_EXTRACT_SCALAR:2+ JSON_FORMAT:0-2 JSON_OBJECT JSON_OBJECTAGG JSON_PARSE:1-3 JSON_TABLE LAG:1-3 LAST:1 ' +
    'LAST_DAY:1-2 LAST_DAY_OF_MONTH:1-2 LAST_VALUE:1 LCASE:1 LEAD:1-3 LEAST:1+ LEFT:2 LEFTPAD:2-4 LEN:1-2 LENGTH:1-2 ' +
    'LEVENSHTEIN:1+ LIKE:2+ LIST LN:1 LOG:1-2 LOG10:0-2 LOG2:0-2 LOGICAL_AND:1 LOGICAL_OR:1 LOWER:1 LOWER_HEX:1 ' +
    'LPAD:2-4 LTRIM:1-4 MAKE_INTERVAL MAP:0-2 MAP_FROM_ENTRIES:1 MATCH MATCH_AGAINST MAX:1+ MAX_BY:2-3 MD5:1 ' +
    'MD5_DIGEST:1 MEDIAN:1 MIN:1+ MIN_BY:2-3 MOD:2+ MONTH:1 MONTHS_BETWEEN:2-3 NEXT:1+ NEXT_VALUE_FOR:1-2 ' +
    'NORMALIZE:1-2 NTH_VALUE:2 NULLIF:2 NUMBER_TO_STR:2-3 NVL:1+ NVL2:2-3 OBJECT_INSERT:3-4 OPENJSON:1 OVERLAY PAD:4 ' +
    'PARAMETERIZED_AGG:3 PARSE_JSON:1-3 PERCENTILE_CONT:1-2 PERCENTILE_DISC:1-2 POSEXPLODE:1+ POSEXPLODE_OUTER:1+ ' +
    'POSITION:2+ POW:2 POWER:2 PREDICT:2-3 QUANTILE:2 QUARTER:1 RAND:0-3 RANDN:0-1 RANDOM:0-3 RANGE_N:2-3 READ_CSV:1+ ' +
    'REDUCE:3-4 REGEXP_EXTRACT:2+ REGEXP_EXTRACT_ALL:2+ REGEXP_I_LIKE:2-3 REGEXP_LIKE:2-3 REGEXP_REPLACE:2+ ' +
    'REGEXP_SPLIT:2-3 REPEAT:2 RIGHT:2 RIGHTPAD:2-4 ROUND:1-3 ROW_NUMBER:0-1 RPAD:2-4 RTRIM:1-4 SAFE_CAST ' +
    'SAFE_DIVIDE:2 SCOPE_RESOLUTION:1+ SHA:1 SHA1:1 SHA2:1-2 SIGN:1 SIGNUM:1 SORT_ARRAY:1-2 SPLIT:2-3 ' +
    'SPLIT_BY_STRING:2-3 SPLIT_PART:3 SQRT:1 STANDARD_HASH:1-2 STARTSWITH:2 STARTS_WITH:2 STAR_MAP:1 STDDEV:1 ' +
    'STDDEV_POP:1 STDDEV_SAMP:1 STDEV:1 STRFTIME STRING:1-2 STRING_AGG:1-3 STRING_TO_ARRAY:2-3 STRUCT ' +
    'STRUCT_EXTRACT:2 STR_POSITION:2-4 STR_TO_DATE:1-3 STR_TO_MAP:1-4 STR_TO_TIME:2-4 STR_TO_UNIX:0-2 STUFF:4 ' +
    'SUBSTR:1-3 SUBSTRING:1-3 SUM:1 TIME TIMEFROMPARTS:3+ TIMESTAMP:0-3 TIMESTAMPDIFF:2-3 TIMESTAMPFROMPARTS:6+ ' +
    'TIMESTAMP_ADD:2-3 TIMESTAMP_DIFF:2-3 TIMESTAMP_FROM_PARTS:6+ TIMESTAMP_SUB:2-3 TIMESTAMP_TRUNC:2-3 TIME_ADD:2-3 ' +
    'TIME_DIFF:2-3 TIME_FROM_PARTS:3+ TIME_STR_TO_DATE:1 TIME_STR_TO_TIME:1-2 TIME_STR_TO_UNIX:1 TIME_SUB:2-3 ' +
    'TIME_TO_STR:2-4 TIME_TO_TIME_STR:1-5 TIME_TO_UNIX:1 TIME_TRUNC:2-3 TO_ARRAY:1 TO_BASE64:1 TO_CHAR:1-3 TO_DAYS:1 ' +
    'TO_DOUBLE:1-2 TO_HEX:1 TO_MAP:1 TO_NUMBER:1-5 TRANSFORM:2 TRIM:1-2 TRY:1 TRY_CAST TRY_CONVERT:2 TS_OR_DI_TO_DI:1 ' +
    'TS_OR_DS_ADD:2-4 TS_OR_DS_DIFF:2-3 TS_OR_DS_TO_DATE:1-3 TS_OR_DS_TO_DATETIME:1 TS_OR_DS_TO_DATE_STR:0-3 ' +
    'TS_OR_DS_TO_TIME:1 TS_OR_DS_TO_TIMESTAMP:1 UCASE:1 UNHEX:1 UNIX_DATE:1 UNIX_SECONDS:1 UNIX_TO_STR:1-2 ' +
    'UNIX_TO_TIME:1+ UNIX_TO_TIME_STR:1 UNNEST:1-4 UPPER:1 UUID:0-2 UUID_STRING:0-2 VARIANCE:1 VARIANCE_POP:1 ' +
    'VARIANCE_SAMP:1 VAR_MAP VAR_POP:1 VAR_SAMP:1 WEEK:1-2 WEEKOFYEAR:1 WEEK_OF_YEAR:1 WHEN XOR:0-2 YEAR:1'
  )
    .split(' ')
    .map((e) => {
      const [name, range] = e.split(':') as [string, string | undefined];
      if (range === undefined) return [name, { min: 0, max: Infinity }] as const;
      const m = /^(\d+)(\+|-(\d+))?$/.exec(range)!;
      const min = Number(m[1]);
      return [name, { min, max: m[2] === '+' ? Infinity : m[3] !== undefined ? Number(m[3]) : min }] as const;
    }),
);

/** The known functions whose calls sqlglot prints other than as NAME(args) (Translator.knownCall). */
const REWRITTEN = new Set(
  'LIKE GLOB STRFTIME MOD CONCAT LOG10 LOG2 MEDIAN COUNT_IF COUNTIF DATEDIFF DATE_DIFF LEAST NVL2 POSITION STR_POSITION INSTR LTRIM RTRIM LPAD LEFTPAD RPAD RIGHTPAD GROUP_CONCAT STRING_AGG JSON_EXTRACT JSON_EXTRACT_SCALAR JSON_EXTRACT_PATH_TEXT TO_CHAR DATE_TO_DATE_STR TIME_TO_TIME_STR TO_NUMBER TO_DOUBLE INT64 TS_OR_DS_TO_DATETIME TS_OR_DS_TO_TIME TRY DATE_STR_TO_DATE TIME_STR_TO_TIME TS_OR_DS_TO_TIMESTAMP TS_OR_DS_TO_DATE TIME_TO_STR LOWER_HEX UUID UUID_STRING GENERATE_UUID GEN_RANDOM_UUID CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP ARRAY_AGG ARRAYAGG ARRAY_SIZE ARRAY_LENGTH UNNEST PARSE_JSON JSON_PARSE'.split(' '),
);

/** Calls with a grammar of their own (Translator.specialCall). */
const SPECIAL_CALLS = new Set(['SUBSTRING', 'TRIM', 'POSITION', 'EXTRACT', 'CONVERT', 'TRY_CONVERT']);

/** Functions sqlglot knows that take no argument (their nodes, unlike unknown functions', take no comments). */
const KNOWN_NO_ARG = new Set(['ROW_NUMBER', 'RANDOM', 'RAND', 'RANDN', 'CURRENT_DATE', 'CURRENT_TIME', 'CURRENT_TIMESTAMP', 'CURRENT_DATETIME', 'CURRENT_USER', 'DATE', 'TIMESTAMP', 'UUID']);

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
  /**
   * Consumes the current token. Like sqlglot's parser, remembers its comments (`pc`, sqlglot's _prev_comments) until
   * the next token is consumed: the first node built in between takes them (`grab`); otherwise they are lost.
   */
  private take(): Tok {
    const t = this.cur;
    if (t.kind === 'eof') fail('unexpected end');
    this.i++;
    this.pc = t.comments;
    return t;
  }
  private pc: string[] | null = null;
  /** Moves back to token `i` (sqlglot's _retreat: the comments in hand are those of the token before it). */
  private retreat(i: number): void {
    if (i === this.i) return;
    this.i = i;
    this.pc = i > 0 ? this.toks[i - 1]!.comments : null;
  }
  /** The comments in hand, for a node built now (sqlglot's _add_comments): taken at most once. */
  private grab(): string[] {
    const c = this.pc;
    if (c && c.length) {
      this.pc = null;
      return c;
    }
    return [];
  }
  /** The comments in hand, read without taking them (sqlglot's `comments = self._prev_comments`). */
  private peekComments(): string[] {
    return this.pc ?? [];
  }
  /** A node's SQL followed by its comments (sqlglot's maybe_comment); remembered so an alias can take them over. */
  private post(sql: string, cs: readonly string[]): string {
    const c = render(cs);
    if (!c) return sql;
    const out = `${sql} ${c}`;
    this.own = { sql: out, base: sql, cs: [...cs] };
    return out;
  }
  /** The last node printed with comments of its own. */
  private own: { sql: string; base: string; cs: string[] } | null = null;
  /** A clause or statement with its comments before it (sqlglot's WITH_SEPARATED_COMMENTS). */
  private sep(sql: string, cs: readonly string[]): string {
    const c = render(cs);
    if (!c) return sql;
    return /^\s/.test(sql) ? ` ${c}${sql}` : `${c} ${sql}`;
  }
  /**
   * Takes a two-word keyword (GROUP BY, ORDER BY, PARTITION BY): sqlglot's tokenizer reads it as one token only when
   * nothing but whitespace lies between the words, and raises on the words apart.
   */
  private takeBy(): void {
    const first = this.take();
    if (!this.isWord('BY')) fail(`expected BY after ${first.value}`);
    if (this.sql.slice(first.end, this.cur.start).trim() !== '') fail(`comment inside ${first.value} BY`);
    this.take();
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
    return this.aliased(this.expr()) + this.setOperations();
  }

  /**
   * A statement opening with one of sqlglot's command keywords (EXPLAIN, VACUUM, ...): the keyword upper-cased, then
   * the rest of the statement's text as written (trimmed); nothing in it is a table or column.
   */
  private command(): string {
    const k = this.take();
    while (this.cur.kind !== 'semi' && this.cur.kind !== 'eof') this.take();
    const stop = this.cur.kind === 'semi' ? this.cur.start : this.sql.length;
    return `${k.value} ${this.sql.slice(k.end, stop).trim()}`.trim();
  }

  // Writes are refused before they run, but the text rewards score them as the reference does.
  private deleteStmt(): string {
    const d = this.take();
    this.expectWord('FROM');
    let out = `DELETE FROM ${this.tableItem()}`;
    if (this.isWord('WHERE')) out += this.whereClause();
    return this.sep(out + this.dmlLimit(), d.comments);
  }

  /** sqlglot reads LIMIT (not ORDER BY) after DELETE. */
  private dmlLimit(): string {
    if (!this.isWord('LIMIT')) return '';
    this.take();
    return ` LIMIT ${this.expr()}`;
  }

  private updateStmt(): string {
    const u = this.take();
    let out = `UPDATE ${this.tableItem()}`;
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
    if (this.isWord('WHERE')) out += this.whereClause();
    return this.sep(out + this.modifiers(), u.comments);
  }

  private insertStmt(): string {
    const t = this.take();
    let out = t.value === 'REPLACE' ? 'REPLACE' : 'INSERT';
    if (t.value === 'INSERT' && this.matchWord('OR')) out += ` OR ${this.take().value}`;
    this.expectWord('INTO');
    const name = this.identifier();
    this.tables.push(this.lastIdentValue);
    out += ` INTO ${name}`;
    if (this.isOp('(') && !this.startsQuery(this.peek())) out += ` (${this.parenIdentList().join(', ')})`;
    // VALUES rows end the statement there (sqlglot raises on a LIMIT after them).
    return this.sep(`${out} ${this.isWord('VALUES') ? this.values() : this.query()}`, t.comments);
  }

  private dropStmt(): string {
    const d = this.take();
    const kind = this.take().value;
    let out = `DROP ${kind}`;
    if (this.isWord('IF')) {
      this.take();
      this.expectWord('EXISTS');
      out += ' IF EXISTS';
    }
    const name = this.identifier();
    if (kind === 'TABLE' || kind === 'VIEW') this.tables.push(this.lastIdentValue);
    return this.sep(`${out} ${this.post(name, this.lastIdentComments)}`, d.comments);
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
      // The operator's comments go before it (sqlglot's set operations print them separated).
      body += `${this.sep(` ${op}`, t.comments)} ${this.setOperand()}`;
    }
    body += this.modifiers();
    return body;
  }

  private withClause(): string {
    const w = this.take();
    let out = 'WITH';
    if (this.matchWord('RECURSIVE')) out += ' RECURSIVE';
    const ctes: string[] = [];
    let extra: string[] = [];
    do {
      const name = this.identifier();
      // The name's comments, the AS keyword's and those of the comma before the CTE follow the name.
      const nameCs = [...this.lastIdentComments];
      // sqlglot's SQLite generator drops column lists of table aliases (SUPPORTS_TABLE_ALIAS_COLUMNS = False).
      // sqlglot reads `q (SELECT ...)` as `q AS (SELECT ...)`.
      if (this.isOp('(') && !this.startsQuery(this.peek())) this.parenIdentList();
      const bare = !this.isWord('AS') && this.isOp('(') && this.startsQuery(this.peek());
      if (!bare && !this.isWord('AS')) fail('expected AS');
      const asCs = bare ? [] : this.take().comments;
      if (this.matchWord('MATERIALIZED') === null && this.isWord('NOT')) {
        this.take();
        this.expectWord('MATERIALIZED');
      }
      this.expectOp('(');
      // sqlglot reads any statement as a CTE's body (a write, or an expression).
      const q = this.statement();
      this.expectOp(')');
      // The CTE node takes the AS keyword's comments, else (built after the body) those of its closing parenthesis.
      ctes.push(`${this.post(name, [...nameCs, ...(asCs.length ? asCs : this.grab()), ...extra])} AS (${q})`);
      extra = [];
      if (!this.isOp(',')) break;
      extra = this.take().comments;
    } while (true);
    return this.sep(`${out} ${ctes.join(', ')}`, w.comments);
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
      return this.post(`(${q})`, this.grab());
    }
    if (this.isWord('VALUES')) return this.values();
    return this.selectCore();
  }

  private values(): string {
    this.take();
    const rows: string[] = [];
    do {
      this.expectOp('(');
      const items = this.exprList(')');
      this.expectOp(')');
      rows.push(this.post(`(${items.join(', ')})`, this.grab()));
    } while (this.matchOp(','));
    return `VALUES ${rows.join(', ')}`;
  }

  private selectCore(): string {
    // sqlglot reads a leading FROM (duckdb's FROM-first): `FROM t` is `SELECT * FROM t`, `FROM t SELECT x` is
    // `SELECT x FROM t`.
    let fromFirst: string | null = null;
    if (this.isWord('FROM')) {
      fromFirst = this.fromKeywordClause();
      if (!this.isWord('SELECT')) return `SELECT *${fromFirst}${this.clauses(true)}`;
    }
    const t = this.expectWord('SELECT');
    let out = 'SELECT';
    if (this.matchWord('DISTINCT')) out = this.post(`${out} DISTINCT`, this.grab());
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
      // A comma's comments go to the item before it.
      items.push(this.post(items.pop()!, this.grab()));
    }
    // The Select node is built here and takes the comments in hand, then sqlglot replaces them with the SELECT
    // keyword's: those are lost.
    this.grab();
    if (items.length) out += ' ' + items.join(', ');
    if (fromFirst !== null) out += fromFirst;
    else if (this.isWord('FROM')) out += this.fromKeywordClause();
    return this.sep(out + this.clauses(true), t.comments);
  }

  /** `FROM tables`: the FROM keyword's comments go before it; without any, it takes those in hand after the tables. */
  private fromKeywordClause(): string {
    const f = this.take();
    // The From node is built after the first table, before the joins.
    const first = this.tableItem();
    const from = this.sep(` FROM ${first}`, f.comments.length ? f.comments : this.grab());
    return from + this.joins();
  }

  /** `WHERE cond`, its comments placed like FROM's. */
  private whereClause(): string {
    const w = this.take();
    const body = this.expr();
    return this.sep(` WHERE ${body}`, w.comments.length ? w.comments : this.grab());
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
        slot.where = this.whereClause();
      } else if (all && this.isWord('GROUP') && this.isWord('BY', this.peek())) {
        // GROUP BY, HAVING and ORDER BY lose their keywords' comments; their nodes take those in hand at the end.
        this.takeBy();
        const list = this.exprList(null).join(', ');
        // An empty GROUP BY is kept (printed without a trailing space).
        slot.group = this.post(list ? ` GROUP BY ${list}` : ' GROUP BY', this.grab());
      } else if (all && this.isWord('HAVING')) {
        this.take();
        const cond = this.expr();
        slot.having = this.post(` HAVING ${cond}`, this.grab());
      } else if (all && this.isWord('WINDOW')) {
        this.take();
        const defs: string[] = [];
        do {
          if (this.isOp(',')) continue;
          const name = this.identifier();
          this.expectWord('AS');
          defs.push(`${name} AS ${this.windowSpec()}`);
        } while (this.matchOp(','));
        slot.window = ` WINDOW ${defs.join(', ')}`;
      } else if (this.isWord('ORDER') && this.isWord('BY', this.peek())) {
        this.takeBy();
        const list = this.orderList();
        if (!list) fail('ORDER BY without expressions');
        slot.order = this.post(` ORDER BY ${list}`, this.grab());
      } else if (this.isWord('LIMIT')) {
        // sqlglot reads the counts of LIMIT and OFFSET at the term level (+ - but no comparison). The LIMIT node
        // takes the keyword's comments, else those in hand at its end.
        this.take();
        const a = this.term();
        let limit = a;
        let offset: string | null = null;
        if (this.matchOp(',')) {
          limit = this.term();
          offset = ` OFFSET ${a}`;
        }
        slot.limit = this.post(` LIMIT ${limit}`, t.comments.length ? t.comments : this.grab());
        if (offset !== null) slot.offset = offset;
      } else if (this.isWord('OFFSET')) {
        this.take();
        const n = this.term();
        slot.offset = this.post(` OFFSET ${n}`, this.grab());
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
      // The Ordered node, built last, takes the comments in hand (those of ASC, DESC, LAST...).
      items.push(this.post(e, this.grab()));
    } while (this.listComma(items));
    return items.join(', ');
  }

  private selectItem(): string {
    let e: string;
    if (this.isOp('*')) {
      this.take();
      e = this.post('*', this.grab());
    } else e = this.expr();
    return this.aliased(e);
  }

  /**
   * An expression and its optional alias (sqlglot's _parse_alias): the Alias node takes the comments of AS (or those
   * in hand) and of the alias name; when it has none, it takes over the expression's own, so that a comment before
   * AS is printed after the alias.
   */
  private aliased(e: string): string {
    const asTok = this.isWord('AS') ? this.cur : null;
    const before = asTok ? asTok.comments : this.peekComments();
    const alias = this.aliasAfter(true);
    if (alias === null) return e;
    this.aliases.push(this.lastAliasValue);
    let cs = [...before, ...this.lastAliasComments];
    let base = e;
    if (cs.length === 0 && this.own !== null && this.own.sql === e) {
      base = this.own.base;
      cs = this.own.cs;
    }
    return this.post(`${base} AS ${alias}`, cs);
  }

  /** `,` between list items (sqlglot's _parse_csv): the comma's comments go to the item before it. */
  private listComma(items: string[]): boolean {
    if (!this.isOp(',')) return false;
    this.take();
    if (items.length) items.push(this.post(items.pop()!, this.grab()));
    return true;
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
    if (t.kind === 'string') {
      // A string alias becomes an identifier without passing through a node: its comments are not taken.
      this.lastAliasComments = [];
      this.lastAliasValue = t.value;
      return `"${t.value.replace(/"/g, '""')}"`;
    }
    this.lastAliasComments = this.grab();
    this.lastAliasValue = t.kind === 'word' ? t.text : t.value;
    return t.kind === 'word' ? t.text : `"${t.value.replace(/"/g, '""')}"`;
  }
  private lastAliasValue = '';
  /** Comments of the last alias name read (its Identifier node's). */
  private lastAliasComments: string[] = [];

  private fromClause(): string {
    const first = this.tableItem();
    return first + this.joins();
  }

  /** The joins after a first table (comma joins included). */
  private joins(): string {
    let out = '';
    for (;;) {
      if (this.matchOp(',')) {
        // A comma join: the Join node, built after the table, takes the comments then in hand.
        const table = this.tableItem();
        out += this.joinComments(`, ${table}`, this.grab());
        continue;
      }
      const kinds: Tok[] = [];
      const save = this.i;
      for (const k of ['NATURAL', 'LEFT', 'RIGHT', 'FULL', 'INNER', 'OUTER', 'CROSS']) {
        if (this.isWord(k)) kinds.push(this.take());
      }
      if (!this.isWord('JOIN')) {
        this.retreat(save);
        break;
      }
      this.take();
      const table = this.tableItem();
      let cond = '';
      if (this.isWord('ON')) {
        this.take();
        cond = ` ON ${this.expr()}`;
      } else if (this.isWord('USING')) {
        this.take();
        cond = ` USING (${this.parenIdentList().join(', ')})`;
      }
      // The Join node takes the comments of its NATURAL/LEFT/INNER... words, else those in hand at its end.
      const kindCs = kinds.flatMap((k) => k.comments);
      const cs = kindCs.length ? kindCs : this.grab();
      // sqlglot prints a bare JOIN (no side, kind or method) with no condition as a comma.
      out += this.joinComments(kinds.length === 0 && cond === '' ? `, ${table}` : ` ${kinds.map((k) => k.value).join(' ')}${kinds.length ? ' ' : ''}JOIN ${table}${cond}`, cs);
    }
    return out;
  }

  /** A join's comments go before it (separated); a comma join's right after the table before it. */
  private joinComments(sql: string, cs: readonly string[]): string {
    const c = render(cs);
    if (!c) return sql;
    return sql.startsWith(',') ? `${c} ${sql}` : ` ${c}${sql}`;
  }

  private tableItem(): string {
    if (this.isOp('(')) {
      this.take();
      let inner: string;
      if (this.startsQuery()) inner = this.query();
      else inner = this.fromClause();
      this.expectOp(')');
      const alias = this.tableAlias();
      // The Subquery node is built after its alias: it takes the comments then in hand.
      return this.post(`(${inner})${alias === null ? '' : ` AS ${alias}`}`, this.grab());
    }
    // sqlglot reads a string where a table name belongs as that name, quoted; AS cannot be a table name.
    if (this.cur.kind === 'string') this.cur.kind = 'qident';
    if (this.isWord('AS')) fail('expected table name');
    const parts = [this.identifier()];
    const rawNames = [this.lastIdentValue];
    let nameCs = this.lastIdentComments;
    while (this.isOp('.')) {
      this.take();
      // A qualifier keeps its comments (printed after it); the table takes its name's.
      parts.push(this.post(parts.pop()!, nameCs));
      parts.push(this.identifier());
      rawNames.push(this.lastIdentValue);
      nameCs = this.lastIdentComments;
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
    return this.post(`${parts.join('.')}${alias === null ? '' : ` AS ${alias}`}`, nameCs);
  }

  /** `[AS] name [(columns)]` after a table: printed with the name's comments after it (sqlglot's TableAlias). */
  private tableAlias(isTable = false): string | null {
    const a = this.aliasAfter(false);
    if (a === null) return null;
    if (isTable) this.tableAliases.push(this.lastAliasValue);
    const cs = this.lastAliasComments;
    if (this.isOp('(')) this.parenIdentList();
    return this.post(a, cs);
  }

  // ---- expressions ---------------------------------------------------------------------------------------------

  /** A comma-separated list up to a token no item starts with (`_close`, the closing token expected, documents it). */
  exprList(_close: string | null): string[] {
    const out: string[] = [];
    do {
      if (this.noItem()) continue;
      out.push(this.expr());
    } while (this.listComma(out));
    return out;
  }

  /** Whether no list item starts here (sqlglot's _parse_csv drops the empty ones: `a,, b`, `ORDER BY a, LIMIT 1`). */
  private noItem(): boolean {
    const t = this.cur;
    if (t.kind === 'eof' || t.kind === 'semi') return true;
    if (t.kind === 'op') return t.text === ',' || t.text === ')';
    if (t.kind !== 'word') return false;
    if ((t.value === 'ORDER' || t.value === 'GROUP') && this.isWord('BY', this.peek())) return true;
    // OFFSET( opens a call where an item starts.
    if (t.value === 'OFFSET' && this.isOp('(', this.peek())) return false;
    return LIST_END.has(t.value);
  }

  expr(): string {
    return this.disjunction();
  }

  /**
   * One level of left-associative binary operators. A binary node prints its comments after the operator: those of
   * the operator's token, or (when it has none) those in hand once the right operand is read.
   */
  private binaryLevel(next: () => string, ops: (t: Tok) => string | null, explicit = true): string {
    let left = next();
    for (;;) {
      const t = this.cur;
      const op = ops(t);
      if (op === null) return left;
      this.take();
      left = this.binary(left, op, next, explicit ? t.comments : []);
    }
  }

  /** `left op right` with the binary node's comments after `op` (see binaryLevel). */
  private binary(left: string, op: string, next: () => string, opComments: readonly string[]): string {
    const right = next();
    const c = render(opComments.length ? opComments : this.grab());
    const out = `${left} ${op}${c ? ' ' + c : ''} ${right}`;
    this.lastBinary = out;
    return out;
  }
  /** The text of the last binary operation built (an expression equal to it is that operation). */
  private lastBinary: string | null = null;

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
    let out: string | null = null;
    // Nodes built after their operands take the comments then in hand: predicates print them after themselves,
    // binary ones (LIKE, GLOB, IS) after their operator. The NOT and range keywords' own comments are lost.
    if (this.isWord('IN')) {
      this.take();
      out = this.inRhs(left);
    } else if (this.isWord('REGEXP')) {
      // sqlglot's SQLite reads `x REGEXP y` as exp.RegexpLike and prints it as a function.
      this.take();
      const r = this.bitwise();
      out = this.post(`REGEXP_LIKE(${left}, ${r})`, this.grab());
    } else if (this.isWord('LIKE') || this.isWord('GLOB')) {
      const op = this.take().value;
      let r = this.binary(left, op, () => this.bitwise(), []);
      if (this.isWord('ESCAPE')) {
        this.take();
        const s = this.cur;
        if (s.kind !== 'string') fail('expected string after ESCAPE');
        r = this.binary(r, 'ESCAPE', () => this.primary(), []);
      }
      out = r;
    } else if (this.isWord('BETWEEN')) {
      this.take();
      const lo = this.bitwise();
      this.expectWord('AND');
      const hi = this.bitwise();
      out = this.post(`${left} BETWEEN ${lo} AND ${hi}`, this.grab());
    } else if (this.isWord('ISNULL')) {
      this.take();
      out = this.binary(left, 'IS', () => 'NULL', []);
    }
    if (out !== null) left = out;
    if (this.isWord('NOTNULL')) {
      this.take();
      left = this.post(`NOT ${this.binary(left, 'IS', () => 'NULL', [])}`, this.grab());
    }
    if (negTok) {
      if (out === null) fail('NOT without a range operator');
      left = this.post(`NOT ${left}`, this.grab());
    }
    if (this.isWord('IS')) {
      this.take();
      const not = this.matchWord('NOT');
      if (this.isWord('DISTINCT')) {
        this.take();
        this.expectWord('FROM');
        left = this.binary(left, `IS ${not ? 'NOT ' : ''}DISTINCT FROM`, () => this.bitwise(), []);
      } else {
        left = this.binary(left, 'IS', () => this.isPrimary(), []);
        if (not) left = this.post(`NOT ${left}`, this.grab());
      }
    }
    return left;
  }

  /** The right side of IS: sqlglot reads a primary (literal, NULL, parenthesised) only. */
  private isPrimary(): string {
    const t = this.cur;
    // No sign: `IS -1`, `IS NOT +1` raise.
    if (t.kind === 'string' || t.kind === 'number' || t.kind === 'hex' || t.kind === 'param' || this.isOp('(') || this.isWord('NULL') || this.isWord('TRUE') || this.isWord('FALSE')) return this.primary();
    fail('IS needs a literal');
  }

  /** `left IN ...`: the In node takes the comments in hand when built, then those of its closing parenthesis. */
  private inRhs(left: string): string {
    if (this.isOp('(')) {
      this.take();
      let inner: string;
      if (this.startsQuery()) inner = this.query();
      else inner = this.exprList(')').join(', ');
      const cs = [...this.grab()];
      this.expectOp(')');
      cs.push(...this.grab());
      return this.post(`${left} IN (${inner})`, cs);
    }
    // IN column, IN table, IN literal (sqlglot's _parse_column reads any field).
    const r = this.primary();
    return this.post(`${left} IN ${r}`, this.grab());
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
      // Bitwise nodes are built without the operator's comments.
      left = this.binary(left, op, () => this.term(), []);
    }
  }

  private term(): string {
    let left = this.factor();
    for (;;) {
      const t = this.cur;
      if (t.kind === 'op' && (t.text === '+' || t.text === '-' || t.text === '%')) {
        this.take();
        left = this.binary(left, t.text, () => this.factor(), t.comments);
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
        left = this.binary(left, t.text, () => this.unary(), t.comments);
      } else return left;
    }
  }

  /** Unary operators: the node is built after its operand (the operator's comments are lost); `+` is no node. */
  private unary(): string {
    if (this.isWord('NOT')) {
      this.take();
      const e = this.equality();
      return this.post(`NOT ${e}`, this.grab());
    }
    if (this.isOp('-') || this.isOp('~')) {
      const op = this.take().text;
      const e = this.unary();
      return this.post(`${op}${e}`, this.grab());
    }
    if (this.isOp('+')) {
      this.take();
      return this.unary();
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

  /** Operands. A literal's node takes its token's comments and prints them after it. */
  private primary(): string {
    const t = this.cur;
    switch (t.kind) {
      case 'string':
        this.take();
        return this.post(`'${t.value.replace(/'/g, "''")}'`, this.grab());
      case 'number':
        this.take();
        return this.post(t.text.startsWith('.') ? '0' + t.text : t.text, this.grab());
      case 'hex':
        this.take();
        return this.post(`x'${t.value}'`, this.grab());
      case 'param':
        this.take();
        return this.post(t.text, this.grab());
      case 'op':
        if (t.text === '(') {
          // A parenthesised node takes the comments in hand when built, then those of `(` and of `)`.
          this.take();
          const inner = this.startsQuery() ? this.query() : this.exprList(null).join(', ');
          const cs = [...this.grab(), ...t.comments];
          this.expectOp(')');
          cs.push(...this.grab());
          return this.post(`(${inner})`, cs);
        }
        if (t.text === '*') {
          // sqlglot reads `*` as an operand anywhere (exp.Star): `POW(2, *)`, `WHERE *`.
          this.take();
          return this.post('*', this.grab());
        }
        return fail(`unexpected ${t.text}`);
      case 'qident':
        return this.isOp('(', this.peek()) ? this.call() : this.columnRef();
      case 'word':
        return this.wordPrimary();
      default:
        return fail('unexpected end');
    }
  }

  private wordPrimary(): string {
    const t = this.cur;
    const w = t.value;
    if (w === 'NULL' || w === 'TRUE' || w === 'FALSE') {
      this.take();
      return this.post(w, this.grab());
    }
    if ((w === 'CURRENT_DATE' || w === 'CURRENT_TIME' || w === 'CURRENT_TIMESTAMP') && !(this.isOp('(', this.peek()) && !this.isOp(')', this.peek(2)))) {
      this.take();
      if (this.isOp('(') && this.isOp(')', this.peek())) {
        this.take();
        this.take();
      }
      return this.post(w, this.grab());
    }
    if (w === 'CASE') return this.caseExpr();
    // TRY_CAST and SAFE_CAST are printed as CAST in SQLite.
    if ((w === 'CAST' || w === 'TRY_CAST' || w === 'SAFE_CAST') && this.isOp('(', this.peek())) return this.cast();
    if (w === 'EXISTS' && this.isOp('(', this.peek())) {
      this.take();
      this.take();
      const q = this.query();
      this.expectOp(')');
      return this.post(`EXISTS(${q})`, this.grab());
    }
    if ((w === 'ALL' || w === 'ANY' || w === 'SOME') && this.isOp('(', this.peek()) && this.startsQuery(this.peek(2))) {
      this.take();
      this.take();
      const q = this.query();
      this.expectOp(')');
      return this.post(`${w} (${q})`, t.comments);
    }
    if (this.isOp('(', this.peek()) && !['IN', 'SELECT', 'WITH', 'VALUES', 'AND', 'OR', 'FROM', 'WHERE', 'ON', 'USING', 'AS', 'WHEN', 'THEN', 'ELSE', 'DISTINCT', 'INNER', 'OUTER', 'CROSS', 'JOIN'].includes(w)) {
      return this.call();
    }
    if (NOT_EXPR.has(w)) fail(`unexpected ${w}`);
    return this.columnRef();
  }

  /**
   * `a`, `t.a`, `s.t.a`, `t.*`: an exp.Column (its name recorded as written), printed with the comments of each of
   * its names after it (those of the dots are lost).
   */
  private columnRef(): string {
    const parts: string[] = [this.identifier()];
    const cs = [...this.lastIdentComments];
    let name = this.lastIdentValue;
    while (this.isOp('.')) {
      this.take();
      if (this.isOp('*')) {
        this.take();
        cs.push(...this.grab());
        parts.push('*');
        name = '*';
        break;
      }
      parts.push(this.identifier());
      cs.push(...this.lastIdentComments);
      name = this.lastIdentValue;
    }
    this.columns.push(name);
    return this.post(parts.join('.'), cs);
  }

  private lastIdentValue = '';
  /** Comments of the last identifier read (its Identifier node takes its token's). */
  private lastIdentComments: string[] = [];
  /** A plain or quoted identifier, printed as sqlglot prints it (quoted ones with double quotes), without comments. */
  private identifier(): string {
    const t = this.cur;
    if (t.kind === 'word') {
      this.take();
      this.lastIdentComments = this.grab();
      this.lastIdentValue = t.text;
      return t.text;
    }
    if (t.kind === 'qident') {
      this.take();
      this.lastIdentComments = this.grab();
      this.lastIdentValue = t.value;
      return `"${t.value.replace(/"/g, '""')}"`;
    }
    return fail('expected identifier');
  }

  /** CASE ... END: the node takes the CASE keyword's comments, else END's. */
  private caseExpr(): string {
    const k = this.take();
    let out = 'CASE';
    if (!this.isWord('WHEN')) out += ' ' + this.expr();
    while (this.matchWord('WHEN')) {
      const c = this.expr();
      this.expectWord('THEN');
      out += ` WHEN ${c} THEN ${this.expr()}`;
    }
    if (this.matchWord('ELSE')) out += ` ELSE ${this.expr()}`;
    this.expectWord('END');
    return this.post(out + ' END', k.comments.length ? k.comments : this.grab());
  }

  private cast(): string {
    const k = this.take();
    this.expectOp('(');
    const e = this.expr();
    this.expectWord('AS');
    const ty = this.typeName();
    this.grab();
    this.expectOp(')');
    // sqlglot's SQLite generator prints CAST(x AS DATE) as DATE(x); CAST is a function there, so OVER may follow.
    const out = ty === 'DATE' ? `DATE(${e})` : `CAST(${e} AS ${ty})`;
    return this.window(out, [...k.comments, ...this.grab()]);
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

  /**
   * A function call, with sqlglot's renames and rewrites of the functions text-to-SQL models write. The name is a word
   * or a quoted identifier (`"julianday"(x)`, `[ABS](x)`): a quoted known function is that function, a quoted unknown
   * one keeps its quotes, upper-cased. A known function called with a number of arguments it does not take raises.
   */
  private call(): string {
    const nameTok = this.take();
    const upper = nameTok.kind === 'qident' ? nameTok.value.toUpperCase() : nameTok.value;
    const known = KNOWN_FUNCS.get(upper);
    if (nameTok.kind === 'qident' && (upper === 'CAST' || upper === 'CASE' || upper === 'TRY_CAST' || upper === 'SAFE_CAST')) fail(`quoted ${upper}`);
    const open = this.expectOp('(');
    const special = SPECIAL_CALLS.has(upper) && (nameTok.kind === 'word' || known) ? this.specialCall(upper) : null;
    if (special !== null) {
      const scs = [...nameTok.comments];
      this.expectOp(')');
      scs.push(...this.grab());
      return this.window(special, scs);
    }
    let distinct = false;
    const args: string[] = [];
    const unordered: string[] = [];
    /** Whether each argument is a binary operation (sqlglot parenthesises those where it rewrites a call into one). */
    const bin: boolean[] = [];
    /** Where the columns of each argument start (sqlglot reads some arguments as units, not columns). */
    const colAt: number[] = [];
    if (this.isOp('*') && this.isOp(')', this.peek())) {
      this.take();
      args.push('*');
    } else if (this.isWord('ALL') && (this.isOp(')', this.peek()) || this.isOp(',', this.peek()))) {
      // `ALL` is no quantifier inside a call: alone it is a column named ALL; `MAX(ALL x)` raises.
      args.push(this.columnRef());
      bin.push(false);
      if (this.listComma(args)) this.callArgs(args, bin, colAt);
    } else {
      if (this.matchWord('DISTINCT')) distinct = true;
      if (distinct && this.isOp('*')) {
        this.take();
        args.push('*');
      } else if (!this.isOp(')')) this.callArgs(args, bin, colAt, unordered);
    }
    // A function sqlglot does not know (exp.Anonymous) is built before `)` and takes the comments in hand: with no
    // arguments, those of `(`. Then the call takes its name's comments and those of `)`.
    const cs = args.length === 0 && this.pc === open.comments && !KNOWN_NO_ARG.has(upper) ? [...this.grab()] : [];
    cs.push(...nameTok.comments);
    this.expectOp(')');
    cs.push(...this.grab());
    // With DISTINCT, sqlglot's call has one argument (the DISTINCT list).
    const n = distinct ? 1 : args.length;
    if (known && (n < known.min || n > known.max)) fail(`${upper} takes ${known.min}..${known.max} arguments`);
    // SQLite's GROUP_CONCAT has no ORDER BY: sqlglot drops one that orders its first argument.
    if ((upper === 'GROUP_CONCAT' || upper === 'STRING_AGG') && unordered[0] !== undefined) args[0] = unordered[0];
    const out = known ? this.knownCall(upper, args, bin, colAt, distinct) : `${nameTok.kind === 'qident' ? `"${upper.replace(/"/g, '""')}"` : upper}(${args.join(', ')})`;
    return this.window(out, cs);
  }

  /**
   * The arguments of a call (a list whose empty items are dropped), each noted as binary or not. `ORDER BY` (and
   * `LIMIT`) after an argument takes the rest of the list as its ordering; `unordered` keeps that argument without it.
   */
  private callArgs(args: string[], bin: boolean[], colAt: number[], unordered: string[] = []): void {
    do {
      if (this.noItem()) continue;
      colAt[args.length] = this.columns.length;
      let e = this.expr();
      bin.push(e === this.lastBinary);
      unordered[args.length] = e;
      if (this.isWord('ORDER') && this.isWord('BY', this.peek())) {
        this.takeBy();
        e += ` ORDER BY ${this.orderList()}`;
        if (this.matchWord('LIMIT')) e += ` LIMIT ${this.term()}`;
      }
      args.push(e);
    } while (this.listComma(args));
  }

  /**
   * Calls sqlglot reads with a grammar of their own: SUBSTRING(x FROM a FOR b), TRIM([LEADING|TRAILING|BOTH] [c]
   * FROM x), POSITION(a IN b), EXTRACT(unit FROM x), CONVERT(x, type). Null (nothing consumed) for any other call or
   * when the call is written as a plain argument list.
   */
  private specialCall(upper: string): string | null {
    const start = this.i;
    const pc = this.pc;
    const names = [this.tables, this.tableAliases, this.columns, this.aliases];
    const lengths = names.map((a) => a.length);
    const back = () => {
      this.i = start;
      this.pc = pc;
      names.forEach((a, k) => (a.length = lengths[k]!));
      return null;
    };
    switch (upper) {
      case 'SUBSTRING': {
        if (this.isOp(')')) return null;
        const x = this.expr();
        if (!this.isWord('FROM') && !this.isWord('FOR')) return back();
        let from = '1';
        if (this.matchWord('FROM')) from = this.expr();
        const forPart = this.matchWord('FOR') ? `, ${this.expr()}` : '';
        return `SUBSTRING(${x}, ${from}${forPart})`;
      }
      case 'TRIM': {
        let side = '';
        if (this.isWord('LEADING') || this.isWord('TRAILING') || this.isWord('BOTH')) side = this.take().value;
        let chars: string | null = null;
        if (!this.isWord('FROM')) {
          if (this.isOp(')')) {
            if (side) fail('TRIM without an operand');
            return back();
          }
          chars = this.expr();
          if (!this.isWord('FROM')) {
            if (side) fail('expected FROM');
            return back();
          }
        }
        this.take();
        const x = this.expr();
        const name = side === 'LEADING' ? 'LTRIM' : side === 'TRAILING' ? 'RTRIM' : 'TRIM';
        return `${name}(${x}${chars === null ? '' : `, ${chars}`})`;
      }
      case 'POSITION': {
        if (this.isOp(')')) return null;
        const a = this.bitwise();
        if (!this.isWord('IN')) return back();
        this.take();
        return `INSTR(${this.bitwise()}, ${a})`;
      }
      case 'EXTRACT': {
        const u = this.cur;
        let unit: string;
        if (u.kind === 'word') unit = u.value;
        else if (u.kind === 'string') unit = `'${u.value.replace(/'/g, "''")}'`;
        else return null;
        this.take();
        if (!this.matchWord('FROM') && !this.matchOp(',')) return back();
        return `EXTRACT(${unit} FROM ${this.expr()})`;
      }
      case 'CONVERT':
      case 'TRY_CONVERT': {
        const x = this.expr();
        this.expectOp(',');
        return `CAST(${x} AS ${this.typeName()})`;
      }
      default:
        return null;
    }
  }

  /** What sqlglot prints for a call of a function it knows (observed with sqlglot 25.32, SQLite dialect). */
  private knownCall(upper: string, args: string[], bin: boolean[], colAt: number[], distinct: boolean): string {
    if (!distinct && !REWRITTEN.has(upper)) return `${RENAME[upper] ?? upper}(${args.join(', ')})`;
    const a = (k: number) => args[k] ?? '';
    const p = (k: number) => (bin[k] ? `(${a(k)})` : a(k));
    const first = (name: string, k: number) => `${name}(${args.slice(0, k).join(', ')})`;
    const cast = (ty: string) => `CAST(${a(0)} AS ${ty})`;
    if (distinct) {
      // GROUP_CONCAT(DISTINCT a, sep) keeps only a.
      if (upper === 'GROUP_CONCAT') return `GROUP_CONCAT(DISTINCT ${a(0)})`;
      return `${RENAME[upper] ?? (upper === 'STRING_AGG' ? 'GROUP_CONCAT' : upper)}(DISTINCT ${args.join(', ')})`;
    }
    switch (upper) {
      case 'LIKE':
      case 'GLOB':
        return `${a(1)} ${upper} ${a(0)}${args.length > 2 ? ` ESCAPE ${a(2)}` : ''}`;
      case 'STRFTIME':
        return args.length === 1 ? `STRFTIME(${a(0)}, CURRENT_TIMESTAMP)` : first('STRFTIME', args.length);
      case 'MOD':
        return `${p(0)} % ${p(1)}`;
      case 'CONCAT':
        return args.join(' || ');
      case 'LOG10':
      case 'LOG2':
        return args.length === 0 ? `LOG(${upper.slice(3)})` : `LOG(${upper.slice(3)}, ${a(0)})`;
      case 'MEDIAN':
        return `PERCENTILE_CONT(${a(0)}, 0.5)`;
      case 'COUNT_IF':
      case 'COUNTIF':
        return `SUM(IIF(${a(0)}, 1, 0))`;
      case 'DATEDIFF':
      case 'DATE_DIFF':
        // A third argument is the unit: a bare name there is no column.
        if (args.length === 3 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(a(2)) && this.columns.length === colAt[2]! + 1) this.columns.pop();
        return `CAST((JULIANDAY(${a(0)}) - JULIANDAY(${a(1)})) AS INTEGER)`;
      case 'LEAST':
        return args.length <= 2 ? a(0) : first('MIN', args.length);
      case 'NVL2':
        return `CASE WHEN NOT ${a(0)} IS NULL THEN ${a(1)}${args.length > 2 ? ` ELSE ${a(2)}` : ''} END`;
      case 'POSITION':
        return args.length === 2 ? `INSTR(${a(1)}, ${a(0)})` : `INSTR(SUBSTR(${a(1)}, ${a(2)}), ${a(0)}) + ${a(2)} - 1`;
      case 'STR_POSITION':
        return args.length === 2 ? `INSTR(${a(0)}, ${a(1)})` : `INSTR(SUBSTR(${a(0)}, ${a(2)}), ${a(1)}) + ${a(2)} - 1`;
      case 'INSTR':
      case 'LTRIM':
      case 'RTRIM':
        return first(upper, 2);
      case 'LPAD':
      case 'LEFTPAD':
        return first('LPAD', 3);
      case 'RPAD':
      case 'RIGHTPAD':
        return first('RPAD', 3);
      case 'GROUP_CONCAT':
      case 'STRING_AGG':
        return first('GROUP_CONCAT', 2);
      case 'JSON_EXTRACT':
        return args.length === 2 ? `${a(0)} -> ${a(1)}` : first(upper, args.length);
      case 'JSON_EXTRACT_SCALAR':
      case 'JSON_EXTRACT_PATH_TEXT':
        return `${a(0)} ->> ${a(1)}`;
      case 'TO_CHAR':
      case 'DATE_TO_DATE_STR':
      case 'TIME_TO_TIME_STR':
        return cast('TEXT');
      case 'TO_NUMBER':
      case 'TO_DOUBLE':
        return cast('REAL');
      case 'INT64':
        return cast('INTEGER');
      case 'TS_OR_DS_TO_DATETIME':
        return cast('DATETIME');
      case 'TS_OR_DS_TO_TIME':
        return cast('TIME');
      case 'TRY':
      case 'DATE_STR_TO_DATE':
      case 'TIME_STR_TO_TIME':
      case 'TS_OR_DS_TO_TIMESTAMP':
        return a(0);
      case 'TS_OR_DS_TO_DATE':
        return args.length === 1 ? `DATE(${a(0)})` : `DATE(STR_TO_TIME(${a(0)}, ${a(1)}))`;
      case 'TIME_TO_STR':
        return `STRFTIME(${a(1)}, ${a(0)})`;
      case 'LOWER_HEX':
        return `LOWER(HEX(${a(0)}))`;
      case 'UUID':
      case 'UUID_STRING':
      case 'GENERATE_UUID':
      case 'GEN_RANDOM_UUID':
        return 'UUID()';
      case 'CURRENT_DATE':
      case 'CURRENT_TIME':
      case 'CURRENT_TIMESTAMP':
        return upper;
      case 'ARRAY_AGG':
      case 'ARRAYAGG':
        return first('ARRAY_AGG', 1);
      case 'ARRAY_SIZE':
      case 'ARRAY_LENGTH':
        return first('ARRAY_LENGTH', 1);
      case 'UNNEST':
        return first('UNNEST', 1);
      case 'PARSE_JSON':
      case 'JSON_PARSE':
        return first('PARSE_JSON', 2);
      default:
        return first(RENAME[upper] ?? upper, args.length);
    }
  }

  /**
   * FILTER and OVER after a call: a window node takes the call's comments over (printed after OVER ...); without a
   * window they stay after the call.
   */
  private window(call: string, cs: string[]): string {
    let out = call;
    let filtered = false;
    if (this.isWord('FILTER') && this.isOp('(', this.peek())) {
      out = this.post(out, cs);
      filtered = true;
      this.take();
      this.take();
      const w = this.expectWord('WHERE');
      const c = this.expr();
      const wcs = w.comments.length ? w.comments : this.grab();
      this.expectOp(')');
      out += ` FILTER(${this.sep('WHERE ' + c, wcs)})`;
    }
    if (this.isWord('OVER')) {
      this.take();
      const own = filtered ? [] : cs;
      if (this.isOp('(')) {
        const spec = this.windowSpec();
        return this.post(`${out} OVER ${spec}`, own.length ? own : this.grab());
      }
      const name = this.identifier();
      return this.post(`${out} OVER ${name}`, own.length ? own : this.lastIdentComments);
    }
    return filtered ? out : this.post(out, cs);
  }

  private windowSpec(): string {
    this.expectOp('(');
    const parts: string[] = [];
    if (this.cur.kind === 'word' && !['PARTITION', 'ORDER', 'ROWS', 'RANGE', 'GROUPS'].includes(this.cur.value)) parts.push(this.identifier());
    if (this.isWord('PARTITION')) {
      this.takeBy();
      parts.push(`PARTITION BY ${this.exprList(null).join(', ')}`);
    }
    if (this.isWord('ORDER')) {
      this.takeBy();
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
      const s = tr.statement();
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
