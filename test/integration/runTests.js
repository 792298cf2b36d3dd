#!/usr/bin/env node
// Integration tests inside a real VS Code, through @vscode/test-electron's unchanged runTests().
//   node test/integration/runTests.js [--no-vsix] [--vsix=FILE] [--grep=TEXT] [--extensionDevelopmentPath=DIR]
// Where VS Code cannot be downloaded (this machine, CI) runTests() gets vscodeExecutablePath =
// scripts/vscode-host/run-ext-tests.js, which runs the suite inside code-server's extension host
// (installed by scripts/vscode-host/setup.mjs). With REWARD_LENS_DESKTOP=1 runTests() downloads
// desktop VS Code as usual (on Linux without a display, run it under xvfb-run).
// Two passes of the same suite: (1) the source folder as extensionDevelopmentPath; (2) the packaged
// .vsix installed into a fresh extensions dir (skipped with --no-vsix; the .vsix is --vsix=FILE, else
// $REWARD_LENS_VSIX, else reward-lens-<version>-linux-x64.vsix when newer than its sources, else
// `npm run package` builds it). Env: REWARD_LENS_KEEP_TMP=1 keeps user-data dirs and logs.
// Ends with `N passed, N failed` and exits non-zero on any failure.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runTests } = require('@vscode/test-electron');
const { installVsix, extensionLogLines } = require('../../scripts/vscode-host/server');

const ROOT = path.resolve(__dirname, '../..');
const SUITE = path.join(ROOT, 'out/integration/test/integration/suite/index.js');
const WRAPPER = path.join(ROOT, 'scripts/vscode-host/run-ext-tests.js');
const SAMPLE_WORKSPACE = path.join(ROOT, 'fixtures/sample-workspace');
const DESKTOP = process.env.REWARD_LENS_DESKTOP === '1';
const EXTENSION_ID = 'reward-lens.reward-lens';

const args = process.argv.slice(2);
const flag = name => args.some(a => a === `--${name}`);
const option = name => args.find(a => a.startsWith(`--${name}=`))?.slice(name.length + 3);

