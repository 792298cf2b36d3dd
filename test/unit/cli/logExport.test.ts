/**
 * Issue 15, preference log and export: --out equal to --log refused (real paths, links), device outputs written
 * through and never replaced, a log over V8's string limit read as a stream, a BOM-led line accepted.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { exportCommand } from '../../../src/cli/export';
import { exportLog } from '../../../src/node/preferences/exportFile';
import { appendPreferenceRecord, parsePreferenceLog, readPreferenceLog } from '../../../src/node/preferences/logFile';
import { makeRecord } from '../core/preferences/fixtures';
import { capture } from './helpers';

describe('preference log and export hardening', function () {
  this.timeout(120_000);
  let dir: string;
  let log: string;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-log-'));
    log = path.join(dir, 'preferences.jsonl');
    await appendPreferenceRecord(log, makeRecord({ id: 'a' }));
    await appendPreferenceRecord(log, makeRecord({ id: 'b' }));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('export refuses --out that is the log: same path, another spelling, a symlink, a hard link', async () => {
    const before = fs.readFileSync(log);
    fs.symlinkSync(log, path.join(dir, 'link.jsonl'));
    fs.linkSync(log, path.join(dir, 'hard.jsonl'));
    fs.mkdirSync(path.join(dir, 'sub'));
    for (const out of [log, path.join(dir, 'sub', '..', 'preferences.jsonl'), path.join(dir, 'link.jsonl'), path.join(dir, 'hard.jsonl')]) {
      const r = await capture(() => exportCommand(['--format', 'trl-grpo', '--log', log, '--out', out]));
      assert.strictEqual(r.code, 2, out);
      assert.match(r.stderr, /is the preference log itself/);
      assert.deepStrictEqual(fs.readFileSync(log), before, 'the log is untouched');
    }
    const ok = await capture(() => exportCommand(['--format', 'trl-grpo', '--log', log, '--out', path.join(dir, 'grpo.jsonl')]));
    assert.strictEqual(ok.code, 0, ok.stderr);
    assert.strictEqual(fs.readFileSync(path.join(dir, 'grpo.jsonl'), 'utf8').trim().split('\n').length, 2);
  });

  it('--out /dev/null is written through: the device node stays a character device', async () => {
    const before = fs.statSync('/dev/null');
    const s = await exportLog('trl-grpo', log, '/dev/null');
    assert.strictEqual(s.stats.rows, 2);
    const after = fs.statSync('/dev/null');
    assert.ok(after.isCharacterDevice());
    assert.strictEqual(after.rdev, before.rdev);
    assert.strictEqual(after.ino, before.ino);
    assert.deepStrictEqual(fs.readdirSync('/dev').filter((f) => f.startsWith('null.')), [], 'no temp file left beside it');
  });

  it('--out a directory is refused; --out through a symlink replaces the target, keeps the link', async () => {
    await assert.rejects(exportLog('trl-grpo', log, dir), /is a directory/);
    const target = path.join(dir, 'real.jsonl');
    fs.writeFileSync(target, 'old\n');
    fs.symlinkSync(target, path.join(dir, 'out-link.jsonl'));
    await exportLog('trl-grpo', log, path.join(dir, 'out-link.jsonl'));
    assert.ok(fs.lstatSync(path.join(dir, 'out-link.jsonl')).isSymbolicLink());
    assert.strictEqual(fs.readFileSync(target, 'utf8').trim().split('\n').length, 2);
  });

  it('a line that starts with a BOM is a record, not a torn line', async () => {
    const text = fs.readFileSync(log, 'utf8');
    fs.writeFileSync(log, '\ufeff' + text + '\ufeff' + text.split('\n')[0] + '\n');
    const r = await readPreferenceLog(log);
    assert.strictEqual(r.torn, 0, r.problems.join('; '));
    assert.strictEqual(r.records.length, 3);
    assert.strictEqual(parsePreferenceLog('\ufeff' + text).records.length, 2);
  });

  it('a log over 512 MB (V8 string limit) is read as a stream, records before and after the padding kept', async function () {
    const first = fs.readFileSync(log, 'utf8');
    const h = fs.openSync(log, 'a');
    // 540 lines of 1 MiB of spaces: blank lines, skipped by the reader, but they make the file too big for one string.
    const pad = Buffer.alloc(1 << 20, 0x20);
    pad[pad.length - 1] = 0x0a;
    for (let i = 0; i < 540; i++) fs.writeSync(h, pad);
    fs.writeSync(h, first.split('\n')[0]!.replace('"id":"a"', '"id":"z"') + '\n');
    fs.closeSync(h);
    assert.ok(fs.statSync(log).size > 512 * 1024 * 1024);
    assert.throws(() => fs.readFileSync(log, 'utf8'), /string/i, 'the old whole-file read fails on this file');
    const r = await readPreferenceLog(log);
    assert.deepStrictEqual(r.records.map((x) => x.id), ['a', 'b', 'z']);
    assert.strictEqual(r.torn, 0);
    const s = await exportLog('trl-grpo', log, path.join(dir, 'big.jsonl'));
    assert.strictEqual(s.stats.rows, 3);
  });
});
