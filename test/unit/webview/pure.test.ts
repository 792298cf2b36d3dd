/** The panel's pure parts, in Node: protocol guards, tokenizer, state and ranking view, record cleaning, log path. */
import * as assert from 'assert';
import * as os from 'os';
import * as path from 'path';
import { isHostMessage, isPanelMessage, toPanelCandidate, type PanelCandidate, type SessionInfo } from '../../../src/core/protocol/webview';
import { tokenize, controlMarker, guessLanguage, type Language } from '../../../src/webview/highlight';
import * as S from '../../../src/webview/state';
import { buildPreferenceRecord, withoutCredentials } from '../../../src/core/preferences/build';
import { checkPreferenceRecord, emptyHumanSignal, summarizeLogprobs } from '../../../src/core/preferences/record';
import { resolveLogPath, displayLogPath } from '../../../src/extension/preferences/logLocation';
import { makeGroup, makeRecord } from '../core/preferences/fixtures';
import { XSS_CORPUS } from './xssCorpus';

const session: SessionInfo = {
  id: 's',
  task: 'sql',
  title: 't',
  prompt: [{ role: 'user', content: 'q' }],
  modelLabel: 'm',
  n: 3,
  weights: { a: 1, b: 0 },
  rankOptions: {},
  rewards: { a: { description: 'A' } },
  canOpenDiff: false,
  acceptLabel: 'Insert SQL',
};

describe('webview protocol guards', () => {
  it('accept well-formed messages and reject the rest', () => {
    const human = emptyHumanSignal({ a: 1 });
    assert.ok(isPanelMessage({ type: 'ready', version: 1, sessionId: null }));
    assert.ok(isPanelMessage({ type: 'accept', sessionId: 's', index: 2, human }));
    assert.ok(isPanelMessage({ type: 'regenerate', sessionId: null, weights: { a: 2 } }));
    assert.ok(!isPanelMessage({ type: 'accept', sessionId: 's', index: 1.5, human }));
    assert.ok(!isPanelMessage({ type: 'accept', sessionId: 's', index: 1, human: { ...human, ratings: { 0: 9 } } }));
    assert.ok(!isPanelMessage({ type: 'copy', sessionId: 's', index: 0 }));
    assert.ok(!isPanelMessage({ type: 'eval', code: 'x' }));
    assert.ok(!isPanelMessage(null));
    assert.ok(!isPanelMessage('ready'));
    assert.ok(isHostMessage({ type: 'session', session }));
    assert.ok(!isHostMessage({ type: 'session', session: { ...session, task: 'shell' } }));
    assert.ok(isHostMessage({ type: 'candidate', sessionId: 's', candidate: { index: 0, text: 'x', rewards: { a: null }, error: null } }));
    assert.ok(!isHostMessage({ type: 'candidate', sessionId: 's', candidate: { index: 0, text: 'x', rewards: { a: 'NaN' }, error: null } }));
    assert.ok(!isHostMessage({ type: 'candidate', sessionId: 's', candidate: { index: 0, text: 'x', rewards: {}, error: null, png: 5 } }));
    assert.ok(isHostMessage({ type: 'failed', sessionId: 's', error: { code: 'x', message: 'y' }, whatToDo: 'z' }));
  });

  it('toPanelCandidate keeps known evidence, caps rows at 50, summarises blobs and patch summaries', () => {
    const rows = Array.from({ length: 80 }, (_, i) => [i, { blob: 'abcd' }]);
    const pc = toPanelCandidate({ index: 0, text: 'x', rewards: { a: 1 }, error: null, total: 1, advantage: 0, rank: 1, result: { columns: ['n', 'b'], rows, rowCount: 80 }, summary: { files: 2, added: 3, removed: 1, hunks: 2 }, notes: ['hunk 1 applied at line 5'], files: [{ path: 'a.py', status: 'modified', after: 'secret file text' }], sql: 'x', elapsedMs: 3 });
    assert.strictEqual(pc.result!.rows.length, 50);
    assert.strictEqual(pc.result!.rowCount, 80);
    assert.deepStrictEqual(pc.result!.rows[0], [0, '<blob 2 bytes>']);
    assert.strictEqual(pc.summary, '2 files changed, +3 −1, 2 hunks\nhunk 1 applied at line 5');
    assert.deepStrictEqual(pc.files, [{ path: 'a.py', status: 'modified' }], 'patched file texts stay in the extension');
    assert.ok(!('sql' in pc) && !('elapsedMs' in pc));
    assert.ok(isHostMessage({ type: 'candidate', sessionId: 's', candidate: pc }));
  });

  it('toPanelCandidate shows exact big integers ({int: digits}) as their digits', () => {
    const pc = toPanelCandidate({ index: 0, text: 'x', rewards: {}, error: null, result: { columns: ['n'], rows: [[{ int: '9007199254740993' }], [{ int: '-18446744073709551616' }], [{ int: 'x1' }]], rowCount: 3 } });
    assert.deepStrictEqual(pc.result!.rows, [['9007199254740993'], ['-18446744073709551616'], ['{"int":"x1"}']]);
  });
});

