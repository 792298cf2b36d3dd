/**
 * execution_match against a Python oracle of test-suite-sql-eval's result_eq (test/fixtures/sql/result_eq_oracle.py),
 * which runs the same gold/variant pairs with Python's own sqlite3 on the same GeoQuery file.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as path from 'path';
import { computeSqlRewards } from '../../../../src/core/sql/sqlRewards';
import type { ExecOutcome } from '../../../../src/core/sql/types';
import { SqlExecutor } from '../../../../src/worker/sql/executor';
import { GEO_DB, geoAvailable, loadGeo, makePairs } from './geo';

const ORACLE = path.resolve(__dirname, '../../../fixtures/sql/result_eq_oracle.py');

describe('execution_match fidelity (GeoQuery vs Python test-suite-sql-eval oracle)', function () {
  this.timeout(300_000);
  let ex: SqlExecutor | null = null;
  after(() => ex?.close());

  it('agrees with result_eq on every gold/variant pair', async function () {
    if (!geoAvailable()) {
      console.log(`      skipped: GeoQuery not found at ${GEO_DB}`);
      this.skip();
    }
    const pairs = makePairs(loadGeo());
    const oracle = JSON.parse(execFileSync('python3', [ORACLE, GEO_DB], { input: JSON.stringify(pairs), maxBuffer: 64 << 20 }).toString()) as Array<{ gold_ok: boolean; pred_ok: boolean; eq: boolean }>;
    assert.strictEqual(oracle.length, pairs.length);

    ex = await SqlExecutor.open(GEO_DB);
    const memo = new Map<string, ExecOutcome>();
    const run = async (sql: string) => {
      let o = memo.get(sql);
      if (!o) {
        o = await ex!.execute(sql, { timeoutMs: 10_000, rowCap: 100_000 });
        memo.set(sql, o);
      }
      return o;
    };
    let compared = 0;
    let equal = 0;
    const disagreements: string[] = [];
    const kinds: Record<string, { n: number; eq: number }> = {};
    for (const [i, p] of pairs.entries()) {
      const o = oracle[i]!;
      const gold = await run(p.gold);
      const pred = await run(p.pred);
      if (gold.ok !== o.gold_ok || pred.ok !== o.pred_ok) {
        disagreements.push(`${p.kind}: ok-ness differs (js ${gold.ok}/${pred.ok}, py ${o.gold_ok}/${o.pred_ok}) ${p.pred.slice(0, 120)}`);
        continue;
      }
      if (!gold.ok) continue;
      const [r] = computeSqlRewards([{ text: p.pred, sql: p.pred, outcome: pred }], { sql: p.gold, outcome: gold });
      const js = r!.execution_match === 1;
      compared++;
      if (js) equal++;
      const k = (kinds[p.kind] ??= { n: 0, eq: 0 });
      k.n++;
      if (js) k.eq++;
      if (js !== o.eq) disagreements.push(`${p.kind}: js ${js} py ${o.eq}: ${p.gold.slice(0, 100)} | ${p.pred.slice(0, 100)}`);
    }
    console.log(`      ${compared} pairs compared (${equal} equal, ${compared - equal} not), ${disagreements.length} disagreements`);
    console.log(`      by kind: ${Object.entries(kinds).map(([k, v]) => `${k} ${v.eq}/${v.n}`).join(', ')}`);
    assert.deepStrictEqual(disagreements, []);
    assert.ok(compared >= 300, `only ${compared} pairs`);
    assert.ok(equal >= 100 && compared - equal >= 100, 'both outcomes well represented');
  });
});