function step(cmd, argv, what) {
  console.log(`> ${what}`);
  const r = spawnSync(cmd, argv, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal})`);
}

/** Why dist/ needs a build, or '' when its bundles are newer than every source. */
async function distStaleness() {
  const { newestMtime } = await import(path.join(ROOT, 'scripts/package.mjs'));
  const bundles = ['extension.js', 'worker.js', 'webview/webview.js', 'webview/review.css'].map(f => path.join(ROOT, 'dist', f));
  if (!bundles.every(f => fs.existsSync(f))) return 'dist/ incomplete';
  const built = Math.min(...bundles.map(f => fs.statSync(f).mtimeMs));
  const sources = Math.max(...['src', 'webpack.config.js', 'package.json'].map(p => newestMtime(path.join(ROOT, p))));
  return sources > built ? 'sources newer than dist/' : '';
}

async function ensureVsix() {
  const explicit = option('vsix') || process.env.REWARD_LENS_VSIX;
  if (explicit) return path.resolve(explicit);
  const pkg = await import(path.join(ROOT, 'scripts/package.mjs'));
  return pkg.ensureVsix({ log: console.log });
}

/** One VS Code run of the suite; returns the results the suite loader wrote (or a synthetic failure). */
async function pass(name, { extensionDevelopmentPath, extensionsDir, userDataDir, workspace, env = {}, disableOthers = false }) {
  console.log(`\n=== integration pass: ${name} ===`);
  const resultsFile = path.join(os.tmpdir(), `rl-integration-${process.pid}-${name}.json`);
  fs.rmSync(resultsFile, { force: true });
  const t0 = Date.now();
  let runError;
  try {
    await runTests({
      ...(DESKTOP ? {} : { vscodeExecutablePath: WRAPPER }),
      extensionDevelopmentPath,
      extensionTestsPath: SUITE,
      launchArgs: [workspace, `--extensions-dir=${extensionsDir}`, `--user-data-dir=${userDataDir}`,
        ...(DESKTOP && disableOthers ? ['--disable-extensions'] : [])],
      extensionTestsEnv: {
        REWARD_LENS_TEST_RESULTS: resultsFile,
        ...(option('grep') ? { REWARD_LENS_TEST_GREP: option('grep') } : {}),
        ...env,
      },
    });
  } catch (e) {
    runError = e;
  }
  let results;
  try { results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')); } catch { /* the suite never finished */ }
  fs.rmSync(resultsFile, { force: true });
  if (!results) {
    console.error(`pass ${name}: no results (${runError ? runError.message : 'suite did not report'})`);
    results = { passed: 0, failed: 1, pending: 0, tests: [], metrics: {} };
  } else if (runError && results.failed === 0) {
    console.error(`pass ${name}: VS Code exited abnormally (${runError.message})`);
    results.failed += 1;
  }
  console.log(`pass ${name}: ${results.passed} passed, ${results.failed} failed in ${((Date.now() - t0) / 1000).toFixed(1)} s` +
    (results.vscodeVersion ? ` (VS Code ${results.vscodeVersion}, extension host Node ${results.node})` : ''));
  for (const [k, v] of Object.entries(results.metrics || {})) console.log(`  ${name} ${k}: ${v}`);
  // The extension's own word on it, from its LogOutputChannel "Reward Lens".
  for (const line of extensionLogLines(userDataDir, EXTENSION_ID, /activated in \d+ ms/)) console.log(`  ${name} log: ${line}`);
  return results;
}

function installVsixDesktop(vsix, extensionsDir, userDataDir) {
  // Lazy: only desktop runs download VS Code.
  const { downloadAndUnzipVSCode, resolveCliArgsFromVSCodeExecutablePath } = require('@vscode/test-electron');
  return downloadAndUnzipVSCode().then(exe => {
    const [cli, ...cliArgs] = resolveCliArgsFromVSCodeExecutablePath(exe, { reuseMachineInstall: true });
    const r = spawnSync(cli, [...cliArgs, `--extensions-dir=${extensionsDir}`, `--user-data-dir=${userDataDir}`,
      '--install-extension', vsix, '--force'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`installing ${vsix} failed`);
  });
}

async function main() {
  const t0 = Date.now();
  if (!DESKTOP) step(process.execPath, [path.join(ROOT, 'scripts/vscode-host/setup.mjs')], 'VS Code host (code-server) setup');
  step(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'test/integration/tsconfig.json'], 'compile test/integration');
  // The source pass runs the bundles in dist/: rebuild them when the sources are newer.
  const stale = await distStaleness();
  if (stale) step(process.execPath, [require.resolve('webpack-cli/bin/cli.js'), '--mode', 'development'], `webpack (${stale})`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-integration-'));
  // Tests may write into the workspace (preference logs, patches): give them a copy.
  const workspace = path.join(tmp, 'workspace');
  if (fs.existsSync(SAMPLE_WORKSPACE)) fs.cpSync(SAMPLE_WORKSPACE, workspace, { recursive: true });
  else fs.mkdirSync(workspace);

  const all = [];
  try {
    all.push(await pass('source', {
      extensionDevelopmentPath: path.resolve(option('extensionDevelopmentPath') || ROOT),
      extensionsDir: path.join(tmp, 'source-extensions'), userDataDir: path.join(tmp, 'source-user-data'), workspace,
      disableOthers: true,
    }));
    if (!flag('no-vsix')) {
      let vsix;
      try { vsix = await ensureVsix(); } catch (e) { console.error(`packaging failed: ${e.message}`); }
      if (!vsix) {
        all.push({ passed: 0, failed: 1 });
      } else {
        const extensionsDir = path.join(tmp, 'vsix-extensions');
        const userDataDir = path.join(tmp, 'vsix-user-data');
        console.log(`\ninstalling ${path.relative(ROOT, vsix)} (${(fs.statSync(vsix).size / 1e6).toFixed(1)} MB) into a fresh extensions dir`);
        if (DESKTOP) await installVsixDesktop(vsix, extensionsDir, userDataDir);
        else console.log(`installed in ${installVsix(vsix, { userDataDir, extensionsDir })} ms`);
        // An extensionDevelopmentPath is required to run tests; an empty folder contributes no extension,
        // so the suite talks to the installed package.
        const empty = path.join(tmp, 'no-extension');
        fs.mkdirSync(empty);
        all.push(await pass('vsix', {
          extensionDevelopmentPath: empty, extensionsDir, userDataDir, workspace,
          env: { REWARD_LENS_EXPECT_INSTALLED_UNDER: extensionsDir },
        }));
      }
    }
  } finally {
    if (process.env.REWARD_LENS_KEEP_TMP) console.log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
  const passed = all.reduce((n, r) => n + r.passed, 0);
  const failed = all.reduce((n, r) => n + r.failed, 0);
  const skipped = all.reduce((n, r) => n + (r.pending || 0), 0);
  console.log(`\nintegration: ${all.length} pass(es) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

if (require.main === module) {
  main().then(code => process.exit(code), e => { console.error(e.message); console.log('0 passed, 1 failed'); process.exit(1); });
}
module.exports = { main };
