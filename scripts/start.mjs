#!/usr/bin/env node
// `npm start`, the main job: a real VS Code in the browser with Reward Lens installed from its .vsix and a
// sample workspace open. Installs what is missing (npm ci, code-server, Debian packages when root), builds
// the .vsix unless a fresh one exists, starts code-server on 127.0.0.1, prints the URL, runs until Ctrl-C.
// The workspace is a copy under .vscode-host/demo/ so the repo's fixtures/sample-workspace is never touched.
//   node scripts/start.mjs [--port N] [--fresh-workspace] [--no-apt]     (REWARD_LENS_VSIX=FILE: install that .vsix)
// On a machine with desktop VS Code: `code --install-extension reward-lens-<version>-linux-x64.vsix` instead.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const optionValue = name => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : undefined; };
const say = msg => console.log(`[start] ${msg}`);

function run(cmd, argv, what) {
  say(what);
  const r = spawnSync(cmd, argv, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal})`);
}

function portFree(port) {
  return new Promise(resolve => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function main() {
  if (!fs.existsSync(path.join(ROOT, 'node_modules/.package-lock.json'))) {
    run('npm', ['ci', '--no-audit', '--no-fund'], 'npm ci (node_modules missing)');
  }
  run(process.execPath, [path.join(ROOT, 'scripts/vscode-host/setup.mjs'), ...(args.includes('--no-apt') ? ['--no-apt'] : [])],
    'VS Code host (code-server) setup');
  const { ensureVsix } = await import('./package.mjs');
  const vsix = process.env.REWARD_LENS_VSIX ? path.resolve(process.env.REWARD_LENS_VSIX) : await ensureVsix({ log: say });

  const require = createRequire(import.meta.url);
  const { startServer, installVsix, workbenchUrl, HOST_DIR } = require('./vscode-host/server.js');
  const demo = path.join(HOST_DIR, 'demo');
  const userDataDir = path.join(demo, 'user-data');
  const extensionsDir = path.join(demo, 'extensions');
  const workspace = path.join(demo, 'sample-workspace');
  if (args.includes('--fresh-workspace')) fs.rmSync(workspace, { recursive: true, force: true });
  // Copy without overwriting: edits and preference logs from earlier sessions survive; new fixture files arrive.
  fs.cpSync(path.join(ROOT, 'fixtures/sample-workspace'), workspace, { recursive: true, force: false });

  say(`installing ${path.relative(ROOT, vsix)} (${(fs.statSync(vsix).size / 1048576).toFixed(1)} MiB)`);
  say(`installed in ${installVsix(vsix, { userDataDir, extensionsDir })} ms`);

  let port = Number(optionValue('port') || process.env.REWARD_LENS_PORT || 8080);
  if (!(await portFree(port))) { say(`port ${port} is busy: using a free one`); port = 0; }
  const server = await startServer({ folder: workspace, userDataDir, extensionsDir, port: port || undefined,
    logFile: path.join(demo, 'code-server.log') });
  const url = workbenchUrl(server, workspace);
  console.log('');
  console.log(`  Reward Lens is running in VS Code ${'(code-server 4.139.1 = VS Code 1.139.1)'}:`);
  console.log(`    ${url}`);
  console.log(`  Workspace: ${workspace} (a copy of fixtures/sample-workspace; its README says what to try)`);
  console.log(`  Server log: ${server.logFile}`);
  console.log('  Ctrl-C stops the server.');
  console.log('');

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    say('stopping code-server');
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const code = await server.exited;
  if (!stopping) { say(`code-server exited unexpectedly (${code}); see ${server.logFile}`); process.exit(1); }
}

main().catch(e => { console.error(`[start] FAILED: ${e.message}`); process.exit(1); });
