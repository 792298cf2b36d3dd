/**
 * execution_match equals the reference evaluators' own code (../shared/oracles: test-suite-sql-eval exec_eval.py,
 * BIRD evaluation.py), run by test/fixtures/sql/oracle_exec.py on the same database files, in three modes:
 * test-suite (default), test-suite with its evaluation.py pipeline (`evalPipeline`), BIRD (`match: 'bird'`).
 * Cases: GeoQuery gold vs rewrites, seeded mutations and other gold; every pair of queries over a generated database of
 * awkward values. A golden subset (odd database only, which the repo generates) lives in test/fixtures/sql so a clone
 * without ../shared still checks something; UPDATE_GOLDEN=1 rewrites it from the oracle.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { SqlRankParams } from '../../../../src/core/sql/protocol';
import { SqlExecutor } from '../../../../src/worker/sql/executor';
import { rankSql } from '../../../../src/worker/sql/rankSql';
import { GEO_DB, geoAvailable, type Pair } from './geo';
import { FIXTURES, oracleMissing, runOracle } from './oracle';
import { geoCases, oddCases, writeOddDb } from './oracleCorpus';

type Verdict = number | string;
interface OracleRow {
  ts: Verdict;
  tsp: Verdict;
  bird: Verdict;
}
type Mode = keyof OracleRow;
const MODES: Mode[] = ['ts', 'tsp', 'bird'];
const GOLDEN = path.join(FIXTURES, 'golden_execution_match.json');

interface Golden {
  cases: Array<{ gold: string; pred: string } & OracleRow>;
}

/**
 * Divergences found by differential fuzzing against the oracle on GeoQuery, minimised: SQLite's own functions, not
 * sql.js's legacy extension set (log() base 10, floor() real, no median()/stdev()); Python's sqlite3 refusing text
 * after the first statement's `;` (`;;`); a text with no statement (comments only) running as no rows, as a gold too;
 * the evaluation pipeline keeping only the first statement (`;SELECT ...` is `;`).
 */
const FUZZ_CASES: Pair[] = [
  { kind: 'fuzz', gold: "SELECT 2.0", pred: "SELECT log(100)" },
  { kind: 'fuzz', gold: "SELECT median(population) FROM state", pred: "SELECT AVG(population) FROM state" },
  { kind: 'fuzz', gold: "SELECT state_name FROM state", pred: "SELECT stdev(population) FROM state" },
  { kind: 'fuzz', gold: "SELECT floor(1.5), '1.'", pred: "SELECT 1.0, '1.'" },
  { kind: 'fuzz', gold: "SELECT state_name FROM state", pred: "SELECT state_name FROM state;;" },
  { kind: 'fuzz', gold: "SELECT state_name FROM state;;", pred: "SELECT state_name FROM state" },
  { kind: 'fuzz', gold: "SELECT state_name FROM state WHERE 0", pred: "-- no answer" },
  { kind: 'fuzz', gold: "SELECT state_name FROM state", pred: "-- no answer" },
  { kind: 'fuzz', gold: "SELECT state_name FROM state WHERE 0", pred: ";SELECT state_name FROM state" },
  { kind: 'fuzz', gold: "-- x", pred: "SELECT state_name FROM state WHERE 0" },
];

/** Our execution_match for each case in one mode (one group per case, as `rank` would see it). */
async function ours(ex: SqlExecutor, dbPath: string, cases: readonly Pair[], mode: Mode): Promise<Array<number | null>> {
  const params: SqlRankParams = {
    dbPath,
    groups: cases.map((c, i) => ({ group: String(i), prompt: '', candidates: [c.pred], reference: c.gold })),
    match: mode === 'bird' ? 'bird' : 'test-suite',
    timeoutMs: 20_000,
    ...(mode === 'tsp' ? { evalPipeline: true } : {}),
  };
  const out = await rankSql(params, { executor: ex });
  // No execution_match when the gold (as compared) fails.
  return out.groups.map((g) => g.candidates[0]!.rewards.execution_match ?? null);
}

/** Agreement of ours with the oracle; a case whose gold fails on both sides is not scored by either. */
function compare(cases: readonly Pair[], oracle: readonly OracleRow[], got: Record<Mode, Array<number | null>>) {
  const table: Record<Mode, { cases: number; agree: number; skipped: number }> = { ts: { cases: 0, agree: 0, skipped: 0 }, tsp: { cases: 0, agree: 0, skipped: 0 }, bird: { cases: 0, agree: 0, skipped: 0 } };
  const bad: string[] = [];
  cases.forEach((c, i) => {
    for (const m of MODES) {
      const want = oracle[i]![m];
      let mine = got[m][i]!;
      if (want === 'gold_error' && mine === null) {
        table[m].skipped++;
        continue;
      }
      // BIRD scores 0 when its gold raises (e.g. invalid UTF-8 under the default text_factory); ours ran it.
      const expected = want === 'gold_error' && m === 'bird' ? 0 : want;
      if (mine === null) mine = -1;
      table[m].cases++;
      if (mine === expected) table[m].agree++;
      else if (bad.length < 40) bad.push(`${m} ${c.kind}: ours ${mine} ref ${String(want)}\n        gold: ${c.gold.slice(0, 160)}\n        pred: ${c.pred.slice(0, 160)}`);
    }
  });
  return { table, bad };
}

