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

/**
 * A describe block's preference log in a temporary folder (`rewardLens.logLocation` points at it while the block
 * runs) and the extension context the panel needs; the panel is disposed and the setting reset after the block.
 */
function useLogFixture(prefix: string, logPath: string): { dir: string; logFile: string; context: vscode.ExtensionContext } {
  const fx = { dir: '', logFile: '', context: undefined as unknown as vscode.ExtensionContext };
  before(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, 'extension installed');
    await ext.activate();
    fx.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    fx.logFile = path.join(fx.dir, ...logPath.split('/'));
    await vscode.workspace.getConfiguration('rewardLens').update('logLocation', fx.logFile, vscode.ConfigurationTarget.Global);
    // The panel needs only these members of the context.
    fx.context = { extensionUri: ext.extensionUri, globalStorageUri: vscode.Uri.file(fx.dir), subscriptions: [] } as unknown as vscode.ExtensionContext;
  });
  after(async () => {
    ReviewPanel.active?.dispose();
    await vscode.workspace.getConfiguration('rewardLens').update('logLocation', undefined, vscode.ConfigurationTarget.Global);
    fs.rmSync(fx.dir, { recursive: true, force: true });
  });
  return fx;
}

describe('Review panel and preference log', () => {
  const fx = useLogFixture('rl-review-it-', 'prefs/preferences.jsonl');

  it('opens, says ready, and logs one record on Accept', async () => {
    const panel = ReviewPanel.createOrShow(fx.context);
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
    assert.equal(done.file, fx.logFile);
    const log = await readPreferenceLog(fx.logFile);
    assert.equal(log.records.length, 1);
    assert.equal(log.torn, 0);
    const rec = log.records[0]!;
    assert.equal(rec.id, session.id);
    assert.deepEqual(rec.human, human);
    assert.equal(rec.candidates[0]!.tokenCount, 5);
    assert.ok(!JSON.stringify(rec).includes('"rows"'), 'no database rows in the log');

    // A second accept runs the hook again but does not log twice.
    await panel.receiveForTest({ type: 'accept', sessionId: session.id, index: 0, human });
    assert.equal((await readPreferenceLog(fx.logFile)).records.length, 1);
  });

  it('logs feedback left without accepting when the panel closes; ignores malformed messages', async () => {
    const panel = ReviewPanel.createOrShow(fx.context);
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
    const log = await readPreferenceLog(fx.logFile);
    assert.equal(log.records.length, 2);
    assert.deepEqual(log.records[1]!.human.rejected, [1]);
    assert.equal(log.records[1]!.human.accepted, null);
    assert.ok(session.token.isCancellationRequested);
  });

  it('a shorter prompt sent instead of the first is what the record logs, with its context (no sample values)', async () => {
    const panel = ReviewPanel.createOrShow(fx.context);
    await withTimeout(panel.whenReady(), 30_000, 'ready');
    const database = { path: 'shop.sqlite', sha256: '0'.repeat(64) };
    const session = panel.beginSession({
      task: 'sql',
      prompt: [{ role: 'user', content: 'CREATE TABLE orders (id INTEGER); -- id: 1, 2, 3\nHow many orders?' }],
      context: { database: { ...database, schema: 'CREATE TABLE orders (id INTEGER); -- id: 1, 2, 3' }, reference: null },
      model: { id: 'tiny' },
      sampling: { n: 2, temperature: 0.8, topP: 0.95, maxNewTokens: 64 },
      provider: 'cpu',
      weights: { syntax: 1 },
    });
    const shorter = [{ role: 'user' as const, content: 'CREATE TABLE orders (id INTEGER);\nHow many orders?' }];
    session.setPrompt(shorter, { database: { ...database, schema: 'CREATE TABLE orders (id INTEGER);' }, reference: null });
    session.setRanked(group());
    const logged = new Promise<void>((resolve) => session.onDidLog(() => resolve()));
    await panel.receiveForTest({ type: 'accept', sessionId: session.id, index: 0, human: { accepted: 0, preferences: [], rejected: [], ratings: {}, note: '', weights: { syntax: 1 } } });
    await withTimeout(logged, 10_000, 'record logged');
    const rec = (await readPreferenceLog(fx.logFile)).records.find((r) => r.id === session.id)!;
    assert.deepEqual(rec.prompt, shorter);
    assert.equal((rec.context as { database: { schema: string } }).database.schema, 'CREATE TABLE orders (id INTEGER);');
    assert.ok(!JSON.stringify(rec).includes('1, 2, 3'), 'the sample values the model never saw are not in the record');
  });
});

