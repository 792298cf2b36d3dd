/**
 * Issue 15: one CLI grammar (node:util parseArgs) for every command, numeric flags checked and named, long prompts
 * from a file or stdin, and `--weights constructor=2` no longer turning totals into null.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseCli, UsageError } from '../../../src/cli/args';
import { exportCommand } from '../../../src/cli/export';
import { generateCommand } from '../../../src/cli/generate';
import { rankCommand } from '../../../src/cli/rank';
import { parseWeights, rankGroup, mergeWeights } from '../../../src/core/ranking/ranking';
import { capture, jsonl, REPO, SHOP } from './helpers';

describe('cli grammar', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-cli-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('parseCli takes --flag=value and --flag value alike; unknown flags and missing values are usage errors', () => {
    const spec = { input: { type: 'string' as const }, n: { type: 'string' as const }, json: { type: 'boolean' as const } };
    const a = parseCli(['--input=x.jsonl', '--n', '3', '--json'], spec);
    assert.strictEqual(a.str('input'), 'x.jsonl');
    assert.strictEqual(a.num('n', { integer: true, min: 1 }), 3);
    assert.strictEqual(a.flag('json'), true);
    assert.throws(() => parseCli(['--nope'], spec), (e: unknown) => e instanceof UsageError && /nope/.test(e.message));
    assert.throws(() => parseCli(['--input'], spec), (e: unknown) => e instanceof UsageError && /input/.test(e.message));
    for (const bad of ['abc', '', '1.5', '0', 'Infinity']) {
      assert.throws(() => parseCli([`--n=${bad}`], spec).num('n', { integer: true, min: 1 }), (e: unknown) => e instanceof UsageError && /--n must be an integer >= 1/.test(e.message), bad);
    }
  });

  it('rank --task=sql and rank --task sql give the same output', async () => {
    const input = path.join(dir, 'in.jsonl');
    fs.writeFileSync(input, jsonl([{ group: 'g', candidate: 'SELECT count(*) FROM products', reference: 'SELECT count(*) FROM products' }, { group: 'g', candidate: 'SELECT 1' }]));
    const a = await capture(() => rankCommand(['--task=sql', `--db=${SHOP}`, `--input=${input}`]));
    const b = await capture(() => rankCommand(['--task', 'sql', '--db', SHOP, '--input', input]));
    assert.strictEqual(a.code, 0, a.stderr);
    assert.strictEqual(b.code, 0, b.stderr);
    const strip = (s: string) => JSON.stringify((JSON.parse(s) as { groups: { candidates: { elapsedMs?: number }[] }[] }).groups.map((g) => g.candidates.map((c) => ({ ...c, elapsedMs: 0 }))));
    assert.strictEqual(strip(a.stdout), strip(b.stdout));
  });

  it('numeric flags reject non-numbers, naming the flag (rank --timeout-ms, generate --n, export --min-margin)', async () => {
    const input = path.join(dir, 'in.jsonl');
    fs.writeFileSync(input, jsonl([{ candidate: 'SELECT 1' }]));
    const r1 = await capture(() => rankCommand(['--task', 'sql', '--db', SHOP, '--input', input, '--timeout-ms', 'abc']));
    assert.strictEqual(r1.code, 2);
    assert.match(r1.stderr, /--timeout-ms must be a number between 1 and 3600000 \(got "abc"\)/);
    const r2 = await capture(() => generateCommand(['--prompt', 'x', '--n', 'abc']));
    assert.strictEqual(r2.code, 2);
    assert.match(r2.stderr, /--n must be an integer >= 1 \(got "abc"\)/);
    const r3 = await capture(() => exportCommand(['--format', 'trl-dpo', '--log', 'x', '--out', 'y', '--min-margin=abc']));
    assert.strictEqual(r3.code, 2);
    assert.match(r3.stderr, /--min-margin must be a number/);
    const r4 = await capture(() => rankCommand(['--task', 'chart', '--input', input, '--scale', '1e999']));
    assert.strictEqual(r4.code, 2);
    assert.match(r4.stderr, /--scale must be a number/);
    const r5 = await capture(() => rankCommand(['--task', 'nope', '--input', input]));
    assert.strictEqual(r5.code, 2);
    assert.match(r5.stderr, /--task must be one of sql, patch, chart/);
    const r6 = await capture(() => rankCommand(['--task', 'sql', '--input', input, '--tests', 'x']));
    assert.strictEqual(r6.code, 2, 'a patch flag is not an sql flag');
  });

  it('generate reads a long prompt from --prompt-file and from stdin (--prompt -)', async function () {
    const prompt = 'count the products; '.repeat(1600); // ~32 KB, the size that crashed as an argument
    const file = path.join(dir, 'prompt.txt');
    fs.writeFileSync(file, '\ufeff' + prompt);
    // --raw --endpoint to an unreachable port: the prompt is read, then the endpoint refuses; the error is not a usage error.
    const viaFile = await capture(() => generateCommand(['--prompt-file', file, '--endpoint', 'http://127.0.0.1:9/v1', '--n', '1', '--json']));
    assert.strictEqual(viaFile.code, 1, viaFile.stderr);
    assert.doesNotMatch(viaFile.stderr, /required|usage/);
    const both = await capture(() => generateCommand(['--prompt-file', file, '--prompt', 'x']));
    assert.strictEqual(both.code, 2);
    assert.match(both.stderr, /either --prompt or --prompt-file/);
    const missing = await capture(() => generateCommand(['--prompt-file', path.join(dir, 'none.txt')]));
    assert.strictEqual(missing.code, 2);
    assert.match(missing.stderr, /ENOENT/);
    // stdin: run the CLI in a child process so stdin can carry the prompt.
    const script = `import { readFileSync } from 'fs'; import { generateCommand } from ${JSON.stringify(path.join(REPO, 'src/cli/generate.ts'))};
generateCommand(['--prompt', '-', '--endpoint', 'http://127.0.0.1:9/v1', '--n', '1', '--json']).then((c) => { process.exitCode = c; });`;
    const f = path.join(dir, 'run.ts');
    fs.writeFileSync(f, script);
    const r = spawnSync(process.execPath, ['--import', 'tsx', f], { input: prompt, encoding: 'utf8', cwd: REPO, timeout: 60_000 });
    assert.strictEqual(r.status, 1, r.stderr);
    assert.match(r.stdout + r.stderr, /endpoint/, 'got past the prompt to the endpoint');
    const empty = spawnSync(process.execPath, ['--import', 'tsx', f], { input: '', encoding: 'utf8', cwd: REPO, timeout: 60_000 });
    assert.strictEqual(empty.status, 2);
    assert.match(empty.stderr, /--prompt TEXT, --prompt - \(stdin\) or --prompt-file FILE is required/);
  });

  it('--weights constructor=2 (and __proto__, toString) are plain reward names: totals stay numbers', async () => {
    const w = parseWeights('constructor=2,__proto__=3,toString=1,execution_match=3');
    assert.deepStrictEqual(Object.keys(w), ['constructor', '__proto__', 'toString', 'execution_match']);
    assert.strictEqual(Object.getPrototypeOf(w), Object.prototype, 'the prototype was not replaced');
    const merged = mergeWeights({ syntax: 1 }, w);
    assert.strictEqual(merged.__proto__ as unknown, 3);
    const r = rankGroup([{ execution_match: 1, syntax: 1 }, { execution_match: 0, syntax: 1 }], { weights: merged, transform: { kind: 'log-sigmoid', reference: 'group-mean' } });
    for (const s of r.scored) {
      assert.ok(Number.isFinite(s.total) && Number.isFinite(s.advantage), JSON.stringify(s));
    }
    const input = path.join(dir, 'in.jsonl');
    fs.writeFileSync(input, jsonl([{ group: 'g', candidate: 'SELECT count(*) FROM products', reference: 'SELECT count(*) FROM products' }, { group: 'g', candidate: 'SELECT 1' }]));
    const out = await capture(() => rankCommand(['--task', 'sql', '--db', SHOP, '--input', input, '--weights', 'constructor=2']));
    assert.strictEqual(out.code, 0, out.stderr);
    const g = (JSON.parse(out.stdout) as { groups: { candidates: { total: number | null; advantage: number | null }[] }[] }).groups[0]!;
    for (const c of g.candidates) {
      assert.strictEqual(typeof c.total, 'number');
      assert.strictEqual(typeof c.advantage, 'number');
    }
    assert.ok(g.candidates[0]!.total! > g.candidates[1]!.total!);
  });
});
