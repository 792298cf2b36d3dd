/**
 * Hostile chart specs (issue 15): network and file access, expressions that loop or allocate, huge data and sizes,
 * deep nesting, signals, images, data URLs. Each candidate goes through rankChartGroup (the parent's static checks,
 * then the sandboxed renderer pool) and must end with its verdict within its limit (the render timeout, plus a grace
 * for a loaded machine), with nothing fetched from a local HTTP server the specs point at, nothing read from a canary
 * file outside the workspace (its token never appears in any output), nothing written (the trees hash the same), no
 * prototype pollution in the parent, and the renderer pool alive and serving afterwards.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChartRenderer } from '../../../../src/worker/chart/renderer';
import { rankChartGroup } from '../../../../src/worker/chart/rankCharts';
import { MAX_SPEC_CHARS, MAX_SPEC_DEPTH } from '../../../../src/core/chart/spec';

/** Per-render limit for the suite, and the grace on top of it for a loaded CI machine (kill and bookkeeping). */
const LIMIT_MS = 5000;
const GRACE_MS = 5000;
const TOKEN = 'CANARY_7f3e9a_SECRET';

type Verdict = 'ok' | 'chart_parse' | 'chart_network' | 'chart_render' | 'chart_timeout';

interface HostileCase {
  name: string;
  /** The candidate's text (a fenced spec, or raw text for parse-level attacks). */
  text: string;
  /** Verdicts that are correct for it (resource exhaustion may end as a timeout or as an out-of-memory exit). */
  verdicts: Verdict[];
  /** The message must say which limit was hit. */
  message?: RegExp;
  /** Extra checks on a rendered candidate. */
  check?: (c: Record<string, unknown>) => void;
}

const fence = (s: unknown): string => 'Here is the chart:\n```json\n' + JSON.stringify(s) + '\n```\n';
const EXHAUSTION: Verdict[] = ['chart_timeout', 'chart_render'];

