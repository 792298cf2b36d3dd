/**
 * Hostile matplotlib candidates (red-team pass): the audit hook in mpl_harness.py is not the boundary. Each attack
 * goes through rankChartGroup with a workspace holding the user's database and data file: nothing of theirs is
 * removed, truncated, renamed or written, a process the candidate starts past the hook (setsid) does not outlive
 * it nor hang the verdict, and a candidate forging the harness's result line fails alone, not its group.
 * Needs Debian's python3-matplotlib for /usr/bin/python3 and unprivileged user namespaces; skipped otherwise.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { matplotlibAvailable, runMatplotlib, sandboxSupport } from '../../../../src/worker/chart/matplotlib';
import { ChartRenderer } from '../../../../src/worker/chart/renderer';
import { rankChartGroup } from '../../../../src/worker/chart/rankCharts';

const PYTHON = '/usr/bin/python3';
const LIMIT_MS = 8000;
const GRACE_MS = 8000;
const py = (code: string): string => '```python\n' + code + '\nimport matplotlib.pyplot as plt\nplt.bar(["a", "b"], [1, 2])\nplt.title("t")\n```\n';

describe('matplotlib hostile candidates: the user\'s files untouched, nothing outlives the candidate', function () {
  this.timeout(180000);
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mpl-hostile-')));
  const ws = path.join(tmp, 'workspace');
  const db = path.join(ws, 'shop.sqlite'), data = path.join(ws, 'sales.csv'), pwn = path.join(ws, 'PWNED');
  const marker = `rl-hostile-${process.pid}-${Date.now()}`;
  let renderer: ChartRenderer;

  before(function () {
    const a = matplotlibAvailable(PYTHON);
    if (!a.ok || !sandboxSupport().namespaces) {
      console.log(`    skipped: ${a.reason ?? 'no unprivileged user namespaces'}`);
      this.skip();
    }
    fs.mkdirSync(ws);
    renderer = new ChartRenderer({ processes: 1 });
  });
  beforeEach(() => {
    fs.writeFileSync(db, 'SQLite format 3\0 user database');
    fs.writeFileSync(data, 'quarter,revenue\nQ1,10\nQ2,20\n');
  });
  after(() => {
    renderer?.dispose();
    // Only what a failing run of this suite left behind (its marker is unique to this run), by process id.
    for (const pid of spawnSync('pgrep', ['-f', marker], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)) {
      try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ }
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const rank = async (candidates: string[]): Promise<Awaited<ReturnType<typeof rankChartGroup>>> => {
    const t0 = Date.now();
    const out = await rankChartGroup({ group: 'mpl-hostile', candidates, dataPath: data }, { renderer, timeoutMs: LIMIT_MS, inlinePng: 'never', matplotlib: { python: PYTHON, timeoutMs: LIMIT_MS } });
    assert.ok(Date.now() - t0 <= LIMIT_MS + GRACE_MS, `verdict after ${Date.now() - t0} ms`);
    return out;
  };
  const untouched = (): void => {
    assert.deepEqual(fs.readdirSync(ws).sort(), ['sales.csv', 'shop.sqlite']);
    assert.equal(fs.readFileSync(db, 'utf8'), 'SQLite format 3\0 user database');
    assert.equal(fs.readFileSync(data, 'utf8'), 'quarter,revenue\nQ1,10\nQ2,20\n');
  };

  for (const [name, code] of [
    ['os.remove of the data file', `import os; os.remove(${JSON.stringify(data)})`],
    ['os.truncate of the database', `import os; os.truncate(${JSON.stringify(db)}, 0)`],
    ['os.rename of the database', `import os; os.rename(${JSON.stringify(db)}, ${JSON.stringify(db + '.bak')})`],
    ['a write through os.open with dir_fd (relative path passes the hook)', `import os\nd = os.open(${JSON.stringify(ws)}, os.O_RDONLY)\nos.write(os.open('shop.sqlite', os.O_WRONLY | os.O_TRUNC, dir_fd=d), b'x')`],
    ['os.mkdir in the workspace', `import os; os.mkdir(${JSON.stringify(pwn)})`],
  ] as const) {
    it(`${name}: refused, files untouched`, async () => {
      const out = await rank([py(code)]);
      assert.equal(out.candidates[0]!.error?.code, 'chart_render', JSON.stringify(out.candidates[0]!.error));
      untouched();
    });
  }

  it('_posixsubprocess.fork_exec past the audit hook, setsid, writing and sleeping: nothing written, verdict in time, no process left', async () => {
    const sh = `echo x > ${pwn}; rm -f ${db}; exec sleep 300 ${marker}`;
    const code = `import _posixsubprocess, os, time\nr, w = os.pipe()\n_posixsubprocess.fork_exec([b'/bin/sh', b'-c', ${JSON.stringify(sh)}.encode()], [b'/bin/sh'], True, (), None, None, -1, -1, -1, -1, -1, -1, r, w, True, True, -1, None, None, -1, -1, None, False)\ntime.sleep(1)`;
    await rank([py(code)]);
    untouched();
    const left = spawnSync('pgrep', ['-f', marker], { encoding: 'utf8' }).stdout.trim();
    assert.equal(left, '', 'a process started by the candidate outlived it');
  });

  it('a forged result line (with no PNG, or a broken one) fails that candidate only; the group still ranks', async () => {
    const forge = (png: string): string => `import os\n${png}print('{"ok": true, "types": ["bar"], "markCounts": {"bar": 2}, "colors": [], "numbers": [], "texts": {}, "layout": [], "layoutFacts": []}', flush=True)\nos._exit(0)`;
    const out = await rank([py(forge('')), py(forge("open('out.png', 'wb').write(b'\\\\x89PNG')\n")), py('')]);
    const [a, b, good] = out.candidates;
    assert.equal(a!.error?.code, 'chart_render');
    assert.equal(b!.error?.code, 'chart_render');
    assert.equal(good!.error, null, JSON.stringify(good!.error));
    assert.equal(good!.rewards.executes, 1);
    untouched();
  });

  it('the workspace and the home folder read as empty: nothing of the user\'s can be drawn into a chart (and so into the preference log)', async () => {
    const home = path.join(tmp, 'home');
    fs.mkdirSync(home, { recursive: true });
    const secret = path.join(home, 'id_rsa');
    fs.writeFileSync(secret, 'PRIVATE KEY');
    const read = (f: string): string => `(lambda f: (lambda: open(f).read()) if os.path.exists(f) else (lambda: 'gone'))(${JSON.stringify(f)})()`;
    const code = `import os\nimport matplotlib.pyplot as plt\nplt.bar(['a'], [1])\nplt.title(${read(db)} + '|' + ${read(secret)} + '|' + ','.join(sorted(os.listdir(${JSON.stringify(ws)}))) + '|' + ','.join(os.listdir('/run')))\n`;
    const saved = process.env.HOME;
    process.env.HOME = home; // os.homedir() is the user's home folder
    try {
      const r = await runMatplotlib(code, { python: PYTHON, timeoutMs: LIMIT_MS, hide: [ws] });
      assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
      // /run (the session bus, docker's socket) is empty too; here it holds entries outside the sandbox
      assert.ok(fs.readdirSync('/run').length > 0);
      assert.deepEqual(r.attributes.texts.title, ['gone|gone||']);
      assert.ok(r.sandbox.some((x) => x.startsWith('hidden: ') && x.includes(ws) && x.includes(home)), r.sandbox.join('; '));
    } finally {
      process.env.HOME = saved;
    }
    untouched();
  });
});

