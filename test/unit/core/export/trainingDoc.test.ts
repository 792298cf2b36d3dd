/**
 * docs/training.md's worked examples run: check_export.py against a real trl-grpo export, the reward server (started
 * here on port 0) and the Python client the CLI writes; the TRL example imports names the client really has; every
 * `reward-lens serve` line parses with the serve command's own grammar; every Python block is valid Python.
 */
import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { serveOptions } from '../../../../src/cli/serve';
import { pythonClientSource } from '../../../../src/cli/pythonClient';
import { startRewardServer, type RewardServer } from '../../../../src/cli/serve/server';
import { appendPreferenceRecord } from '../../../../src/node/preferences/logFile';
import { exportLog } from '../../../../src/node/preferences/exportFile';
import { makeRecord } from '../preferences/fixtures';

const doc = fs.readFileSync(path.resolve(__dirname, '../../../../docs/training.md'), 'utf8');
const PY = '/usr/bin/python3';

/** The ```python block whose first line is `# <name>`. */
function pythonBlock(name: string): string {
  const m = [...doc.matchAll(/^```python\n([\s\S]*?)^```$/gm)].map((x) => x[1]!).find((b) => b.startsWith(`# ${name}`));
  assert.ok(m, `docs/training.md has a python block starting "# ${name}"`);
  return m;
}

function runPy(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(PY, args, { cwd, env });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => c.kill('SIGKILL'), 60_000);
    c.on('close', (status) => (clearTimeout(t), resolve({ status, stdout, stderr })));
  });
}

describe('docs/training.md worked examples', function () {
  this.timeout(60_000);
  let dir: string;
  let server: RewardServer | undefined;
  before(function () {
    if (spawnSync(PY, ['-c', 'import sqlite3']).status !== 0) {
      console.log(`      skipped: no ${PY} with sqlite3`);
      this.skip();
    }
  });
  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'rl-doc-')));
    fs.writeFileSync(path.join(dir, 'reward_lens_client.py'), pythonClientSource());
    fs.writeFileSync(path.join(dir, 'check_export.py'), pythonBlock('check_export.py'));
    fs.mkdirSync(path.join(dir, 'data'));
    const py = `import sqlite3\ncon = sqlite3.connect("data/geo.sqlite")\ncon.executescript("CREATE TABLE state (name TEXT, population INT); INSERT INTO state VALUES ('texas', 29), ('ohio', 11);")\ncon.commit()`;
    const r = spawnSync(PY, ['-c', py], { cwd: dir, encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('check_export.py: every gold query matches itself through the server on a trl-grpo export', async () => {
    const log = path.join(dir, 'preferences.jsonl');
    await appendPreferenceRecord(log, makeRecord({ id: 'a' }));
    await appendPreferenceRecord(log, makeRecord({ id: 'b', reference: null, texts: ['<answer>\n```sql\nSELECT name FROM state WHERE population > 20\n```\n</answer>', 'x'], rewards: [{ syntax: 1 }, { syntax: 0 }], human: { accepted: 0 } }));
    await appendPreferenceRecord(log, makeRecord({ id: 'c', reference: null }));
    const bad = makeRecord({ id: 'd', reference: 'SELECT 1' });
    bad.context.database!.path = 'data/missing.sqlite';
    await appendPreferenceRecord(log, bad);
    await exportLog('trl-grpo', log, path.join(dir, 'grpo.jsonl'));
    server = await startRewardServer({ port: 0, roots: [dir] });
    const r = await runPy(['check_export.py', 'grpo.jsonl'], dir, { PATH: process.env.PATH ?? '/usr/bin', REWARD_LENS_URLS: server.url });
    assert.strictEqual(r.status, 0, r.stderr);
    // The accepted SQL of record b counts as its reference (reference_source "accepted"); d's database is missing.
    assert.strictEqual(r.stdout.trim(), '4 prompts, 3 SQL prompts with a gold query, gold execution_match: [1, 1, None]');
  });

  it('the TRL example imports names the client has; `reward-lens serve` lines parse with the serve grammar', async () => {
    const trl = pythonBlock('train_grpo_trl.py');
    const names = /from reward_lens_client import ([\w, ]+)/.exec(trl)![1]!.split(',').map((s) => s.trim());
    const r = await runPy(['-c', `import json, reward_lens_client as m; print(json.dumps([hasattr(m, n) for n in ${JSON.stringify(names)}]))`], dir, { PATH: process.env.PATH ?? '/usr/bin' });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.deepStrictEqual(JSON.parse(r.stdout), names.map(() => true));
    const serveLines = [...doc.matchAll(/^reward-lens serve(.*?)(?:\s+#.*)?$/gm), ...doc.matchAll(/`reward-lens serve([^`]*)`/g)].map((m) => m[1]!.trim().split(/\s+/).filter(Boolean));
    assert.ok(serveLines.length >= 3);
    fs.writeFileSync(path.join(dir, 'token.txt'), 'doc-example-token-0123456789\n');
    fs.copyFileSync(path.join(dir, 'data/geo.sqlite'), path.join(dir, 'data/shop.sqlite'));
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      for (const args of serveLines) assert.doesNotThrow(() => serveOptions(args), args.join(' '));
    } finally {
      process.chdir(cwd);
    }
  });

  it('every Python block in the guide is valid Python', () => {
    const blocks = [...doc.matchAll(/^```python\n([\s\S]*?)^```$/gm)].map((x) => x[1]!);
    assert.ok(blocks.length >= 4);
    const r = spawnSync(PY, ['-c', 'import ast, json, sys\nfor b in json.loads(sys.argv[1]): ast.parse(b)', JSON.stringify(blocks)], { encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
  });
});
