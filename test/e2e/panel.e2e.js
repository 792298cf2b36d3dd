// The review panel opens from the command palette inside a real workbench and shows its empty state.
// DOM hooks are the panel's stable ids (src/webview/main.ts): #rl-root[data-state], #rl-empty, ...
'use strict';
const assert = require('node:assert/strict');
const { Workbench } = require('./lib/workbench');

const PANEL_TITLE = 'Reward Lens Review';

describe('Review panel (browser)', function () {
  /** @type {Workbench} */
  let wb;

  before(async () => { wb = await Workbench.open(); });
  after(async () => { if (wb) await wb.close(); });

  afterEach(async function () {
    if (this.currentTest && this.currentTest.state === 'failed' && wb) {
      console.log(`    screenshot: ${await wb.screenshot(`FAILED-${this.currentTest.title}`)}`);
    }
  });

  it('opens from the palette and shows the empty state', async () => {
    await wb.runCommand('Reward Lens: Open Review Panel');
    const panel = await wb.webview(PANEL_TITLE);
    const root = panel.locator('#rl-root');
    await root.waitFor({ timeout: 30000 });
    assert.equal(await root.getAttribute('data-state'), 'empty');
    const empty = panel.locator('#rl-empty');
    await empty.waitFor({ state: 'visible', timeout: 10000 });
    assert.match(await empty.innerText(), /No candidates yet/);
    assert.equal(await panel.locator('#rl-cards li.rl-card').count(), 0);
    console.log(`    screenshot: ${await wb.screenshot('review-panel-empty')}`);
    assert.deepEqual(wb.errors, [], 'uncaught errors in the workbench page');
  });

  it('shows the inference worker as ready in the status bar', async () => {
    // The extension is active now (the panel command activated it); the worker answers health.
    const text = await wb.statusBarText(/Reward Lens: (idle|cpu|webgpu|cuda)/);
    assert.match(text, /Reward Lens/);
  });
});
