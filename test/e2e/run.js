#!/usr/bin/env node
// Browser end-to-end tests: the packaged .vsix installed into a fresh code-server, a copy of
// fixtures/sample-workspace opened in headless Chromium (playwright-core, Debian's /usr/bin/chromium),
// and mocha running test/e2e/**/*.e2e.js against it. One server and one browser for the whole run;
// each test file opens its own workbench tab (lib/workbench.js). Screenshots: test-output/e2e/.
//   node test/e2e/run.js [--vsix=FILE] [--grep=TEXT]
// Ends with `N passed, N failed`; exits non-zero on any failure.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Mocha = require('mocha');
const { startServer, installVsix, extensionLogLines, CHROMIUM, CHROMIUM_ARGS } = require('../../scripts/vscode-host/server');
const { setSession } = require('./lib/session');

const ROOT = path.resolve(__dirname, '../..');
const OUTPUT_DIR = path.join(ROOT, 'test-output/e2e');
const args = process.argv.slice(2);
const option = name => args.find(a => a.startsWith(`--${name}=`))?.slice(name.length + 3);

function e2eFiles() {
  return fs.readdirSync(__dirname, { recursive: true })
    .filter(f => f.endsWith('.e2e.js') && !f.startsWith('lib'))
    .sort()
    .map(f => path.join(__dirname, f));
}

async function main() {
  const t0 = Date.now();
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  const setup = spawnSync(process.execPath, [path.join(ROOT, 'scripts/vscode-host/setup.mjs')], { stdio: 'inherit' });
  if (setup.status !== 0) throw new Error('VS Code host setup failed');
  const vsix = path.resolve(option('vsix') || process.env.REWARD_LENS_VSIX ||
    await (await import(path.join(ROOT, 'scripts/package.mjs'))).ensureVsix({ log: console.log }));

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-e2e-'));
  const userDataDir = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');
  const workspace = path.join(tmp, 'sample-workspace');
  fs.cpSync(path.join(ROOT, 'fixtures/sample-workspace'), workspace, { recursive: true });
  fs.rmSync(OUTPUT_DIR, { recursive: true, force: true });
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });

  const installMs = installVsix(vsix, { userDataDir, extensionsDir });
  console.log(`[${elapsed()}] installed ${path.relative(ROOT, vsix)} (${(fs.statSync(vsix).size / 1048576).toFixed(1)} MiB) in ${installMs} ms`);
  let server, browser, stats = { passes: 0, failures: 1 };
  try {
    server = await startServer({ folder: workspace, userDataDir, extensionsDir, timeoutS: 1200,
      logFile: path.join(OUTPUT_DIR, 'code-server.log') });
    console.log(`[${elapsed()}] code-server ${server.url} up in ${server.startupMs} ms`);
    const { chromium } = require('playwright-core');
    browser = await chromium.launchPersistentContext(path.join(tmp, 'chromium'), {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1400, height: 900 },
    });
    setSession({ server, browser, workspace, outputDir: OUTPUT_DIR, vsix, userDataDir, extensionsDir });

    const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 300000 });
    if (option('grep')) mocha.grep(option('grep'));
    for (const f of e2eFiles()) mocha.addFile(f);
    stats = await new Promise(resolve => {
      const runner = mocha.run(() => resolve(runner.stats));
    });
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (server) await server.stop();
    for (const line of extensionLogLines(userDataDir, 'reward-lens.reward-lens', /activated in \d+ ms|restored panel/)) console.log(`extension log: ${line}`);
    if (process.env.REWARD_LENS_KEEP_TMP) console.log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`e2e finished in ${elapsed()}; screenshots and server log in ${path.relative(ROOT, OUTPUT_DIR)}/`);
  console.log(`${stats.passes} passed, ${stats.failures} failed${stats.pending ? `, ${stats.pending} skipped` : ''}`);
  return stats.failures === 0 && stats.passes > 0 ? 0 : 1;
}

main().then(code => process.exit(code), e => { console.error(e.stack || e.message); console.log('0 passed, 1 failed'); process.exit(1); });
