/** Parts of the reward server: admission gate, SQL pool bounds, OpenRLHF labels and responses. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Gate, QueueFull } from '../../../src/cli/serve/gate';
import { parseLabel, responseOf } from '../../../src/cli/serve/server';
import { executorBytes, SqlPool } from '../../../src/cli/serve/sqlPool';
import { SqlExecutor } from '../../../src/worker/sql/executor';
import { SHOP } from './helpers';

describe('reward server parts', function () {
  this.timeout(60_000);

  it('Gate: runs maxActive at once, queues maxQueue, refuses beyond, hands slots over in order, drops cancelled waiters', async () => {
    const seen: [number, number][] = [];
    const g = new Gate(2, 1, (a, q) => seen.push([a, q]));
    const r1 = await g.enter();
    const r2 = await g.enter();
    const ac = new AbortController();
    let third = false;
    const p3 = g.enter(ac.signal).then((r) => ((third = true), r));
    await assert.rejects(g.enter(), (e: unknown) => e instanceof QueueFull && /--queue/.test((e as Error).message));
    assert.strictEqual(g.queued, 1);
    r1();
    r1(); // a second release of the same slot does nothing
    const r3 = await p3;
    assert.ok(third);
    assert.strictEqual(g.inFlight, 2);
    const ac4 = new AbortController();
    const p4 = g.enter(ac4.signal);
    ac4.abort();
    await assert.rejects(p4, /cancelled/);
    assert.strictEqual(g.queued, 0);
    r2();
    r3();
    assert.strictEqual(g.inFlight, 0);
    assert.deepStrictEqual(seen[seen.length - 1], [0, 0]);
  });

  it('SqlPool: opens executors only while all are busy, up to the size; evicts idle databases over the byte bound', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-pool-'));
    const a = path.join(dir, 'a.sqlite');
    const b = path.join(dir, 'b.sqlite');
    fs.copyFileSync(SHOP, a);
    fs.copyFileSync(SHOP, b);
    const size = executorBytes(fs.statSync(SHOP).size);
    const opened: string[] = [];
    // Room for 3 executors of one database, not for a second database besides.
    const pool = new SqlPool({ size: 3, maxBytes: size * 3, open: (p) => (opened.push(p), SqlExecutor.open(p)) });
    try {
      const group = (n: number) => ({ group: String(n), prompt: '', candidates: ['SELECT count(*) FROM products', 'SELECT 1'], reference: null });
      const one = await pool.run({ dbPath: a, groups: [group(0)] });
      assert.strictEqual(one.groups[0]!.candidates[0]!.error, null);
      assert.strictEqual(opened.length, 1, 'one group, one executor');
      const many = await pool.run({ dbPath: a, groups: [0, 1, 2, 3, 4, 5].map(group) });
      assert.deepStrictEqual(many.groups.map((g) => g.group), ['0', '1', '2', '3', '4', '5'], 'output keeps group order');
      assert.ok(opened.length <= 3, `at most size executors (${opened.length})`);
      assert.ok(pool.bytes <= size * 3);
      await pool.run({ dbPath: b, groups: [group(0)] });
      assert.strictEqual(pool.state().databases, 1, 'the idle database a was closed to stay under the bound');
      assert.ok(pool.bytes <= size * 3);
      const tiny = new SqlPool({ size: 1, maxBytes: 1024 });
      await assert.rejects(tiny.run({ dbPath: a, groups: [group(0)] }), /--db-cache-mb/);
    } finally {
      pool.closeAll();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('OpenRLHF: the response is the query minus its prompt, end tokens dropped; labels are gold text or JSON objects', () => {
    assert.strictEqual(responseOf('<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\nSELECT 1<|im_end|>', '<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n'), 'SELECT 1');
    assert.strictEqual(responseOf('PROMPT answer</s>', 'PROMPT '), 'answer');
    assert.strictEqual(responseOf('<s>PROMPT answer', 'PROMPT '), 'answer', 'a BOS token before the prompt');
    assert.strictEqual(responseOf('no prompt here', ''), 'no prompt here');
    assert.deepStrictEqual(parseLabel('SELECT 1', 'sql', 0), { task: 'sql', fields: { reference: 'SELECT 1' } });
    assert.deepStrictEqual(parseLabel('{"task": "sql", "reference": "SELECT 2", "db": "x.sqlite"}', 'patch', 0), { task: 'sql', fields: { reference: 'SELECT 2', db: 'x.sqlite' } });
    assert.deepStrictEqual(parseLabel({ reference: 'r' }, 'patch', 0), { task: 'patch', fields: { reference: 'r' } });
    const spec = '{"mark": "bar"}';
    assert.deepStrictEqual(parseLabel(spec, 'chart', 0), { task: 'chart', fields: { reference: spec } }, 'a bare chart spec is the reference');
    assert.deepStrictEqual(parseLabel('{not json', 'sql', 0), { task: 'sql', fields: { reference: '{not json' } });
    assert.throws(() => parseLabel({ task: 'nope' }, 'sql', 3), /labels\[3\]\.task/);
    assert.throws(() => parseLabel(5, 'sql', 1), /labels\[1\]/);
  });
});
