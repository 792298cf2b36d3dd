#!/usr/bin/env node
// Stands in for the VS Code executable that @vscode/test-electron's runTests() launches: it accepts
// the same command line (--extensionDevelopmentPath, --extensionTestsPath, --extensions-dir,
// --user-data-dir, a workspace folder; other flags are ignored) and runs the extensionTestsPath
// module inside code-server's Node extension host. code-server has no --extensionTestsPath flag, so
// this uses VS Code's own browser-integration-test path: headless Chromium opens the workbench with
// ?payload=[["extensionDevelopmentPath","vscode-remote://..."],["extensionTestsPath",...]] (honoured
// because the server runs with enable-smoke-test-driver); the test output arrives through
// window.codeAutomationLog and the extension host's exit code through window.codeAutomationExit.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const util = require('node:util');
const { startServer, workbenchUrl, remoteUri, CHROMIUM, CHROMIUM_ARGS } = require('./server');

const TIMEOUT_MS = Number(process.env.REWARD_LENS_EXT_TEST_TIMEOUT_MS || 300000);
// Workbench chatter that says nothing about the tests.
const NOISE = /^(Resolving|Resolved|Creating a socket|Ignoring fetching|Updating additional|\[reconnection|\[Service Worker|\[AgentHost|\[AccountPolicyGate|Creation of workbench contribution|Timed out waiting for authentication provider 'github')/;

function parseArgs(argv) {
  const o = { extensionDevelopmentPath: [], positional: [] };
  const names = ['extensionDevelopmentPath', 'extensionTestsPath', 'extensions-dir', 'user-data-dir'];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(a);
    if (m && names.includes(m[1])) {
      const v = m[2] !== undefined ? m[2] : argv[++i];
      if (m[1] === 'extensionDevelopmentPath') o.extensionDevelopmentPath.push(v); else o[m[1]] = v;
    } else if (!a.startsWith('-')) {
      o.positional.push(a);
    }
  }
  return o;
}

async function main() {
  const t0 = Date.now();
  const a = parseArgs(process.argv.slice(2));
  if (!a.extensionTestsPath || a.extensionDevelopmentPath.length === 0) {
    console.error('usage: run-ext-tests.js --extensionDevelopmentPath=DIR --extensionTestsPath=PATH [--extensions-dir=DIR] [--user-data-dir=DIR] [WORKSPACE]');
    return 2;
  }
  if (a.extensionDevelopmentPath.length > 1) console.warn('only the first --extensionDevelopmentPath is used');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-ext-tests-'));
  const folder = path.resolve(a.positional[0] || fs.mkdtempSync(path.join(tmp, 'ws-')));
  const userDataDir = path.resolve(a['user-data-dir'] || path.join(tmp, 'user-data'));
  const extensionsDir = path.resolve(a['extensions-dir'] || path.join(tmp, 'extensions'));
  const { chromium } = require('playwright-core');

  const srv = await startServer({ folder, userDataDir, extensionsDir, smokeTestDriver: true,
    timeoutS: Math.ceil(TIMEOUT_MS / 1000) + 60 });
  console.log(`code-server ${srv.url} up in ${srv.startupMs} ms (log ${srv.logFile})`);
  const browserProfile = fs.mkdtempSync(path.join(tmp, 'chromium-'));
  let ctx;
  try {
    ctx = await chromium.launchPersistentContext(browserProfile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const page = ctx.pages()[0] || await ctx.newPage();
    let finish;
    const done = new Promise(resolve => { finish = resolve; });
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const line = util.format(...(args || []));
      if (!NOISE.test(line)) (type === 'error' ? console.error : console.log)(line);
    });
    await page.exposeFunction('codeAutomationExit', code => finish(code));
    page.on('pageerror', e => console.error('[pageerror]', e.message));
    page.on('crash', () => finish('browser page crashed'));
    await page.goto(workbenchUrl(srv, folder, [
      ['extensionDevelopmentPath', remoteUri(srv, a.extensionDevelopmentPath[0])],
      ['extensionTestsPath', remoteUri(srv, a.extensionTestsPath)],
      ['skipWelcome', 'true'],
    ]));
    const timer = setTimeout(() => finish(`timeout after ${TIMEOUT_MS} ms`), TIMEOUT_MS);
    const code = await done;
    clearTimeout(timer);
    console.log(`extension host exit code: ${code} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return code === 0 ? 0 : (typeof code === 'number' ? code : 124);
  } finally {
    if (ctx) await ctx.close().catch(() => {});
    await srv.stop();
    if (process.env.REWARD_LENS_KEEP_TMP) console.log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(code => process.exit(code), e => { console.error(e); process.exit(2); });
