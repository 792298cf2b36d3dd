/** Issue 11 item 6: `reward-lens rescore --log FILE` re-scores logged groups with today's rewards, reports what moved. */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { rankCommand } from '../../../src/cli/rank';
import { rescoreCommand, type RescoreReport } from '../../../src/cli/rescore';
import { appendPreferenceRecord } from '../../../src/node/preferences/logFile';
import { makeRecord } from '../core/preferences/fixtures';
import { capture, jsonl } from './helpers';

describe('reward-lens rescore', function () {
  this.timeout(60_000);
  let ws: string;
  before(function () {
    if (spawnSync('/usr/bin/python3', ['-c', 'import sqlite3']).status !== 0) this.skip();
  });
  beforeEach(() => {
    ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'rl-rescore-')));
    fs.mkdirSync(path.join(ws, 'data'));
    const py = `import sqlite3\ncon = sqlite3.connect("data/geo.sqlite")\ncon.executescript("CREATE TABLE state (name TEXT, population INT); INSERT INTO state VALUES ('texas', 29), ('ohio', 11);")\ncon.commit()`;
    assert.strictEqual(spawnSync('/usr/bin/python3', ['-c', py], { cwd: ws }).status, 0);
  });
  afterEach(() => fs.rmSync(ws, { recursive: true, force: true }));

  it('reports exactly the reward values that moved, the best candidate, changed files, and records it cannot rescore', async () => {
    const texts = ['SELECT name FROM state', 'SELECT * FROM state', 'SELECT name FROM state WHERE population > 20'];
    const input = path.join(ws, 'in.jsonl');
    fs.writeFileSync(input, jsonl(texts.map((t) => ({ group: 'g', candidate: t, reference: 'SELECT name FROM state', db: 'data/geo.sqlite' }))));
    const r = await capture(() => rankCommand(['--task', 'sql', '--input', input]));
    assert.strictEqual(r.code, 0, r.stderr);
    const today = (JSON.parse(r.stdout) as { groups: { candidates: { rewards: Record<string, number> }[] }[] }).groups[0]!.candidates.map((c) => c.rewards);
    // Logged with an older definition: candidate 1's ngram was different, and candidate 2 had no schema_linking.
    const old = today.map((x) => ({ ...x }));
    old[1]!.ngram = (old[1]!.ngram ?? 0) + 0.25;
    delete old[2]!.schema_linking;
    const log = path.join(ws, '.reward-lens', 'preferences.jsonl');
    await appendPreferenceRecord(log, makeRecord({ id: 'same', texts, rewards: today }));
    await appendPreferenceRecord(log, makeRecord({ id: 'moved', texts, rewards: old }));
    const bad = makeRecord({ id: 'outside', texts });
    bad.context.database!.path = '../../etc/passwd';
    await appendPreferenceRecord(log, bad);
    const out = await capture(() => rescoreCommand(['--log', log, '--json']));
    assert.strictEqual(out.code, 0, out.stderr);
    const rep = JSON.parse(out.stdout) as RescoreReport;
    assert.strictEqual(rep.summary.records, 3);
    assert.strictEqual(rep.summary.rescored, 2);
    assert.deepStrictEqual(rep.groups.find((g) => g.id === 'same')!.moved, []);
    const moved = rep.groups.find((g) => g.id === 'moved')!.moved;
    assert.deepStrictEqual(moved.map((m) => [m.index, m.reward, m.before === null ? null : Math.round(m.before * 1e6) / 1e6, m.after === null ? null : Math.round(m.after * 1e6) / 1e6]), [
      [1, 'ngram', Math.round(old[1]!.ngram! * 1e6) / 1e6, Math.round(today[1]!.ngram! * 1e6) / 1e6],
      [2, 'schema_linking', null, today[2]!.schema_linking],
    ]);
    assert.deepStrictEqual(rep.summary.byReward, { ngram: 1, schema_linking: 1 });
    assert.deepStrictEqual(rep.groups[0]!.changedFiles, ['data/geo.sqlite'], 'the fixture logged another sha256');
    assert.deepStrictEqual(rep.skipped.map((s) => [s.id, s.error.code]), [['outside', 'path_outside_root']]);
    const text = await capture(() => rescoreCommand(['--log', log]));
    assert.match(text.stdout, /2 of 3 logged groups rescored; 1 with rewards that moved/);
    assert.match(text.stdout, /moved \(sql\): #1 ngram 0\.5 -> 0\.25; #2 schema_linking - -> 1/);
    assert.match(text.stdout, /same \(sql\): files changed since logging: data\/geo.sqlite/);
    assert.match(text.stdout, /outside: not rescored \(path_outside_root/);
  });
});
