/**
 * Hostile corpus: every input gets a verdict within timeout + 200 ms, the database file is unchanged, and a normal
 * query still works afterwards. Where two verdicts are right ("more than N rows" needs N rows produced before the
 * timeout, which a loaded machine may not manage) both are accepted.
 */
import * as assert from 'assert';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import initSqlJs from 'sql.js';
import { SqlExecutor } from '../../../../src/worker/sql/executor';

// Long enough that a statement SQLite refuses at once is not overtaken by scheduling on a loaded 2-core machine.
const TIMEOUT = 1000;
const GRACE = 200;

/** [label, sql, expected error code or 'ok'] */
const CORPUS: Array<[string, string, string]> = [
  ['delete', 'DELETE FROM items', 'sql_write'],
  ['update', "UPDATE items SET name = 'x'", 'sql_write'],
  ['insert', "INSERT INTO items VALUES (99, 'x', 1.0)", 'sql_write'],
  ['replace', "REPLACE INTO items VALUES (1, 'x', 1.0)", 'sql_write'],
  ['cte write', 'WITH x AS (SELECT 1) DELETE FROM items', 'sql_write'],
  ['drop', 'DROP TABLE items', 'sql_ddl'],
  ['create', 'CREATE TABLE evil(a)', 'sql_ddl'],
  ['alter', 'ALTER TABLE items ADD COLUMN z', 'sql_ddl'],
  ['temp trigger', 'CREATE TEMP TRIGGER t AFTER INSERT ON items BEGIN DELETE FROM items; END', 'sql_ddl'],
  ['vacuum into', "VACUUM INTO '/tmp/reward-lens-evil.db'", 'sql_ddl'],
  ['attach file', "ATTACH DATABASE '/tmp/reward-lens-evil.db' AS evil", 'sql_attach'],
  ['attach memory', "ATTACH ':memory:' AS m", 'sql_attach'],
  ['pragma writable_schema', 'PRAGMA writable_schema = ON', 'sql_pragma'],
  ['pragma query_only off', 'PRAGMA query_only = 0', 'sql_pragma'],
  ['writable_schema then update', "PRAGMA writable_schema=1; UPDATE sqlite_master SET sql = 'x'", 'sql_pragma'],
  ['load_extension', "SELECT load_extension('/tmp/evil.so')", 'sql_not_read_only'],
  ['begin', 'BEGIN IMMEDIATE', 'sql_not_read_only'],
  ['txn script', 'BEGIN; DELETE FROM items; COMMIT', 'sql_not_read_only'],
  ['two statements', 'SELECT * FROM items; DROP TABLE items', 'sql_multiple_statements'],
  ['hidden after line comment', 'SELECT 1 -- harmless\n; DELETE FROM items', 'sql_multiple_statements'],
  ['hidden after block comment', "/* SELECT ';' */ SELECT 1 /* ; */ ; DELETE FROM items", 'sql_multiple_statements'],
  ['semicolon in string', "SELECT ';'; DROP TABLE items", 'sql_multiple_statements'],
  ['explain delete', 'EXPLAIN DELETE FROM items', 'sql_write'],
  ['infinite recursive cte (count)', 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c', 'sql_timeout'],
  ['infinite recursive cte (rows)', 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c', 'sql_too_large'],
  ['huge cross join count', 'SELECT count(*) FROM items a, items b, items c, items d, items e, items f', 'sql_timeout'],
  ['huge cross join rows', 'SELECT * FROM items a, items b, items c', 'sql_too_large|sql_timeout'],
  ['randomblob 1 GB', 'SELECT randomblob(1000000000)', 'sql_too_large'],
  ['randomblob 2 GB length', 'SELECT length(randomblob(2000000000))', 'sql_too_large'],
  ['zeroblob 500 MB', 'SELECT zeroblob(500000000)', 'sql_too_large'],
  ['printf 1 GB', "SELECT printf('%.*c', 1000000000, 'x')", 'sql_too_large|sql_timeout'],
  ['group_concat growth', "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) SELECT length(group_concat(hex(randomblob(5000)))) FROM c", 'sql_too_large|sql_timeout'],
  ['sort bomb', 'SELECT a.name FROM items a, items b, items c ORDER BY random() LIMIT 1', 'sql_timeout'],
  ['garbage prose', 'the answer is the city with the most people', 'sql_not_sql'],
  ['binary garbage', '\u0000\u0001\u00ff\ufffe%%', 'sql_not_sql'],
  ['empty', '', 'sql_not_sql'],
  ['only semicolons', ' ;;; -- nothing', 'sql_not_sql'],
  ['homoglyph drop', 'ＤＲＯＰ TABLE items', 'sql_not_sql'],
  ['very long input', 'SELECT ' + '1 + '.repeat(40_000) + '1', 'sql_too_large'],
  ['long unknown column', 'SELECT ' + 'x'.repeat(90_000) + ' FROM items', 'sql_syntax'],
  ['deep nesting', 'SELECT ' + '('.repeat(3000) + '1' + ')'.repeat(3000), 'sql_syntax'],
  ['unterminated string', "SELECT 'abc FROM items", 'sql_syntax'],
  ['syntax error', 'SELEC * FROM items', 'sql_not_sql'],
  ['sqlite_master read (allowed)', 'SELECT name FROM sqlite_master', 'ok'],
  ['comment then select (allowed)', '-- ; DROP TABLE items\nSELECT count(*) FROM items', 'ok'],
];

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

describe('sql executor: hostile corpus', function () {
  this.timeout(120_000);
  let dir: string;
  let dbPath: string;
  let ex: SqlExecutor;
  let hash: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reward-lens-sql-'));
    dbPath = path.join(dir, 'items.sqlite');
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.run('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price REAL)');
    for (let i = 1; i <= 300; i++) db.run('INSERT INTO items VALUES (?, ?, ?)', [i, `item ${i}`, i * 1.5]);
    fs.writeFileSync(dbPath, db.export());
    db.close();
    hash = sha256(dbPath);
    ex = await SqlExecutor.open(dbPath);
  });
  after(() => {
    ex?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`has at least 30 inputs`, () => assert.ok(CORPUS.length >= 30));

  it('a batch (executeMany) survives a runaway statement in the middle and keeps going on the replacement', async () => {
    await ex.whenReady();
    const loop = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c';
    const seen: number[] = [];
    const t0 = performance.now();
    const out = await ex.executeMany(['SELECT count(*) FROM items', loop, 'DROP TABLE items', 'SELECT max(id) FROM items', loop, 'SELECT 7'], { timeoutMs: TIMEOUT }, undefined, (i) => seen.push(i));
    const ms = performance.now() - t0;
    assert.deepStrictEqual(out.map((o) => (o.ok ? o.rows[0]![0] : o.error.code)), [300, 'sql_timeout', 'sql_ddl', 300, 'sql_timeout', 7]);
    assert.deepStrictEqual([...seen].sort(), [0, 1, 2, 3, 4, 5]);
    // Two timeouts, plus at most one reload of the copy (the spare is usually ready) and the grace for each.
    assert.ok(ms <= 2 * (TIMEOUT + GRACE) + 2000, `batch took ${ms.toFixed(0)} ms`);
    assert.strictEqual(sha256(dbPath), hash);
  });

  for (const [label, sql, expected] of CORPUS) {
    it(`${label} -> ${expected}`, async () => {
      // Time the verdict from a loaded executor: reloading the copy after the previous kill is not this query's time.
      await ex.whenReady();
      const t0 = performance.now();
      const o = await ex.execute(sql, { timeoutMs: TIMEOUT, rowCap: 10_000, byteCap: 8 << 20 });
      const ms = performance.now() - t0;
      const got = o.ok ? 'ok' : o.error.code;
      assert.ok(expected.split('|').includes(got), `expected ${expected}, got ${got}${o.ok ? '' : `: ${o.error.message}`}`);
      assert.ok(ms <= TIMEOUT + GRACE, `verdict took ${ms.toFixed(0)} ms`);
      assert.strictEqual(sha256(dbPath), hash, 'database file changed');
      const next = await ex.execute('SELECT count(*), sum(price) FROM items', { timeoutMs: 5000 });
      assert.ok(next.ok, next.ok ? '' : next.error.message);
      assert.deepStrictEqual(next.rows, [[300, 67725]]);
      assert.ok(!fs.existsSync('/tmp/reward-lens-evil.db'));
    });
  }
});
