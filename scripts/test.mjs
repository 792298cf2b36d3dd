#!/usr/bin/env node
// `npm test`: sets up what is missing, then runs every kind of test and ends with one line `N passed, N failed`.
//   1. static: typecheck (core compiles with no Node/vscode types), lint (layer boundaries)
//   2. unit: mocha, no VS Code
//   3. build + package the linux-x64 .vsix
//   4. integration: mocha inside a real VS Code (code-server) through @vscode/test-electron's runTests
//   5. browser end-to-end: Chromium drives the workbench and the review panel
// Options: --unit-only, --skip-setup. Uses only Node built-ins until setup has run.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const results = [];
const T0 = Date.now();

function runStage(name, cmd, argv, parse) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    console.log(`\n=== ${name}: ${cmd} ${argv.join(' ')}`);
    const child = spawn(cmd, argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    let out = '';
    const tee = (stream, sink) => stream.on('data', (d) => { out += d; sink.write(d); });
    tee(child.stdout, process.stdout);
    tee(child.stderr, process.stderr);
    child.on('close', (code, signal) => {
      const counts = parse(out, code);
      const secs = ((Date.now() - t0) / 1000).toFixed(1);
      results.push({ name, code: code ?? 1, ...counts, secs });
      console.log(`=== ${name}: exit ${code ?? signal}, ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''} (${secs} s)`);
      resolve();
    });
  });
}

/** A step that is not a test suite counts as one test: it passed or it failed. */
const asOne = (_out, code) => ({ passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1, skipped: 0 });

/** mocha's spec reporter: "N passing", "N failing", "N pending". */
function mochaCounts(out, code) {
  const n = (re) => [...out.matchAll(re)].reduce((a, m) => a + Number(m[1]), 0);
  const passed = n(/^\s*(\d+) passing/gm), failed = n(/^\s*(\d+) failing/gm), skipped = n(/^\s*(\d+) pending/gm);
  return { passed, failed: failed || (code !== 0 ? 1 : 0), skipped };
}

/** Our runners end with "N passed, N failed[, N skipped]". */
function summaryCounts(out, code) {
  const m = [...out.matchAll(/^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/gm)].pop();
  if (!m) return { passed: 0, failed: 1, skipped: 0 };
  return { passed: Number(m[1]), failed: Number(m[2]) || (code !== 0 ? 1 : 0), skipped: Number(m[3] ?? 0) };
}

const npx = (bin, ...a) => [join(root, 'node_modules', '.bin', bin), a];

async function main() {
  if (!args.has('--skip-setup')) {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'setup.mjs'), ...(args.has('--unit-only') ? ['--no-vscode-host'] : [])], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) { console.log('setup failed'); console.log('0 passed, 1 failed'); process.exit(1); }
  }
  await runStage('typecheck', 'npm', ['run', '-s', 'typecheck'], asOne);
  await runStage('lint', 'npm', ['run', '-s', 'lint'], asOne);
  await runStage('unit', ...npx('mocha', 'test/unit/**/*.test.ts'), mochaCounts);
  if (!args.has('--unit-only')) {
    await runStage('package', 'npm', ['run', '-s', 'package'], asOne);
    await runStage('integration', process.execPath, [join(root, 'test', 'integration', 'runTests.js')], summaryCounts);
    await runStage('e2e', process.execPath, [join(root, 'test', 'e2e', 'run.js')], summaryCounts);
  }
  const sum = (k) => results.reduce((a, r) => a + r[k], 0);
  console.log('\n=== summary');
  for (const r of results) console.log(`  ${r.name.padEnd(12)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed${r.skipped ? ` ${r.skipped} skipped` : ''}  ${r.secs} s`);
  console.log(`  total ${((Date.now() - T0) / 1000).toFixed(0)} s`);
  const failed = sum('failed');
  console.log(`${sum('passed')} passed, ${failed} failed${sum('skipped') ? `, ${sum('skipped')} skipped` : ''}`);
  process.exit(failed > 0 || results.some((r) => r.code !== 0) ? 1 : 0);
}
void main();
