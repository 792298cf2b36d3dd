import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { rankSql } from '../../../../src/worker/sql/rankSql';
import { closeAllExecutors, getExecutor } from '../../../../src/worker/sql/executor';
import { rankSqlCommand, readSqlRankInput } from '../../../../src/cli/rank/sql';
import { sqlHandlers } from '../../../../src/worker/handlers/sql';
import { buildSqlPrompt } from '../../../../src/core/sql/prompt';
import type { SqlRankOutput } from '../../../../src/core/sql/protocol';
import { REWARD_DEFINITIONS, SQL_BIRD_EXECUTION_MATCH } from '../../../../src/core/rewardVersions';

const SHOP = path.resolve(__dirname, '../../../../fixtures/sample-workspace/shop.sqlite');
const BEST = 'SELECT p.name FROM products p JOIN order_items oi ON oi.product_id = p.id GROUP BY p.id ORDER BY sum(oi.quantity) DESC LIMIT 3';

describe('rankSql (sample shop database)', function () {
  this.timeout(60_000);
  after(() => closeAllExecutors());

  it('extracts the schema with keys and samples, and builds a prompt from it', async () => {
    const schema = await (await getExecutor(SHOP)).schema();
    const items = schema.tables.find((t) => t.name === 'order_items')!;
    assert.deepStrictEqual(items.primaryKey, ['order_id', 'product_id']);
    assert.deepStrictEqual(items.foreignKeys.map((f) => f.refTable).sort(), ['orders', 'products']);
    assert.strictEqual(schema.tables.find((t) => t.name === 'customers')!.rowCount, 120);
    assert.ok(schema.tables.find((t) => t.name === 'products')!.columns.find((c) => c.name === 'category')!.samples.length > 0);
    const [, user] = buildSqlPrompt(schema, 'best sellers?');
    assert.match(user!.content, /CREATE TABLE order_items/);
  });

  it('ranks a group with a gold query: execution_match decides, refusals rank last', async () => {
    const out = await rankSql({
      dbPath: SHOP,
      groups: [{
        group: 'best', prompt: 'top 3 products by units sold', reference: BEST,
        candidates: [
          '```sql\nSELECT name FROM products ORDER BY price DESC LIMIT 3\n```',
          `<reasoning>\nsum quantities\n</reasoning>\n<answer>\n${BEST.replace('p.name', 'p.name AS product')}\n</answer>\n`,
          'DELETE FROM orders',
          'SELECT nme FROM products',
        ],
      }],
    });
    const g = out.groups[0]!;
    assert.deepStrictEqual(g.candidates.map((c) => c.rank), [2, 1, 4, 3]);
    assert.strictEqual(g.candidates[1]!.rewards.execution_match, 1);
    assert.strictEqual(g.candidates[1]!.rewards.format, 1);
    assert.strictEqual(g.candidates[0]!.rewards.execution_match, 0);
    assert.deepStrictEqual(g.candidates[2]!.error?.code, 'sql_write');
    assert.strictEqual(g.candidates[3]!.rewards.schema_valid, 0);
    assert.strictEqual(g.candidates[1]!.result!.rowCount, 3);
    assert.strictEqual(g.reference!.error, null);
    assert.strictEqual(g.allEqual, false);
    const totals = g.candidates.map((c) => c.total);
    const mean = totals.reduce((a, b) => a + b) / totals.length;
    assert.ok(Math.abs(g.candidates.reduce((a, c) => a + c.advantage, 0)) < 1e-9, 'advantages sum to 0');
    assert.ok(g.candidates[1]!.total > mean);
  });

  it('without gold, consensus leads; identical groups are flagged allEqual', async () => {
    const out = await rankSql({
      dbPath: SHOP,
      groups: [
        { group: 'n', prompt: 'how many customers', candidates: ['SELECT count(*) FROM customers', 'SELECT count(id) FROM customers', 'SELECT count(*) FROM orders'] },
        { group: 'same', prompt: 'x', candidates: ['SELECT 1', 'SELECT 1'] },
      ],
    });
    const n = out.groups[0]!;
    assert.deepStrictEqual(n.candidates.map((c) => c.rewards.consensus), [0.5, 0.5, 0]);
    assert.deepStrictEqual(n.candidates.map((c) => c.rank), [1, 2, 3]);
    assert.strictEqual(n.weights.consensus, 2);
    assert.strictEqual(out.groups[1]!.allEqual, true);
  });

  it('the sql.rank handler and the CLI share the code path and the output shape', async () => {
    const ctl = new AbortController();
    const progress: unknown[] = [];
    const viaWorker = (await sqlHandlers['sql.rank']!(
      { dbPath: SHOP, groups: [{ group: 'g', prompt: 'p', candidates: ['SELECT count(*) FROM products', 'SELECT 2'] }], weights: { syntax: 0 } },
      { signal: ctl.signal, progress: (d) => progress.push(d), log: () => undefined },
    )) as SqlRankOutput;
    assert.strictEqual(progress.length, 2);
    assert.strictEqual(viaWorker.groups[0]!.weights.syntax, 0);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reward-lens-cli-'));
    const input = path.join(dir, 'in.jsonl');
    fs.writeFileSync(input, [
      { group: 'g', prompt: 'p', candidate: 'SELECT count(*) FROM products', reference: 'SELECT count(*) FROM products' },
      { group: 'g', prompt: 'p', candidate: 'SELECT 2' },
    ].map((x) => JSON.stringify(x)).join('\n') + '\n');
    const chunks: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    (process.stdout as { write: unknown }).write = (s: string) => (chunks.push(s), true);
    let code: number;
    try {
      code = await rankSqlCommand(['--db', SHOP, '--input', input, '--weights', 'ngram=0', '--match', 'bird', '--timeout-ms', '1000']);
    } finally {
      (process.stdout as { write: unknown }).write = write;
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.strictEqual(code, 0);
    const out = JSON.parse(chunks.join('')) as SqlRankOutput;
    const c0 = out.groups[0]!.candidates[0]!;
    assert.deepStrictEqual(Object.keys(c0).slice(0, 7), ['index', 'text', 'rewards', 'total', 'advantage', 'rank', 'error']);
    assert.deepStrictEqual(c0.result, { columns: ['count(*)'], rows: [[24]], rowCount: 1 });
    assert.strictEqual(c0.rewards.execution_match, 1);
    assert.strictEqual(out.groups[0]!.candidates[1]!.rewards.execution_match, 0);
    // Under --match bird, execution_match is BIRD's definition; the others stay the registry's.
    const defs = (out.groups[0] as unknown as { definitions: Record<string, string> }).definitions;
    assert.strictEqual(defs.execution_match, SQL_BIRD_EXECUTION_MATCH);
    assert.strictEqual(defs.schema_linking, REWARD_DEFINITIONS.sql!.schema_linking);
  });

  it('CLI input parsing groups lines and reports bad lines', () => {
    const groups = readSqlRankInput('{"group":"a","prompt":"p","candidate":"x"}\n\n{"group":"a","candidate":"y","reference":"z"}\n{"group":"b","candidate":"w"}');
    assert.deepStrictEqual(groups.map((g) => [g.group, g.candidates, g.reference]), [['a', ['x', 'y'], 'z'], ['b', ['w'], null]]);
    assert.throws(() => readSqlRankInput('{"group":"a"}'), /line 1/);
  });
});