function printTable(label: string, table: ReturnType<typeof compare>['table']): void {
  console.log(`      ${label}`);
  for (const m of MODES) {
    const t = table[m];
    console.log(`        ${m.padEnd(5)} cases ${String(t.cases).padStart(5)}  agree ${String(t.agree).padStart(5)}  ${((100 * t.agree) / Math.max(1, t.cases)).toFixed(2)}%  (gold fails on both sides: ${t.skipped})`);
  }
}

describe('execution_match = reference evaluators (test-suite, test-suite pipeline, BIRD)', function () {
  this.timeout(900_000);
  let dir: string;
  const opened: SqlExecutor[] = [];
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reward-lens-oracle-exec-'));
  });
  after(() => {
    for (const e of opened) e.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function oddDb(): Promise<string> {
    // Alone in its folder: eval_exec_match runs on every .sqlite file beside the one it is given.
    fs.mkdirSync(path.join(dir, 'odd'), { recursive: true });
    const db = path.join(dir, 'odd', 'odd.sqlite');
    if (!fs.existsSync(db)) await writeOddDb(db);
    return db;
  }

  /** A copy of GeoQuery in its own folder (the executor must not touch the shared file); skips without the oracles. */
  function geoCopy(ctx: Mocha.Context, sub: string): string {
    const missing = oracleMissing(['exec_eval', 'bird_evaluation']) ?? (geoAvailable() ? null : `GeoQuery not found at ${GEO_DB}`);
    if (missing) {
      console.log(`      skipped: ${missing}`);
      ctx.skip();
    }
    fs.mkdirSync(path.join(dir, sub), { recursive: true });
    const geoDb = path.join(dir, sub, 'geography.sqlite');
    fs.copyFileSync(GEO_DB, geoDb);
    return geoDb;
  }

  async function oursAll(db: string, cases: readonly Pair[]): Promise<Record<Mode, Array<number | null>>> {
    const ex = await SqlExecutor.open(db);
    opened.push(ex);
    return { ts: await ours(ex, db, cases, 'ts'), tsp: await ours(ex, db, cases, 'tsp'), bird: await ours(ex, db, cases, 'bird') };
  }

  it('agrees with the oracle on every GeoQuery and odd-database case (at least 2,000 per mode)', async function () {
    const geoDb = geoCopy(this, 'geo');
    const odd = await oddDb();
    const geo = geoCases();
    const oddPairs = oddCases();
    const [geoRef, oddRef] = runOracle<OracleRow[][]>('oracle_exec.py', [
      { db: geoDb, cases: geo.map(({ gold, pred }) => ({ gold, pred })) },
      { db: odd, cases: oddPairs.map(({ gold, pred }) => ({ gold, pred })) },
    ]) as [OracleRow[], OracleRow[]];
    const cases = [...geo, ...oddPairs];
    const oracle = [...geoRef, ...oddRef];
    const mine = await oursAll(geoDb, geo);
    const mineOdd = await oursAll(odd, oddPairs);
    const got = { ts: [...mine.ts, ...mineOdd.ts], tsp: [...mine.tsp, ...mineOdd.tsp], bird: [...mine.bird, ...mineOdd.bird] };
    const { table, bad } = compare(cases, oracle, got);
    printTable(`${geo.length} GeoQuery + ${oddPairs.length} odd-database cases`, table);
    for (const m of MODES) {
      const pos = cases.filter((_, i) => oracle[i]![m] === 1).length;
      console.log(`        ${m}: reference says match in ${pos} cases`);
    }
    if (process.env.UPDATE_GOLDEN === '1') {
      // Every 25th odd case plus every positive of the interesting kinds, with the oracle's verdicts.
      const keep = oddPairs.map((c, i) => ({ gold: c.gold, pred: c.pred, ...oddRef[i]! })).filter((c, i) => i % 25 === 0 || (c.ts === 1 && c.gold !== c.pred && i % 3 === 0));
      fs.writeFileSync(GOLDEN, JSON.stringify({ cases: keep } satisfies Golden, null, 1) + '\n');
    }
    assert.deepStrictEqual(bad, []);
    for (const m of MODES) assert.ok(table[m].cases >= 2000, `${m}: only ${table[m].cases} cases`);
  });

  it('agrees with the oracle on the minimised fuzzing divergences (every mode, exactly)', async function () {
    const geoDb = geoCopy(this, 'geo-fuzz');
    const [ref] = runOracle<OracleRow[][]>('oracle_exec.py', [{ db: geoDb, cases: FUZZ_CASES.map(({ gold, pred }) => ({ gold, pred })) }]) as [OracleRow[]];
    const { table, bad } = compare(FUZZ_CASES, ref, await oursAll(geoDb, FUZZ_CASES));
    printTable(`${FUZZ_CASES.length} fuzzing cases`, table);
    assert.deepStrictEqual(bad, []);
  });

  it('agrees with the golden verdicts stored in the repo (no ../shared needed)', async () => {
    const golden = JSON.parse(fs.readFileSync(GOLDEN, 'utf8')) as Golden;
    assert.ok(golden.cases.length >= 200, `only ${golden.cases.length} golden cases`);
    const odd = await oddDb();
    const pairs: Pair[] = golden.cases.map((c) => ({ kind: 'golden', gold: c.gold, pred: c.pred }));
    const got = await oursAll(odd, pairs);
    const { table, bad } = compare(pairs, golden.cases, got);
    printTable(`${pairs.length} golden cases`, table);
    assert.deepStrictEqual(bad, []);
  });
});
