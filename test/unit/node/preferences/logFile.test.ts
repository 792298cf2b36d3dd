import * as assert from 'assert';
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { appendPreferenceRecord, parsePreferenceLog, readPreferenceLog } from '../../../../src/node/preferences/logFile';
import { acquireLock } from '../../../../src/node/preferences/fileLock';
import { makeRecord } from '../../core/preferences/fixtures';
import { payload } from './appenderChild';

const repoRoot = path.resolve(__dirname, '../../../..');

/** Bundles the child once (esbuild, ships with tsx) so 200 children start as plain node, not through tsx. */
function bundleChild(outDir: string): string {
  const esbuild = require('esbuild') as typeof import('esbuild');
  const out = path.join(outDir, 'appender.js');
  esbuild.buildSync({
    entryPoints: [path.join(repoRoot, 'test/unit/node/preferences/appenderChild.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: out,
    logLevel: 'error',
  });
  return out;
}

interface ChildRun {
  acked: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function runChild(script: string, args: string[], killAfterMs: number | null): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: string[] = [];
    let buf = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === 'started' && killAfterMs !== null) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        else if (line.startsWith('ok ')) acked.push(line.slice(3));
      }
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ acked, code, signal, stderr }));
  });
}

async function pool<T>(n: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await jobs[i]!();
      }
    }),
  );
  return results;
}

/** Every record read back must carry exactly the payload its writer generated (intact, not interleaved). */
function assertIntact(text: string): { ids: Set<string>; torn: number } {
  const res = parsePreferenceLog(text);
  assert.strictEqual(res.invalid, 0, `invalid lines: ${res.problems.join('; ')}`);
  const ids = new Set<string>();
  for (const r of res.records) {
    const size = Number(r.human.note);
    assert.strictEqual(r.candidates[0]!.text, payload(r.id, size), `record ${r.id} is damaged`);
    assert.ok(!ids.has(r.id), `record ${r.id} appears twice`);
    ids.add(r.id);
  }
  const nonBlank = text.split('\n').filter((l) => l.trim() !== '').length;
  assert.strictEqual(res.records.length + res.torn, nonBlank, 'every line is either a whole record or counted as torn');
  return { ids, torn: res.torn };
}

