/** Issue 15: one JSONL group reader for every task: documented fields, unknown fields warned, bad lines all listed. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { rankCommand } from '../../../src/cli/rank';
import { readGroupLines, readGroupObjects } from '../../../src/core/input/groups';
import { REWARD_DEFINITIONS } from '../../../src/core/rewardVersions';
import { capture, jsonl, REPO, SHOP } from './helpers';

describe('input reader (src/core/input)', function () {
  this.timeout(60_000);

  it('groups lines in order, merges fields, accepts a BOM and CRLF', () => {
    const text = '\ufeff' + [
      { group: 'a', prompt: 'p', candidate: 'x', db: 'one.sqlite' },
      { group: 'b', candidate: 'w', tagged: true },
      { group: 'a', candidate: 'y', reference: 'SELECT 1' },
      { group: 7, candidates: ['u', 'v'] },
    ].map((r) => JSON.stringify(r)).join('\r\n') + '\r\n\r\n';
    const r = readGroupLines(text, 'sql');
    assert.deepStrictEqual(r.errors, []);
    assert.deepStrictEqual(r.warnings, []);
    assert.deepStrictEqual(r.groups.map((g) => [g.group, g.candidates, g.reference, g.db ?? null, g.tagged ?? null]), [
      ['a', ['x', 'y'], 'SELECT 1', 'one.sqlite', null],
      ['b', ['w'], null, null, true],
      ['7', ['u', 'v'], null, null, null],
    ]);
    assert.strictEqual(r.lines, 4);
  });

  it('reports every bad line with its number and every unknown field, and drops nothing silently', () => {
    const lines = [
      JSON.stringify({ group: 'a', candidate: 'x', colour: 'red' }),
      '{"group": "a", "candidate": ',
      JSON.stringify({ group: 'a' }),
      JSON.stringify({ group: 'a', candidate: 5 }),
      JSON.stringify(['not', 'an', 'object']),
      JSON.stringify({ group: 'a', candidate: 'y', files: { 'a.ts': 'x' } }),
    ];
    const r = readGroupLines(lines.join('\n'), 'sql');
    assert.deepStrictEqual(r.errors.map((e) => e.line), [2, 3, 4, 5]);
    assert.match(r.errors[0]!.message, /not JSON/);
    assert.match(r.errors[1]!.message, /"candidate" .* is required/);
    assert.match(r.errors[2]!.message, /"candidate" must be a string/);
    assert.deepStrictEqual(r.warnings.map((w) => [w.line, w.message]), [
      [1, 'unknown field "colour" ignored'],
      [6, 'field "files" is not used by task sql'],
    ]);
  });

  it('reads the fields README documents for each task (chart reference, patch files, selection, data)', () => {
    const spec = { mark: 'bar', encoding: { x: { field: 'a' } } };
    const chart = readGroupLines(jsonl([
      { group: 'c1', candidate: 'x', reference: spec, data: 'sales.csv' },
      { group: 'c2', candidate: 'x', reference: JSON.stringify(spec) },
      { group: 'c3', candidate: 'x', reference: 'ref.png' },
      { group: 'c4', candidate: 'x', reference: 'a bar chart please' },
    ]), 'chart');
    assert.deepStrictEqual(chart.groups.map((g) => [g.group, g.referenceSpec ?? null, g.referenceImage ?? null, g.data ?? null]), [
      ['c1', spec, null, 'sales.csv'], ['c2', spec, null, null], ['c3', null, 'ref.png', null],
    ]);
    assert.strictEqual(chart.errors.length, 1);
    assert.strictEqual(chart.errors[0]!.line, 4);
    const patch = readGroupLines(jsonl([
      { group: 'p', candidate: 'a', files: { 'src/a.ts': 'x' }, selection: { path: 'src/a.ts', start: 0, end: 1 } },
      { group: 'p', candidate: 'b', files: { constructor: 'y' } },
      { group: 'q', candidate: 'c', files: ['src/b.ts'] },
    ]), 'patch');
    assert.deepStrictEqual(patch.errors, []);
    const p = patch.groups[0]!;
    assert.deepStrictEqual({ ...p.files }, { 'src/a.ts': 'x', constructor: 'y' });
    assert.deepStrictEqual(p.selection, { path: 'src/a.ts', start: 0, end: 1 });
    assert.deepStrictEqual(patch.groups[1]!.filePaths, ['src/b.ts']);
  });

  it('request groups (the server) go through the same reader; a nameless group is named by its position', () => {
    const r = readGroupObjects([{ prompt: 'p', candidates: ['a', 'b'] }, { group: 'x', candidates: ['c'], extra: 1 }, 'nope'], 'sql');
    assert.deepStrictEqual(r.groups.map((g) => [g.group, g.candidates]), [['0', ['a', 'b']], ['x', ['c']]]);
    assert.deepStrictEqual(r.errors.map((e) => e.where), ['groups[2]']);
    assert.deepStrictEqual(r.warnings.map((e) => `${e.where}: ${e.message}`), ['groups[1]: unknown field "extra" ignored']);
  });

  it('rank prints warnings with file:line, and fails listing all bad lines (exit 2, nothing ranked)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-in-'));
    try {
      const input = path.join(dir, 'in.jsonl');
      fs.writeFileSync(input, jsonl([{ group: 'g', candidate: 'SELECT 1', note: 'hi' }]));
      const ok = await capture(() => rankCommand(['--task', 'sql', '--db', SHOP, '--input', input]));
      assert.strictEqual(ok.code, 0, ok.stderr);
      assert.match(ok.stderr, new RegExp(`${input.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1: unknown field "note" ignored`));
      fs.writeFileSync(input, 'x\n' + JSON.stringify({ candidate: 'SELECT 1' }) + '\n{}\n');
      const bad = await capture(() => rankCommand(['--task', 'sql', '--db', SHOP, '--input', input]));
      assert.strictEqual(bad.code, 2);
      assert.strictEqual(bad.stdout, '');
      assert.match(bad.stderr, /2 of 3 input lines cannot be read/);
      assert.match(bad.stderr, /:1: not JSON/);
      assert.match(bad.stderr, /:3: "candidate"/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('each ranked group carries definitions (reward name -> definition id) for the rewards present (issue 10 item 4)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-def-'));
    try {
      const input = path.join(dir, 'in.jsonl');
      fs.writeFileSync(input, jsonl([{ group: 'g', candidate: 'SELECT count(*) FROM products', reference: 'SELECT count(*) FROM products' }, { group: 'g', candidate: 'SELECT 1' }]));
      const r = await capture(() => rankCommand(['--task', 'sql', '--db', SHOP, '--input', input]));
      assert.strictEqual(r.code, 0, r.stderr);
      const g = (JSON.parse(r.stdout) as { groups: { candidates: { rewards: Record<string, number> }[]; definitions: Record<string, string> }[] }).groups[0]!;
      const names = new Set(g.candidates.flatMap((c) => Object.keys(c.rewards)));
      assert.deepStrictEqual(Object.keys(g.definitions).sort(), [...names].sort());
      for (const [k, v] of Object.entries(g.definitions)) assert.strictEqual(v, REWARD_DEFINITIONS.sql![k], k);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rank --task chart reads the README\'s "reference" field (a spec): reference rewards are scored', async function () {
    const fix = path.join(REPO, 'test/fixtures/chart');
    const golden = fs.readFileSync(path.join(fix, 'golden.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)[0]!;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-chart-'));
    try {
      fs.copyFileSync(path.join(fix, 'sales.csv'), path.join(dir, 'sales.csv'));
      const cands = (golden.candidates as string[]).slice(0, 2);
      const withRef = path.join(dir, 'ref.jsonl');
      const withoutRef = path.join(dir, 'noref.jsonl');
      fs.writeFileSync(withRef, jsonl([{ group: 'g', candidates: cands, reference: golden.reference_spec, data: 'sales.csv' }]));
      fs.writeFileSync(withoutRef, jsonl([{ group: 'g', candidates: cands, data: 'sales.csv' }]));
      const a = await capture(() => rankCommand(['--task', 'chart', '--input', withRef]));
      const b = await capture(() => rankCommand(['--task', 'chart', '--input', withoutRef]));
      assert.strictEqual(a.code, 0, a.stderr);
      assert.strictEqual(b.code, 0, b.stderr);
      type Out = { groups: { candidates: { rewards: Record<string, number> }[]; definitions: Record<string, string> }[] };
      const ra = (JSON.parse(a.stdout) as Out).groups[0]!;
      const rb = (JSON.parse(b.stdout) as Out).groups[0]!;
      assert.ok('attributes' in ra.candidates[0]!.rewards, `reference rewards present: ${Object.keys(ra.candidates[0]!.rewards).join(',')}`);
      assert.ok(!('attributes' in rb.candidates[0]!.rewards), 'no reference, no reference rewards');
      assert.strictEqual(ra.definitions.attributes !== undefined, true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
