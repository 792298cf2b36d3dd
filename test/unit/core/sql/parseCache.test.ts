import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ParseCache, PARSE_CACHE_ENTRIES } from '../../../../src/core/sql/parseCache';
import { checkReadOnly, checkReadOnlyUncached, policyCache } from '../../../../src/core/sql/policy';
import { glotCache, sqlglotNormalise, sqlglotNormaliseUncached } from '../../../../src/core/sql/sqlglot';
import { refsCache, sqlRefs, sqlRefsUncached } from '../../../../src/core/sql/sqlRefs';
import { ngramTokenCache, ngramTokens, ngramTokensUncached } from '../../../../src/core/sql/ngram';
import { computeSqlRewards, type SqlCandidateEval } from '../../../../src/core/sql/sqlRewards';
import type { ExecOutcome } from '../../../../src/core/sql/types';
import { lex } from '../../../../src/core/sql/lexer';
import { geoAvailable, loadGeo, makePairs } from '../../worker/sql/geo';

const FIXTURE = path.resolve(__dirname, '../../../fixtures/sql/model_style_queries.sql');

/** The texts the caches are checked on: the repo's model-style queries, hostile-ish strings, and GeoQuery when present. */
function corpus(): string[] {
  const out = fs.readFileSync(FIXTURE, 'utf8').split(/;\s*\n/).map((s) => s.trim()).filter(Boolean);
  out.push(
    'SELECT 1',
    'select name from city where population > 150000 order by name limit 3',
    'SELECT a FROM t; DROP TABLE t',
    'DELETE FROM t',
    "SELECT 'unterminated",
    'WITH x AS (SELECT 1) SELECT * FROM x',
    'SELEC * FROM items',
    '',
    '1'.repeat(450) + 'e5',
    'SELECT ' + 'x'.repeat(5000) + ' FROM t', // over the cached-text bound: parsed every time
  );
  if (geoAvailable()) {
    const geo = loadGeo();
    for (const e of geo) out.push(e.sql);
    for (const p of makePairs(geo).slice(0, 600)) out.push(p.pred);
  }
  return out;
}

const clearAll = () => [policyCache, glotCache, refsCache, ngramTokenCache].forEach((c) => c.clear());

