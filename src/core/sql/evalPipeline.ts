/**
 * What the reference evaluation scripts do to a query before running it (taoyds/test-suite-sql-eval exec_eval.py;
 * AlibabaResearch/DAMO-ConvAI bird/llm/src/evaluation.py).
 * - test-suite `exec_on_db_` runs every query through `replace_cur_year` (applied by default under test-suite match).
 * - test-suite `eval_exec_match`, as its evaluation.py calls it by default (no --keep_distinct, no --plug_value), also
 *   applies `postprocess` ('> =' -> '>=' ...) and `remove_distinct` to both queries (the `evalPipeline` option).
 * - BIRD's evaluation.py changes nothing: it runs the predicted and the gold query as given with `cursor.execute`,
 *   which refuses a second statement (so does our executor), and any exception scores 0. Only test-suite's
 *   pipeline keeps the first statement alone (through remove_distinct).
 */
import { lex } from './lexer';

/** Python's `\s` on str (str.isspace): JS `\s` without U+FEFF, plus U+001C..U+001F and U+0085. */
const PY_WS = '[\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const CUR_YEAR = new RegExp(`YEAR${PY_WS}*\\(${PY_WS}*CURDATE${PY_WS}*\\(${PY_WS}*\\)${PY_WS}*\\)${PY_WS}*`, 'gi');

/** `replace_cur_year`: `re.sub(r"YEAR\s*\(\s*CURDATE\s*\(\s*\)\s*\)\s*", "2020", query, flags=re.IGNORECASE)`. */
export function replaceCurYear(sql: string): string {
  return sql.replace(CUR_YEAR, '2020');
}

/** `postprocess`: removes the space inside `> =`, `< =`, `! =` (plain text replacement, strings included). */
export function testSuitePostprocess(sql: string): string {
  return sql.split('> =').join('>=').split('< =').join('<=').split('! =').join('!=');
}

/**
 * `remove_distinct`: `''.join(t.value for t in sqlparse.parse(s)[0].flatten() if t.value.lower() != 'distinct')`.
 * Only the first statement survives (`parse(s)[0]`, its `;` included), and every `distinct` keyword is dropped while
 * the rest is joined as written (the flattened tokens cover the text).
 */
export function removeDistinct(sql: string): string {
  const { tokens } = lex(sql);
  let out = '';
  let at = 0;
  let end = sql.length;
  for (const t of tokens) {
    if (t.kind === 'semi') {
      end = t.start + 1;
      break;
    }
    if (t.kind === 'word' && t.value === 'DISTINCT') {
      out += sql.slice(at, t.start);
      at = t.start + t.text.length;
    }
  }
  return out + sql.slice(at, end);
}

/** Both queries as test-suite's evaluation.py compares them by default (postprocess, then remove_distinct). */
export function testSuiteEvalPipeline(sql: string): string {
  return removeDistinct(testSuitePostprocess(sql));
}
