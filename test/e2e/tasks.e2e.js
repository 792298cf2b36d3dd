// The review panel with eight candidates per task from an OpenAI-compatible endpoint (lib/fakeEndpoint.js stands in
// for the model; execution, rewards, ranking and panel are the real extension) in a real workbench at 1400x900:
// the overview and its sorting, compare-two for SQL / patch / chart, chart weights shown and logged as used, Accept
// refused on a patch that does not apply, keyboard-only Prefer over, Set reference, reopen after close, and the
// light / dark / high-contrast themes with a pixel check that underscores in candidate code are drawn.
// Runs after sql.e2e.js (file order): it points the workspace at the endpoint and takes it back at the end.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Workbench } = require('./lib/workbench');
const session = require('./lib/session');
const { startFakeEndpoint } = require('./lib/fakeEndpoint');
const { extensionLogLines } = require('../../scripts/vscode-host/server');

const PANEL = 'Reward Lens Review';
const DOCS_IMAGES = path.resolve(__dirname, '../../docs/images');

const rowOrder = (panel) => panel.locator('#rl-overview tr.rl-ov-row').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-index'))));
const cellValues = (panel, reward) => panel.locator('#rl-overview tr.rl-ov-row').evaluateAll((rows, n) => rows.map((r) => {
  const td = r.querySelector(`td[data-reward="${n}"]`);
  return td && td.textContent !== '–' ? Number(td.textContent) : null;
}), reward);

async function waitFor(fn, what, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/**
 * Answers the quick input once it is the one expected (its placeholder or label matches `re`): right after a
 * palette command runs, the palette's own input is still the visible one for a moment.
 */
async function answerWhen(wb, re, text) {
  const input = wb.page.locator('.quick-input-widget input');
  await waitFor(async () => re.test(`${(await input.getAttribute('placeholder').catch(() => '')) || ''} ${(await input.getAttribute('aria-label').catch(() => '')) || ''}`), `the quick input ${re}`, 30000);
  await wb.answerQuickInput(text);
}

function readLog() {
  const file = path.join(session.get().workspace, '.reward-lens', 'preferences.jsonl');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
}

function writeWorkspaceSettings(obj) {
  const dir = path.join(session.get().workspace, '.vscode');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'settings.json'), JSON.stringify(obj, null, 2));
}

/** The panel's webview element on the page (for element screenshots). */
const panelElement = (wb) => wb.page.locator('iframe.webview.ready').filter({ visible: true }).first();

async function panelShot(wb, name, docsName) {
  const file = path.join(session.get().outputDir, `${name}.png`);
  await panelElement(wb).screenshot({ path: file });
  if (docsName && process.env.REWARD_LENS_UPDATE_DOCS_IMAGES === '1') fs.copyFileSync(file, path.join(DOCS_IMAGES, docsName));
  return file;
}

/** Asserts the overview and the first card fit in the panel's viewport without scrolling. */
async function assertFirstScreen(panel, what) {
  const m = await panel.locator('body').evaluate(() => {
    const card = document.querySelector('#rl-cards > li.rl-card');
    const ov = document.getElementById('rl-overview');
    return { vh: window.innerHeight, scrollY: window.scrollY, ov: ov.getBoundingClientRect().bottom, cardTop: card.getBoundingClientRect().top, cardActions: card.querySelector('.rl-actions').getBoundingClientRect().bottom };
  });
  console.log(`    ${what}: viewport ${m.vh}px, overview ends at ${Math.round(m.ov)}, first card ${Math.round(m.cardTop)}-${Math.round(m.cardActions)} (its actions)`);
  assert.equal(m.scrollY, 0);
  assert.ok(m.ov <= m.vh && m.cardActions <= m.vh, `${what}: overview and first card (to its actions) within ${m.vh}px: ${JSON.stringify(m)}`);
}

