import { strict as assert } from 'node:assert';
import { CodedError } from '../../../../src/core/errors';
import { type JsonObject, assertNoExternalReferences, bindDataset, fieldsValid, findExternalReferences, parseCandidate, MAX_SPEC_DEPTH } from '../../../../src/core/chart/spec';
import { parseCsv, parseDataFile } from '../../../../src/core/chart/csv';

const codeOf = (f: () => unknown): string => {
  try { f(); } catch (e) { return e instanceof CodedError ? e.code : `not coded: ${String(e)}`; }
  return 'no error';
};

describe('chart candidate parsing and static checks', () => {
  it('takes the first fenced block, or bare JSON, or the outermost braces', () => {
    assert.equal(parseCandidate('Sure!\n```json\n{"mark": "bar"}\n```\nmore').spec!.mark, 'bar');
    assert.equal(parseCandidate('{"mark": "line"}').spec!.mark, 'line');
    assert.equal(parseCandidate('The spec is {"mark": "point"} as asked.').spec!.mark, 'point');
    assert.equal(parseCandidate('{"$schema": "https://vega.github.io/schema/vega/v6.json", "marks": []}').language, 'vega');
    assert.equal(parseCandidate('{"mark": "bar"}').language, 'vega-lite');
  });

  it('rejects broken JSON, non-objects, deep nesting and (unless enabled) python', () => {
    assert.equal(codeOf(() => parseCandidate('{"mark": ')), 'chart_parse');
    assert.equal(codeOf(() => parseCandidate('[1, 2]')), 'chart_parse');
    assert.equal(codeOf(() => parseCandidate('no chart here')), 'chart_parse');
    const deep = '{"a":'.repeat(MAX_SPEC_DEPTH + 5) + '1' + '}'.repeat(MAX_SPEC_DEPTH + 5);
    assert.equal(codeOf(() => parseCandidate(deep)), 'chart_parse');
    const veryDeep = '['.repeat(200000) + ']'.repeat(200000);
    assert.equal(codeOf(() => parseCandidate(`{"a": ${veryDeep}}`)), 'chart_parse');
    const py = '```python\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])\n```';
    assert.equal(codeOf(() => parseCandidate(py)), 'chart_parse');
    assert.equal(parseCandidate(py, true).language, 'matplotlib');
  });

  it('finds every url/href: data, image marks, links, nested layers', () => {
    const spec: JsonObject = {
      layer: [{ data: { url: 'https://example.com/d.csv' }, mark: 'bar' }, { mark: 'image', encoding: { url: { field: 'u' } } }],
      encoding: { href: { field: 'link' } },
    };
    assert.equal(findExternalReferences(spec).length, 3);
    assert.equal(codeOf(() => assertNoExternalReferences(spec)), 'chart_network');
    assert.equal(codeOf(() => assertNoExternalReferences({ mark: 'bar', data: { values: [{ url: 'x' }] } })), 'no error', 'a column named url is data');
  });

  it("binds the user's data file inline; other URLs stay (and are then rejected)", () => {
    const ds = { name: 'sales.csv', values: [{ q: 'Q1', v: 1 }] };
    assert.deepEqual(bindDataset({ data: { url: 'data/sales.csv' }, mark: 'bar' }, ds).data, { values: ds.values });
    assert.deepEqual(bindDataset({ mark: 'bar' }, ds).data, { values: ds.values });
    assert.deepEqual(bindDataset({ data: { name: 'table' }, mark: 'bar' }, ds).data, { values: ds.values });
    const nested = bindDataset({ hconcat: [{ data: { url: 'sales.csv', format: { type: 'csv', parse: { v: 'number' } } }, mark: 'bar' }] }, ds);
    assert.deepEqual((nested.hconcat as Array<{ data: unknown }>)[0]!.data, { values: ds.values, format: { parse: { v: 'number' } } });
    for (const url of ['https://example.com/sales.csv', 'file:///tmp/sales.csv', '//cdn.example.com/sales.csv', 'other.csv']) {
      assert.deepEqual(bindDataset({ data: { url }, mark: 'bar' }, ds).data, { url }, url);
    }
  });

  it('fields_valid: share of encoded fields found in the data or made by transforms', () => {
    const values = [{ a: 1, b: 2, 'c.d': 3 }];
    assert.equal(fieldsValid({ data: { values }, mark: 'bar', encoding: { x: { field: 'a' }, y: { field: 'b' } } }).score, 1);
    const half = fieldsValid({ data: { values }, mark: 'bar', encoding: { x: { field: 'a' }, y: { field: 'zzz' } } });
    assert.equal(half.score, 0.5);
    assert.deepEqual(half.missing, ['zzz']);
    const t = fieldsValid({
      data: { values }, transform: [{ calculate: 'datum.a * 2', as: 'a2' }, { fold: ['a', 'b'] }],
      mark: 'bar', encoding: { x: { field: 'a2' }, y: { field: 'value' }, color: { field: 'key' }, tooltip: [{ field: 'c\\.d' }] },
    });
    assert.equal(t.score, 1, JSON.stringify(t));
    assert.equal(fieldsValid({ data: { values }, mark: 'bar', encoding: { x: { aggregate: 'count' } } }).score, 1);
  });
});

describe('data files', () => {
  it('parses CSV with quotes and per-column types', () => {
    const rows = parseCsv('name,n,ok,note\n"Smith, J",3,true,"say ""hi"""\nLee,4.5,false,\n');
    assert.deepEqual(rows, [
      { name: 'Smith, J', n: 3, ok: true, note: 'say "hi"' },
      { name: 'Lee', n: 4.5, ok: false, note: null },
    ]);
  });
  it('reads JSON arrays and rejects other shapes', () => {
    assert.deepEqual(parseDataFile('d.json', '[{"a":1}]'), [{ a: 1 }]);
    assert.deepEqual(parseDataFile('d.json', '{"values":[{"a":1}]}'), [{ a: 1 }]);
    assert.throws(() => parseDataFile('d.json', '[1,2]'));
  });
});
