/**
 * matplotlib candidates in the sandbox (needs Debian's python3-matplotlib for /usr/bin/python3; skipped otherwise).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { matplotlibAvailable, runMatplotlib, sandboxSupport } from '../../../../src/worker/chart/matplotlib';
import { ChartRenderer } from '../../../../src/worker/chart/renderer';
import { rankChartGroup } from '../../../../src/worker/chart/rankCharts';
import { textF1, typeF1, colorF1, layoutF1 } from '../../../../src/core/chart/similarity';

const MPL = path.resolve(__dirname, '../../../fixtures/chart/mpl');
const code = (f: string): string => fs.readFileSync(path.join(MPL, f), 'utf8');
const py = (f: string): string => '```python\n' + code(f) + '```\n';
const PYTHON = '/usr/bin/python3';

describe('matplotlib candidates (sandboxed)', function () {
  this.timeout(180000);
  before(function () {
    const a = matplotlibAvailable(PYTHON);
    if (!a.ok) {
      console.log(`    skipped: ${a.reason} (install Debian's python3-matplotlib)`);
      this.skip();
    }
    if (!sandboxSupport().namespaces) {
      console.log('    skipped: unprivileged user namespaces (unshare -rnmpf) not permitted here, so candidates are refused (see the next suite)');
      this.skip();
    }
  });

  it('traces texts by role, chart types, colours, layout and data values', async () => {
    const r = await runMatplotlib(code('bar.py'), { python: PYTHON });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    const a = r.attributes;
    assert.deepEqual(a.texts.title, ['Quarterly revenue by region']);
    assert.deepEqual(a.texts.axisTitle.sort(), ['Quarter', 'Revenue (M$)']);
    assert.deepEqual(a.texts.legendTitle, ['region']);
    assert.deepEqual(a.texts.legendLabel, ['North', 'South']);
    assert.ok(a.texts.axisLabel.includes('Q3'));
    assert.deepEqual(a.types, ['bar', 'bar']);
    assert.deepEqual(a.colors, ['bar--#1f77b4', 'bar--#ff7f0e']);
    assert.deepEqual(a.layout, [{ nrows: 1, ncols: 1, row0: 0, row1: 0, col0: 0, col1: 0 }]);
    for (const v of [28, 55, 43, 91, 81, 53, 19, 87]) assert.ok(a.numbers.includes(v), String(v));
    assert.deepEqual([...r.png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    for (const f of [textF1, typeF1, colorF1, layoutF1]) assert.equal(f(a, a).f1, 1, f.name);
  });

  it('reads subplots and line/scatter calls', async () => {
    const r = await runMatplotlib(code('line.py'), { python: PYTHON });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    assert.deepEqual(r.attributes.types, ['line', 'line', 'point']);
    assert.deepEqual(r.attributes.layout.map((c) => [c.nrows, c.ncols, c.col0]), [[1, 2, 0], [1, 2, 1]]);
    assert.ok(r.attributes.colors.includes('line--#4682b4') && r.attributes.colors.includes('point--#008000'));
  });

  it('reads the workspace data file from its work folder', async () => {
    const r = await runMatplotlib(code('bar_csv.py'), { python: PYTHON, dataPath: path.resolve(MPL, '..', 'sales.csv') });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    assert.deepEqual(r.attributes.texts.title, ['North revenue']);
    for (const v of [28, 55, 43, 91]) assert.ok(r.attributes.numbers.includes(v), String(v));
  });

  it('hostile code ends with a verdict: network, endless loop, memory, writes, subprocesses, errors', async () => {
    // Generous limit for the candidates that fail fast (a loaded CI machine starts Python slowly), short for the loop.
    const verdict = async (f: string, timeoutMs = 15000): Promise<string> => {
      const r = await runMatplotlib(code(f), { python: PYTHON, timeoutMs });
      return r.ok ? 'ok' : `${r.error.code}: ${r.error.message}`;
    };
    assert.match(await verdict('net.py'), /^chart_render: .*network disabled/);
    assert.match(await verdict('loop.py', 3000), /^chart_timeout/);
    assert.match(await verdict('mem.py'), /^chart_render: MemoryError/);
    assert.match(await verdict('write.py'), /^chart_render: PermissionError: sandbox: write outside/);
    assert.match(await verdict('spawn.py'), /^chart_render: PermissionError: sandbox: subprocess/);
    assert.match(await verdict('error.py'), /^chart_render: ValueError/);
    assert.equal(fs.existsSync('/tmp/PWNED-reward-lens'), false);
    const again = await runMatplotlib(code('bar.py'), { python: PYTHON });
    assert.ok(again.ok);
  });

  it('matplotlib candidates rank against a reference image like Vega candidates', async () => {
    const renderer = new ChartRenderer();
    try {
      const refPng = await runMatplotlib(code('bar.py'), { python: PYTHON });
      assert.ok(refPng.ok);
      const out = await rankChartGroup(
        { group: 'mpl', candidates: [py('bar_green.py'), py('bar.py'), py('line.py'), py('error.py')], referenceImage: refPng.png },
        { renderer, matplotlib: { python: PYTHON } },
      );
      const [green, exact, line, err] = out.candidates;
      assert.equal(exact!.rewards.visual, 1);
      assert.equal(exact!.rank, 1);
      assert.ok(green!.total > line!.total, `${green!.total} > ${line!.total}`);
      assert.equal(err!.total, 0);
      assert.equal(err!.language, 'matplotlib');
      const refused = await rankChartGroup({ group: 'off', candidates: [py('bar.py')] }, { renderer });
      assert.equal(refused.candidates[0]!.error?.code, 'chart_parse', 'matplotlib is opt-in');
    } finally {
      renderer.dispose();
    }
  });
});

describe('matplotlib candidates without the sandbox', () => {
  it('are refused before anything runs, saying what the machine lacks and what to do', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpl-nosandbox-'));
    const marker = path.join(dir, 'ran');
    // a "python" that only leaves a mark: with no namespaces it must never be started
    const fake = path.join(dir, 'python3');
    fs.writeFileSync(fake, `#!/bin/sh\ntouch '${marker}'\n`, { mode: 0o755 });
    const r = await runMatplotlib('import matplotlib', { python: fake, sandbox: { prlimit: true, namespaces: false } });
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'not_available');
    assert.match(r.error.message, /user namespaces.*Vega-Lite/);
    assert.ok(!fs.existsSync(marker), 'the candidate ran');
  });
});

