// The main flow in a real workbench: Generate SQL Candidates with the bundled tiny model on the sample shop
// database, ranked cards with reward bars and result tables, a weight slider re-ranks the cards, Accept inserts
// the SQL into the editor and appends one preference record that names the accepted candidate.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Workbench } = require('./lib/workbench');
const session = require('./lib/session');

const cardOrder = (panel) => panel.locator('#rl-cards li.rl-card').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-index')));

/** Re-ranking is applied on the panel's next render: poll until the order is `want` (or fail with the last one). */
async function waitForOrder(panel, want, what, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  let got;
  for (;;) {
    got = await cardOrder(panel);
    if (got.join() === want.join()) return got;
    if (Date.now() > deadline) assert.deepEqual(got, want, what);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('SQL candidates (browser)', function () {
  /** @type {Workbench} */
  let wb;
  let logFile;

  before(async () => {
    wb = await Workbench.open();
    logFile = path.join(session.get().workspace, '.reward-lens', 'preferences.jsonl');
  });
  after(async () => { if (wb) await wb.close(); });
  afterEach(async function () {
    if (this.currentTest && this.currentTest.state === 'failed' && wb) console.log(`    screenshot: ${await wb.screenshot(`FAILED-${this.currentTest.title}`)}`);
  });

  it('generates ranked candidates, re-ranks with a slider, and Accept inserts the SQL and logs the choice', async () => {
    await wb.openFile('queries.sql');
    // Opening the file focuses its editor; the cursor goes to the end of the file, where the SQL will go.
    await wb.page.locator('.monaco-editor.focused').first().waitFor({ timeout: 60000 });
    await wb.page.keyboard.press('Control+End');

    await wb.runCommand('Reward Lens: Generate SQL Candidates...');
    await wb.answerQuickInput('How many customers are there in each country?');
    const panel = await wb.webview('Reward Lens Review');
    await panel.locator('#rl-root[data-state=ranked]').waitFor({ timeout: 240000 });

    const cards = panel.locator('#rl-cards li.rl-card');
    const n = await cards.count();
    assert.ok(n >= 2, `expected several candidates, got ${n}`);
    // Every card carries reward bars and SQL evidence (a result table or the error it ran into).
    assert.ok((await cards.first().locator('.rl-reward').count()) >= 4, 'reward bars on the best card');
    const tables = await panel.locator('.rl-result-table').count();
    const errors = await panel.locator('.rl-evidence-error').count();
    assert.ok(tables + errors >= 1, 'result tables or execution errors shown');
    console.log(`    ${n} cards, ${tables} result tables, ${errors} errors`);
    console.log(`    screenshot: ${await wb.screenshot('sql-ranked')}`);

    // Live re-weighting. With every weight at 0 all totals tie and the stable order is the candidates' own order;
    // Reset restores the ranked order. Then one weight is moved, and that weight is what the record must carry.
    const before = await cardOrder(panel);
    await panel.locator('#rl-weights summary').click(); // folded by default
    const sliders = panel.locator('input.rl-weight-slider');
    const names = await sliders.evaluateAll((els) => els.map((e) => e.getAttribute('data-reward')));
    assert.ok(names.length >= 4, `weight sliders: ${names}`);
    for (const name of names) await panel.locator(`input.rl-weight-slider[data-reward="${name}"]`).fill('0');
    const zeroed = await waitForOrder(panel, [...before].sort((a, b) => Number(a) - Number(b)), 'all weights 0: stable order by candidate');
    console.log(`    all weights 0 re-ranked ${before.join(',')} -> ${zeroed.join(',')}${zeroed.join() === before.join() ? ' (already in candidate order)' : ''}`);
    console.log(`    screenshot: ${await wb.screenshot('sql-weights-zero')}`);
    await panel.locator('#rl-weights-reset').click();
    await waitForOrder(panel, before, 'Reset weights restores the ranked order');
    const changed = { reward: 'consensus', value: 3 };
    await panel.locator(`input.rl-weight-slider[data-reward="${changed.reward}"]`).fill(String(changed.value));

    // Accept the card now on top.
    const top = cards.first();
    const acceptedIndex = Number(await top.getAttribute('data-index'));
    const sqlText = (await top.locator('.rl-code-text').innerText()).trim();
    await top.locator('.rl-accept').click();

    // The SQL is in the document that was active (modified, not saved: the user saves). Accept brings that editor
    // to the front, which may hide the panel when both share an editor group.
    const firstToken = sqlText.split(/\s+/)[0];
    await wb.page.locator('.monaco-editor .view-lines', { hasText: sqlText.slice(0, 40) }).first().waitFor({ timeout: 30000 });
    assert.ok(firstToken.length > 0);
    console.log(`    screenshot: ${await wb.screenshot('sql-accepted')}`);
    const panelAgain = await wb.webview('Reward Lens Review');
    await panelAgain.locator('#rl-logged').filter({ hasText: /preference log/ }).waitFor({ timeout: 30000 });
    await panelAgain.locator(`li.rl-card[data-index="${acceptedIndex}"] .rl-badge-accepted`).waitFor({ timeout: 10000 });
    console.log(`    screenshot: ${await wb.screenshot('sql-accepted-panel')}`);

    // Exactly one record, naming the accepted candidate and the weights used.
    const lines = fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, 1, `one preference record, got ${lines.length}`);
    const rec = JSON.parse(lines[0]);
    assert.equal(rec.task, 'sql');
    assert.equal(rec.human.accepted, acceptedIndex);
    assert.equal(rec.human.weights[changed.reward], Number(changed.value));
    assert.equal(rec.candidates.length, n);
    assert.deepEqual(wb.errors, [], 'uncaught errors in the workbench page');
  });
});
