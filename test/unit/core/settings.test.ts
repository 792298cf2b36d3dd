/** Settings are declared once (package.json) and every setting the code reads is declared there with its default. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { readSettingsWith, settingDefault, type SettingKey } from '../../../src/core/settings';

const ROOT = path.resolve(__dirname, '../../..');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { default?: unknown; type?: string; enum?: unknown[] }> } } };
const declared = manifest.contributes.configuration.properties;

function readKeys(values: Record<string, unknown> = {}) {
  const keys: string[] = [];
  const s = readSettingsWith((k: SettingKey) => {
    keys.push(k);
    return values[k];
  });
  return { s, keys };
}

/** Every `.get/.update/.inspect('key')` on a `getConfiguration('rewardLens')` object anywhere in src/. */
function keysReadBySource(): Array<{ file: string; key: string }> {
  const out: Array<{ file: string; key: string }> = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) {
        const text = fs.readFileSync(p, 'utf8');
        if (!/getConfiguration\(\s*(['"])rewardLens\1/.test(text)) continue;
        for (const m of text.matchAll(/\.(?:get|update|inspect)(?:<[^>()]*>)?\(\s*['"]([\w.]+)['"]/g)) out.push({ file: path.relative(ROOT, p), key: m[1]! });
      }
    }
  };
  walk(path.join(ROOT, 'src'));
  return out;
}

describe('settings declared once (package.json contributes.configuration)', () => {
  it('every setting the reader reads is declared with a default, and every declared setting is read', () => {
    const { keys } = readKeys();
    for (const k of keys) {
      const d = declared[`rewardLens.${k}`];
      assert.ok(d, `rewardLens.${k} is read but not declared in package.json`);
      assert.ok('default' in d, `rewardLens.${k} has no default in package.json`);
    }
    const unread = Object.keys(declared).filter((id) => !keys.includes(id.slice('rewardLens.'.length)));
    assert.deepStrictEqual(unread, [], 'declared settings that no code reads');
  });

  it('every key read through getConfiguration("rewardLens") anywhere in src/ is declared with a default', () => {
    const reads = keysReadBySource();
    assert.ok(reads.some((r) => r.file.endsWith('selectModel.ts')), 'the scan sees selectModel.ts');
    for (const { file, key } of reads) assert.ok(declared[`rewardLens.${key}`] && 'default' in declared[`rewardLens.${key}`]!, `${file} reads rewardLens.${key}, which package.json does not declare with a default`);
  });

  it('unset settings are the declared defaults', () => {
    const { s } = readKeys();
    assert.strictEqual(s.numCandidates, declared['rewardLens.numCandidates']!.default);
    assert.strictEqual(s.temperature, declared['rewardLens.temperature']!.default);
    assert.strictEqual(s.topP, declared['rewardLens.topP']!.default);
    assert.strictEqual(s.maxNewTokens, declared['rewardLens.maxNewTokens']!.default);
    assert.strictEqual(s.draftTokens, declared['rewardLens.draftTokens']!.default);
    assert.strictEqual(s.sqlTimeoutMs, declared['rewardLens.sql.timeoutMs']!.default);
    assert.strictEqual(s.executionProvider, declared['rewardLens.executionProvider']!.default);
    assert.strictEqual(s.chartPythonPath, declared['rewardLens.chart.pythonPath']!.default);
    assert.strictEqual(s.patchRunTests, declared['rewardLens.patch.runTests']!.default);
    assert.strictEqual(settingDefault('sql.timeoutMs'), declared['rewardLens.sql.timeoutMs']!.default);
    assert.deepStrictEqual({ ...s.rewardWeights }, {});
  });

  it('user values win; values of the wrong type fall back to the default; weights keep finite numbers only', () => {
    const { s } = readKeys({ numCandidates: 3, 'sql.timeoutMs': '5000', executionProvider: 'tpu', modelPath: '  /m  ', 'patch.runTests': 'yes', rewardWeights: { ...JSON.parse('{"consensus": 1, "__proto__": 2, "bad": "x"}'), inf: Infinity } });
    assert.strictEqual(s.numCandidates, 3);
    assert.strictEqual(s.sqlTimeoutMs, declared['rewardLens.sql.timeoutMs']!.default);
    assert.strictEqual(s.executionProvider, 'auto');
    assert.strictEqual(s.modelPath, '/m');
    assert.strictEqual(s.patchRunTests, false);
    assert.strictEqual(readKeys({ draftTokens: 8 }).s.draftTokens, 8);
    assert.strictEqual(readKeys({ draftTokens: 99.5 }).s.draftTokens, 32, 'hand-edited out of range: clamped to what the worker accepts');
    assert.strictEqual(readKeys({ draftTokens: -3 }).s.draftTokens, 0);
    assert.deepStrictEqual(Object.keys(s.rewardWeights).sort(), ['__proto__', 'consensus']);
    assert.strictEqual(Object.getPrototypeOf(s.rewardWeights), null, 'keyed by user text: no prototype');
  });
});
