import * as assert from 'assert';
import { extractSql, countXml, formatReward } from '../../../../src/core/sql/extract';
import { ngramSimilarity, ngramTokens, ngramSet } from '../../../../src/core/sql/ngram';
import { jaccard } from '../../../../src/core/sets';
import { schemaLinking, sqlRefs } from '../../../../src/core/sql/sqlRefs';
import { resultEq, birdEq, pyFloatRepr, orderMattersFor } from '../../../../src/core/sql/resultEq';
import { computeSqlRewards, consensusScores, type SqlCandidateEval } from '../../../../src/core/sql/sqlRewards';
import type { ExecOutcome, SqlResultSet, SqlValue } from '../../../../src/core/sql/types';
import { buildSqlPrompt } from '../../../../src/core/sql/prompt';
import type { SqlSchema } from '../../../../src/core/sql/schema';

const rs = (rows: SqlValue[][], kinds?: string[]): SqlResultSet => ({ columns: rows[0]?.map((_, i) => `c${i}`) ?? [], rows, ...(kinds ? { kinds } : {}) });
const ok = (rows: SqlValue[][]): ExecOutcome => ({ ok: true, ...rs(rows), rowCount: rows.length, elapsedMs: 0 });
const fail = (stage: 'policy' | 'prepare' | 'run', message = 'x'): ExecOutcome => ({ ok: false, stage, error: { code: 'sql_runtime', message }, elapsedMs: 0 });

