#!/usr/bin/env node
// Start and stop code-server (VS Code 1.139 server + Node extension host) bound to 127.0.0.1, with
// telemetry, the extension gallery and update checks off, so a test run or `npm start` makes no
// outbound calls. The module API is used by the test runners and scripts/start.mjs; the CLI is for
// people:  node scripts/vscode-host/server.js start [--folder DIR] [--port N]   (foreground, Ctrl-C stops)
//          node scripts/vscode-host/server.js stop                              (stops a `start` by its pid file)
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const HOST_DIR = process.env.VSCODE_HOST_DIR || path.join(ROOT, '.vscode-host');
const NODE24 = path.join(HOST_DIR, 'node24/package/bin/node');
const CS_ENTRY = path.join(HOST_DIR, 'cs/node_modules/code-server/out/node/entry.js');
const PID_FILE = path.join(HOST_DIR, 'server.pid');

// Pre-written user settings: nothing phones home, nothing pops up over the workbench.
const SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'github.gitAuthentication': false,
};

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function assertInstalled() {
  if (!fs.existsSync(NODE24) || !fs.existsSync(CS_ENTRY)) {
    throw new Error(`code-server is not installed under ${HOST_DIR}: run node scripts/vscode-host/setup.mjs`);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function healthy(url) {
  return new Promise(resolve => {
    http.get(`${url}/healthz`, r => { r.resume(); resolve(r.statusCode === 200); }).on('error', () => resolve(false));
  });
}

function writeUserSettings(userDataDir, extra = {}) {
  const file = path.join(userDataDir, 'User', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (!fs.existsSync(file)) fs.writeFileSync(file, JSON.stringify({ ...SETTINGS, ...extra }, null, 2));
}

function serverEnv(extra = {}) {
  const env = { ...process.env, EXTENSIONS_GALLERY: '{"serviceUrl":""}', ...extra };
  // $PORT / $CODE_SERVER_HOST silently override --bind-addr; the passwords are irrelevant with --auth none.
  for (const k of ['PORT', 'CODE_SERVER_HOST', 'PASSWORD', 'HASHED_PASSWORD']) delete env[k];
  return env;
}

/** Installs a .vsix into extensionsDir with code-server's own CLI (no server needed). Returns ms taken. */
function installVsix(vsix, { userDataDir, extensionsDir }) {
  assertInstalled();
  fs.mkdirSync(extensionsDir, { recursive: true });
  const t0 = Date.now();
  execFileSync(NODE24, [CS_ENTRY, '--config', '/dev/null', '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir, '--install-extension', path.resolve(vsix), '--force'],
  { stdio: ['ignore', 'pipe', 'inherit'], env: serverEnv(), timeout: 120000 });
  return Date.now() - t0;
}

/**
 * Starts code-server and resolves once /healthz answers.
 * options: folder (opened workspace), userDataDir, extensionsDir, port (default: a free one),
 * env (extra environment for the server and its extension hosts), timeoutS (hard limit on the
 * server's life through coreutils `timeout`, so a crashed runner cannot leave it behind), logFile,
 * smokeTestDriver (lets the workbench honour ?payload=[["extensionTestsPath",...]]), settings (extra user
 * settings, written only when the user-data dir has no settings.json yet).
 */
async function startServer(options) {
  assertInstalled();
  const { folder, userDataDir, extensionsDir, env = {}, timeoutS, smokeTestDriver = false, settings = {} } = options;
  const port = options.port || await freePort();
  fs.mkdirSync(extensionsDir, { recursive: true });
  writeUserSettings(userDataDir, settings);
  // An empty config keeps code-server from creating ~/.config/code-server/config.yaml with a password.
  const cfg = path.join(userDataDir, 'code-server.yaml');
  fs.writeFileSync(cfg, '');
  const logFile = options.logFile || path.join(userDataDir, 'code-server.log');
  const out = fs.openSync(logFile, 'a');
  const csArgs = [CS_ENTRY, '--config', cfg, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
    '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  if (smokeTestDriver) csArgs.push('--vscode-option', 'enable-smoke-test-driver');
  if (folder) csArgs.push(folder);
  const [cmd, args] = timeoutS ? ['timeout', [String(timeoutS), NODE24, ...csArgs]] : [NODE24, csArgs];
  const t0 = Date.now();
  // Its own process group, so stop() reaches the extension hosts and their children too.
  const child = spawn(cmd, args, { stdio: ['ignore', out, out], env: serverEnv(env), detached: true });
  fs.closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  const exitP = new Promise(resolve => child.on('exit', code => { exited = true; resolve(code); }));
  while (!(await healthy(url))) {
    if (exited || Date.now() - t0 > 90000) {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
      const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
      throw new Error(`code-server did not start (see ${logFile}):\n${tail}`);
    }
    await new Promise(r => setTimeout(r, 100));
  }
  const signalGroup = sig => { try { process.kill(-child.pid, sig); } catch { /* group already gone */ } };
  const stop = async () => {
    signalGroup('SIGTERM');
    await Promise.race([exitP, new Promise(r => setTimeout(r, 5000))]);
    // Whatever is left of the group (an extension host, a worker it forked) goes now.
    signalGroup('SIGKILL');
    await exitP;
  };
  return { url, port, pid: child.pid, startupMs: Date.now() - t0, logFile, exited: exitP, stop };
}

/** Workbench URL for a folder, optionally with a test payload (extensionDevelopmentPath etc.). */
function workbenchUrl(srv, folder, payload) {
  let u = `${srv.url}/?folder=${encodeURIComponent(folder)}`;
  if (payload) u += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return u;
}

/** A code-server path as the browser workbench names it: vscode-remote://host/abs/path. */
function remoteUri(srv, p) {
  return `vscode-remote://${new URL(srv.url).host}${path.resolve(p)}`;
}

/**
 * Lines matching `pattern` from an extension's LogOutputChannel files, which VS Code writes under
 * <userDataDir>/logs/<session>/exthost<N>/<extensionId>/<channel>.log (e.g. "activated in 27 ms").
 */
function extensionLogLines(userDataDir, extensionId, pattern) {
  const logs = path.join(userDataDir, 'logs');
  if (!fs.existsSync(logs)) return [];
  const lines = [];
  for (const e of fs.readdirSync(logs, { withFileTypes: true, recursive: true })) {
    const dir = e.parentPath ?? e.path;
    if (!e.isFile() || !e.name.endsWith('.log') || path.basename(dir) !== extensionId) continue;
    for (const line of fs.readFileSync(path.join(dir, e.name), 'utf8').split('\n')) if (pattern.test(line)) lines.push(line);
  }
  return lines;
}

module.exports = {
  ROOT, HOST_DIR, NODE24, CS_ENTRY, SETTINGS, CHROMIUM, CHROMIUM_ARGS,
  startServer, installVsix, writeUserSettings, workbenchUrl, remoteUri, freePort, extensionLogLines,
};

async function cli(argv) {
  const [command, ...rest] = argv;
  const opt = name => { const i = rest.indexOf(`--${name}`); return i >= 0 ? rest[i + 1] : undefined; };
  if (command === 'stop') {
    let pid;
    try { pid = Number(fs.readFileSync(PID_FILE, 'utf8')); } catch { console.log('no server.pid: nothing to stop'); return; }
    try { process.kill(pid, 'SIGTERM'); console.log(`stopped server process ${pid}`); } catch { console.log(`process ${pid} already gone`); }
    fs.rmSync(PID_FILE, { force: true });
    return;
  }
  if (command !== 'start') {
    console.log('usage: server.js start [--folder DIR] [--port N] [--user-data-dir DIR] [--extensions-dir DIR] | stop');
    process.exitCode = 2;
    return;
  }
  const folder = path.resolve(opt('folder') || process.cwd());
  const userDataDir = path.resolve(opt('user-data-dir') || path.join(HOST_DIR, 'user-data'));
  const extensionsDir = path.resolve(opt('extensions-dir') || path.join(HOST_DIR, 'extensions'));
  const srv = await startServer({ folder, userDataDir, extensionsDir, port: Number(opt('port')) || undefined });
  fs.writeFileSync(PID_FILE, String(process.pid));
  console.log(`code-server ready in ${srv.startupMs} ms: ${workbenchUrl(srv, folder)}  (log ${srv.logFile}; Ctrl-C stops)`);
  const shutdown = async () => { await srv.stop(); fs.rmSync(PID_FILE, { force: true }); process.exit(0); };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  const code = await srv.exited;
  fs.rmSync(PID_FILE, { force: true });
  console.log(`code-server exited with ${code}`);
  process.exitCode = code || 0;
}

if (require.main === module) cli(process.argv.slice(2)).catch(e => { console.error(e.message); process.exit(1); });
