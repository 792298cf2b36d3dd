// Page object for the VS Code workbench served by code-server, and for webviews inside it.
// Every wait is on something visible in the page, never a fixed sleep, except between palette
// retries (the palette does not refresh its list while open).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { session } = require('./session');

class Workbench {
  /** Opens a new browser tab on the session's workspace and waits until the extension host is up. */
  static async open({ waitForFile = 'README.md' } = {}) {
    const s = session();
    const page = await s.browser.newPage();
    const wb = new Workbench(page, s);
    page.on('pageerror', e => wb.errors.push(e.message));
    page.on('console', m => { if (m.type() === 'error') wb.consoleErrors.push(m.text()); });
    await page.goto(`${s.server.url}/?folder=${encodeURIComponent(s.workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    await page.locator('.statusbar').waitFor({ timeout: 60000 });
    // The explorer lists files only once the remote connection (and so the extension host) is up.
    if (waitForFile) {
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: waitForFile }).first().waitFor({ timeout: 60000 });
    }
    return wb;
  }

  constructor(page, s) {
    this.page = page;
    this.session = s;
    this.errors = [];
    this.consoleErrors = [];
  }

  /**
   * Runs a command from the palette by its full title ("Reward Lens: Open Review Panel").
   * Contributed commands appear only after the extension host has scanned extensions, and an open
   * palette does not refresh, so F1 is retried until the entry shows up.
   */
  async runCommand(title, { attempts = 30 } = {}) {
    const input = this.page.locator('.quick-input-widget input');
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    for (let attempt = 1; ; attempt++) {
      await this.page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 15000 });
      await input.fill(`>${title}`);
      try {
        await row.waitFor({ timeout: 2000 });
        break;
      } catch (e) {
        if (attempt >= attempts) throw new Error(`command "${title}" never appeared in the palette`);
        await this.page.keyboard.press('Escape');
        await this.page.waitForTimeout(1000);
      }
    }
    await this.page.keyboard.press('Enter');
  }

  /** Fills the quick input that a command opened (showInputBox / showQuickPick) and accepts it. */
  async answerQuickInput(text) {
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 30000 });
    await input.fill(text);
    await this.page.keyboard.press('Enter');
  }

  /**
   * The content frame of a webview: the workbench hosts it in iframe.webview (VS Code's host page),
   * which holds the extension's HTML in iframe#active-frame. With a title, the editor tab with that
   * title is activated first, so its webview is the visible one.
   */
  async webview(title) {
    if (title) {
      const tab = this.page.locator('.tabs-container .tab', { hasText: title }).first();
      try {
        await tab.waitFor({ timeout: 30000 });
      } catch (e) {
        const shown = await this.notificationHistory().catch(() => []);
        throw new Error(`no editor tab "${title}" appeared${shown.length ? `; notifications: ${shown.map(t => JSON.stringify(t)).join(', ')}` : ''}`);
      }
      await tab.click();
    }
    const outer = this.page.locator('iframe.webview.ready').filter({ visible: true }).first();
    await outer.waitFor({ timeout: 30000 });
    return outer.contentFrame().locator('iframe#active-frame').contentFrame();
  }

  /** Texts of the notification toasts currently shown. */
  async notifications() {
    return this.page.locator('.notification-toast .notification-list-item-message').allTextContents();
  }

  /** Texts of every notification of this session (toasts hide after a while; the notification center keeps them). */
  async notificationHistory() {
    await this.runCommand('Notifications: Show Notifications', { attempts: 3 });
    const center = this.page.locator('.notifications-center');
    await center.waitFor({ timeout: 5000 });
    const texts = await center.locator('.notification-list-item-message').allTextContents();
    await this.page.keyboard.press('Escape');
    return texts;
  }

  /** Waits for a notification toast whose text matches, and returns its text. */
  async waitForNotification(pattern, { timeout = 30000 } = {}) {
    const toast = this.page.locator('.notification-toast .notification-list-item-message', { hasText: pattern }).first();
    await toast.waitFor({ timeout });
    return toast.innerText();
  }

  /** The text of the first status bar entry matching a pattern, once it shows. */
  async statusBarText(pattern, { timeout = 30000 } = {}) {
    const item = this.page.locator('.statusbar-item', { hasText: pattern }).first();
    await item.waitFor({ timeout });
    return item.innerText();
  }

  /**
   * Opens a workspace file (path relative to the workspace root) from the explorer and waits for its
   * editor tab. The explorer, unlike Quick Open, needs no file search index, so it is quick and
   * deterministic right after the workbench loads. Double-click: a pinned editor, not a preview.
   */
  async openFile(relativePath) {
    const parts = relativePath.split('/');
    for (const [i, part] of parts.entries()) {
      const label = this.page.locator('.label-name').filter({ hasText: new RegExp(`^${part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) });
      const row = this.page.locator('.explorer-folders-view .monaco-list-row').filter({ has: label }).first();
      await row.waitFor({ timeout: 30000 });
      if (i === parts.length - 1) await row.dblclick();
      else if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
    }
    await this.page.locator('.tabs-container .tab', { hasText: parts[parts.length - 1] }).first().waitFor({ timeout: 30000 });
  }

  /** Saves a screenshot under test-output/e2e/ and returns its path. */
  async screenshot(name) {
    const file = path.join(this.session.outputDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await this.page.screenshot({ path: file });
    return file;
  }

  async close() {
    await this.page.close();
  }
}

module.exports = { Workbench };