describe('highlight tokenizer', () => {
  const langs: Language[] = ['sql', 'patch', 'json', 'python', 'plain'];
  it('tokens concatenate back to the input, for every language and every corpus text', () => {
    const extra = ["SELECT a, 'it''s' FROM t -- c\n/* x */ WHERE b > 1.5e3", 'def f(x):\n    return "a\\"b"  # c', '{"a": [1, true, null]}', '@@ -1 +1 @@\n-a\n+b', '\u202E\u0000\u200B'];
    for (const text of [...XSS_CORPUS, ...extra]) for (const lang of langs) assert.strictEqual(tokenize(text, lang).map((t) => t.text).join(''), text, `${lang}: ${JSON.stringify(text)}`);
  });
  it('classifies SQL and shows control characters as ctrl tokens', () => {
    const t = tokenize("SELECT name FROM t WHERE x = 'a\u202Eb' -- hi", 'sql');
    assert.deepStrictEqual(t.filter((x) => x.kind === 'keyword').map((x) => x.text), ['SELECT', 'FROM', 'WHERE']);
    assert.deepStrictEqual(t.filter((x) => x.kind === 'ctrl').map((x) => x.text), ['\u202E']);
    assert.ok(t.some((x) => x.kind === 'comment' && x.text === '-- hi'));
    assert.strictEqual(controlMarker('\u202E'), '⟨U+202E⟩');
  });
  it('patch lines and language guesses', () => {
    const t = tokenize('<<<<<<< SEARCH\n-a\n+b\n=======\n', 'patch');
    assert.deepStrictEqual(t.map((x) => x.kind), ['hunk', 'del', 'add', 'hunk']);
    assert.strictEqual(guessLanguage('chart', '{"mark": "bar"}'), 'json');
    assert.strictEqual(guessLanguage('chart', 'import matplotlib'), 'python');
  });
});

describe('panel state', () => {
  const cands: PanelCandidate[] = [
    { index: 0, text: 'x', rewards: { a: 1, b: 0 }, error: null },
    { index: 1, text: 'y', rewards: { a: 0, b: 1 }, error: null },
    { index: 2, text: 'z', rewards: {}, error: null },
  ];
  function streamed(): S.PanelState {
    let s = S.applyHostMessage(S.initialState(), { type: 'session', session });
    for (const c of cands) s = S.applyHostMessage(s, { type: 'candidate', sessionId: 's', candidate: c });
    return s;
  }
  it('breaks ties by candidate index, not by the order candidates streamed in (as the extension ranks)', () => {
    let s = S.applyHostMessage(S.initialState(), { type: 'session', session });
    for (const i of [3, 1, 2, 0]) s = S.applyHostMessage(s, { type: 'candidate', sessionId: 's', candidate: { index: i, text: String(i), rewards: { a: 1, b: 1 }, error: null } });
    assert.deepStrictEqual(S.rankedView(S.setWeight(s, 'a', 0)).map((v) => v.candidate.index), [0, 1, 2, 3]);
  });
  it('ranks streamed candidates with rankGroup, unscored last; re-weighting re-ranks', () => {
    const s = streamed();
    assert.deepStrictEqual(S.rankedView(s).map((v) => [v.candidate.index, v.rank]), [[0, 1], [1, 2], [2, null]]);
    const s2 = S.setWeight(S.setWeight(s, 'a', 0), 'b', 2);
    assert.deepStrictEqual(S.rankedView(s2).map((v) => v.candidate.index), [1, 0, 2]);
    assert.deepStrictEqual(s2.human.weights, { a: 0, b: 2 });
    assert.deepStrictEqual(S.resetWeights(s2).weights, { a: 1, b: 0 });
  });
  it('uses the extension totals for the final group under its own weights', () => {
    let s = streamed();
    s = S.applyHostMessage(s, { type: 'ranked', sessionId: 's', group: { allEqual: false, candidates: cands.map((c, i) => ({ ...c, total: 10 - i, advantage: 0, rank: i + 1 })) } });
    assert.deepStrictEqual(S.rankedView(s).map((v) => v.total), [10, 9, 8]);
    assert.strictEqual(s.final, true);
  });
  it('ignores messages of other sessions; a replayed session keeps the human signal', () => {
    let s = S.setRating(streamed(), 1, 4);
    s = S.applyHostMessage(s, { type: 'candidate', sessionId: 'other', candidate: { index: 9, text: 'q', rewards: {}, error: null } });
    assert.strictEqual(s.candidates.length, 3);
    s = S.applyHostMessage(s, { type: 'session', session });
    assert.deepStrictEqual(s.human.ratings, { '1': 4 });
    s = S.applyHostMessage(s, { type: 'session', session: { ...session, id: 'new' } });
    assert.deepStrictEqual(s.human.ratings, {});
    assert.strictEqual(s.candidates.length, 0);
  });
  it('a replayed session with the weights actually used moves untouched sliders, not moved ones', () => {
    const used = { a: 3, b: 1 };
    const s = S.applyHostMessage(streamed(), { type: 'session', session: { ...session, weights: used } });
    assert.deepStrictEqual([s.weights, s.human.weights], [used, used]);
    const moved = S.applyHostMessage(S.setWeight(streamed(), 'a', 2), { type: 'session', session: { ...session, weights: used } });
    assert.deepStrictEqual(moved.weights, { a: 2, b: 0 });
    assert.deepStrictEqual(moved.session!.weights, used);
  });
  it('human edits: opposite preference replaced, reject clears acceptance, accept clears rejection', () => {
    let s = S.addPreference(streamed(), 0, 1);
    s = S.addPreference(s, 1, 0);
    assert.deepStrictEqual(s.human.preferences, [{ chosen: 1, rejected: 0 }]);
    s = S.markAccepted(S.toggleReject(s, 1), 1);
    assert.deepStrictEqual([s.human.accepted, s.human.rejected], [1, []]);
    s = S.toggleReject(s, 1);
    assert.deepStrictEqual([s.human.accepted, s.human.rejected], [null, [1]]);
  });
  it('restoreState ignores foreign state', () => {
    assert.strictEqual(S.restoreState({ v: 99 }).session, null);
    assert.strictEqual(S.restoreState(null).session, null);
    const s = streamed();
    assert.strictEqual(S.restoreState(JSON.parse(JSON.stringify(s))).session!.id, 's');
  });
});

