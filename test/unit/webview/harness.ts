/**
 * Loads the real review panel bundle in headless Chromium on a static page: the same HTML shell and CSP as the
 * extension (src/extension/review/html.ts), a fake `acquireVsCodeApi` that records posted messages and state, and
 * hooks that record any script a payload might run (`pwned`, alert/confirm/prompt), CSP violations and network
 * requests other than the page's own three files.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { panelHtml } from '../../../src/extension/review/html';
import type { HostMessage } from '../../../src/core/protocol/webview';

// Callbacks given to page.evaluate run in the browser; the test program is compiled without the DOM library, so the
// few browser globals they use are declared here, in this module only.
declare const window: any;


export const repoRoot = path.resolve(__dirname, '../../..');
const ORIGIN = 'https://panel.test';
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let bundle: string | null = null;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) newest = Math.max(newest, fs.statSync(path.join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

/**
 * The panel bundle under test: the real build (dist/webview/webview.js from `npx webpack --mode development`) when it is
 * newer than the panel's sources, or the file REWARD_LENS_WEBVIEW_BUNDLE names; otherwise the same entry bundled
 * now with esbuild (same sources, so a stale dist/ never hides a change).
 */
export function webviewBundle(): string {
  if (bundle) return bundle;
  const fromEnv = process.env.REWARD_LENS_WEBVIEW_BUNDLE;
  const dist = path.join(repoRoot, 'dist', 'webview', 'webview.js');
  const sources = Math.max(newestMtime(path.join(repoRoot, 'src', 'webview')), newestMtime(path.join(repoRoot, 'src', 'core')));
  const file = fromEnv ? path.resolve(repoRoot, fromEnv) : fs.existsSync(dist) && fs.statSync(dist).mtimeMs > sources ? dist : null;
  if (file) {
    bundleSource = path.relative(repoRoot, file);
    bundle = fs.readFileSync(file, 'utf8');
    return bundle;
  }
  const esbuild = require('esbuild') as typeof import('esbuild');
  const r = esbuild.buildSync({
    entryPoints: [path.join(repoRoot, 'src/webview/main.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    write: false,
    logLevel: 'error',
  });
  bundleSource = 'src/webview/main.ts (esbuild; dist/webview/webview.js missing or older than the sources)';
  bundle = r.outputFiles[0]!.text;
  return bundle;
}

/** Which bundle the tests ran, for the log. */
export let bundleSource = '';

export interface PanelPage {
  page: Page;
  send(m: HostMessage | unknown): Promise<void>;
  posted(): Promise<{ type: string; [k: string]: unknown }[]>;
  state(): Promise<unknown>;
  /** Script runs recorded by the hooks (should stay empty). */
  xss(): Promise<string[]>;
  cspViolations(): Promise<string[]>;
  /** Requests other than the page, script and stylesheet. */
  foreignRequests: string[];
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Serve the page without its CSP, to prove the rendering is safe on its own. */
  csp?: boolean;
  /** State returned by getState() (a reload). */
  initialState?: unknown;
}

export async function openPanel(browser: Browser, opts: OpenOptions = {}): Promise<PanelPage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const nonce = 'bm9uY2Vub25jZW5vbmNl';
  let html = panelHtml({ cspSource: ORIGIN, nonce, scriptUri: `${ORIGIN}/dist/webview/webview.js`, styleUri: `${ORIGIN}/dist/webview/review.css` });
  if (opts.csp === false) html = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '');
  const files: Record<string, { body: string; type: string }> = {
    [`${ORIGIN}/index.html`]: { body: html, type: 'text/html' },
    [`${ORIGIN}/dist/webview/webview.js`]: { body: webviewBundle(), type: 'text/javascript' },
    [`${ORIGIN}/dist/webview/review.css`]: { body: fs.readFileSync(path.join(repoRoot, 'media/review.css'), 'utf8'), type: 'text/css' },
  };
  const foreignRequests: string[] = [];
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    const f = files[url];
    if (f) await route.fulfill({ status: 200, contentType: f.type, body: f.body });
    else {
      if (!url.startsWith('data:')) foreignRequests.push(url);
      await route.abort();
    }
  });
  // A string, not a function: tsx's esbuild transform would inject its `__name` helper into a serialised function.
  // `__name` is defined for the same reason: page.evaluate callbacks below are serialised too.
  await page.addInitScript(`(() => {
    const w = window;
    w.__name = (f) => f;
    const xss = [], posted = [], csp = [];
    w.__xss = xss; w.__posted = posted; w.__csp = csp;
    w.__state = ${JSON.stringify(opts.initialState ?? null)};
    w.pwned = (tag) => xss.push('pwned(' + String(tag) + ')');
    w.alert = (x) => xss.push('alert(' + String(x) + ')');
    w.confirm = (x) => xss.push('confirm(' + String(x) + ')');
    w.prompt = (x) => xss.push('prompt(' + String(x) + ')');
    document.addEventListener('securitypolicyviolation', (e) => csp.push(e.violatedDirective + ' ' + e.blockedURI));
    w.acquireVsCodeApi = () => ({
      postMessage(m) { posted.push(JSON.parse(JSON.stringify(m))); },
      getState() { return w.__state; },
      setState(s) { w.__state = JSON.parse(JSON.stringify(s)); },
    });
  })();`);
  page.on('pageerror', (e) => foreignRequests.push(`pageerror: ${e.message}`));
  await page.goto(`${ORIGIN}/index.html`);
  await page.waitForFunction(() => ((window as unknown as { __posted: { type: string }[] }).__posted ?? []).some((m) => m.type === 'ready'));
  return {
    page,
    foreignRequests,
    send: async (m) => {
      await page.evaluate((msg) => window.postMessage(msg, '*'), m as object);
    },
    posted: () => page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted),
    state: () => page.evaluate(() => (window as unknown as { __state: unknown }).__state),
    xss: () => page.evaluate(() => (window as unknown as { __xss: string[] }).__xss),
    cspViolations: () => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp),
    close: () => context.close(),
  };
}

export async function launch(): Promise<Browser | null> {
  if (!fs.existsSync(CHROMIUM)) return null;
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

/**
 * Launches Chromium before the suite and closes it after; with no Chromium the suite is skipped, saying why.
 * Returns the browser for the suite's tests.
 */
export function useChromium(): () => Browser {
  let browser: Browser | null = null;
  before(async function () {
    browser = await launch();
    if (!browser) {
      console.log(`      skipped: no Chromium at ${CHROMIUM}`);
      this.skip();
    }
  });
  after(async () => browser?.close());
  return () => browser!;
}
