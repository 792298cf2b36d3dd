#!/usr/bin/env node
// Installs everything the tests and the demo need, on a fresh clone of a fresh machine (Debian 12, Node 20).
// Idempotent and quick when all is there. Uses only Node built-ins (runs before `npm ci`).
//   node scripts/setup.mjs [--no-apt] [--no-vscode-host]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const step = (m) => console.log(`[setup] ${m}`);
const run = (cmd, argv, opts = {}) => {
  const r = spawnSync(cmd, argv, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited with ${r.status ?? r.signal}`);
};

// Debian packages the tests use: chromium (browser tests), code-server's native build deps, python3-matplotlib
// (matplotlib chart candidates), python3-unidiff (oracle of SWE-RL's unidiff reward), python3-numpy and python3-sqlparse
// (imports of the test-suite-sql-eval oracle), python3-colormath (oracle of ChartMimic's colour reward), sqlite3 (native
// baseline in bench/sql), Mesa's lavapipe from bookworm-backports (WebGPU path of onnxruntime on the CPU; bookworm's own
// Mesa 22 is refused by Dawn).
const APT = ['chromium', 'libkrb5-dev', 'build-essential', 'pkg-config', 'python3', 'python3-matplotlib', 'python3-unidiff', 'python3-numpy', 'python3-sqlparse', 'python3-colormath', 'sqlite3', 'libvulkan1', 'xz-utils'];
const BACKPORTS = ['mesa-vulkan-drivers'];

function dpkgMissing(pkgs) {
  return pkgs.filter((p) => spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout?.includes('install ok installed') !== true);
}

function apt() {
  if (args.has('--no-apt')) return;
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) { step('not Debian/Ubuntu: install chromium and python3-matplotlib yourself'); return; }
  const missing = dpkgMissing([...APT, ...BACKPORTS]);
  if (missing.length === 0) { step('Debian packages present'); return; }
  if (process.getuid?.() !== 0) { step(`missing Debian packages (run as root to install): ${missing.join(' ')}`); return; }
  const bp = '/etc/apt/sources.list.d/bookworm-backports.list';
  const codename = readFileSync('/etc/os-release', 'utf8').match(/VERSION_CODENAME=(\w+)/)?.[1];
  if (codename === 'bookworm' && !existsSync(bp) && !readFileSync('/etc/apt/sources.list', { encoding: 'utf8', flag: 'a+' }).includes('backports')) {
    writeFileSync(bp, 'deb http://deb.debian.org/debian bookworm-backports main\n');
  }
  step(`apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'update', '-qq'], { env });
  const plain = missing.filter((p) => !BACKPORTS.includes(p));
  if (plain.length) run('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '-qq', '--no-install-recommends', ...plain], { env });
  const bpMissing = missing.filter((p) => BACKPORTS.includes(p));
  if (bpMissing.length) {
    const target = codename === 'bookworm' ? ['-t', 'bookworm-backports'] : [];
    run('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '-qq', '--no-install-recommends', ...target, ...bpMissing], { env });
  }
}

function npmDeps() {
  const stamp = join(root, 'node_modules', '.package-lock.json');
  if (existsSync(stamp)) { step('node_modules present'); return; }
  step('npm ci');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

function vscodeHost() {
  if (args.has('--no-vscode-host')) return;
  step('VS Code (code-server) for integration and browser tests');
  run(process.execPath, [join(root, 'scripts', 'vscode-host', 'setup.mjs'), ...(args.has('--no-apt') ? ['--no-apt'] : [])]);
}

try {
  apt();
  npmDeps();
  vscodeHost();
  step('done');
} catch (e) {
  console.error(`[setup] failed: ${e.message}`);
  process.exit(1);
}
