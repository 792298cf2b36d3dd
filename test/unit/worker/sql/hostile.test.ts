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
import { writeItemsDb } from './itemsDb';
import { SqlExecutor } from '../../../../src/worker/sql/executor';
import { rankSql } from '../../../../src/worker/sql/rankSql';

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
  ['infinite recursive cte (rows)', 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c', 'result_too_large'],
  ['huge cross join count', 'SELECT count(*) FROM items a, items b, items c, items d, items e, items f', 'sql_timeout'],
  ['huge cross join rows', 'SELECT * FROM items a, items b, items c', 'result_too_large|sql_timeout'],
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
  ['long unknown column', 'SELECT ' + 'x'.repeat(90_000) + ' FROM items', 'sql_schema'],
  ['no such column', 'SELECT nme FROM items', 'sql_schema'],
  ['no such table', 'SELECT name FROM itemz', 'sql_schema'],
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
    ({ dir, dbPath } = await writeItemsDb(300));
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

/**
 * Hostile results and databases: wide results whose column-permutation search is factorial in the reference
 * (test-suite-sql-eval enumerates every permutation its 20 sampled rows cannot rule out), large groups, a view that
 * never ends, an over-size database, an over-size result. Each gets a verdict within its limit, the database file
 * is unchanged, and the executor still answers.
 */
describe('sql ranking: hostile results and databases', function () {
  this.timeout(180_000);
  let dir: string;
  let dbPath: string;
  let hash: string;
  let ex: SqlExecutor;
  const WIDE = 16;
  const cols = Array.from({ length: WIDE }, (_, i) => `c${i}`);

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reward-lens-sql-wide-'));
    dbPath = path.join(dir, 'wide.sqlite');
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    // bits: 16 columns of 0/1 (every column has the same value set, so the reference prunes nothing: 16^16 tuples);
    // shuffled: the same rows with each row's values shuffled independently (same unordered rows, no permutation).
    db.run(`CREATE TABLE bits (id INTEGER PRIMARY KEY, ${cols.map((c) => `${c} INTEGER`).join(', ')})`);
    db.run(`CREATE TABLE shuffled (id INTEGER PRIMARY KEY, ${cols.map((c) => `${c} INTEGER`).join(', ')})`);
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 1; i <= 300; i++) {
      const row = cols.map((): number => (rnd() < 0.5 ? 0 : 1));
      const shuffled = [...row];
      for (let k = shuffled.length - 1; k > 0; k--) {
        const j = Math.floor(rnd() * (k + 1));
        [shuffled[k], shuffled[j]] = [shuffled[j]!, shuffled[k]!];
      }
      db.run(`INSERT INTO bits VALUES (${i}, ${row.join(', ')})`);
      db.run(`INSERT INTO shuffled VALUES (${i}, ${shuffled.join(', ')})`);
    }
    db.run('CREATE TABLE big (id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL)');
    db.run("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10000) INSERT INTO big SELECT x, x % 97, 'row ' || x, x * 0.5 FROM n");
    db.run('CREATE VIEW endless AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT 1 FROM c) SELECT x FROM c');
    fs.writeFileSync(dbPath, db.export());
    db.close();
    hash = sha256(dbPath);
    ex = await SqlExecutor.open(dbPath);
  });
  after(() => {
    ex?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function alive(): Promise<void> {
    const o = await ex.execute('SELECT count(*) FROM big', { timeoutMs: 5000 });
    assert.ok(o.ok, o.ok ? '' : o.error.message);
    assert.deepStrictEqual(o.rows, [[10000]]);
    assert.strictEqual(sha256(dbPath), hash, 'database file changed');
  }

  it('a view that never ends: the schema is read within its limit (the view has columns, no row count)', async () => {
    const t0 = performance.now();
    const schema = await ex.schema();
    const ms = performance.now() - t0;
    const view = schema.tables.find((t) => t.name === 'endless')!;
    assert.strictEqual(view.kind, 'view');
    assert.deepStrictEqual(view.columns.map((c) => c.name), ['x']);
    assert.strictEqual(view.rowCount, null);
    assert.strictEqual(schema.tables.find((t) => t.name === 'big')!.rowCount, 10000);
    assert.ok(ms < 10_000, `schema took ${ms.toFixed(0)} ms (limit 10 000)`);
    const o = await ex.execute('SELECT count(*) FROM endless', { timeoutMs: TIMEOUT });
    assert.strictEqual(o.ok ? 'ok' : o.error.code, 'sql_timeout');
    await alive();
  });

  it(`${WIDE}-column results: gold vs ${WIDE} candidates decided exactly (true for a column permutation, false for shuffled rows)`, async () => {
    const perm = [...cols].reverse();
    const gold = `SELECT ${cols.join(', ')} FROM bits`;
    const candidates = [
      `SELECT ${perm.join(', ')} FROM bits ORDER BY id DESC`,
      `SELECT ${cols.join(', ')} FROM shuffled`,
      ...Array.from({ length: WIDE - 2 }, (_, k) => `SELECT ${[...cols.slice(k), ...cols.slice(0, k)].join(', ')} FROM ${k % 2 ? 'shuffled' : 'bits'}`),
    ];
    const t0 = performance.now();
    const out = await rankSql({ dbPath, groups: [{ group: 'wide', prompt: '', candidates, reference: gold }], timeoutMs: 5000 }, { executor: ex });
    const ms = performance.now() - t0;
    const em = out.groups[0]!.candidates.map((c) => c.rewards.execution_match);
    assert.deepStrictEqual(em, [1, 0, ...Array.from({ length: WIDE - 2 }, (_, k): number => (k % 2 ? 0 : 1))]);
    // consensus: the 8 'bits' candidates agree with each other (7 of 15), the 'shuffled' ones each only with themselves.
    assert.strictEqual(out.groups[0]!.candidates[0]!.rewards.consensus, 7 / 15);
    assert.ok(ms < 30_000, `ranking took ${ms.toFixed(0)} ms`);
    await alive();
  });

  it('an exhausted comparison budget is a limit_exceeded verdict naming the setting and flag, not a hang', async () => {
    const gold = `SELECT ${cols.join(', ')} FROM bits`;
    const out = await rankSql(
      { dbPath, groups: [{ group: 'budget', prompt: '', candidates: [`SELECT ${[...cols].reverse().join(', ')} FROM bits`], reference: gold }], compareBudget: 1000 },
      { executor: ex },
    );
    const c = out.groups[0]!.candidates[0]!;
    assert.strictEqual(c.rewards.execution_match, undefined, 'undecided: no value');
    assert.strictEqual(c.error?.code, 'limit_exceeded');
    assert.match(c.error!.message, /1000 row visits.*rewardLens\.sql\.compareBudget.*--compare-budget/);
    await alive();
  });

  it('16 candidates x 10 000 rows: every pair compared on full results (no display cap), verdicts within the limit', async () => {
    const orders = ['a, b, c', 'c, b, a', 'b, a, c', 'a, c, b'];
    const candidates = Array.from({ length: 16 }, (_, k) => `SELECT ${orders[k % 4]} FROM big${k >= 12 ? ' WHERE id > 1' : ''}`);
    const t0 = performance.now();
    const out = await rankSql({ dbPath, groups: [{ group: 'big', prompt: '', candidates, reference: 'SELECT a, b, c FROM big' }], timeoutMs: 5000 }, { executor: ex });
    const ms = performance.now() - t0;
    const g = out.groups[0]!;
    assert.deepStrictEqual(g.candidates.map((c) => c.rewards.execution_match), candidates.map((_, k): number => (k >= 12 ? 0 : 1)));
    assert.strictEqual(g.reference!.result!.rowCount, 10000);
    assert.strictEqual(g.candidates[0]!.rewards.consensus, 11 / 15);
    assert.ok(ms < 60_000, `ranking took ${ms.toFixed(0)} ms`);
    await alive();
  });

  it('a result over the byte bound is result_too_large naming the setting and flag', async () => {
    const o = await ex.execute('SELECT * FROM big', { timeoutMs: 5000, byteCap: 1 << 16 });
    assert.strictEqual(o.ok ? 'ok' : o.error.code, 'result_too_large');
    assert.match(o.ok ? '' : o.error.message, /rewardLens\.sql\.maxResultMB.*--max-result-mb/);
    await alive();
  });

  it('a database over the size limit is refused with limit_exceeded naming the setting and flag', async () => {
    await assert.rejects(SqlExecutor.open(dbPath, { maxDatabaseBytes: 4096 }), (e: Error & { code?: string }) => {
      assert.strictEqual(e.code, 'limit_exceeded');
      assert.match(e.message, /over the 0\.0 MB limit.*rewardLens\.sql\.maxDatabaseMB.*--max-database-mb/);
      return true;
    });
    await alive();
  });
});
