/**
 * The review panel inside a real VS Code: the webview loads under its CSP and says ready, a session streams
 * candidates and a ranked group, Accept runs the command's hook and appends exactly one preference record (fsynced)
 * to `rewardLens.logLocation`; closing the panel logs feedback that was given but not saved.
 * (Clicking inside the webview is the browser e2e's job; here the panel's own message handler is fed.)
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ReviewPanel } from '../../../src/extension/review/reviewPanel';
import type { GroupOutput } from '../../../src/core/ranking/types';
import { rankGroup } from '../../../src/core/ranking/ranking';
import { readPreferenceLog } from '../../../src/node/preferences/logFile';

const EXTENSION_ID = 'reward-lens.reward-lens';

function group(): GroupOutput {
  const rewards = [{ execution_match: 0, syntax: 1 }, { execution_match: 1, syntax: 1 }];
  const r = rankGroup(rewards, { weights: { execution_match: 3, syntax: 1 } });
  return {
    group: 'g',
    allEqual: r.allEqual,
    candidates: ['SELECT * FROM orders', 'SELECT count(*) FROM orders'].map((text, i) => ({
      index: i, text, rewards: rewards[i]!, total: r.scored[i]!.total, advantage: r.scored[i]!.advantage, rank: r.scored[i]!.rank, error: null,
      sql: text, result: { columns: ['n'], rows: [[42]], rowCount: 1 },
    })),
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))]);
}

describe('Review panel and preference log', () => {
  let dir: string;
  let logFile: string;
  let context: vscode.ExtensionContext;

  before(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, 'extension installed');
    await ext.activate();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-review-it-'));
    logFile = path.join(dir, 'prefs', 'preferences.jsonl');
    await vscode.workspace.getConfiguration('rewardLens').update('logLocation', logFile, vscode.ConfigurationTarget.Global);
    // The panel needs only these members of the context.
    context = { extensionUri: ext.extensionUri, globalStorageUri: vscode.Uri.file(dir), subscriptions: [] } as unknown as vscode.ExtensionContext;
  });

  after(async () => {
    ReviewPanel.active?.dispose();
    await vscode.workspace.getConfiguration('rewardLens').update('logLocation', undefined, vscode.ConfigurationTarget.Global);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('opens, says ready, and logs one record on Accept', async () => {
    const panel = ReviewPanel.createOrShow(context);
    await withTimeout(panel.whenReady(), 30_000, 'the webview said ready (script loaded under the CSP)');
    assert.equal(panel.panel.viewType, 'rewardLens.review');

    const accepted: string[] = [];
    const session = panel.beginSession({
      task: 'sql',
      prompt: [{ role: 'user', content: 'How many orders are there?' }],
      context: { database: { path: 'shop.sqlite', sha256: '0'.repeat(64), schema: 'CREATE TABLE orders (id INTEGER);' }, reference: 'SELECT count(*) FROM orders' },
      model: { id: 'tiny' },
      sampling: { n: 2, temperature: 0.8, topP: 0.95, maxNewTokens: 64 },
      provider: 'cpu',
      weights: { execution_match: 3, syntax: 1 },
      rewardDescriptions: { execution_match: 'Rows equal the gold rows', syntax: 'Runs' },
      hooks: { onAccept: (c) => void accepted.push(c.text) },
    });
    const g = group();
    session.addCandidate({ index: 0, text: g.candidates[0]!.text }, { tokenCount: 5, logprobs: { sum: -3, mean: -0.6, min: -1.2, count: 5 } });
    session.setRanked(g);
    const logged = new Promise<{ recordId: string; file: string }>((resolve) => session.onDidLog(resolve));
    const human = { accepted: 1, preferences: [{ chosen: 1, rejected: 0 }], rejected: [0], ratings: { '1': 5 }, note: 'counts', weights: { execution_match: 4, syntax: 0 } };
    await panel.receiveForTest({ type: 'accept', sessionId: session.id, index: 1, human });
    const done = await withTimeout(logged, 10_000, 'record logged');

    assert.deepEqual(accepted, ['SELECT count(*) FROM orders']);
    assert.equal(done.file, logFile);
    const log = await readPreferenceLog(logFile);
    assert.equal(log.records.length, 1);
    assert.equal(log.torn, 0);
    const rec = log.records[0]!;
    assert.equal(rec.id, session.id);
    assert.deepEqual(rec.human, human);
    assert.equal(rec.candidates[0]!.tokenCount, 5);
    assert.ok(!JSON.stringify(rec).includes('"rows"'), 'no database rows in the log');

    // A second accept runs the hook again but does not log twice.
    await panel.receiveForTest({ type: 'accept', sessionId: session.id, index: 0, human });
    assert.equal((await readPreferenceLog(logFile)).records.length, 1);
  });

  it('logs feedback left without accepting when the panel closes; ignores malformed messages', async () => {
    const panel = ReviewPanel.createOrShow(context);
    await withTimeout(panel.whenReady(), 30_000, 'ready');
    const session = panel.beginSession({
      task: 'sql',
      prompt: [{ role: 'user', content: 'q' }],
      context: {},
      model: { id: 'tiny' },
      sampling: { n: 2, temperature: 0.8, topP: 0.95, maxNewTokens: 64 },
      provider: 'cpu',
      weights: { execution_match: 3, syntax: 1 },
    });
    // The ranker reports the weights it actually used: the session (and the panel's sliders) take them.
    session.setRanked({ ...group(), weights: { execution_match: 3, syntax: 1, ngram: 1 } } as GroupOutput);
    assert.deepEqual(session.info.weights, { execution_match: 3, syntax: 1, ngram: 1 });
    await panel.receiveForTest({ type: 'feedback', sessionId: session.id, human: { accepted: null, preferences: [], rejected: [1], ratings: {}, note: '', weights: { execution_match: 3, syntax: 1 } } });
    await panel.receiveForTest({ type: 'accept', sessionId: session.id, index: 'x' });
    const logged = new Promise<void>((resolve) => session.onDidLog(() => resolve()));
    panel.dispose();
    await withTimeout(logged, 10_000, 'feedback logged on close');
    const log = await readPreferenceLog(logFile);
    assert.equal(log.records.length, 2);
    assert.deepEqual(log.records[1]!.human.rejected, [1]);
    assert.equal(log.records[1]!.human.accepted, null);
    assert.ok(session.token.isCancellationRequested);
  });
});
