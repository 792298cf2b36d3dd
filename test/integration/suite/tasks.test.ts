/**
 * The three generate commands end to end inside a real VS Code, through the extension's own (bundled) worker: SQL
 * with the bundled tiny model; patches and charts, which that model declares it cannot write (it is refused before
 * sampling), with an OpenAI-compatible stand-in endpoint (test/e2e/lib/fakeEndpoint.js) serving realistic candidates.
 * Sample, execute/apply/render, score, rank, show in the panel. The user's files are untouched until Accept; the
 * database file never.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

interface Ranked {
  group: string;
  allEqual: boolean;
  candidates: Array<{ index: number; text: string; rewards: Record<string, number>; total: number; advantage: number; rank: number; error: { code: string } | null; [k: string]: unknown }>;
}

/** The repository root: compiled tests run from out/integration/..., sources from test/integration/... */
function repoRoot(): string {
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) if (fs.existsSync(path.join(d, 'test', 'e2e', 'lib', 'fakeEndpoint.js'))) return d;
  throw new Error(`no repository root above ${__dirname}`);
}

interface FakeEndpoint {
  url: string;
  requests: { task: string; body: { max_tokens?: number } }[];
  close(): Promise<void>;
}

const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

function workspaceFile(rel: string): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return path.join(folder.uri.fsPath, rel);
}

function assertRanked(g: Ranked | undefined, n: number, rewardNames: string[]): Ranked {
  assert.ok(g, 'the command returned a ranked group');
  assert.equal(g.candidates.length, n);
  const ranks = g.candidates.map((c) => c.rank).sort((a, b) => a - b);
  assert.deepEqual(ranks, Array.from({ length: n }, (_, i) => i + 1));
  const byRank = [...g.candidates].sort((a, b) => a.rank - b.rank);
  for (let i = 1; i < byRank.length; i++) assert.ok(byRank[i - 1]!.total >= byRank[i]!.total, 'sorted by total');
  for (const name of rewardNames) assert.ok(g.candidates.some((c) => name in c.rewards), `reward ${name} present`);
  return g;
}

describe('Generate commands (bundled worker + tiny model)', function () {
  this.timeout(240000);
  before(async () => {
    const ext = vscode.extensions.getExtension('reward-lens.reward-lens');
    assert.ok(ext);
    await ext.activate();
    await vscode.workspace.getConfiguration('rewardLens').update('numCandidates', 4, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('rewardLens').update('maxNewTokens', 48, vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    await vscode.workspace.getConfiguration('rewardLens').update('numCandidates', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('rewardLens').update('maxNewTokens', undefined, vscode.ConfigurationTarget.Global);
  });

  it('SQL: candidates run on an in-memory copy and are ranked; the database file is unchanged', async () => {
    const db = workspaceFile('shop.sqlite');
    const before = sha(db);
    // 8 samples: about 65% of the demo model's candidates execute on this prompt, so "at least one" holds reliably.
    await vscode.workspace.getConfiguration('rewardLens').update('numCandidates', 8, vscode.ConfigurationTarget.Global);
    let g: Ranked | undefined;
    try {
      g = await vscode.commands.executeCommand<Ranked>('rewardLens.generateSql', { dbPath: db, question: 'How many orders has each customer placed?' });
    } finally {
      await vscode.workspace.getConfiguration('rewardLens').update('numCandidates', 4, vscode.ConfigurationTarget.Global);
    }
    assertRanked(g, 8, ['syntax', 'executes', 'schema_valid', 'consensus']);
    assert.ok(g!.candidates.some((c) => c.error === null && c.rewards.executes === 1), 'at least one candidate executed');
    assert.equal(sha(db), before, 'database file untouched');
  });

  it('the bundled model (SQL only) is not asked for a patch or a chart: refused before sampling', async () => {
    const file = workspaceFile('src/cart.ts');
    const before = fs.readFileSync(file, 'utf8');
    assert.equal(await vscode.commands.executeCommand('rewardLens.generatePatch', { uri: vscode.Uri.file(file).toString(), instruction: 'round the total to cents' }), undefined);
    assert.equal(await vscode.commands.executeCommand('rewardLens.generateChart', { dataPath: workspaceFile('sales.csv'), instruction: 'revenue by month' }), undefined);
    assert.equal(fs.readFileSync(file, 'utf8'), before);
  });

  describe('with an OpenAI-compatible endpoint', () => {
    let endpoint: FakeEndpoint;
    const cfg = () => vscode.workspace.getConfiguration('rewardLens');
    before(async () => {
      const { startFakeEndpoint } = require(path.join(repoRoot(), 'test', 'e2e', 'lib', 'fakeEndpoint.js')) as { startFakeEndpoint(): Promise<FakeEndpoint> };
      endpoint = await startFakeEndpoint();
      await cfg().update('endpoint.url', endpoint.url, vscode.ConfigurationTarget.Global);
      await cfg().update('endpoint.model', 'fake-coder', vscode.ConfigurationTarget.Global);
      await cfg().update('maxNewTokens', undefined, vscode.ConfigurationTarget.Global);
    });
    after(async () => {
      await cfg().update('endpoint.url', undefined, vscode.ConfigurationTarget.Global);
      await cfg().update('endpoint.model', undefined, vscode.ConfigurationTarget.Global);
      await endpoint?.close();
    });

    it('patch: candidates are scored against the file, the file is unchanged before Accept; 2048 tokens by default', async () => {
      const file = workspaceFile('src/cart.ts');
      const before = fs.readFileSync(file, 'utf8');
      const g = await vscode.commands.executeCommand<Ranked>('rewardLens.generatePatch', { uri: vscode.Uri.file(file).toString(), instruction: 'the discount must never make the total negative' });
      assertRanked(g, 4, ['applies']);
      assert.equal(fs.readFileSync(file, 'utf8'), before, 'file untouched before Accept');
      assert.equal(endpoint.requests.at(-1)!.body.max_tokens, 2048);
      const best = [...g!.candidates].sort((a, b) => a.rank - b.rank)[0]!;
      assert.equal(best.rewards.applies, 1);
      assert.equal(g!.candidates[3]!.error?.code, 'patch_apply', 'the SEARCH text of candidate 4 is not in the file');
    });

    it('chart: candidates are rendered in the sandbox and gated on executes; 1024 tokens by default', async () => {
      const g = await vscode.commands.executeCommand<Ranked>('rewardLens.generateChart', { dataPath: workspaceFile('sales.csv'), instruction: 'revenue by month' });
      assertRanked(g, 4, ['executes']);
      for (const c of g!.candidates) if (c.rewards.executes === 0) assert.equal(c.total, 0, 'a chart that does not render scores 0');
      assert.equal(endpoint.requests.at(-1)!.body.max_tokens, 1024);
      assert.equal(g!.candidates[3]!.error?.code, 'chart_parse');
    });
  });
});
