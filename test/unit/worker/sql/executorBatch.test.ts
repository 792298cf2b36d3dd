/**
 * executeMany's batches: verdicts of fast statements come back together, a slow batch streams, each statement's
 * timeout counts from its own start in the thread (RunningClock), a cancel mid-batch stops it, and the verdicts are
 * those execute() gives one by one.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import { performance } from 'perf_hooks';
import { writeItemsDb } from './itemsDb';
import { SqlExecutor } from '../../../../src/worker/sql/executor';
import { RunningClock } from '../../../../src/worker/sql/threadProtocol';
import { rankSql } from '../../../../src/worker/sql/rankSql';
import { GEO_DB, geoAvailable, loadGeo, makePairs } from './geo';

const LOOP = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c';
/** A statement that runs for tens of milliseconds and ends (longer than the batch's 20 ms flush threshold). */
const SLOW = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 400000) SELECT count(*) FROM c';

const verdict = (o: { ok: boolean; rows?: unknown[][]; error?: { code: string } }) => (o.ok ? o.rows : o.error!.code);

describe('sql executor: batches', function () {
  this.timeout(60_000);
  let dir: string;
  let ex: SqlExecutor;

  before(async () => {
    const made = await writeItemsDb(50, 'reward-lens-batch-');
    dir = made.dir;
    ex = await SqlExecutor.open(made.dbPath);
  });
  after(() => {
    ex?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('40 statements in one batch: the verdicts execute() gives one by one, in order, each reported once', async () => {
    const sqls = Array.from({ length: 40 }, (_, i) =>
      i % 10 === 3 ? 'SELECT nme FROM items' : i % 10 === 7 ? 'DELETE FROM items' : `SELECT id, name, price * ${i} FROM items WHERE id <= ${i % 7} ORDER BY id`,
    );
    const seen: number[] = [];
    const many = await ex.executeMany(sqls, { timeoutMs: 5000 }, undefined, (i) => seen.push(i));
    const one = [];
    for (const s of sqls) one.push(await ex.execute(s, { timeoutMs: 5000 }));
    assert.deepStrictEqual(many.map(verdict), one.map(verdict));
    assert.deepStrictEqual([...seen].sort((a, b) => a - b), sqls.map((_, i) => i));
    assert.strictEqual(many[3]!.ok ? '' : many[3]!.error.code, 'sql_schema');
    assert.strictEqual(many[7]!.ok ? '' : many[7]!.error.code, 'sql_write');
  });

  it('reals that JSON would lose (+-Infinity, -0) come back exactly from a batch, as from one statement', async () => {
    const plain = ["SELECT 1.5, 'caf\u00e9 \u{1F600}', NULL, 9223372036854775807, x'00ff', -12", 'SELECT id, name, price FROM items ORDER BY id LIMIT 5'];
    const odd = ['SELECT 1e999, -1e999, -0.0, 0.0', ...plain];
    const strip = (o: { elapsedMs: number }) => ({ ...o, elapsedMs: 0 });
    for (const sqls of [plain, odd]) {
      const many = await ex.executeMany(sqls, { timeoutMs: 5000 });
      const one = [];
      for (const s of sqls) one.push(await ex.execute(s, { timeoutMs: 5000 }));
      assert.deepStrictEqual(many.map(strip), one.map(strip)); // deepStrictEqual tells -0 from 0
    }
    const special = (await ex.executeMany(odd.slice(0, 1), { timeoutMs: 5000 }))[0]!;
    assert.ok(special.ok);
    assert.deepStrictEqual(special.rows, [[Infinity, -Infinity, -0, 0]]);
    assert.ok(Object.is(special.rows[0]![2], -0));
  });

  it('a slow batch streams: the first verdict arrives before the next statement times out (not held until the batch ends)', async () => {
    await ex.whenReady();
    const timeoutMs = 3000;
    const at: number[] = [];
    const t0 = performance.now();
    const out = await ex.executeMany([SLOW, LOOP, 'SELECT count(*) FROM items'], { timeoutMs }, undefined, (i) => (at[i] = performance.now() - t0));
    assert.deepStrictEqual(out.map(verdict), [[[400000]], 'sql_timeout', [[50]]]);
    assert.ok(at[0]! < timeoutMs, `the first verdict came at ${at[0]!.toFixed(0)} ms, after the second statement's timeout`);
    assert.ok(at[1]! >= timeoutMs, `the timeout came at ${at[1]!.toFixed(0)} ms`);
  });

  it('the two threads share a batch: statements after a runaway one are answered before it is stopped', async () => {
    await ex.whenReady();
    const order: number[] = [];
    const out = await ex.executeMany([LOOP, 'SELECT 1', 'SELECT count(*) FROM items', SLOW], { timeoutMs: 2000 }, undefined, (i) => order.push(i));
    assert.deepStrictEqual(out.map(verdict), ['sql_timeout', [[1]], [[50]], [[400000]]]);
    // one thread is stuck in the loop; the other takes every statement after it, so the loop's verdict comes last
    assert.strictEqual(order.at(-1), 0, `verdicts in order ${order.join(',')}`);
  });

  it("a statement's timeout counts from its own start, not the batch's", async () => {
    await ex.whenReady();
    // Three slow statements, then a loop: the loop is stopped after its own allowance, the slow ones all finish.
    const timeoutMs = 1500;
    const t0 = performance.now();
    const out = await ex.executeMany([SLOW, SLOW, SLOW, LOOP], { timeoutMs });
    const ms = performance.now() - t0;
    assert.deepStrictEqual(out.map(verdict), [[[400000]], [[400000]], [[400000]], 'sql_timeout']);
    const loop = out[3]!;
    assert.ok(!loop.ok && loop.elapsedMs >= timeoutMs, `the loop ran ${loop.elapsedMs} ms`);
    assert.ok(ms >= timeoutMs);
  });

  it('a cancel mid-batch stops the running statement and the rest; the executor answers afterwards', async () => {
    await ex.whenReady();
    const ac = new AbortController();
    // Cancelled while the loops run (the two threads share the batch: SLOW then a loop on one, a loop on the other):
    // the slow statement's verdict had streamed out before.
    const out = await ex.executeMany([SLOW, LOOP, LOOP], { timeoutMs: 20_000 }, ac.signal, (i) => {
      if (i === 0) setTimeout(() => ac.abort(), 200);
    });
    assert.deepStrictEqual(out.map(verdict), [[[400000]], 'cancelled', 'cancelled']);
    const after = await ex.executeMany(['SELECT max(id) FROM items'], { timeoutMs: 5000 });
    assert.deepStrictEqual(after.map(verdict), [[[50]]]);
  });
});

describe('sql executor: a cancel while the copies reload', function () {
  this.timeout(60_000);
  it('is honoured (cancelled, not run until the statement times out)', async () => {
    const made = await writeItemsDb(50, 'reward-lens-reload-');
    const ex = await SqlExecutor.open(made.dbPath);
    try {
      await ex.whenReady();
      // a cancel stops both threads: the next batch has to wait for a fresh copy to load
      const first = new AbortController();
      setTimeout(() => first.abort(), 100);
      assert.deepStrictEqual((await ex.executeMany([LOOP, LOOP], { timeoutMs: 20_000 }, first.signal)).map(verdict), ['cancelled', 'cancelled']);
      const second = new AbortController();
      setTimeout(() => second.abort(), 1);
      const t0 = performance.now();
      const out = await ex.executeMany([LOOP], { timeoutMs: 20_000 }, second.signal);
      assert.deepStrictEqual(out.map(verdict), ['cancelled'], `after ${(performance.now() - t0).toFixed(0)} ms`);
    } finally {
      ex.close();
      fs.rmSync(made.dir, { recursive: true, force: true });
    }
  });
});

describe('RunningClock', () => {
  it('publishes the running item and its elapsed time; none after end()', async () => {
    const c = new RunningClock();
    assert.strictEqual(c.running(), null);
    c.begin(7);
    await new Promise((r) => setTimeout(r, 30));
    const r = c.running();
    assert.ok(r !== null && r.id === 7 && r.elapsedMs >= 25 && r.elapsedMs < 10_000, JSON.stringify(r));
    const other = new RunningClock(c.buffer);
    assert.strictEqual(other.running()!.id, 7, 'a second view of the same memory reads the same item');
    c.end();
    assert.strictEqual(other.running(), null);
  });
});

describe('rankSql: many groups in one batch', function () {
  this.timeout(120_000);
  it('ranks 24 GeoQuery groups in one call exactly as one call per group does (rewards, totals, ranks, errors, results)', async function () {
    if (!geoAvailable()) this.skip(); // needs ../shared/datasets/geography
    const entries = loadGeo();
    const pairs = makePairs(entries);
    const byGold = new Map<string, string[]>();
    for (const p of pairs) byGold.set(p.gold, [...(byGold.get(p.gold) ?? []), p.pred]);
    const groups = [...byGold].slice(0, 24).map(([gold, preds], i) => ({ group: `g${i}`, prompt: '', reference: gold, candidates: [gold, ...preds.slice(0, 6), 'DROP TABLE city', 'SELECT nme FROM cty'] }));
    const ex = await SqlExecutor.open(GEO_DB);
    try {
      const together = await rankSql({ dbPath: GEO_DB, groups, timeoutMs: 10_000 }, { executor: ex });
      const seen: string[] = [];
      const progress = await rankSql({ dbPath: GEO_DB, groups: groups.slice(0, 2), timeoutMs: 10_000 }, { executor: ex, progress: (p) => seen.push(`${p.group}:${p.index}`) });
      assert.strictEqual(progress.groups.length, 2);
      const key = (c: { rewards: unknown; total: unknown; advantage: unknown; rank: unknown; error: unknown; result: unknown; sql: unknown }) => JSON.stringify([c.rewards, c.total, c.advantage, c.rank, c.error, c.result, c.sql]);
      for (const [i, g] of groups.entries()) {
        const alone = (await rankSql({ dbPath: GEO_DB, groups: [g], timeoutMs: 10_000 }, { executor: ex })).groups[0]!;
        assert.deepStrictEqual(together.groups[i]!.candidates.map(key), alone.candidates.map(key), g.group);
      }
      // Every candidate and each reference of the two groups reported once.
      assert.deepStrictEqual([...seen].sort(), [...groups.slice(0, 2).flatMap((g) => [-1, ...g.candidates.map((_, k) => k)].map((k) => `${g.group}:${k}`))].sort());
    } finally {
      ex.close();
    }
  });
});
