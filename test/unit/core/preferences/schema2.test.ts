/**
 * Preference records schema 2: new records carry the definition id of every logged reward (rewardVersions.ts) and
 * the gold answer in `context.reference`; version 1 lines written by earlier releases still read and export.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkPreferenceRecord, PREFERENCE_SCHEMA_VERSION } from '../../../../src/core/preferences/record';
import { REWARD_DEFINITIONS } from '../../../../src/core/rewardVersions';
import { EXPORT_FORMATS } from '../../../../src/core/export/common';
import { exportRows } from '../../../../src/core/export/index';
import { parsePreferenceLog } from '../../../../src/node/preferences/logFile';
import { exportLog } from '../../../../src/node/preferences/exportFile';
import { makeRecord } from './fixtures';

/** A version 1 line as release 0.1.0 wrote it (no rewardDefinitions). */
function v1Line(): string {
  const r = makeRecord({ id: 'old-1', reference: 'SELECT name FROM state', human: { accepted: 0 } }) as unknown as Record<string, unknown>;
  delete r['rewardDefinitions'];
  r['version'] = 1;
  return JSON.stringify(r);
}

describe('preference records schema 2', () => {
  it('new records are version 2 with a definition id for every logged reward, and the reference', () => {
    const r = makeRecord({ reference: 'SELECT name FROM state' });
    assert.strictEqual(PREFERENCE_SCHEMA_VERSION, 2);
    assert.strictEqual(r.version, 2);
    const names = [...new Set(r.candidates.flatMap((c) => Object.keys(c.rewards)))].sort();
    assert.deepStrictEqual(Object.keys(r.rewardDefinitions ?? {}).sort(), names);
    for (const n of names) assert.strictEqual(r.rewardDefinitions![n], REWARD_DEFINITIONS.sql![n], n);
    assert.strictEqual(r.context.reference, 'SELECT name FROM state');
    assert.strictEqual(Object.getPrototypeOf(r.rewardDefinitions), Object.prototype, 'a plain JSON object');
    assert.strictEqual(checkPreferenceRecord(JSON.parse(JSON.stringify(r))), null);
  });

  it('a version 2 line without rewardDefinitions is refused, a version 3 line is skipped as unsupported', () => {
    const r = JSON.parse(JSON.stringify(makeRecord())) as Record<string, unknown>;
    delete r['rewardDefinitions'];
    assert.match(checkPreferenceRecord(r)!, /rewardDefinitions/);
    assert.match(checkPreferenceRecord({ ...r, version: 3 })!, /unsupported version 3/);
  });

  it('a log mixing version 1 and version 2 lines reads both', () => {
    const log = parsePreferenceLog(`${v1Line()}\n${JSON.stringify(makeRecord({ id: 'new-2' }))}\n`);
    assert.deepStrictEqual([log.invalid, log.torn], [0, 0], log.problems.join('; '));
    assert.deepStrictEqual(log.records.map((r) => [r.id, r.version]), [['old-1', 1], ['new-2', 2]]);
  });

  it('version 1 records export in every format, the same rows as the same record at version 2', async () => {
    const v1 = parsePreferenceLog(v1Line()).records;
    assert.strictEqual(v1.length, 1);
    const v2 = [{ ...makeRecord({ id: 'old-1', reference: 'SELECT name FROM state', human: { accepted: 0 } }) }];
    for (const f of EXPORT_FORMATS) {
      const a = exportRows(f, v1);
      const b = exportRows(f, v2);
      assert.ok(a.rows.length > 0, `${f}: rows from a version 1 record`);
      assert.deepStrictEqual(JSON.parse(JSON.stringify(a.rows)), JSON.parse(JSON.stringify(b.rows)), f);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-schema1-'));
    try {
      fs.writeFileSync(path.join(dir, 'p.jsonl'), `${v1Line()}\n`);
      const s = await exportLog('trl-dpo', path.join(dir, 'p.jsonl'), path.join(dir, 'dpo.jsonl'));
      assert.deepStrictEqual([s.invalid, s.torn, s.stats.records], [0, 0, 1]);
      assert.ok(fs.readFileSync(path.join(dir, 'dpo.jsonl'), 'utf8').trim().length > 0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
