import * as assert from 'assert';
import { checkReadOnly } from '../../../../src/core/sql/policy';
import { lex, splitStatements } from '../../../../src/core/sql/lexer';

const code = (sql: string) => {
  const v = checkReadOnly(sql);
  return v.ok ? `ok:${v.kind}` : v.error.code;
};

describe('sql policy (static)', () => {
  it('accepts exactly one read-only statement', () => {
    assert.strictEqual(code('SELECT 1'), 'ok:select');
    assert.strictEqual(code('  select * from t ;  '), 'ok:select');
    assert.strictEqual(code('VALUES (1, 2), (3, 4)'), 'ok:values');
    assert.strictEqual(code('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 5) SELECT x FROM c'), 'ok:with');
    assert.strictEqual(code('WITH a AS NOT MATERIALIZED (SELECT 1), b(y) AS (SELECT 2) SELECT * FROM a, b'), 'ok:with');
    assert.strictEqual(code('EXPLAIN QUERY PLAN SELECT * FROM t'), 'ok:explain');
    assert.strictEqual(code("SELECT ';' AS semi, \"a;b\" FROM t -- ; DROP TABLE t"), 'ok:select');
    assert.strictEqual(code('/* DELETE FROM t; */ SELECT 1'), 'ok:select');
  });

  it('names the reason for everything else', () => {
    assert.strictEqual(code('DELETE FROM t'), 'sql_write');
    assert.strictEqual(code('insert into t values (1)'), 'sql_write');
    assert.strictEqual(code('REPLACE INTO t VALUES (1)'), 'sql_write');
    assert.strictEqual(code('WITH x AS (SELECT 1) UPDATE t SET a = 1'), 'sql_write');
    assert.strictEqual(code('DROP TABLE t'), 'sql_ddl');
    assert.strictEqual(code('create table x(a)'), 'sql_ddl');
    assert.strictEqual(code("VACUUM INTO '/tmp/copy.db'"), 'sql_ddl');
    assert.strictEqual(code("ATTACH DATABASE '/tmp/x.db' AS x"), 'sql_attach');
    assert.strictEqual(code('DETACH x'), 'sql_attach');
    assert.strictEqual(code('PRAGMA writable_schema = ON'), 'sql_pragma');
    assert.strictEqual(code('BEGIN'), 'sql_not_read_only');
    assert.strictEqual(code("SELECT load_extension('/tmp/evil.so')"), 'sql_not_read_only');
    assert.strictEqual(code('SELECT 1; SELECT 2'), 'sql_multiple_statements');
    // Python's sqlite3 (the reference evaluators') refuses anything but whitespace and comments after the first `;`.
    assert.strictEqual(code('SELECT 1;;'), 'sql_multiple_statements');
    assert.strictEqual(code('SELECT 1; ;'), 'sql_multiple_statements');
    assert.strictEqual(code('SELECT 1; -- c\n;'), 'sql_multiple_statements');
    assert.strictEqual(code('SELECT 1; -- c'), 'ok:select');
    assert.strictEqual(code(';; SELECT 1'), 'ok:select');
    assert.strictEqual(code('DROP TABLE t; SELECT 1'), 'sql_ddl');
    assert.strictEqual(code("SELECT ';'; DROP TABLE t"), 'sql_multiple_statements');
    assert.strictEqual(code('SELECT 1 /* x */ ; -- c\n DELETE FROM t'), 'sql_multiple_statements');
    assert.strictEqual(code('EXPLAIN DELETE FROM t'), 'sql_write');
    assert.strictEqual(code(''), 'sql_not_sql');
    assert.strictEqual(code(' ;; -- nothing'), 'sql_not_sql');
    assert.strictEqual(code('the biggest city is phoenix'), 'sql_not_sql');
    assert.strictEqual(code('ＤＲＯＰ TABLE t'), 'sql_not_sql');
    assert.strictEqual(code("SELECT 'unterminated"), 'sql_syntax');
    assert.strictEqual(code('SELECT ' + '1+'.repeat(60_000) + '1'), 'sql_too_large');
  });

  it('lexes quotes, comments and blobs without being fooled', () => {
    const { tokens, error } = lex("SELECT 'it''s', [a;b], `c`, x'00ff' -- ;\n/* ; */;");
    assert.strictEqual(error, null);
    assert.deepStrictEqual(tokens.map((t) => t.kind), ['word', 'string', 'op', 'ident', 'op', 'ident', 'op', 'blob', 'semi']);
    assert.strictEqual(tokens[1]!.value, "it's");
    assert.strictEqual(splitStatements(tokens).length, 1);
  });
});
