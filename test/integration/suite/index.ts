/**
 * extensionTestsPath module: VS Code (desktop, or code-server through scripts/vscode-host/run-ext-tests.js)
 * loads it inside the extension host and awaits run(). It runs every *.test.js compiled next to it,
 * so other suites (sql.test.ts, patch.test.ts, ...) only need to be dropped into this folder.
 * Env: REWARD_LENS_TEST_GREP filters tests; REWARD_LENS_TEST_RESULTS names a JSON file that receives
 * the counts, failures and metrics (the extension host's stdout is not always visible to the runner).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { metrics } from './metrics';

interface TestRecord { title: string; state: 'passed' | 'failed' | 'pending'; durationMs?: number; error?: string }

function testFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter(f => f.endsWith('.test.js'))
    .sort()
    .map(f => path.join(dir, f));
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, reporter: 'spec', timeout: 60000 });
  const grep = process.env.REWARD_LENS_TEST_GREP;
  if (grep) mocha.grep(grep);
  for (const f of testFiles(__dirname)) mocha.addFile(f);

  const tests: TestRecord[] = [];
  return new Promise((resolve, reject) => {
    const runner = mocha.run(failures => {
      const resultsFile = process.env.REWARD_LENS_TEST_RESULTS;
      if (resultsFile) {
        const count = (s: TestRecord['state']) => tests.filter(t => t.state === s).length;
        fs.writeFileSync(resultsFile, JSON.stringify({
          passed: count('passed'), failed: count('failed'), pending: count('pending'), tests, metrics,
          vscodeVersion: (require('vscode') as typeof import('vscode')).version, node: process.version,
        }, null, 2));
      }
      if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
      else resolve();
    });
    runner.on('pass', t => tests.push({ title: t.fullTitle(), state: 'passed', durationMs: t.duration ?? 0 }));
    runner.on('pending', t => tests.push({ title: t.fullTitle(), state: 'pending' }));
    // 'fail' also fires for hooks; a failed before() hook counts as one failure.
    runner.on('fail', (t, err: Error) => tests.push({ title: t.fullTitle(), state: 'failed', error: err.stack ?? err.message }));
  });
}
