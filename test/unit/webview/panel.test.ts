import * as assert from 'assert';
import type { HostMessage, SessionInfo } from '../../../src/core/protocol/webview';
import { openPanel, useChromium, type PanelPage } from './harness';

// Callbacks given to page.evaluate run in the browser; the test program is compiled without the DOM library, so the
// few browser globals they use are declared here, in this module only.
declare const window: any;
declare const document: any;


const session: SessionInfo = {
  id: 's1',
  task: 'sql',
  title: 'Which states border Texas?',
  prompt: [{ role: 'user', content: 'Which states border Texas?' }],
  modelLabel: 'tiny (cpu), n=3, T=0.8',
  n: 3,
  weights: { execution_match: 3, ngram: 1 },
  rankOptions: {},
  rewards: { execution_match: { description: 'Rows equal the gold rows', min: 0, max: 1 }, ngram: { description: 'Bigram Jaccard', min: 0, max: 1 } },
  canOpenDiff: false,
  acceptLabel: 'Insert SQL',
};

// Candidate 0 wins on execution, candidate 2 on n-grams.
const rewards = [
  { execution_match: 1, ngram: 0.1 },
  { execution_match: 0, ngram: 0.5 },
  { execution_match: 0, ngram: 0.9 },
];

async function order(p: PanelPage): Promise<number[]> {
  return p.page.evaluate(() => [...document.querySelectorAll('#rl-cards > li.rl-card')].map((e) => Number(e.dataset.index)));
}

async function ranked(p: PanelPage): Promise<void> {
  await p.send({ type: 'session', session } satisfies HostMessage);
  for (let i = 0; i < 3; i++) await p.send({ type: 'candidate', sessionId: 's1', candidate: { index: i, text: `SELECT ${i}`, rewards: rewards[i]!, error: null } } satisfies HostMessage);
  await p.send({
    type: 'ranked',
    sessionId: 's1',
    group: {
      allEqual: false,
      candidates: rewards.map((r, i) => ({ index: i, text: `SELECT ${i}`, rewards: r, error: null, total: 3 * r.execution_match + r.ngram, advantage: 0, rank: [1, 3, 2][i]!, result: { columns: ['name'], rows: [['Oklahoma']], rowCount: 1 } })),
    },
  } satisfies HostMessage);
  await p.page.waitForFunction(() => document.getElementById('rl-root')!.dataset.state === 'ranked');
}

