/**
 * The execution thread's wasm memory stays where it is over many queries: sql.js copies each query's text into its
 * heap and frees the copy only when a statement iterator runs to its end, which the executor (first statement only)
 * never did until it closed the iterator itself. 2,000 queries of 16 KB leaked 32 MB before.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import { writeItemsDb } from './itemsDb';
import { SqlExecutor } from '../../../../src/worker/sql/executor';

describe('SQL executor memory', function () {
  this.timeout(120_000);
  let dir: string;
  let ex: SqlExecutor;

  before(async () => {
    const made = await writeItemsDb(2, 'rl-sqlmem-');
    dir = made.dir;
    ex = await SqlExecutor.open(made.dbPath);
  });
  after(() => {
    ex?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('does not grow with the text of the queries it has run (statement iterators are closed)', async () => {
    // A long comment makes each query's text 16 KB; the results are tiny.
    const pad = `/* ${'x'.repeat(16 * 1024)} */`;
    const query = (i: number) => `SELECT name FROM items WHERE id = ${1 + (i % 2)} ${pad}`;
    // Warm-up: the heap reaches its working size (SQLite's page cache, the first statements).
    await ex.executeMany(Array.from({ length: 200 }, (_, i) => query(i)));
    const before = await ex.memory();
    assert.ok(before > 0, 'the thread reports its wasm memory');
    for (let round = 0; round < 10; round++) {
      const outs = await ex.executeMany(Array.from({ length: 200 }, (_, i) => query(i)));
      assert.ok(outs.every((o) => o.ok), 'every query ran');
    }
    const after = await ex.memory();
    // 2,000 x 16 KB = 32 MB of query text went through the thread.
    assert.ok(after - before < 8 * 2 ** 20, `wasm memory grew ${((after - before) / 2 ** 20).toFixed(1)} MB over 2,000 queries of 16 KB (from ${(before / 2 ** 20).toFixed(1)} MB)`);
  });
});
