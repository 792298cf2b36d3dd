/**
 * The review panel's "at a glance" parts in Chromium, on the real bundle and CSP: the overview table (one row per
 * candidate, only the rewards that apply, sortable, click to jump), compare-two (text diff, SQL rows marked, chart
 * images, patch diffs), Accept refused with the reason on the card / confirmed for a candidate that fails a gate,
 * a cancelled generation shown neutral, a group restored from the log read-only, and the recent-reviews list.
 */
import * as assert from 'assert';
import type { HostMessage, PanelCandidate, SessionInfo } from '../../../src/core/protocol/webview';
import { openPanel, useChromium, type PanelPage } from './harness';

declare const document: any;

const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function sessionOf(task: SessionInfo['task'], extra: Partial<SessionInfo> = {}): SessionInfo {
  return {
    id: `s-${task}`,
    task,
    title: `a ${task} request`,
    prompt: [{ role: 'user', content: 'x' }],
    modelLabel: 'm',
    n: 3,
    weights: task === 'sql' ? { execution_match: 3, ngram: 1, schema_linking: 1 } : task === 'patch' ? { applies: 1, syntax: 1, size: 0.5 } : { executes: 1, fields_valid: 1 },
    rankOptions: task === 'chart' ? { gate: ['executes'] } : {},
    rewards: {},
    canOpenDiff: task === 'patch',
    acceptLabel: 'Accept',
    ...extra,
  };
}

async function show(p: PanelPage, s: SessionInfo, candidates: PanelCandidate[]): Promise<void> {
  await p.send({ type: 'session', session: s } satisfies HostMessage);
  await p.send({ type: 'ranked', sessionId: s.id, group: { allEqual: false, candidates } } satisfies HostMessage);
  await p.page.waitForFunction(() => ['ranked', 'restored'].includes(document.getElementById('rl-root')!.dataset.state));
}

const rowOrder = (p: PanelPage) => p.page.evaluate(() => [...document.querySelectorAll('#rl-overview tr.rl-ov-row')].map((r: any) => Number(r.dataset.index)));

const sqlCands = (): PanelCandidate[] => [
  { index: 0, text: 'SELECT name FROM order_items', code: 'SELECT name FROM order_items', rewards: { execution_match: 1, ngram: 0.2, schema_linking: null }, total: 3.2, advantage: 1.1, rank: 1, error: null, result: { columns: ['name'], rows: [['a'], ['b']], rowCount: 2 } },
  { index: 1, text: 'SELECT name FROM items', code: 'SELECT name FROM items', rewards: { execution_match: 0, ngram: 0.9, schema_linking: null }, total: 0.9, advantage: -0.2, rank: 2, error: null, result: { columns: ['name'], rows: [['a'], ['c']], rowCount: 2 } },
  { index: 2, text: 'SELEC', rewards: { execution_match: 0, ngram: 0.1, schema_linking: null }, total: 0.1, advantage: -0.9, rank: 3, error: { code: 'sql_syntax', message: 'near "SELEC"' }, acceptBlocked: 'the SQL does not parse (sql_syntax: near "SELEC")' },
];

