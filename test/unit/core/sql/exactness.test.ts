import * as assert from 'assert';
import { compareBudget, compareCodePoints, pyBytesRepr, resultEq, birdEq } from '../../../../src/core/sql/resultEq';
import { decodeUtf8Ignore } from '../../../../src/core/sql/utf8';
import { removeDistinct, replaceCurYear, testSuiteEvalPipeline } from '../../../../src/core/sql/evalPipeline';
import { intValue, type SqlResultSet, type SqlValue } from '../../../../src/core/sql/types';

const rs = (rows: SqlValue[][], kinds?: string[]): SqlResultSet => ({ columns: rows[0]?.map((_, i) => `c${i}`) ?? [], rows, ...(kinds ? { kinds } : {}) });

describe('sql exactness (integers, bytes, text, reference pipelines)', () => {
  it('integers beyond 2^53 stay exact and compare as Python compares int and float', () => {
    assert.deepStrictEqual(intValue(9007199254740993n), { int: '9007199254740993' });
    assert.strictEqual(intValue(9007199254740991n), 9007199254740991);
    const big = rs([[intValue(9007199254740993n)]], ['i']);
    const neighbour = rs([[intValue(9007199254740992n)]], ['i']);
    assert.ok(!resultEq(big, neighbour, false), '2^53+1 != 2^53');
    assert.ok(!birdEq(big, neighbour));
    // int 2^53 == float 2^53.0 in Python, int 2^53+1 != float 2^53.0 (the nearest double).
    assert.ok(resultEq(neighbour, rs([[9007199254740992]], ['r']), false));
    assert.ok(!resultEq(big, rs([[9007199254740992]], ['r']), false));
    assert.ok(birdEq(rs([[{ int: '9223372036854775807' }]], ['i']), rs([[{ int: '9223372036854775807' }]], ['i'])));
  });

  it('bytes repr and code-point order follow Python', () => {
    assert.strictEqual(pyBytesRepr('00275c0a41ff'), "b\"\\x00'\\\\\\nA\\xff\"");
    assert.strictEqual(pyBytesRepr('2722'), "b'\\'\"'");
    assert.ok(compareCodePoints('\uE000', '😀') < 0, 'U+E000 sorts before U+1F600 by code point');
    assert.ok('\uE000' > '😀', 'while UTF-16 order says the opposite');
  });

  it('invalid UTF-8 is dropped byte-wise as bytes.decode(errors="ignore") does', () => {
    // Expected from CPython: b'a\xe2\x82Ab\xed\xa0\x80c\xf0\x9f\x98\x80\xc0\xafd\xf4\x90\x80\x80e'.decode(errors='ignore')
    const bytes = Uint8Array.from([0x61, 0xe2, 0x82, 0x41, 0x62, 0xed, 0xa0, 0x80, 0x63, 0xf0, 0x9f, 0x98, 0x80, 0xc0, 0xaf, 0x64, 0xf4, 0x90, 0x80, 0x80, 0x65]);
    assert.deepStrictEqual(decodeUtf8Ignore(bytes), { text: 'aAbc😀de', invalid: true });
    assert.deepStrictEqual(decodeUtf8Ignore(new TextEncoder().encode('café \uFFFD')), { text: 'café \uFFFD', invalid: false });
  });

  it('replace_cur_year, postprocess and remove_distinct as test-suite-sql-eval applies them', () => {
    assert.strictEqual(replaceCurYear('SELECT year ( CurDate( ) )  - 1'), 'SELECT 2020- 1');
    assert.strictEqual(replaceCurYear('SELECT YEAR(CURDATE)'), 'SELECT YEAR(CURDATE)');
    assert.strictEqual(removeDistinct("SELECT DISTINCT a, COUNT(distinct b), 'distinct' FROM t; SELECT 1"), "SELECT  a, COUNT( b), 'distinct' FROM t;");
    assert.strictEqual(testSuiteEvalPipeline('SELECT a FROM t WHERE a > = 1'), 'SELECT a FROM t WHERE a >= 1');
  });

  it('the comparison budget is shared and its exhaustion names the setting and the flag', () => {
    const rows = Array.from({ length: 50 }, (_, i) => [i % 2, (i >> 1) % 2, (i >> 2) % 2, (i >> 3) % 2, (i >> 4) % 2]);
    const gold = rs(rows);
    const pred = rs(rows.map((r) => [...r].reverse()));
    assert.ok(resultEq(gold, pred, false, compareBudget(1e6)));
    assert.throws(() => resultEq(gold, rs(rows.map((r) => [...r].reverse())), false, compareBudget(10)), /rewardLens\.sql\.compareBudget \/ --compare-budget/);
  });
});