describe('preference log file', function () {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-log-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('appends records as single lines and reads them back', async () => {
    const file = path.join(dir, 'sub', 'preferences.jsonl');
    await appendPreferenceRecord(file, makeRecord({ id: 'a' }));
    await appendPreferenceRecord(file, makeRecord({ id: 'b', human: { accepted: 0, note: 'line\nbreak "quoted"' } }));
    const text = fs.readFileSync(file, 'utf8');
    assert.strictEqual(text.split('\n').length, 3);
    assert.ok(text.endsWith('\n'));
    const res = await readPreferenceLog(file);
    assert.deepStrictEqual(res.records.map((r) => r.id), ['a', 'b']);
    assert.strictEqual(res.records[1]!.human.note, 'line\nbreak "quoted"');
    assert.strictEqual(res.torn, 0);
    assert.ok(!fs.existsSync(`${file}.lock`), 'lock released');
  });

  it('does not log evidence (database rows) with the candidates', async () => {
    const file = path.join(dir, 'p.jsonl');
    await appendPreferenceRecord(file, makeRecord());
    const line = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    assert.ok(!JSON.stringify(line).includes('"rows"'));
  });

  it('keeps a torn last line apart from the next record and skips it on read', async () => {
    const file = path.join(dir, 'p.jsonl');
    await appendPreferenceRecord(file, makeRecord({ id: 'first' }));
    const whole = JSON.stringify(makeRecord({ id: 'torn' }));
    fs.appendFileSync(file, whole.slice(0, Math.floor(whole.length / 2))); // a crash mid-write
    await appendPreferenceRecord(file, makeRecord({ id: 'after' }));
    const res = await readPreferenceLog(file);
    assert.deepStrictEqual(res.records.map((r) => r.id), ['first', 'after']);
    assert.strictEqual(res.torn, 1);
    assert.match(res.problems[0]!, /line 2: not complete JSON/);
  });

  it('reports lines of another schema version as invalid, not torn', () => {
    const good = JSON.stringify(makeRecord({ id: 'g' }));
    const other = JSON.stringify({ ...makeRecord({ id: 'o' }), version: 99 });
    const res = parsePreferenceLog(`${good}\n${other}\n{"half":`);
    assert.strictEqual(res.records.length, 1);
    assert.strictEqual(res.invalid, 1);
    assert.strictEqual(res.torn, 1);
  });

  it('breaks a lock left by a dead process at once, and waits for a live one', async () => {
    const lockPath = path.join(dir, 'p.jsonl.lock');
    // A lock from a pid that does not exist (SIGKILLed holder).
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('close', r));
    fs.writeFileSync(lockPath, JSON.stringify({ pid: dead.pid, host: os.hostname(), token: 'deadbeef', time: Date.now() }));
    const held = await acquireLock(lockPath, { timeoutMs: 2000 });
    assert.strictEqual(JSON.parse(fs.readFileSync(lockPath, 'utf8')).token, held.token);
    // A live holder (us) is not broken: a second acquire times out.
    await assert.rejects(acquireLock(lockPath, { timeoutMs: 150 }), /locked by another process/);
    await held.release();
    assert.ok(!fs.existsSync(lockPath));
  });

  it('200 appenders killed with SIGKILL at random points and 4 concurrent writers: complete records intact, none interleaved', async function () {
    this.timeout(240000);
    const file = path.join(dir, 'preferences.jsonl');
    const script = bundleChild(dir);
    // Seeded so a failure reproduces (mulberry32).
    let seed = 0x5eed;
    const rand = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const jobs: (() => Promise<ChildRun>)[] = [];
    for (let k = 0; k < 200; k++) {
      // Record sizes from 200 B to 256 KiB; half the children write in 4 KiB chunks to widen the tearing window.
      const size = Math.floor(200 + rand() * rand() * 262144);
      const chunk = k % 2 === 0 ? 4096 : 0;
      const killAfter = Math.floor(rand() * 400);
      jobs.push(() => runChild(script, [file, `k${k}`, '1000', String(size), String(chunk)], killAfter));
    }
    // 4 clean writers run during the killing.
    const clean = Array.from({ length: 4 }, (_, w) => runChild(script, [file, `w${w}`, '25', String(1000 + w * 30000), '0'], null));
    const killed = await pool(6, jobs);
    const cleanRuns = await Promise.all(clean);

    for (const r of cleanRuns) assert.strictEqual(r.code, 0, r.stderr);
    assert.ok(killed.every((r) => r.signal === 'SIGKILL'), 'every appender was killed');

    // One more append after all the carnage must land on its own line.
    await appendPreferenceRecord(file, makeRecord({ id: 'final', texts: [payload('final', 10), 'x'], rewards: [{ syntax: 1 }, { syntax: 0 }], human: { note: '10' } }));

    const text = fs.readFileSync(file, 'utf8');
    const { ids, torn } = assertIntact(text);
    for (const r of [...killed, ...cleanRuns]) for (const id of r.acked) assert.ok(ids.has(id), `acknowledged record ${id} is missing`);
    for (let w = 0; w < 4; w++) for (let i = 0; i < 25; i++) assert.ok(ids.has(`w${w}-${i}`));
    assert.ok(ids.has('final'));
    const ackedKilled = killed.reduce((a, r) => a + r.acked.length, 0);
    console.log(`      ${ids.size} intact records (${ackedKilled} acknowledged by killed appenders), ${torn} torn lines skipped`);
    assert.strictEqual((await readPreferenceLog(file)).torn, torn);
  });
});