describe('review panel overview, compare and accept checks (Chromium)', function () {
  this.timeout(120000);
  const browser = useChromium();

  it('overview: one row per candidate, only rewards that apply, sortable, click jumps to the card', async () => {
    const p = await openPanel(browser());
    try {
      await show(p, sessionOf('sql'), sqlCands());
      assert.deepStrictEqual(await rowOrder(p), [0, 1, 2]);
      const cols = await p.page.evaluate(() => [...document.querySelectorAll('#rl-overview thead th[data-key]')].map((t: any) => t.dataset.key));
      assert.deepStrictEqual(cols, ['rank', 'index', 'total', 'advantage', 'execution_match', 'ngram', 'status'], 'schema_linking is null everywhere: no column');
      assert.strictEqual(await p.page.locator('input.rl-weight-slider[data-reward="schema_linking"]').count(), 0, 'and no slider');
      assert.strictEqual(await p.page.getAttribute('#rl-overview tr[data-index="0"] td[data-reward="execution_match"]', 'data-q'), '4');
      assert.strictEqual(await p.page.getAttribute('#rl-overview tr[data-index="1"] td[data-reward="execution_match"]', 'data-q'), '0');
      assert.strictEqual(await p.page.textContent('#rl-overview tr[data-index="2"] .rl-ov-status'), 'blocked');
      await p.page.click('#rl-overview th[data-key="ngram"] button');
      assert.deepStrictEqual(await rowOrder(p), [1, 0, 2], 'ngram descending first');
      assert.strictEqual(await p.page.getAttribute('#rl-overview th[data-key="ngram"]', 'aria-sort'), 'descending');
      await p.page.click('#rl-overview th[data-key="ngram"] button');
      assert.deepStrictEqual(await rowOrder(p), [0, 2, 1].sort((a, b) => [0.2, 0.9, 0.1][a]! - [0.2, 0.9, 0.1][b]!));
      assert.deepStrictEqual(await p.page.evaluate(() => [...document.querySelectorAll('#rl-cards > li')].map((e: any) => Number(e.dataset.index))), [0, 1, 2], 'cards stay in rank order');
      await p.page.click('#rl-overview tr[data-index="2"] td.rl-ov-total');
      assert.strictEqual(await p.page.evaluate(() => document.activeElement?.id), 'rl-card-2');
    } finally {
      await p.close();
    }
  });

  it('Accept is refused with the reason on the card, and confirmed first for a candidate that fails a gate', async () => {
    const p = await openPanel(browser());
    try {
      const cands = sqlCands();
      cands[1]!.gateFailures = ['non_empty = 0'];
      await show(p, sessionOf('sql'), cands);
      assert.ok(await p.page.isDisabled('#rl-card-2 button[data-action="accept"]'));
      assert.match((await p.page.textContent('#rl-card-2 .rl-accept-blocked'))!, /refused: the SQL does not parse/);
      await p.page.focus('#rl-card-2');
      await p.page.keyboard.press('a');
      await p.page.click('#rl-card-1 button[data-action="accept"]');
      await p.page.waitForSelector('#rl-card-1 .rl-accept-confirm:not([hidden])');
      assert.match((await p.page.textContent('#rl-card-1 .rl-accept-confirm'))!, /fails non_empty = 0/);
      assert.ok(!(await p.posted()).some((m) => m.type === 'accept'), 'nothing accepted before confirming');
      await p.page.click('#rl-card-1 button[data-action="accept-anyway"]');
      const accepts = (await p.posted()).filter((m) => m.type === 'accept');
      assert.deepStrictEqual(accepts.map((m) => m.index), [1]);
    } finally {
      await p.close();
    }
  });

  it('compare two SQL candidates: a line diff and the result rows the other lacks marked', async () => {
    const p = await openPanel(browser());
    try {
      await show(p, sessionOf('sql'), sqlCands());
      await p.page.check('#rl-overview tr[data-index="0"] input.rl-ov-compare');
      await p.page.check('#rl-overview tr[data-index="1"] input.rl-ov-compare');
      await p.page.waitForSelector('#rl-compare');
      assert.deepStrictEqual(await p.page.evaluate(() => [...document.querySelectorAll('#rl-compare .rl-diff-line')].map((l: any) => l.className.split(' ')[1] + ':' + l.textContent)), ['rl-diff-del:−SELECT name FROM order_items', 'rl-diff-add:+SELECT name FROM items']);
      const marked = await p.page.evaluate(() => [...document.querySelectorAll('#rl-compare .rl-compare-side')].map((s: any) => [...s.querySelectorAll('tr.rl-row-only td:last-child')].map((td: any) => td.textContent)));
      assert.deepStrictEqual(marked, [['b'], ['c']]);
      await p.page.click('#rl-compare button[data-action="close-compare"]');
      assert.strictEqual(await p.page.locator('#rl-compare').count(), 0);
    } finally {
      await p.close();
    }
  });

  it('compare two chart candidates shows both images; chart cards are a grid with the spec folded', async () => {
    const p = await openPanel(browser());
    try {
      const cands: PanelCandidate[] = [0, 1].map((i) => ({ index: i, text: `{"mark":"${i ? 'line' : 'bar'}"}`, rewards: { executes: 1, fields_valid: 1 - i }, total: 2 - i, advantage: 0, rank: i + 1, error: null, png: PNG_1PX }));
      await show(p, sessionOf('chart'), cands);
      assert.ok(await p.page.evaluate(() => document.getElementById('rl-cards').classList.contains('rl-grid')));
      assert.strictEqual(await p.page.evaluate(() => document.querySelector('#rl-card-0 details.rl-spec').open), false);
      await p.page.check('#rl-overview tr[data-index="0"] input.rl-ov-compare');
      await p.page.check('#rl-overview tr[data-index="1"] input.rl-ov-compare');
      await p.page.waitForSelector('#rl-compare');
      assert.strictEqual(await p.page.locator('#rl-compare .rl-compare-side img.rl-chart-img').count(), 2);
    } finally {
      await p.close();
    }
  });

  it('patch cards show the diff inline; compare shows both diffs', async () => {
    const p = await openPanel(browser());
    try {
      const diff = (x: string) => `--- a/cart.ts\n+++ b/cart.ts\n@@ -1 +1 @@\n-const total = 0;\n+const total = ${x};\n`;
      const cands: PanelCandidate[] = [0, 1].map((i) => ({ index: i, text: `<<<<<<< SEARCH\n...`, diff: diff(String(i)), code: diff(String(i)), rewards: { applies: 1, syntax: 1 }, total: 2, advantage: 0, rank: i + 1, error: null }));
      await show(p, sessionOf('patch'), cands);
      assert.match((await p.page.textContent('#rl-card-0 .rl-evidence .rl-patch-diff'))!, /\+const total = 0;/);
      await p.page.check('#rl-overview tr[data-index="0"] input.rl-ov-compare');
      await p.page.check('#rl-overview tr[data-index="1"] input.rl-ov-compare');
      await p.page.waitForSelector('#rl-compare');
      assert.strictEqual(await p.page.locator('#rl-compare .rl-compare-side .rl-patch-diff').count(), 2);
    } finally {
      await p.close();
    }
  });

  it('a cancelled generation is neutral, sliders rest on the defaults while generating', async () => {
    const p = await openPanel(browser());
    try {
      const s = sessionOf('chart');
      await p.send({ type: 'session', session: s } satisfies HostMessage);
      await p.page.click('#rl-weights summary');
      assert.strictEqual(await p.page.inputValue('input.rl-weight-slider[data-reward="executes"]'), '1');
      assert.ok(await p.page.isDisabled('input.rl-weight-slider[data-reward="executes"]'));
      await p.send({ type: 'cancelled', sessionId: s.id } satisfies HostMessage);
      await p.page.waitForFunction(() => document.getElementById('rl-root')!.dataset.state === 'cancelled');
      assert.ok(await p.page.isHidden('#rl-error'));
      assert.strictEqual(await p.page.textContent('#rl-status'), 'Generation cancelled.');
    } finally {
      await p.close();
    }
  });

  it('a group restored from the log is read-only, and recent reviews are offered', async () => {
    const p = await openPanel(browser());
    try {
      await p.send({ type: 'history', items: [{ recordId: 's-sql', task: 'sql', title: 'a sql request', time: '2026-12-01T10:00:00.000Z' }, { recordId: 'old', task: 'patch', title: 'fix the cart', time: '2026-11-30T09:00:00.000Z' }] } satisfies HostMessage);
      await p.page.waitForSelector('#rl-history:not([hidden])');
      await show(p, sessionOf('sql', { restored: true }), sqlCands());
      assert.ok(await p.page.isHidden('#rl-card-0 button[data-action="accept"]'));
      assert.ok(await p.page.isVisible('#rl-card-0 button[data-action="copy"]'));
      assert.ok(await p.page.isVisible('#rl-restored'));
      // Opened by itself while no review was shown; stays as it is afterwards.
      if (!(await p.page.evaluate(() => document.getElementById('rl-history').open))) await p.page.click('#rl-history summary');
      assert.strictEqual(await p.page.locator('#rl-history button[data-record]').count(), 1, 'the shown one is not listed');
      await p.page.click('#rl-history button[data-record="old"]');
      assert.ok((await p.posted()).some((m) => m.type === 'openRecord' && m.recordId === 'old'));
      await p.page.focus('#rl-card-0');
      await p.page.keyboard.press('c');
      const copy = (await p.posted()).find((m) => m.type === 'copy');
      assert.strictEqual(copy?.text, 'SELECT name FROM order_items');
    } finally {
      await p.close();
    }
  });
});