describe('Review panel: reopen, Accept refusal, reference', () => {
  const fx = useLogFixture('rl-review2-it-', 'preferences.jsonl');

  function begin(panel: ReviewPanel, task: 'sql' | 'patch', hooks: Parameters<ReviewPanel['beginSession']>[0]['hooks'] = {}) {
    return panel.beginSession({
      task,
      prompt: [{ role: 'user', content: `Question: ${task} request` }],
      context: {},
      model: { id: 'tiny' },
      sampling: { n: 2, temperature: 0.8, topP: 0.95, maxNewTokens: 64 },
      provider: 'cpu',
      weights: { execution_match: 3, syntax: 1 },
      hooks,
    });
  }

  it('refuses Accept for a patch that does not apply (hook not run, reason in the status), and sends the reason to the card', async () => {
    const panel = ReviewPanel.createOrShow(fx.context);
    await withTimeout(panel.whenReady(), 30_000, 'ready');
    const applied: number[] = [];
    const session = begin(panel, 'patch', { onAccept: (c) => void applied.push(c.index) });
    const markers = 'a\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n';
    session.setRanked({
      group: 'g',
      allEqual: false,
      candidates: [
        { index: 0, text: 'bad', rewards: { applies: 0, syntax: 0 }, total: 0, advantage: -1, rank: 2, error: { code: 'patch_apply', message: 'SEARCH text not found' }, files: [] },
        { index: 1, text: 'markers', rewards: { applies: 1, syntax: 1 }, total: 2, advantage: 1, rank: 1, error: null, files: [{ path: 'a.ts', status: 'modified', after: markers }] },
      ],
    });
    await panel.receiveForTest({ type: 'accept', sessionId: session.id, index: 0, human: { accepted: 0, preferences: [], rejected: [], ratings: {}, note: '', weights: {} } });
    await panel.receiveForTest({ type: 'accept', sessionId: session.id, index: 1, human: { accepted: 1, preferences: [], rejected: [], ratings: {}, note: '', weights: {} } });
    assert.deepEqual(applied, []);
    const statuses = panel.sentForTest.filter((m) => m.type === 'status').map((m) => (m as { message: string }).message);
    assert.ok(statuses.some((m) => /Candidate 1 was not accepted: it does not apply/.test(m)), statuses.join(' | '));
    assert.ok(statuses.some((m) => /Candidate 2 was not accepted: SEARCH\/REPLACE markers would end up in a\.ts/.test(m)), statuses.join(' | '));
    const ranked = panel.sentForTest.filter((m) => m.type === 'ranked').pop() as { group: { candidates: { index: number; acceptBlocked?: string }[] } };
    assert.match(ranked.group.candidates.find((c) => c.index === 0)!.acceptBlocked!, /does not apply/);
    assert.equal((await readPreferenceLog(fx.logFile).catch(() => ({ records: [] }))).records.length, 0, 'a refused Accept logs nothing');
    panel.dispose();
  });

  it('Set reference re-ranks through the hook; the reference and reward definitions go in the record', async () => {
    const panel = ReviewPanel.createOrShow(fx.context);
    await withTimeout(panel.whenReady(), 30_000, 'ready');
    const session = begin(panel, 'sql', {
      onAccept: () => undefined,
      onSetReference: async () => ({ reference: 'SELECT count(*) FROM orders', group: group() }),
    });
    session.setRanked({ ...group(), candidates: group().candidates.map((c) => ({ ...c, rewards: { syntax: 1 } })) });
    await panel.receiveForTest({ type: 'setReference', sessionId: session.id });
    assert.equal(session.info.reference, 'SELECT count(*) FROM orders');
    const logged = new Promise<void>((resolve) => session.onDidLog(() => resolve()));
    await panel.receiveForTest({ type: 'accept', sessionId: session.id, index: 1, human: { accepted: 1, preferences: [], rejected: [], ratings: {}, note: '', weights: { execution_match: 3, syntax: 1 } } });
    await withTimeout(logged, 10_000, 'logged');
    const rec = (await readPreferenceLog(fx.logFile)).records.pop()!;
    assert.equal(rec.version, 2);
    assert.equal(rec.context.reference, 'SELECT count(*) FROM orders');
    assert.deepEqual(Object.keys(rec.rewardDefinitions ?? {}).sort(), ['execution_match', 'syntax']);
    assert.equal(rec.candidates[1]!.rewards['execution_match'], 1);
    panel.dispose();
  });

  it('reopened after a close, the panel shows the last reviewed group from the log (read-only) and the recent list', async () => {
    const panel = ReviewPanel.createOrShow(fx.context);
    await withTimeout(panel.whenReady(), 30_000, 'ready');
    const deadline = Date.now() + 10_000;
    while (!panel.sentForTest.some((m) => m.type === 'ranked') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const history = panel.sentForTest.find((m) => m.type === 'history') as { items: { recordId: string; title: string }[] } | undefined;
    assert.ok(history, 'history sent');
    const last = (await readPreferenceLog(fx.logFile)).records.pop()!;
    assert.equal(history.items[0]!.recordId, last.id);
    assert.equal(history.items[0]!.title, 'sql request');
    const session = panel.sentForTest.find((m) => m.type === 'session') as { session: { id: string; restored?: boolean; reference?: string } };
    assert.deepEqual([session.session.id, session.session.restored, session.session.reference], [last.id, true, 'SELECT count(*) FROM orders']);
    assert.equal(panel.currentSession, null, 'nothing live: Accept cannot log it again');
    panel.dispose();
  });

  it('a restored panel revived while a live one is open is closed; the live review stays', async () => {
    const live = ReviewPanel.createOrShow(fx.context);
    await withTimeout(live.whenReady(), 30_000, 'ready');
    // What VS Code hands the serializer when a restored tab is first shown: a panel of our view type.
    const restored = vscode.window.createWebviewPanel(ReviewPanel.viewType, 'Reward Lens Review', vscode.ViewColumn.Active, {});
    let restoredClosed = false;
    restored.onDidDispose(() => (restoredClosed = true));
    assert.equal(ReviewPanel.revive(restored, fx.context), false);
    assert.ok(restoredClosed, 'the restored panel is closed');
    assert.equal(ReviewPanel.active, live, 'the live panel is still the review panel');
    live.dispose();
    // With no live panel, the restored one becomes the review panel.
    const again = vscode.window.createWebviewPanel(ReviewPanel.viewType, 'Reward Lens Review', vscode.ViewColumn.Active, {});
    assert.equal(ReviewPanel.revive(again, fx.context), true);
    assert.ok(ReviewPanel.active && ReviewPanel.active !== live);
    ReviewPanel.active.dispose();
    assert.equal(ReviewPanel.active, undefined);
  });
});