describe('review panel in Chromium: ranking, actions, keyboard, state', function () {
  this.timeout(120000);
  const browser = useChromium();

  it('streams candidates in, then shows the ranked order', async () => {
    const p = await openPanel(browser());
    try {
      await p.send({ type: 'session', session } satisfies HostMessage);
      assert.strictEqual(await p.page.evaluate(() => document.getElementById('rl-root')!.dataset.state), 'generating');
      await p.send({ type: 'candidate', sessionId: 's1', candidate: { index: 2, text: 'SELECT 2', rewards: {}, error: null } } satisfies HostMessage);
      await p.send({ type: 'candidate', sessionId: 's1', candidate: { index: 1, text: 'SELECT 1', rewards: rewards[1]!, error: null } } satisfies HostMessage);
      await p.send({ type: 'progress', sessionId: 's1', done: 2, total: 3 } satisfies HostMessage);
      await p.page.waitForFunction(() => document.querySelectorAll('#rl-cards > li').length === 2);
      assert.deepStrictEqual(await order(p), [1, 2], 'scored first, unscored after');
      assert.strictEqual(await p.page.textContent('#rl-card-2 .rl-card-title'), 'Candidate 3 · scoring…');
      assert.match((await p.page.textContent('#rl-progress'))!, /2 of 3/);
      await ranked(p);
      assert.deepStrictEqual(await order(p), [0, 2, 1]);
      assert.strictEqual(await p.page.textContent('#rl-card-0 .rl-total'), 'total 3.10');
      assert.strictEqual(await p.page.getAttribute('#rl-card-0', 'data-rank'), '1');
      assert.strictEqual(await p.page.textContent('#rl-card-0 .rl-row-count'), '1 row');
      assert.strictEqual(await p.page.getAttribute('#rl-card-0 .rl-reward[data-reward="ngram"]', 'title'), 'Bigram Jaccard (weight 1.0)');
      assert.ok(await p.page.isHidden('#rl-cancel'));
    } finally {
      await p.close();
    }
  });

  it('moving a weight slider re-ranks the cards, and the weights used go out with Accept', async () => {
    const p = await openPanel(browser());
    try {
      await ranked(p);
      assert.deepStrictEqual(await order(p), [0, 2, 1]);
      // The weights are folded away by default; their summary names the weights in force.
      assert.strictEqual(await p.page.evaluate(() => document.getElementById('rl-weights').open), false);
      assert.match((await p.page.textContent('#rl-weights summary'))!, /execution_match 3, ngram 1/);
      await p.page.click('#rl-weights summary');
      // Keyboard on the real sliders: execution_match to 0 (Home), ngram to its maximum (End).
      await p.page.focus('input.rl-weight-slider[data-reward="execution_match"]');
      await p.page.keyboard.press('Home');
      await p.page.focus('input.rl-weight-slider[data-reward="ngram"]');
      await p.page.keyboard.press('End');
      await p.page.waitForFunction(() => document.querySelector('#rl-cards > li')!.dataset.index === '2');
      assert.deepStrictEqual(await order(p), [2, 1, 0]);
      assert.strictEqual(await p.page.textContent('#rl-card-2 .rl-total'), 'total 4.50');
      assert.match((await p.page.textContent('#rl-live'))!, /Candidate 3 is now first/);
      assert.strictEqual(await p.page.evaluate(() => document.activeElement?.getAttribute('data-reward')), 'ngram', 'the slider keeps focus');

      await p.page.click('#rl-card-2 button[data-action="accept"]');
      const accept = (await p.posted()).find((m) => m.type === 'accept') as unknown as { index: number; human: { accepted: number; weights: Record<string, number> } };
      assert.strictEqual(accept.index, 2);
      assert.strictEqual(accept.human.accepted, 2);
      assert.deepStrictEqual(accept.human.weights, { execution_match: 0, ngram: 5 });

      await p.page.click('#rl-weights-reset');
      await p.page.waitForFunction(() => document.querySelector('#rl-cards > li')!.dataset.index === '0');
    } finally {
      await p.close();
    }
  });

  it('every action works from the keyboard and sends the human signal', async () => {
    const p = await openPanel(browser());
    try {
      await ranked(p);
      await p.page.focus('#rl-card-0');
      await p.page.keyboard.press('4'); // rate 4
      await p.page.keyboard.press('ArrowDown'); // next card in rank order: candidate 2
      assert.strictEqual(await p.page.evaluate(() => document.activeElement?.id), 'rl-card-2');
      await p.page.keyboard.press('x'); // reject
      await p.page.keyboard.press('c'); // copy
      // Prefer candidate 0 over 1, keyboard only: ArrowDown only moves the choice (nothing is recorded: it used to
      // record the first candidate passed), Enter records it.
      await p.page.focus('#rl-card-0 select.rl-prefer');
      await p.page.keyboard.press('ArrowDown');
      assert.strictEqual(await p.page.inputValue('#rl-card-0 select.rl-prefer'), '1');
      assert.strictEqual(await p.page.locator('#rl-card-0 .rl-pref').count(), 0, 'ArrowDown alone records nothing');
      assert.ok(!(await p.posted()).some((m) => m.type === 'feedback' && ((m.human as { preferences: unknown[] }).preferences.length > 0)));
      await p.page.keyboard.press('Enter');
      await p.page.waitForSelector('#rl-card-0 .rl-pref');
      await p.page.fill('#rl-note', 'ordering matters');
      await p.page.waitForFunction(() => (window as unknown as { __posted: { type: string; human?: { note: string } }[] }).__posted.some((m) => m.type === 'feedback' && m.human?.note === 'ordering matters'));
      // Tab from the card reaches its buttons in visual order.
      await p.page.focus('#rl-card-0');
      const tabOrder: string[] = [];
      for (let i = 0; i < 4; i++) {
        await p.page.keyboard.press('Tab');
        tabOrder.push(await p.page.evaluate(() => document.activeElement!.getAttribute('data-action') ?? document.activeElement!.className));
      }
      assert.deepStrictEqual(tabOrder, ['rl-code', 'rl-table-wrap', 'accept', 'rl-prefer']);
      await p.page.focus('#rl-card-1');
      await p.page.keyboard.press('a');

      const posted = await p.posted();
      const copy = posted.find((m) => m.type === 'copy') as unknown as { index: number; text: string };
      assert.deepStrictEqual([copy.index, copy.text], [2, 'SELECT 2']);
      const accept = posted.find((m) => m.type === 'accept') as unknown as { index: number; human: { ratings: Record<string, number>; rejected: number[]; preferences: unknown[]; note: string } };
      assert.strictEqual(accept.index, 1);
      assert.deepStrictEqual(accept.human.ratings, { '0': 4 });
      assert.deepStrictEqual(accept.human.rejected, [2]);
      assert.deepStrictEqual(accept.human.preferences, [{ chosen: 0, rejected: 1 }]);
      assert.strictEqual(accept.human.note, 'ordering matters');
      assert.strictEqual(await p.page.getAttribute('#rl-card-2 button[data-action="reject"]', 'aria-pressed'), 'true');
      assert.ok(await p.page.isVisible('#rl-card-0 .rl-pref'));

      await p.send({ type: 'logged', sessionId: 's1', recordId: 'r1', file: '.reward-lens/preferences.jsonl' } satisfies HostMessage);
      await p.page.waitForSelector('#rl-logged:not([hidden])');
      assert.ok(await p.page.isDisabled('#rl-finish'));
    } finally {
      await p.close();
    }
  });

  it('restores the review from getState after a reload, and says ready with its session id', async () => {
    const p = await openPanel(browser());
    let saved: unknown;
    try {
      await ranked(p);
      await p.page.focus('#rl-card-1');
      await p.page.keyboard.press('2');
      saved = await p.state();
    } finally {
      await p.close();
    }
    const q = await openPanel(browser(), { initialState: saved });
    try {
      assert.deepStrictEqual(await order(q), [0, 2, 1]);
      assert.strictEqual(await q.page.isChecked('#rl-card-1 input[data-rating="2"]'), true);
      const ready = (await q.posted())[0] as unknown as { type: string; sessionId: string };
      assert.deepStrictEqual([ready.type, ready.sessionId], ['ready', 's1']);
    } finally {
      await q.close();
    }
  });

  it('shows a failure with what to do', async () => {
    const p = await openPanel(browser());
    try {
      await p.send({ type: 'session', session } satisfies HostMessage);
      await p.send({ type: 'failed', sessionId: 's1', error: { code: 'model_load', message: 'onnxruntime could not load the model' }, whatToDo: 'Try "rewardLens.executionProvider": "cpu".' } satisfies HostMessage);
      await p.page.waitForSelector('#rl-error:not([hidden])');
      assert.match((await p.page.textContent('#rl-error'))!, /could not load the model.*executionProvider/);
      assert.strictEqual(await p.page.evaluate(() => document.getElementById('rl-root')!.dataset.state), 'failed');
    } finally {
      await p.close();
    }
  });
});
