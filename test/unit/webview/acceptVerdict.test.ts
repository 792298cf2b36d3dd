/** Which candidates Accept refuses (does not parse / apply) or asks about (fails a check), and Copy's extracted code. */
import * as assert from 'assert';
import { acceptVerdict, extractedCode } from '../../../src/core/protocol/webview';
import { errorAdvice } from '../../../src/extension/errors';

describe('acceptVerdict and extractedCode', () => {
  it('refuses what does not parse or apply, by error code', () => {
    for (const code of ['patch_format', 'patch_apply', 'patch_syntax', 'chart_parse', 'sql_syntax', 'sql_not_sql']) {
      const v = acceptVerdict(code.startsWith('patch') ? 'patch' : code.startsWith('chart') ? 'chart' : 'sql', { rewards: {}, error: { code, message: 'm' }, files: [{ path: 'a', after: 'x' }] });
      assert.ok(v.blocked, code);
    }
    const runtime = acceptVerdict('sql', { rewards: { executes: 0, syntax: 1 }, error: { code: 'sql_runtime', message: 'no such table' } });
    assert.strictEqual(runtime.blocked, null, 'a runtime error is a warning, not a refusal');
    assert.deepStrictEqual(runtime.gateFailures, ['executes = 0', 'sql_runtime: no such table']);
  });

  it('refuses a patch with applies = 0, one that changes nothing, and one that leaves SEARCH/REPLACE markers', () => {
    assert.match(acceptVerdict('patch', { rewards: { applies: 0 }, error: null, files: [{ path: 'a', after: 'x' }] }).blocked!, /applies = 0/);
    assert.match(acceptVerdict('patch', { rewards: { applies: 1 }, error: null, files: [] }).blocked!, /changes nothing/);
    const markers = 'x\n<<<<<<< SEARCH\ny\n=======\nz\n>>>>>>> REPLACE\n';
    assert.match(acceptVerdict('patch', { rewards: { applies: 1 }, error: null, files: [{ path: 'a.ts', after: markers }] }).blocked!, /markers would end up in a\.ts/);
    // Markers that were already in the original (a merge-conflict test fixture) are not the candidate's doing.
    assert.strictEqual(acceptVerdict('patch', { rewards: { applies: 1 }, error: null, files: [{ path: 'a.ts', after: markers }] }, { originals: { 'a.ts': markers } }).blocked, null);
    assert.strictEqual(acceptVerdict('patch', { rewards: { applies: 1, syntax: 1 }, error: null, files: [{ path: 'a.ts', after: 'ok' }] }).blocked, null);
  });

  it('gates: the usual checks at 0, the session gate, and thresholds', () => {
    assert.deepStrictEqual(acceptVerdict('chart', { rewards: { executes: 1, fields_valid: 0, consensus: 0 }, error: null }).gateFailures, ['fields_valid = 0']);
    assert.deepStrictEqual(acceptVerdict('sql', { rewards: { consensus: 0.2 }, error: null }, { gate: ['consensus'], thresholds: { consensus: 0.5 } }).gateFailures, ['consensus = 0.20']);
  });

  it('extracts the SQL, the diff, or the first fenced block; null for plain text', () => {
    assert.strictEqual(extractedCode({ text: '```sql\nSELECT 1\n```', sql: 'SELECT 1' }), 'SELECT 1');
    assert.strictEqual(extractedCode({ text: 'blocks', diff: '--- a\n+++ b\n' }), '--- a\n+++ b\n');
    assert.strictEqual(extractedCode({ text: 'Here:\n```json\n{"mark": "bar"}\n```\nDone.' }), '{"mark": "bar"}');
    assert.strictEqual(extractedCode({ text: 'SELECT 1' }), null);
  });

  it('a 404 points at the URL, not the model', () => {
    assert.match(errorAdvice({ code: 'endpoint_http', message: 'http://h/v1/chat/completions answered HTTP 404: Not Found' }), /endpoint\.url.*ends in \/v1/);
    assert.match(errorAdvice({ code: 'endpoint_http', message: 'http://h/v1/chat/completions answered HTTP 404: {"error":"model \\"x\\" not found"}' }), /endpoint\.model/);
    assert.match(errorAdvice({ code: 'endpoint_timeout', message: 't' }), /endpoint\.timeoutMs/);
  });
});
