/**
 * Underscores in multi-line candidate code: VS Code's webview base style gives `code` a background and padding, and
 * each line's background then paints over the underscores of the line above (`order_items` read `order items` in
 * Light+). The panel resets that style; this checks the pixels under an underscore, with the panel's CSS and, as a
 * control that the check can see the bug, with VS Code's `code` style put back.
 */
import * as assert from 'assert';
import { decode } from 'fast-png';
import type { HostMessage, SessionInfo } from '../../../src/core/protocol/webview';
import { openPanel, useChromium, type PanelPage } from './harness';

declare const document: any;

// VS Code's webview base style for code (src/vs/workbench/contrib/webview/browser/pre/index.html) and Light+ colours.
const VSCODE_BASE = `
  :root { --vscode-editor-font-family: monospace; --vscode-editor-font-size: 14px; --vscode-textPreformat-foreground: #a31515; --vscode-textPreformat-background: #0000001a; --vscode-editor-background: #ffffff; --vscode-foreground: #3b3b3b; }
  body { background: #ffffff; color: #3b3b3b; }
  code { font-family: monospace; color: var(--vscode-textPreformat-foreground); background-color: var(--vscode-textPreformat-background); padding: 1px 3px; border-radius: 4px; }
  pre code { padding: 0; }`;
// What the panel's reset replaced: the same style winning over it.
const WITHOUT_RESET = `#rl-root code { color: var(--vscode-textPreformat-foreground) !important; background-color: #e6e6e6 !important; padding: 1px 3px !important; } .rl-code { line-height: normal !important; }`;

const session: SessionInfo = {
  id: 'u', task: 'sql', title: 'units sold', prompt: [{ role: 'user', content: 'q' }], modelLabel: 'm', n: 1, weights: { syntax: 1 }, rankOptions: {}, rewards: {}, canOpenDiff: false, acceptLabel: 'Insert SQL',
};
const SQL = 'SELECT p.name, SUM(oi.quantity) AS units_sold\nFROM order_items oi\nJOIN products p ON p.id = oi.product_id\nGROUP BY p.id';

async function underscoreInk(p: PanelPage): Promise<number> {
  await p.send({ type: 'session', session } satisfies HostMessage);
  await p.send({ type: 'ranked', sessionId: 'u', group: { allEqual: false, candidates: [{ index: 0, text: SQL, rewards: { syntax: 1 }, total: 1, advantage: 0, rank: 1, error: null }] } } satisfies HostMessage);
  await p.page.waitForSelector('#rl-card-0 .rl-code-text');
  const r = await p.page.evaluate(() => {
    const el = document.querySelector('#rl-card-0 .rl-code-text');
    const walker = document.createTreeWalker(el, 4);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const i = n.data.indexOf('order_items');
      if (i < 0) continue;
      const range = document.createRange();
      range.setStart(n, i + 5);
      range.setEnd(n, i + 6);
      const a = range.getBoundingClientRect();
      return { x: a.left, y: a.top, w: a.width, h: a.height };
    }
    return null;
  });
  assert.ok(r);
  const png = decode(await p.page.screenshot({ clip: { x: r.x + 1, y: r.y + r.h / 2, width: Math.max(2, r.w - 2), height: r.h / 2 + 4 } })) as unknown as { width: number; height: number; channels: number; data: Uint8Array };
  const ch = png.channels;
  const px = (x: number, y: number): number[] => Array.from(png.data.subarray((y * png.width + x) * ch, (y * png.width + x) * ch + 3));
  const ref = px(0, 0);
  let ink = 0;
  for (let y = 0; y < png.height; y++) for (let x = 0; x < png.width; x++) {
    const q = px(x, y);
    if (Math.abs(q[0]! - ref[0]!) + Math.abs(q[1]! - ref[1]!) + Math.abs(q[2]! - ref[2]!) > 90) ink++;
  }
  return ink;
}

describe('underscores in candidate code (Chromium, pixels)', function () {
  this.timeout(60000);
  const browser = useChromium();

  for (const [name, extra, drawn] of [['with the panel CSS', '', true], ['control: VS Code code style put back', WITHOUT_RESET, false]] as const) {
    it(`${name}: the underscore of order_items is ${drawn ? 'drawn' : 'painted over'}`, async () => {
      const p = await openPanel(browser(), { csp: false });
      try {
        await p.page.addStyleTag({ content: VSCODE_BASE });
        // The panel's stylesheet must come after the base style, as in VS Code (base in the host page's <head>).
        await p.page.evaluate(() => document.head.appendChild(document.querySelector('link[rel=stylesheet]')));
        if (extra) await p.page.addStyleTag({ content: extra });
        const ink = await underscoreInk(p);
        console.log(`      ${name}: ${ink} ink pixels under the underscore`);
        if (drawn) assert.ok(ink >= 2, `underscore drawn (${ink})`);
        else assert.ok(ink < 2, `the control shows the bug (${ink}), so the check can see it`);
      } finally {
        await p.close();
      }
    });
  }
});