function hostileCases(base: string, canaryRel: string, canaryAbs: string): HostileCase[] {
  const v = [{ a: 'A', b: 3 }, { a: 'B', b: 5 }];
  const enc = { x: { field: 'a', type: 'nominal' }, y: { field: 'b', type: 'quantitative' } };
  const vg = (o: object): object => ({ $schema: 'https://vega.github.io/schema/vega/v6.json', width: 100, height: 100, ...o });
  const net = (name: string, spec: unknown): HostileCase => ({ name, text: fence(spec), verdicts: ['chart_network'] });
  let nested: Record<string, unknown> = { mark: 'bar', encoding: enc };
  for (let i = 0; i < 25; i++) nested = { layer: [nested, { mark: 'point', encoding: enc }] };
  return [
    // Network and files: every url/href is refused before anything renders (and again in the child).
    net('data url over https', { data: { url: 'https://example.com/x.csv' }, mark: 'bar', encoding: enc }),
    net('data url on a local server', { data: { url: `${base}/data.csv` }, mark: 'bar', encoding: enc }),
    net('data url file:// to a file outside the workspace', { data: { url: `file://${canaryAbs}` }, mark: 'bar', encoding: enc }),
    net('data url relative path leaving the workspace', { data: { url: canaryRel }, mark: 'bar', encoding: enc }),
    net('data url absolute path', { data: { url: canaryAbs }, mark: 'bar', encoding: enc }),
    net('data: URL as data', { data: { url: 'data:text/csv;base64,YSxiCkEsMwo=' }, mark: 'bar', encoding: enc }),
    net('image mark, url from a data field', { data: { values: [{ u: `${base}/cat.png` }] }, mark: 'image', encoding: { url: { field: 'u' } } }),
    net('image mark, url on the mark', { data: { values: v }, mark: { type: 'image', url: `${base}/cat.png` } }),
    net('image mark, data: URL', { data: { values: [{ u: 'data:image/svg+xml;base64,PHN2Zy8+' }] }, mark: 'image', encoding: { url: { field: 'u' } } }),
    net('Vega image mark', vg({ marks: [{ type: 'image', encode: { enter: { url: { value: `${base}/cat.png` } } } }] })),
    net('Vega data source with url', vg({ data: [{ name: 't', url: `${base}/d.json` }], marks: [] })),
    net('href encoding (links)', { data: { values: [{ ...v[0], h: `${base}/x` }] }, mark: 'bar', encoding: { ...enc, href: { field: 'h' } } }),
    net('lookup from a url', { data: { values: v }, transform: [{ lookup: 'a', from: { data: { url: `${base}/l.csv` }, key: 'a', fields: ['c'] } }], mark: 'bar', encoding: enc }),
    {
      name: 'data url naming the data file through ../ is bound to the user\'s file, nothing else read',
      text: fence({ data: { url: '../../../../etc/sales.csv' }, mark: 'bar', encoding: { x: { field: 'quarter', type: 'nominal' }, y: { field: 'revenue', type: 'quantitative' } } }),
      verdicts: ['ok'],
      check: (c) => assert.deepEqual((c.attributes as { numbers: number[] }).numbers, [10, 20]),
    },
    { name: '$schema on the local server is not fetched', text: fence({ $schema: `${base}/schema.json`, data: { values: v }, mark: 'bar', encoding: enc }), verdicts: ['ok'] },
    { name: 'fonts named by url are not fetched', text: fence({ data: { values: v }, mark: 'bar', encoding: enc, title: 'x', config: { font: `url(${base}/f.ttf)`, title: { font: `${base}/f.ttf` } } }), verdicts: ['ok'] },
    {
      name: 'SVG paint server url() in a fill is not fetched',
      text: fence(vg({ marks: [{ type: 'rect', encode: { enter: { x: { value: 0 }, y: { value: 0 }, width: { value: 50 }, height: { value: 50 }, fill: { value: `url(${base}/p.svg#g)` } } } }] })),
      verdicts: ['ok', 'chart_render'],
    },
    // Expressions: no escape from Vega's expression sandbox; what loops or allocates is stopped.
    { name: 'expression reaching for constructor/process', text: fence({ data: { values: v }, transform: [{ calculate: "constructor.constructor('return process')()", as: 'p' }], mark: 'bar', encoding: enc }), verdicts: ['chart_parse'] },
    { name: 'expression reaching for this', text: fence({ data: { values: v }, transform: [{ calculate: 'this.constructor', as: 'p' }], mark: 'bar', encoding: enc }), verdicts: ['chart_parse'] },
    {
      name: 'expression with catastrophic regex backtracking (a loop)',
      text: fence({ data: { values: v }, transform: [{ calculate: "test(regexp('^(a+)+$'), 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!')", as: 'p' }], mark: 'bar', encoding: enc }),
      verdicts: ['chart_timeout'],
      message: /longer than \d+ ms/,
    },
    { name: 'expression allocating a 400M-character string', text: fence({ data: { values: v }, transform: [{ calculate: "pad('', 400000000, 'x')", as: 'p' }], mark: 'bar', encoding: enc }), verdicts: EXHAUSTION },
    { name: 'expression allocating a 300M-element array', text: fence({ data: { values: v }, transform: [{ calculate: 'sequence(0, 300000000)', as: 'p' }], mark: 'bar', encoding: enc }), verdicts: EXHAUSTION },
    { name: 'sequence generator of 100M rows', text: fence({ data: { sequence: { start: 0, stop: 1, step: 1e-8, as: 'x' } }, mark: 'tick', encoding: { x: { field: 'x', type: 'quantitative' } } }), verdicts: EXHAUSTION },
    {
      name: 'density transform with 200M steps',
      text: fence({ data: { values: [{ x: 1 }, { x: 2 }] }, transform: [{ density: 'x', steps: 200000000 }], mark: 'area', encoding: { x: { field: 'value', type: 'quantitative' }, y: { field: 'density', type: 'quantitative' } } }),
      verdicts: EXHAUSTION,
    },
    // Sizes.
    { name: '200000 x 200000 pixel chart', text: fence({ width: 200000, height: 200000, data: { values: v }, mark: 'bar', encoding: enc }), verdicts: ['chart_render'], message: /pixels \(limit \d+\)/ },
    { name: '300k-character title', text: fence({ data: { values: v }, mark: 'bar', encoding: enc, title: 'x'.repeat(300000) }), verdicts: ['chart_render'], message: /pixels \(limit \d+\)/ },
    { name: 'font size 1e7', text: fence({ data: { values: v }, mark: { type: 'text', fontSize: 1e7, text: 'W' }, encoding: { x: { field: 'a', type: 'nominal' } } }), verdicts: ['chart_render'], message: /pixels \(limit \d+\)/ },
    {
      name: '4000 facets',
      text: fence({ data: { sequence: { start: 0, stop: 4000, as: 'k' } }, facet: { field: 'k', type: 'nominal' }, columns: 60, spec: { width: 100, height: 100, mark: 'point', encoding: { x: { field: 'k', type: 'quantitative' } } } }),
      verdicts: EXHAUSTION,
    },
    {
      name: '40000 inline rows',
      text: fence({ data: { values: Array.from({ length: 40000 }, (_, i) => ({ x: i, y: i % 97 })) }, mark: 'point', encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } }),
      verdicts: ['ok', 'chart_timeout'],
    },
    { name: `candidate over ${MAX_SPEC_CHARS} characters`, text: fence({ data: { values: [{ s: 'y'.repeat(MAX_SPEC_CHARS) }] }, mark: 'bar' }), verdicts: ['chart_parse'], message: /limit/ },
    { name: 'JSON nested 5000 deep', text: '{"mark": "bar", "x": ' + '['.repeat(5000) + ']'.repeat(5000) + '}', verdicts: ['chart_parse'], message: new RegExp(`deeper than ${MAX_SPEC_DEPTH}`) },
    { name: '25 nested layers', text: fence({ data: { values: v }, ...nested }), verdicts: ['ok'] },
    // Signals and events.
    { name: 'signals updating each other (a cycle)', text: fence(vg({ signals: [{ name: 'a', update: 'b + 1' }, { name: 'b', update: 'a + 1' }], marks: [] })), verdicts: ['chart_render', 'chart_parse'] },
    {
      name: 'timer event stream updating a signal forever',
      text: fence(vg({ signals: [{ name: 't', value: 0, on: [{ events: { type: 'timer', throttle: 1 }, update: 't + 1' }] }], marks: [{ type: 'text', encode: { update: { text: { signal: 't' } } } }] })),
      verdicts: ['ok'],
    },
    { name: 'window event stream', text: fence(vg({ signals: [{ name: 'w', value: 0, on: [{ events: 'window:resize', update: 'w + 1' }] }], marks: [] })), verdicts: ['ok'] },
    {
      name: 'bound inputs and an interval selection (no DOM in the renderer)',
      text: fence({ params: [{ name: 'p', value: 1, bind: { input: 'range', min: 0, max: 10 } }, { name: 's', select: 'interval' }], data: { values: v }, mark: 'bar', encoding: enc }),
      verdicts: ['ok'],
    },
    {
      name: '__proto__ keys in the spec and the data',
      text: '```json\n{"__proto__": {"polluted": 1}, "data": {"values": [{"a": "A", "b": 1, "__proto__": {"polluted": 2}}]}, "mark": "bar", "encoding": {"x": {"field": "a", "type": "nominal"}, "y": {"field": "b", "type": "quantitative"}}}\n```',
      verdicts: ['ok'],
    },
  ];
}