describe('Review panel with an endpoint: eight candidates per task (browser)', function () {
  /** @type {Workbench} */
  let wb;
  let endpoint;
  let recordsBefore = 0;

  before(async () => {
    endpoint = await startFakeEndpoint();
    writeWorkspaceSettings({ 'rewardLens.endpoint.url': endpoint.url, 'rewardLens.endpoint.model': 'fake-coder-7b', 'rewardLens.numCandidates': 8 });
    recordsBefore = readLog().length;
    wb = await Workbench.open();
  });
  after(async () => {
    if (wb) await wb.close();
    if (endpoint) await endpoint.close();
    fs.rmSync(path.join(session.get().workspace, '.vscode'), { recursive: true, force: true });
  });
  afterEach(async function () {
    if (!(this.currentTest && this.currentTest.state === 'failed' && wb)) return;
    console.log(`    screenshot: ${await wb.screenshot(`FAILED-${this.currentTest.title}`)}`);
    // What CI keeps is this text: the panel's state, the endpoint's requests, the extension's own log.
    const panel = wb.page.locator('iframe.webview.ready').filter({ visible: true }).first().contentFrame().locator('iframe#active-frame').contentFrame();
    const root = await panel.locator('#rl-root').evaluate((e) => ({ state: e.getAttribute('data-state'), task: e.getAttribute('data-task'), title: document.getElementById('rl-title')?.textContent, status: document.getElementById('rl-status')?.textContent, error: document.getElementById('rl-error')?.textContent, progress: document.getElementById('rl-progress')?.textContent })).catch((e) => `unreadable: ${e.message.split('\n')[0]}`);
    console.log(`    panel: ${JSON.stringify(root)}`);
    console.log(`    tabs: ${JSON.stringify(await wb.page.locator('.tabs-container .tab').allInnerTexts().catch(() => []))}`);
    console.log(`    notifications: ${JSON.stringify(await wb.notifications().catch(() => []))}`);
    console.log(`    endpoint requests: ${JSON.stringify(endpoint.requests.map((r) => r.task))}`);
    for (const line of extensionLogLines(session.get().userDataDir, 'reward-lens.reward-lens', /./).slice(-40)) console.log(`    log: ${line}`);
  });

  it('SQL: overview sorted by a reward, compare two result tables, keyboard-only Prefer over, Set reference, Accept', async () => {
    await wb.openFile('queries.sql');
    await wb.page.locator('.monaco-editor.focused').first().waitFor({ timeout: 60000 });
    await wb.page.keyboard.press('Control+End');
    await wb.runCommand('Reward Lens: Generate SQL Candidates...');
    await answerWhen(wb, /Which 5 customers|Question about/, 'the five products with the most units sold');
    const panel = await wb.webview(PANEL);
    console.log(`    tabs: ${JSON.stringify(await wb.page.locator('.tabs-container .tab').allInnerTexts())}`);
    // This group's title, ranked: the panel may still show the previous SQL test's ranked group (sql.e2e.js).
    await panel.locator('#rl-root[data-state=ranked]', { has: panel.locator('#rl-title', { hasText: 'the five products with the most units sold' }) }).waitFor({ timeout: 120000 });
    assert.equal(endpoint.requests.filter((r) => r.task === 'sql').length, 1);
    assert.equal(endpoint.requests[0].body.n, 8);
    assert.equal(endpoint.requests[0].body.max_tokens ?? endpoint.requests[0].body.max_completion_tokens, 256);

    // Overview: eight rows, only rewards that apply (no gold query yet: no execution_match column).
    assert.equal(await panel.locator('#rl-overview tr.rl-ov-row').count(), 8);
    const cols = await panel.locator('#rl-overview thead th[data-key]').evaluateAll((ths) => ths.map((t) => t.getAttribute('data-key')));
    assert.ok(!cols.includes('execution_match'), `no gold: no execution_match column (${cols})`);
    assert.ok(cols.includes('consensus') && cols.includes('syntax'), `${cols}`);
    assert.equal(await panel.locator('#rl-weights').evaluate((d) => d.open), false, 'weights folded by default');
    await assertFirstScreen(panel, 'SQL at 1400x900');
    console.log(`    screenshot: ${await panelShot(wb, 'overview-sql', 'review-overview-sql.png')}`);

    // Sorting by a reward column: descending, then ascending; missing values last.
    await panel.locator('#rl-overview th[data-key="consensus"] button').click();
    const desc = await cellValues(panel, 'consensus');
    assert.deepEqual(desc, [...desc].sort((a, b) => b - a), `consensus descending: ${desc}`);
    await panel.locator('#rl-overview th[data-key="consensus"] button').click();
    const asc = await cellValues(panel, 'consensus');
    assert.deepEqual(asc, [...asc].sort((a, b) => a - b), `consensus ascending: ${asc}`);
    await panel.locator('#rl-overview th[data-key="rank"] button').click();

    // The syntax error and the unknown column cannot be inserted: refused, with the reason on the card.
    const syntaxRow = panel.locator('#rl-overview tr.rl-ov-row[data-index="5"]');
    assert.equal(await syntaxRow.getAttribute('data-status'), 'blocked');
    assert.ok(await panel.locator('#rl-card-5 .rl-accept').isDisabled());
    assert.match(await panel.locator('#rl-card-5 .rl-accept-blocked').innerText(), /does not parse|is not SQL/);

    // Compare LIMIT 5 with LIMIT 10: the five extra rows are marked on the second side only.
    await panel.locator('#rl-overview tr[data-index="0"] input.rl-ov-compare').check();
    await panel.locator('#rl-overview tr[data-index="2"] input.rl-ov-compare').check();
    await panel.locator('#rl-compare').waitFor();
    const marked = await panel.locator('#rl-compare .rl-compare-side').evaluateAll((sides) => sides.map((s) => s.querySelectorAll('tr.rl-row-only').length));
    assert.equal(marked[0], 0, 'every LIMIT 5 row is in the LIMIT 10 result');
    assert.ok(marked[1] >= 1, `LIMIT 10 rows missing from LIMIT 5 are marked: ${marked}`);
    assert.ok(await panel.locator('#rl-compare .rl-diff-del').count() >= 1);
    console.log(`    screenshot: ${await panelShot(wb, 'compare-sql')}`);
    await panel.locator('#rl-compare button[data-action="close-compare"]').click();

    // Keyboard only: Tab to the top card's "Prefer over" list, ArrowDown records nothing, Enter records one.
    const top = panel.locator('#rl-cards li.rl-card').first();
    const topIndex = Number(await top.getAttribute('data-index'));
    await top.focus();
    let guard = 0;
    while (!(await panel.locator(':focus').evaluate((e) => e.classList.contains('rl-prefer')).catch(() => false))) {
      await wb.page.keyboard.press('Tab');
      if (++guard > 30) throw new Error('Tab never reached the Prefer over list');
    }
    await wb.page.keyboard.press('ArrowDown');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await top.locator('.rl-pref').count(), 0, 'ArrowDown alone records no preference');
    await wb.page.keyboard.press('ArrowDown');
    await wb.page.keyboard.press('Enter');
    await top.locator('.rl-pref').waitFor({ timeout: 5000 });
    assert.equal(await top.locator('.rl-pref').count(), 1);
    const preferredOver = Number(await top.locator('.rl-pref').getAttribute('data-index'));

    // Set reference: the gold query brings execution_match and the other gold rewards; the group is re-ranked.
    await panel.locator('#rl-set-reference').click();
    await answerWhen(wb, /gold|reference/i, 'SELECT p.name, SUM(oi.quantity) AS units_sold FROM order_items oi JOIN products p ON p.id = oi.product_id GROUP BY p.id ORDER BY units_sold DESC LIMIT 5');
    await panel.locator('#rl-overview th[data-key="execution_match"]').waitFor({ timeout: 60000 });
    assert.match(await panel.locator('#rl-reference').innerText(), /Reference: SELECT p\.name/);
    const em = await cellValues(panel, 'execution_match');
    assert.equal(em[0], 1, `the top row now matches the gold result (${em})`);
    await assertFirstScreen(panel, 'SQL with a reference');

    // Accept the top card.
    const best = panel.locator('#rl-cards li.rl-card').first();
    const acceptedIndex = Number(await best.getAttribute('data-index'));
    await best.locator('.rl-accept').click();
    await wb.page.locator('.monaco-editor .view-lines', { hasText: 'units_sold' }).first().waitFor({ timeout: 30000 });
    const again = await wb.webview(PANEL);
    await again.locator('#rl-logged').filter({ hasText: /preference log/ }).waitFor({ timeout: 30000 });
    const rec = readLog().pop();
    assert.equal(rec.version, 2);
    assert.equal(rec.task, 'sql');
    assert.equal(rec.human.accepted, acceptedIndex);
    assert.match(rec.context.reference, /^SELECT p\.name/);
    assert.deepEqual(rec.human.preferences, [{ chosen: topIndex, rejected: preferredOver }]);
    assert.ok(rec.rewardDefinitions.execution_match, 'reward definition ids logged');
    assert.equal(rec.provider, 'endpoint');
  });

  it('patch: the diff inline, compare two diffs, Accept refused on a patch that does not apply, warning before one that fails a check', async () => {
    await wb.openFile('src/cart.ts');
    await wb.page.locator('.monaco-editor.focused').first().waitFor({ timeout: 60000 });
    await wb.runCommand('Reward Lens: Generate Patch Candidates...');
    await answerWhen(wb, /handle an empty cart|What should change/, 'the discount must never make the total negative');
    const panel = await wb.webview(PANEL);
    await panel.locator('#rl-root[data-state=ranked][data-task=patch]').waitFor({ timeout: 120000 });
    const req = endpoint.requests.filter((r) => r.task === 'patch').pop();
    assert.equal(req.body.max_tokens ?? req.body.max_completion_tokens, 2048, 'a whole-file patch gets more than 256 tokens');
    assert.equal(await panel.locator('#rl-overview tr.rl-ov-row').count(), 8);
    await assertFirstScreen(panel, 'patch at 1400x900');
    console.log(`    screenshot: ${await panelShot(wb, 'overview-patch', 'review-overview-patch.png')}`);

    // Inline diff on an applying card.
    const good = panel.locator('#rl-card-0');
    assert.match(await good.locator('.rl-patch-diff').innerText(), /\+\s*return Math\.max\(0, subtotal\(items\) - discount\);/);
    // Candidate 4's SEARCH text is not in the file: refused, reason on the card, also by the A key.
    const bad = panel.locator('#rl-card-3');
    assert.ok(await bad.locator('.rl-accept').isDisabled());
    assert.match(await bad.locator('.rl-accept-blocked').innerText(), /does not apply/);
    await bad.focus();
    await wb.page.keyboard.press('a');
    // Candidate 5 breaks the syntax: refused too (patch_syntax) or, if it parses, confirmed first.
    assert.ok(await panel.locator('#rl-card-4 .rl-accept').isDisabled(), 'a patch that breaks the syntax is refused');

    await panel.locator('#rl-overview tr[data-index="0"] input.rl-ov-compare').check();
    await panel.locator('#rl-overview tr[data-index="1"] input.rl-ov-compare').check();
    await panel.locator('#rl-compare').waitFor();
    assert.equal(await panel.locator('#rl-compare .rl-compare-side .rl-patch-diff').count(), 2);
    console.log(`    screenshot: ${await panelShot(wb, 'compare-patch')}`);
    await panel.locator('#rl-compare button[data-action="close-compare"]').click();

    // Open diff goes to the editor group the panel is not in (a new one beside it when it is alone): both visible.
    await good.locator('button[data-action="open-diff"]').click();
    await wb.page.locator('.tabs-container .tab', { hasText: 'candidate #1' }).first().waitFor({ timeout: 30000 });
    assert.ok(await panelElement(wb).isVisible(), 'the panel stays visible beside the diff');

    // Apply the best candidate: the file is modified in the editor; nothing was applied from the refused one.
    const p2 = await wb.webview(PANEL);
    await p2.locator('#rl-cards li.rl-card').first().locator('.rl-accept').click();
    await p2.locator('#rl-logged').filter({ hasText: /preference log/ }).waitFor({ timeout: 30000 });
    const rec = readLog().pop();
    assert.equal(rec.task, 'patch');
    assert.notEqual(rec.human.accepted, 3);
  });

  it('chart: thumbnail grid, weights shown and logged as used, compare two images', async () => {
    await wb.runCommand('Reward Lens: Generate Chart Candidates...');
    // The data file (a pick when the workspace has several .csv/.json files), then no reference image.
    // (.vscode/settings.json matches the data glob too.) Wait until the palette has given way to the command's input.
    const input = wb.page.locator('.quick-input-widget input');
    const which = await waitFor(async () => {
      const label = (await input.getAttribute('aria-label').catch(() => '')) || '';
      const ph = (await input.getAttribute('placeholder').catch(() => '')) || '';
      return /data file/i.test(label) ? 'pick' : /monthly revenue/.test(ph) ? 'instruction' : null;
    }, 'the data file pick or the instruction input');
    if (which === 'pick') await wb.answerQuickInput('sales.csv');
    await waitFor(async () => /monthly revenue/.test((await input.getAttribute('placeholder').catch(() => '')) || ''), 'the instruction input');
    await wb.answerQuickInput('monthly revenue by region as a line chart');
    await waitFor(async () => /reference chart/i.test((await input.getAttribute('aria-label').catch(() => '')) || ''), 'the reference pick');
    await wb.answerQuickInput('No reference');
    const panel = await wb.webview(PANEL);
    await panel.locator('#rl-root[data-state=ranked][data-task=chart]').waitFor({ timeout: 180000 });
    const req = endpoint.requests.filter((r) => r.task === 'chart').pop();
    assert.equal(req.body.max_tokens ?? req.body.max_completion_tokens, 1024);
    assert.ok(await panel.locator('#rl-cards').evaluate((e) => e.classList.contains('rl-grid')));
    assert.equal(await panel.locator('#rl-card-0 details.rl-spec').evaluate((d) => d.open), false, 'spec folded under the image');
    assert.ok(await panel.locator('#rl-cards img.rl-chart-img').count() >= 5);
    assert.ok(await panel.locator('#rl-card-3 .rl-accept').isDisabled(), 'a spec that is not JSON is refused');
    await assertFirstScreen(panel, 'chart at 1400x900');
    console.log(`    screenshot: ${await panelShot(wb, 'overview-chart', 'review-overview-chart.png')}`);

    // Weights: the sliders show the weights the ranking used (not 0), nothing is struck through for a weighted
    // reward, and the totals equal what those weights give.
    await panel.locator('#rl-weights summary').click();
    const sliders = await panel.locator('input.rl-weight-slider').evaluateAll((els) => els.map((e) => [e.getAttribute('data-reward'), Number(e.value)]));
    const weights = Object.fromEntries(sliders);
    console.log(`    chart weights shown: ${JSON.stringify(weights)}`);
    assert.ok(Object.values(weights).some((w) => w > 0), `some weight is not 0: ${JSON.stringify(weights)}`);
    assert.equal(await panel.locator('#rl-card-0 .rl-reward-off').count(), Object.values(weights).filter((w) => w === 0).length);

    await panel.locator('#rl-overview tr[data-index="0"] input.rl-ov-compare').check();
    await panel.locator('#rl-overview tr[data-index="2"] input.rl-ov-compare').check();
    await panel.locator('#rl-compare').waitFor();
    assert.equal(await panel.locator('#rl-compare .rl-compare-side img.rl-chart-img').count(), 2);
    console.log(`    screenshot: ${await panelShot(wb, 'compare-chart')}`);
    await panel.locator('#rl-compare button[data-action="close-compare"]').click();

    await panel.locator('#rl-finish').click();
    await panel.locator('#rl-logged').filter({ hasText: /preference log/ }).waitFor({ timeout: 30000 });
    const rec = readLog().pop();
    assert.equal(rec.task, 'chart');
    for (const [k, w] of Object.entries(weights)) assert.equal(rec.human.weights[k], w, `the record carries the weight shown for ${k}`);
    assert.ok(Object.keys(rec.human.weights).length > 0, 'not "weights": {}');
    // The totals logged are what those weights give (no other scale).
    console.log(`    logged weights ${JSON.stringify(rec.human.weights)}, totals ${rec.candidates.map((c) => c.total.toFixed(2)).join(' ')}`);
  });

  it('reopen after close: the last reviewed groups come back from the log', async () => {
    const panel = await wb.webview(PANEL);
    const lastTitle = await panel.locator('#rl-title').innerText();
    // The tab's own close button (F1 after a click on the tab can land in the webview, whose frame keeps the keys).
    const tab = wb.page.locator('.tabs-container .tab', { hasText: PANEL }).first();
    await tab.hover();
    await tab.locator('.tab-actions .action-label').first().click();
    await wb.page.locator('.tabs-container .tab', { hasText: PANEL }).first().waitFor({ state: 'detached', timeout: 10000 });
    await wb.runCommand('Reward Lens: Open Review Panel');
    const reopened = await wb.webview(PANEL);
    await reopened.locator('#rl-root[data-state=restored]').waitFor({ timeout: 30000 });
    assert.equal(await reopened.locator('#rl-title').innerText(), lastTitle);
    assert.equal(await reopened.locator('#rl-overview tr.rl-ov-row').count(), 8);
    assert.ok(await reopened.locator('#rl-history button[data-record]').count() >= 2, 'earlier reviews offered');
    if (!(await reopened.locator('#rl-history').evaluate((d) => d.open))) await reopened.locator('#rl-history summary').click();
    await reopened.locator('#rl-history button[data-record]', { hasText: /^sql:/ }).first().click();
    await reopened.locator('#rl-root[data-task=sql]').waitFor({ timeout: 10000 });
    assert.equal(readLog().length, recordsBefore + 3, 'reopening logs nothing');
  });

  it('themes: light, dark and high contrast, with the underscores of order_items drawn (pixel check)', async () => {
    const { decode } = await import('fast-png');
    const results = [];
    for (const theme of ['Light Modern', 'Solarized Light', 'Default High Contrast Light', 'Dark Modern', 'Default High Contrast']) {
      writeWorkspaceSettings({ 'rewardLens.endpoint.url': endpoint.url, 'rewardLens.endpoint.model': 'fake-coder-7b', 'rewardLens.numCandidates': 8, 'workbench.colorTheme': theme });
      const label = { 'Default High Contrast Light': 'Light High Contrast', 'Default High Contrast': 'Dark High Contrast' }[theme] ?? theme;
      const panel = await wb.webview(PANEL);
      await panel.locator(`body[data-vscode-theme-name="${label}"]`).waitFor({ timeout: 30000 });
      const code = panel.locator('#rl-cards li.rl-card .rl-code-text', { hasText: 'order_items' }).first();
      await code.scrollIntoViewIfNeeded();
      // The "_" of the first "order_items": its box in page coordinates (frame offset from the element's two boxes).
      const box = await code.boundingBox();
      const r = await code.evaluate((el) => {
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const i = n.data.indexOf('order_items');
          if (i < 0) continue;
          const range = document.createRange();
          range.setStart(n, i + 5);
          range.setEnd(n, i + 6);
          const a = range.getBoundingClientRect();
          const e = el.getBoundingClientRect();
          return { x: a.left - e.left, y: a.top - e.top, w: a.width, h: a.height, fg: getComputedStyle(el).color, bg: getComputedStyle(el).backgroundColor };
        }
        return null;
      });
      assert.ok(r, 'order_items is in a candidate');
      // From the middle of the glyph box to 4 px below it: an underscore sits at (or just under) the bottom of the
      // box, exactly where the next line's code background used to paint over it.
      const clip = { x: box.x + r.x + 1, y: box.y + r.y + r.h / 2, width: Math.max(2, r.w - 2), height: r.h / 2 + 4 };
      const png = decode(await wb.page.screenshot({ clip }));
      const ch = png.channels;
      const px = (x, y) => Array.from(png.data.slice((y * png.width + x) * ch, (y * png.width + x) * ch + 3));
      const ref = px(0, 0); // the middle of an underscore's box is background
      let ink = 0;
      let lowest = -1;
      for (let y = 0; y < png.height; y++) for (let x = 0; x < png.width; x++) {
        const p = px(x, y);
        if (Math.abs(p[0] - ref[0]) + Math.abs(p[1] - ref[1]) + Math.abs(p[2] - ref[2]) > 90) {
          ink++;
          lowest = Math.max(lowest, y);
        }
      }
      const shot = path.join(session.get().outputDir, `theme-${theme.replace(/\W+/g, '-')}.png`);
      await panelElement(wb).screenshot({ path: shot });
      results.push({ theme, ink, lowest, height: png.height, colour: r.fg, background: r.bg });
      console.log(`    ${theme}: lower half of the underscore's box + 4 px, ${png.width}x${png.height}: ${ink} ink pixels (lowest row ${lowest}), code ${r.fg} on ${r.bg}; ${shot}`);
      assert.ok(ink >= 2, `${theme}: the underscore of order_items is drawn (ink at the bottom of its box)`);
      assert.equal(r.bg, 'rgba(0, 0, 0, 0)', `${theme}: code has no background of its own`);
    }
    writeWorkspaceSettings({ 'rewardLens.endpoint.url': endpoint.url, 'rewardLens.endpoint.model': 'fake-coder-7b', 'rewardLens.numCandidates': 8 });
    assert.equal(results.length, 5);
  });
});
