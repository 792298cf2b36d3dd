// The review panel opens from the command palette inside a real workbench and shows its empty state.
'use strict';
const assert = require('node:assert/strict');
const { Workbench } = require('./lib/workbench');

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
    const panel = await wb.webview('Reward Lens');
    const body = panel.locator('body');
    await body.filter({ hasText: 'Reward Lens' }).waitFor({ timeout: 30000 });
    const text = await body.innerText();
    assert.match(text, /Reward Lens/);
    assert.doesNotMatch(text, /not available yet/i);
    console.log(`    screenshot: ${await wb.screenshot('review-panel-empty')}`);
    assert.deepEqual(wb.errors, [], 'uncaught errors in the workbench page');
  });

  it('shows the inference worker as ready in the status bar', async () => {
    // The extension is active now (the panel command activated it); the worker answers health.
    const text = await wb.statusBarText(/Reward Lens: (idle|cpu|webgpu|cuda)/);
    assert.match(text, /Reward Lens/);
  });
});