function hashTree(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      h.update(p);
      if (e.isDirectory()) walk(p);
      else h.update(fs.readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

describe('chart hostile specs: a verdict within the limit, nothing fetched, read or written, the pool alive', function () {
  this.timeout(600000);
  const renderer = new ChartRenderer({ timeoutMs: LIMIT_MS, maxHeapMb: 256, processes: 2 });
  const hits: string[] = [];
  const server = http.createServer((req, res) => { hits.push(req.url ?? ''); res.end('a,b\nA,1\n'); });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-hostile-'));
  const workspace = path.join(tmp, 'workspace'), outside = path.join(tmp, 'outside');
  const canary = path.join(outside, 'canary.csv');
  let base = '';
  let treeBefore = '';
  let cases: HostileCase[] = [];
  const placeholder = hostileCases('http://127.0.0.1:1', '../outside/canary.csv', canary);

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    fs.mkdirSync(workspace);
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(workspace, 'sales.csv'), 'quarter,revenue\nQ1,10\nQ2,20\n');
    fs.writeFileSync(canary, `a,b\n${TOKEN},9\n`);
    treeBefore = hashTree(tmp);
    cases = hostileCases(base, '../outside/canary.csv', canary);
    await renderer.start();
  });

  after(() => {
    renderer.dispose();
    server.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it(`has at least 20 hostile specs (${placeholder.length})`, () => assert.ok(placeholder.length >= 20));

  placeholder.forEach((p, i) => {
    it(`${p.name}: ${p.verdicts.join(' or ')}`, async () => {
      const c = cases[i]!;
      // Every child ready first, so that the time measured is this spec's own and not a restart after the last one.
      await renderer.start();
      hits.length = 0;
      const t0 = Date.now();
      const out = await rankChartGroup({ group: `hostile-${i}`, candidates: [c.text], dataPath: path.join(workspace, 'sales.csv') }, { renderer, timeoutMs: LIMIT_MS, inlinePng: 'never' });
      const ms = Date.now() - t0;
      const cand = out.candidates[0]!;
      const verdict = (cand.error?.code ?? 'ok') as Verdict;
      assert.ok(c.verdicts.includes(verdict), `verdict ${verdict}: ${cand.error?.message ?? ''}`);
      if (c.message) assert.match(cand.error?.message ?? '', c.message);
      assert.ok(ms <= LIMIT_MS + GRACE_MS, `verdict after ${ms} ms (limit ${LIMIT_MS} ms + ${GRACE_MS} ms grace)`);
      if (verdict !== 'ok') { assert.equal(cand.total, 0); assert.equal(cand.rewards.executes, 0); }
      c.check?.(cand);
      const all = JSON.stringify(out);
      assert.ok(!all.includes(TOKEN), 'nothing from the file outside the workspace appears in the output');
      assert.deepEqual(hits, [], 'no request reached the local server');
      assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
    });
  });

  it('afterwards: nothing written, no late requests, both renderer processes alive and serving', async () => {
    assert.equal(hashTree(tmp), treeBefore);
    await renderer.start();
    assert.equal(renderer.pids.length, 2);
    const bar = { data: { values: [{ a: 'A', b: 1 }] }, mark: 'bar', encoding: { x: { field: 'a' }, y: { field: 'b', type: 'quantitative' } } };
    const rs = await Promise.all([renderer.render(bar), renderer.render(bar)]);
    for (const r of rs) assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    assert.deepEqual(hits, []);
  });
});