describe('sql parse cache', () => {
  it('is bounded by entries: the least recently used goes first, a hit keeps an entry, misses and hits are counted', () => {
    const c = new ParseCache<number>(3);
    let parses = 0;
    const parse = (s: string) => (parses++, s.length);
    for (const s of ['a', 'bb', 'ccc']) c.get('sqlite', s, parse);
    assert.strictEqual(c.get('sqlite', 'a', parse), 1); // a hit: 'a' is now the most recently used
    c.get('sqlite', 'dddd', parse); // over the bound: 'bb' (least recently used) goes
    assert.strictEqual(c.size, 3);
    assert.strictEqual(parses, 4);
    c.get('sqlite', 'a', parse);
    c.get('sqlite', 'ccc', parse);
    assert.strictEqual(parses, 4, 'a and ccc stayed');
    c.get('sqlite', 'bb', parse);
    assert.strictEqual(parses, 5, 'bb was evicted and is parsed again');
    assert.deepStrictEqual(c.stats, { hits: 3, misses: 5, size: 3, maxEntries: 3 });
    for (let i = 0; i < 100; i++) c.get('sqlite', `q${i}`, parse);
    assert.strictEqual(c.size, 3);
  });

  it('keys by the exact text: case, spacing and a trailing semicolon are different entries', () => {
    const c = new ParseCache<string>(10);
    const seen: string[] = [];
    const parse = (s: string) => (seen.push(s), s);
    for (const s of ['SELECT 1', 'select 1', 'SELECT  1', 'SELECT 1;', 'SELECT 1']) assert.strictEqual(c.get('sqlite', s, parse), s);
    assert.deepStrictEqual(seen, ['SELECT 1', 'select 1', 'SELECT  1', 'SELECT 1;']);
  });

  it('never keeps a text over its length bound (it is parsed each time)', () => {
    const c = new ParseCache<number>(10, 100);
    let parses = 0;
    const long = 'SELECT ' + '1 + '.repeat(50) + '1';
    for (let i = 0; i < 3; i++) c.get('sqlite', long, () => ++parses);
    assert.strictEqual(parses, 3);
    assert.strictEqual(c.size, 0);
  });

  it('the module caches are bounded', () => {
    clearAll();
    for (let i = 0; i < PARSE_CACHE_ENTRIES + 50; i++) checkReadOnly(`SELECT ${i}`);
    assert.strictEqual(policyCache.size, PARSE_CACHE_ENTRIES);
    clearAll();
  });

  it('gives the same results as the uncached parsers, cold and warm (policy, sqlglot, node-sql-parser names, n-gram tokens)', function () {
    this.timeout(120_000);
    const texts = corpus();
    clearAll();
    for (const pass of ['cold', 'warm']) {
      for (const sql of texts) {
        assert.deepStrictEqual(checkReadOnly(sql), checkReadOnlyUncached(sql), `${pass} policy: ${sql.slice(0, 80)}`);
        assert.deepStrictEqual(sqlglotNormalise(sql), sqlglotNormaliseUncached(sql), `${pass} sqlglot: ${sql.slice(0, 80)}`);
        assert.deepStrictEqual(sqlRefs(sql), sqlRefsUncached(sql), `${pass} refs: ${sql.slice(0, 80)}`);
        assert.deepStrictEqual(ngramTokens(sql), ngramTokensUncached(sql), `${pass} ngram: ${sql.slice(0, 80)}`);
      }
    }
    assert.ok(policyCache.stats.hits >= texts.length - 20, `warm pass answered from the cache (${JSON.stringify(policyCache.stats)})`);
  });

  it('a caller that changes a returned verdict does not change the next one', () => {
    const v = checkReadOnly('DROP TABLE t');
    assert.ok(!v.ok);
    v.error.message = 'changed';
    const again = checkReadOnly('DROP TABLE t');
    assert.ok(!again.ok && again.error.code === 'sql_ddl' && again.error.message !== 'changed');
  });

  it('rewards of a group are the same from cold caches, warm caches, and after the caches were cleared mid-way', () => {
    const ok = (rows: Array<Array<string | number>>): ExecOutcome => ({ ok: true, columns: ['a'], rows, kinds: rows.map((r) => r.map((v) => (typeof v === 'number' ? 'i' : 't')).join('')), rowCount: rows.length, elapsedMs: 1 });
    const gold = { sql: 'SELECT name FROM city WHERE population > 150000', outcome: ok([['austin'], ['dallas']]) };
    const texts = [gold.sql, 'select name from city where population > 150000', 'SELECT c.name FROM city AS c WHERE c.population > 150000', 'SELECT name FROM city', 'SELECT nme FROM cty'];
    const cands: SqlCandidateEval[] = texts.map((t, i) => ({ text: t, sql: t, outcome: i < 3 ? ok([['austin'], ['dallas']]) : i === 3 ? ok([['austin']]) : { ok: false, stage: 'prepare', error: { code: 'sql_schema', message: 'no such table: cty' }, elapsedMs: 0 } }));
    const schema = { tables: [{ name: 'city', kind: 'table' as const, columns: [{ name: 'name', type: 'text', notNull: false, pk: 0, samples: [] }, { name: 'population', type: 'int', notNull: false, pk: 0, samples: [] }], primaryKey: [], foreignKeys: [], rowCount: 2 }] };
    clearAll();
    const cold = computeSqlRewards(cands, gold, { schema, tagged: false });
    const warm = computeSqlRewards(cands, gold, { schema, tagged: false });
    glotCache.clear();
    const mixed = computeSqlRewards(cands, gold, { schema, tagged: false });
    assert.deepStrictEqual(warm, cold);
    assert.deepStrictEqual(mixed, cold);
    assert.ok(cold[1]!.ngram! > 0.99 && cold[3]!.ngram! < 1, JSON.stringify(cold.map((r) => r.ngram)));
  });
});

describe('sql lexer: numeric literals', () => {
  it('a literal over 400 characters is cut at 400 and the rest lexed as the next token, as before', () => {
    const t = lex('1'.repeat(450) + 'e5').tokens;
    assert.deepStrictEqual(t.map((x) => [x.kind, x.text.length]), [['number', 400], ['number', 52]]);
    assert.strictEqual(t[1]!.text, '1'.repeat(50) + 'e5');
  });
  it('hex, fractions and exponents', () => {
    assert.deepStrictEqual(lex('SELECT 0x1F, .5, 1.5e-3, 12_3, 1e').tokens.filter((x) => x.kind === 'number').map((x) => x.text), ['0x1F', '.5', '1.5e-3', '12_3', '1']);
  });
});
