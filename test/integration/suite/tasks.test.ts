/**
 * The three generate commands end to end inside a real VS Code, through the extension's own (bundled) worker and
 * the bundled tiny model: sample, execute/apply/render, score, rank, show in the panel. The user's files are
 * untouched until Accept; the database file never.
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
    const g = await vscode.commands.executeCommand<Ranked>('rewardLens.generateSql', { dbPath: db, question: 'How many orders has each customer placed?' });
    assertRanked(g, 4, ['syntax', 'executes', 'schema_valid', 'consensus']);
    assert.ok(g!.candidates.some((c) => c.error === null && c.rewards.executes === 1), 'at least one candidate executed');
    assert.equal(sha(db), before, 'database file untouched');
  });

  it('patch: candidates are scored against the file, and the file is unchanged before Accept', async () => {
    const file = workspaceFile('src/cart.ts');
    const before = fs.readFileSync(file, 'utf8');
    const g = await vscode.commands.executeCommand<Ranked>('rewardLens.generatePatch', { uri: vscode.Uri.file(file).toString(), instruction: 'round the total to cents' });
    assertRanked(g, 4, ['applies']);
    assert.equal(fs.readFileSync(file, 'utf8'), before, 'file untouched before Accept');
  });

  it('chart: candidates are rendered in the sandbox and gated on executes', async () => {
    const g = await vscode.commands.executeCommand<Ranked>('rewardLens.generateChart', { dataPath: workspaceFile('sales.csv'), instruction: 'revenue by month' });
    assertRanked(g, 4, ['executes']);
    for (const c of g!.candidates) if (c.rewards.executes === 0) assert.equal(c.total, 0, 'a chart that does not render scores 0');
  });
});