describe('preference record', () => {
  it('buildPreferenceRecord cleans the human signal against the group and drops evidence', () => {
    const group = makeGroup(['a', 'b'], [{ syntax: 1 }, { syntax: 0 }]);
    const r = buildPreferenceRecord({
      id: 'x',
      time: new Date(0),
      task: 'sql',
      prompt: [{ role: 'user', content: 'q' }],
      context: {},
      modelId: 'm',
      sampling: { n: 2, temperature: 1, topP: 1, maxNewTokens: 8 },
      provider: 'cpu',
      group,
      human: { accepted: 7, preferences: [{ chosen: 0, rejected: 0 }, { chosen: 0, rejected: 1 }, { chosen: 0, rejected: 1 }, { chosen: 5, rejected: 1 }], rejected: [1, 1, 9], ratings: { '0': 5, '1': 0, '8': 3 }, note: 'n', weights: { syntax: 1, bad: Number.NaN } },
    });
    assert.strictEqual(checkPreferenceRecord(r), null);
    assert.deepStrictEqual(r.human, { accepted: null, preferences: [{ chosen: 0, rejected: 1 }], rejected: [1], ratings: { '0': 5 }, note: 'n', weights: { syntax: 1 } });
    assert.ok(!JSON.stringify(r).includes('rowCount'));
  });
  it('model ids and providers lose credentials', () => {
    assert.strictEqual(withoutCredentials('https://user:sk-secret@api.example.com/v1/models?api_key=sk-2#x'), 'https://api.example.com/v1/models');
    assert.strictEqual(withoutCredentials('qwen2.5-coder:1.5b'), 'qwen2.5-coder:1.5b');
  });
  it('checkPreferenceRecord names what is wrong', () => {
    const good = makeRecord();
    assert.strictEqual(checkPreferenceRecord(good), null);
    assert.match(checkPreferenceRecord({ ...good, human: { ...good.human, accepted: 42 } })!, /not in the group/);
    assert.match(checkPreferenceRecord({ ...good, task: 'shell' })!, /unknown task/);
    assert.match(checkPreferenceRecord({ ...good, prompt: [] })!, /bad prompt/);
    assert.deepStrictEqual(summarizeLogprobs([-1, -3]), { sum: -4, mean: -2, min: -3, count: 2 });
  });
});

describe('log location', () => {
  it('defaults to .reward-lens/preferences.jsonl in the first folder; the setting overrides', () => {
    const ws = path.resolve('/ws');
    assert.strictEqual(resolveLogPath('', [ws], '/g'), path.join(ws, '.reward-lens', 'preferences.jsonl'));
    assert.strictEqual(resolveLogPath('', [], path.resolve('/g')), path.join(path.resolve('/g'), 'preferences.jsonl'));
    assert.strictEqual(resolveLogPath('logs/p.jsonl', [ws], '/g'), path.join(ws, 'logs', 'p.jsonl'));
    assert.strictEqual(resolveLogPath(path.resolve('/abs/p.jsonl'), [ws], '/g'), path.resolve('/abs/p.jsonl'));
    assert.strictEqual(resolveLogPath('~/p.jsonl', [ws], '/g'), path.join(os.homedir(), 'p.jsonl'));
    assert.strictEqual(displayLogPath(path.join(ws, '.reward-lens', 'preferences.jsonl'), [ws]), '.reward-lens/preferences.jsonl');
    assert.strictEqual(displayLogPath(path.resolve('/else/p.jsonl'), [ws]), path.resolve('/else/p.jsonl'));
  });
});