describe('sql rewards', () => {
  it('extracts SQL from <answer>, fenced blocks or raw text', () => {
    assert.deepStrictEqual(extractSql('<reasoning>\nx\n</reasoning>\n<answer>\nSELECT 1\n</answer>'), { sql: 'SELECT 1', source: 'answer' });
    assert.deepStrictEqual(extractSql('<answer>\n```sql\nSELECT 2;\n```\n</answer>'), { sql: 'SELECT 2;', source: 'answer' });
    assert.deepStrictEqual(extractSql('Here:\n```sql\nSELECT 1\n```\nor better\n```sql\nSELECT 3\n```'), { sql: 'SELECT 3', source: 'fence' });
    assert.deepStrictEqual(extractSql('  SELECT 4  '), { sql: 'SELECT 4', source: 'raw' });
  });

  it('format = Reasoning-SQL count_xml / 0.5, clamped', () => {
    const perfect = '<reasoning>\nthink\n</reasoning>\n<answer>\nSELECT 1\n</answer>\n';
    assert.strictEqual(countXml(perfect), 0.5);
    assert.strictEqual(formatReward(perfect), 1);
    // Python: 0.125*4 - len("tail")*0.001 (after "\n</answer>\n") - (len("\ntail")-1)*0.001
    const trailing = '<reasoning>\nthink\n</reasoning>\n<answer>\nSELECT 1\n</answer>\ntail';
    assert.ok(Math.abs(countXml(trailing) - (0.5 - 0.004 - 0.004)) < 1e-12);
    assert.strictEqual(countXml('SELECT 1'), 0);
    // No newline before <answer>, nothing after </answer>: Python gives 0.125 + 0.001 = 0.126.
    assert.ok(Math.abs(formatReward('<answer>\nSELECT 1\n</answer>') - 0.252) < 1e-12);
  });

  // Expected values below are what RLForSQL's own code gives (test/fixtures/sql/oracle_rlforsql.py on ../shared/oracles).
  it('ngram: Jaccard of bigrams of sqlglot-normalised words, aliases dropped (values from RLForSQL)', () => {
    const gold = 'SELECT T1.name FROM city AS T1 WHERE T1.pop > 5';
    const pred = 'SELECT c.name FROM city c WHERE c.pop > 6';
    assert.deepStrictEqual(ngramTokens(gold), ['select', 'name', 'from', 'city', 'where', 'pop', '5']);
    assert.deepStrictEqual(ngramTokens(pred), ['select', 'name', 'from', 'city', 'where', 'pop', '6']);
    assert.strictEqual(ngramSimilarity(gold, pred), 5 / 7);
    // sqlglot prints IS NOT NULL as NOT x IS NULL and keeps comments as /* */ (their words count).
    assert.deepStrictEqual(ngramTokens('SELECT a FROM t WHERE b IS NOT NULL'), ['select', 'a', 'from', 't', 'where', 'not', 'b', 'is', 'null']);
    assert.strictEqual(ngramSimilarity('SELECT a FROM t WHERE b IS NOT NULL', 'SELECT a FROM t WHERE NOT b IS NULL -- same'), 8 / 9);
    assert.deepStrictEqual(ngramTokens('SELECT count(*) AS n FROM t'), ['select', 'count', 'from', 't']);
    assert.deepStrictEqual(ngramTokens('select ifnull(a, 0) from t'), ['select', 'coalesce', 'a', '0', 'from', 't']);
    assert.strictEqual(jaccard(ngramSet(['a', 'b', 'c']), ngramSet(['b', 'c', 'd'])), 1 / 3);
    assert.strictEqual(ngramSimilarity('', '-- nothing'), 0, 'two empty n-gram sets score 0, as RLForSQL');
    // Only the first statement is read, as sqlglot's parse_one does.
    assert.strictEqual(ngramSimilarity('SELECT a FROM t', 'SELECT a FROM t; DROP TABLE t'), 1);
  });

  it('schema_linking: recall of gold names as sqlglot reads them (values from RLForSQL)', () => {
    const gold = 'SELECT T1.city_name FROM city AS T1 JOIN state AS T2 ON T1.state_name = T2.state_name WHERE T2.area > 1000';
    // gold names: city_name, state_name, area, city, state; pred: CITY_NAME (case differs), city, state_name, texas.
    assert.strictEqual(schemaLinking(gold, 'SELECT CITY_NAME FROM city WHERE state_name = "texas"'), 2 / 5);
    assert.strictEqual(schemaLinking(gold, gold), 1);
    assert.strictEqual(schemaLinking(gold, 'SELEC nonsense ((('), 0);
    // "texas" is an identifier (a column) in SQLite's dialect; 'x' in the select list is a literal, not a column.
    assert.strictEqual(schemaLinking('SELECT name FROM t WHERE x = "texas"', "SELECT name, 'x' FROM t WHERE x = 'texas'"), 3 / 4);
    // A gold naming nothing: the reference divides by zero; 0 here.
    assert.strictEqual(schemaLinking('SELECT 1', 'SELECT 1'), 0);
    assert.deepStrictEqual(sqlRefs(gold)!.tables.sort(), ['city', 'state']);
  });

  it('result_eq: multiset, column permutation, order only with ORDER BY', () => {
    assert.ok(resultEq(rs([]), rs([]), false));
    assert.ok(resultEq(rs([[1, 'a'], [2, 'b']]), rs([['b', 2], ['a', 1]]), false));
    assert.ok(!resultEq(rs([[1, 'a'], [2, 'b']]), rs([['b', 2], ['a', 1]]), true));
    assert.ok(resultEq(rs([[1, 'a'], [2, 'b']]), rs([['a', 1], ['b', 2]]), true));
    assert.ok(!resultEq(rs([[1], [1], [2]]), rs([[1], [2], [2]]), false));
    assert.ok(!resultEq(rs([[1, 2]]), rs([[1]]), false));
    assert.ok(resultEq(rs([[1]]), rs([[1.0]]), false));
    assert.ok(!resultEq(rs([[1]]), rs([['1']]), false));
    // Python sorts a row by str(x)+str(type(x)): int 5 and float 5.0 sort apart, so quick_rej rejects this pair.
    assert.ok(!resultEq(rs([[5, 5.5]], ['ir']), rs([[5, 5.5]], ['rr']), true));
    assert.ok(birdEq(rs([[1], [1], [2]]), rs([[2], [1]])));
    assert.ok(!birdEq(rs([[1, 2]]), rs([[2, 1]])));
    assert.ok(orderMattersFor('select a from t ORDER BY a'));
    assert.ok(!orderMattersFor('select a from t order  by a'));
  });

  it('pyFloatRepr matches Python repr()', () => {
    const cases: Array<[number, string]> = [[51700, '51700.0'], [0.1, '0.1'], [1e16, '1e+16'], [1e15, '1000000000000000.0'], [1.5e-5, '1.5e-05'], [0.0001, '0.0001'], [-2.5, '-2.5'], [123456789.125, '123456789.125']];
    for (const [x, s] of cases) assert.strictEqual(pyFloatRepr(x), s);
  });

  it('consensus: share of the others with an equal result; failures get 0', () => {
    const c = (sql: string, outcome: ExecOutcome): SqlCandidateEval => ({ text: sql, sql, outcome });
    const scores = consensusScores([
      c('SELECT a', ok([[1], [2]])),
      c('SELECT b', ok([[2], [1]])),
      c('SELECT c', ok([[3]])),
      c('SELECT d', fail('run')),
    ]);
    assert.deepStrictEqual(scores, [1 / 3, 1 / 3, 0, 0]);
    assert.deepStrictEqual(consensusScores([c('SELECT a', ok([[1]]))]), [null]);
  });

  it('computeSqlRewards: gold and no-gold families, refused statements get nothing', () => {
    const gold = { sql: 'SELECT name FROM city', outcome: ok([['a'], ['b']]) };
    const r = computeSqlRewards(
      [
        { text: 'SELECT name FROM city', sql: 'SELECT name FROM city', outcome: ok([['b'], ['a']]) },
        { text: 'SELECT nam FROM city', sql: 'SELECT nam FROM city', outcome: fail('prepare', 'no such column: nam') },
        { text: 'DROP TABLE city', sql: 'DROP TABLE city', outcome: fail('policy') },
      ],
      gold,
      { tagged: false },
    );
    assert.deepStrictEqual(r[0], { syntax: 1, executes: 1, non_empty: 1, schema_valid: 1, execution_match: 1, schema_linking: 1, ngram: 1, consensus: 0, format: null });
    assert.strictEqual(r[1]!.syntax, 0);
    assert.strictEqual(r[1]!.schema_valid, 0);
    assert.strictEqual(r[1]!.execution_match, 0);
    assert.strictEqual(r[1]!.schema_linking, 0.5);
    // A refused statement scores nothing from execution; the text rewards follow the reference (sqlglot reads DROP).
    assert.deepStrictEqual([r[2]!.schema_valid, r[2]!.syntax, r[2]!.execution_match], [0, 0, 0]);
    assert.strictEqual(r[2]!.schema_linking, 0.5);
    const noGold = computeSqlRewards([{ text: 'x', sql: 'SELECT 1', outcome: ok([[1]]) }], null);
    assert.strictEqual(noGold[0]!.execution_match, null);
    assert.strictEqual(noGold[0]!.ngram, null);
  });

  it('execution_match: a text with no statement compares as no rows (Python sqlite3 runs it), other rewards see the refusal', () => {
    const none = (sql: string): SqlCandidateEval => ({ text: sql, sql, outcome: fail('policy', 'no SQL statement found') });
    const emptyGold = { sql: 'SELECT name FROM city WHERE 0', outcome: ok([]) };
    const r = computeSqlRewards([none('-- no answer'), none(''), none(';'), none('SELECT nope')], emptyGold);
    assert.deepStrictEqual(r.map((x) => x.execution_match), [1, 1, 1, 0]);
    assert.deepStrictEqual([r[0]!.executes, r[0]!.syntax], [0, 0]);
    const gold = { sql: 'SELECT name FROM city', outcome: ok([['a']]) };
    assert.strictEqual(computeSqlRewards([none('-- no answer')], gold)[0]!.execution_match, 0);
    // A comments-only gold runs as no rows too.
    const commentGold = { sql: '-- x', outcome: fail('policy', 'no SQL statement found') };
    assert.deepStrictEqual(computeSqlRewards([{ text: 'q', sql: 'SELECT 1 WHERE 0', outcome: ok([]) }, { text: 'q', sql: 'SELECT 1', outcome: ok([[1]]) }], commentGold).map((x) => x.execution_match), [1, 0]);
  });

  it('buildSqlPrompt: schema as DDL with samples, tagged or fenced instructions', () => {
    const schema: SqlSchema = {
      tables: [{ name: 'city', kind: 'table', columns: [{ name: 'city_name', type: 'TEXT', notNull: false, pk: 1, samples: ['austin', "o'hare"] }, { name: 'population', type: 'INT', notNull: true, pk: 0, samples: [1] }], primaryKey: ['city_name'], foreignKeys: [{ columns: ['state'], refTable: 'state', refColumns: ['name'] }], rowCount: 2 }],
    };
    const m = buildSqlPrompt(schema, ' biggest city? ', { tagged: true });
    assert.strictEqual(m.length, 2);
    assert.strictEqual(m[0]!.role, 'system');
    assert.match(m[0]!.content, /<reasoning>\n\.\.\.\n<\/reasoning>\n<answer>/);
    assert.match(m[1]!.content, /CREATE TABLE city \( -- 2 rows\n  city_name TEXT, -- e\.g\. 'austin', 'o''hare'\n  population INT NOT NULL, -- e\.g\. 1\n  PRIMARY KEY \(city_name\),\n  FOREIGN KEY \(state\) REFERENCES state\(name\)\n\);/);
    assert.match(m[1]!.content, /Question: biggest city\?$/);
    assert.match(buildSqlPrompt(schema, 'q')[0]!.content, /```sql/);
  });
});
