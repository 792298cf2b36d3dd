#!/usr/bin/env node
// `npm run package`: production webpack build, a staging copy of exactly what the linux-x64 extension
// needs, a check that the required files are in the package, then `vsce package --target linux-x64`.
// onnxruntime-node is a webpack external (native code): it is staged as dist/node_modules/onnxruntime-node
// (+ onnxruntime-common) with only bin/napi-v6/linux/x64, where dist/worker.js's require() finds it.
// node_modules is never modified. Shape after continuedev/continue extensions/vscode/scripts/prepackage.js.
//   node scripts/package.mjs [--skip-build]      (--skip-build: package the repo's current dist/ instead)
// Staging: build/vsix-staging-<pid>/ (removed afterwards). Export: ensureVsix() returns a .vsix newer than every input, building one when needed (test runners).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Per process, so two runs at once (a developer and the test command) do not clobber each other.
const STAGING = path.join(ROOT, 'build', `vsix-staging-${process.pid}`);
const TARGET = { vsce: 'linux-x64', platform: 'linux', arch: 'x64' };
const ORT_BIN = `bin/napi-v6/${TARGET.platform}/${TARGET.arch}`;
/** Files and folders of the repo that go into the package (filtered again by .vscodeignore). */
const SHIPPED = ['package.json', 'README.md', 'LICENSE', 'LICENSE.md', 'CHANGELOG.md', '.vscodeignore', 'dist', 'media', 'fixtures/tiny-model', 'docs/images'];
/** Inputs of the package: a .vsix older than any of these is stale. */
const INPUTS = ['package.json', 'package-lock.json', 'webpack.config.js', 'src', 'media', 'fixtures/tiny-model', '.vscodeignore', 'README.md', 'docs/images'];

/**
 * What the linux-x64 package must contain, checked against vsce's own file list (so .vscodeignore
 * mistakes are caught too). Each test gets the list of packaged paths relative to the extension root.
 */
const REQUIRED = [
  ['extension bundle', f => f.includes('dist/extension.js')],
  ['worker bundle', f => f.includes('dist/worker.js')],
  ['webview bundle', f => f.includes('dist/webview.js')],
  ['CLI bundle', f => f.includes('dist/cli.js')],
  ['onnxruntime-node JS', f => f.includes('dist/node_modules/onnxruntime-node/dist/index.js')],
  ['onnxruntime-common JS', f => f.includes('dist/node_modules/onnxruntime-common/dist/cjs/index.js')],
  [`onnxruntime binding (${ORT_BIN})`, f => f.includes(`dist/node_modules/onnxruntime-node/${ORT_BIN}/onnxruntime_binding.node`)],
  [`libonnxruntime.so (${ORT_BIN})`, f => f.some(p => p.startsWith(`dist/node_modules/onnxruntime-node/${ORT_BIN}/libonnxruntime.so`))],
  ['sql.js wasm', f => f.some(p => /^dist\/(.*\/)?sql-wasm\.wasm$/.test(p))],
  ['resvg wasm', f => f.some(p => /^dist\/(.*\/)?(resvg[^/]*|index_bg)\.wasm$/.test(p))],
  ['chart font', f => f.some(p => /^(media|dist)\/.*\.(ttf|otf|woff2?)$/.test(p))],
  // Syntax port: tree-sitter's runtime and every grammar src/worker/syntax/grammars.json names (loaded on demand).
  ['tree-sitter runtime wasm', f => f.includes('dist/tree-sitter/web-tree-sitter.wasm')],
  ...Object.entries(JSON.parse(fs.readFileSync(path.join(ROOT, 'src/worker/syntax/grammars.json'), 'utf8')))
    .map(([lang, g]) => [`${lang} grammar (${g.wasm})`, f => f.includes(`dist/tree-sitter/${g.wasm}`)]),
  ['tiny model config.json', f => f.includes('fixtures/tiny-model/config.json')],
  ['tiny model tokenizer.json', f => f.includes('fixtures/tiny-model/tokenizer.json')],
  ['tiny model .onnx', f => f.some(p => /^fixtures\/tiny-model\/.*\.onnx$/.test(p))],
];
/** Must not be packaged: other platforms' native code, sources, tests. */
const FORBIDDEN = [
  ['other platforms\' onnxruntime binaries', p => p.includes('/bin/napi-v6/') && !p.includes(`/${ORT_BIN}/`)],
  ['TypeScript sources', p => p.startsWith('src/')],
  ['tests', p => p.startsWith('test/') || p.startsWith('out/')],
  ['top-level node_modules', p => p.startsWith('node_modules/')],
];

const log = msg => console.log(`[package] ${msg}`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
  return r;
}

const binOf = (pkg, rel) => path.join(ROOT, 'node_modules', pkg, rel);

function copyPackage(name, filter) {
  const src = path.join(ROOT, 'node_modules', name);
  const dst = path.join(STAGING, 'dist/node_modules', name);
  fs.cpSync(src, dst, { recursive: true, filter: s => filter(path.relative(src, s).split(path.sep).join('/')) });
}

/** Copies what ships into STAGING; dist/ only when `withDist` (else the production build is already there). */
function stage({ withDist }) {
  for (const rel of SHIPPED) {
    const src = path.join(ROOT, rel);
    if (!fs.existsSync(src) || (rel === 'dist' && !withDist)) continue;
    fs.cpSync(src, path.join(STAGING, rel), { recursive: true });
  }
  // Source maps stay out of the package: they double its size and only help with a debugger attached.
  for (const e of fs.readdirSync(path.join(STAGING, 'dist'), { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.map')) fs.rmSync(path.join(e.parentPath ?? e.path, e.name));
  }
  // The staged manifest keeps no scripts (vsce would run vscode:prepublish in the staging dir) and no
  // dependency lists (everything but onnxruntime is bundled; onnxruntime is staged by hand below).
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  for (const k of ['scripts', 'devDependencies', 'dependencies', 'allowScripts', 'bin']) delete manifest[k];
  fs.writeFileSync(path.join(STAGING, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');

  const ortVersion = JSON.parse(fs.readFileSync(binOf('onnxruntime-node', 'package.json'), 'utf8')).version;
  log(`staging onnxruntime-node ${ortVersion} with ${ORT_BIN} only`);
  copyPackage('onnxruntime-node', rel => rel === '' || rel === 'package.json' || rel === 'LICENSE' ||
    rel === 'dist' || (rel.startsWith('dist/') && !rel.endsWith('.map') && !rel.endsWith('.d.ts')) ||
    rel === 'bin' || `${ORT_BIN}/`.startsWith(`${rel}/`) || rel.startsWith(`${ORT_BIN}/`));
  copyPackage('onnxruntime-common', rel => rel === '' || rel === 'package.json' || rel === 'LICENSE' ||
    rel === 'dist' || rel === 'dist/cjs' || (rel.startsWith('dist/cjs/') && !rel.endsWith('.map') && !rel.endsWith('.d.ts')));
}

/** Loads the staged onnxruntime-node the way dist/worker.js will, to catch a missing .so before shipping. */
function smokeTestOnnxruntime() {
  const r = spawnSync(process.execPath, ['-e',
    "const o=require('./dist/node_modules/onnxruntime-node');console.log(o.listSupportedBackends().map(b=>b.name).join(','))"],
  { cwd: STAGING, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`staged onnxruntime-node does not load:\n${r.stderr}`);
  log(`staged onnxruntime-node loads; backends: ${r.stdout.trim()}`);
}

function vsce(args) {
  return spawnSync(process.execPath, [binOf('@vscode/vsce', 'vsce'), ...args], { cwd: STAGING, encoding: 'utf8' });
}

function verify() {
  const r = vsce(['ls', '--no-dependencies']);
  if (r.status !== 0) throw new Error(`vsce ls failed:\n${r.stderr}`);
  const files = r.stdout.split('\n').map(s => s.trim()).filter(Boolean);
  const allowMissing = (process.env.REWARD_LENS_PACKAGE_ALLOW_MISSING || '').split(',').filter(Boolean);
  const missing = REQUIRED.filter(([, test]) => !test(files)).map(([what]) => what);
  const forbidden = FORBIDDEN.map(([what, test]) => [what, files.filter(test)]).filter(([, hits]) => hits.length);
  for (const [what, hits] of forbidden) console.error(`[package] must not ship ${what}: ${hits.slice(0, 5).join(', ')}${hits.length > 5 ? ', ...' : ''}`);
  const fatal = missing.filter(m => !allowMissing.some(a => m.includes(a)));
  for (const m of missing) console.error(`[package] ${fatal.includes(m) ? 'MISSING' : 'missing (allowed by REWARD_LENS_PACKAGE_ALLOW_MISSING)'}: ${m}`);
  if (fatal.length || forbidden.length) throw new Error('the package does not have what the linux-x64 target needs (see above)');
  log(`verified ${files.length} packaged files: ${REQUIRED.length - missing.length} of ${REQUIRED.length} required present, nothing forbidden`);
}

export function vsixPath() {
  const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  return path.join(ROOT, `reward-lens-${version}-${TARGET.vsce}.vsix`);
}

export async function packageVsix({ skipBuild = false } = {}) {
  const t0 = Date.now();
  const out = vsixPath();
  const partial = out.replace(/\.vsix$/, `.${process.pid}.partial.vsix`);
  fs.rmSync(STAGING, { recursive: true, force: true });
  fs.mkdirSync(STAGING, { recursive: true });
  try {
    if (!skipBuild) {
      // Straight into the staging dir: the repo's dist/ (in use by development runs) is left alone, and no
      // chunk of an earlier development build can ride along in the package.
      log('webpack --mode production (output: staging dist/)');
      run(process.execPath, [binOf('webpack-cli', 'bin/cli.js'), '--mode', 'production', '--output-path', path.join(STAGING, 'dist')]);
    }
    stage({ withDist: skipBuild });
    smokeTestOnnxruntime();
    verify();
    log(`vsce package --target ${TARGET.vsce}`);
    const hasLicense = ['LICENSE', 'LICENSE.md'].some(f => fs.existsSync(path.join(STAGING, f)));
    // README links docs/ (screenshot, training guide) relatively; the repository URL is not a real host, so vsce must
    // not try to rewrite them (it refuses to package otherwise).
    const r = vsce(['package', '--no-dependencies', '--no-rewrite-relative-links', '--target', TARGET.vsce, '--out', partial, ...(hasLicense ? [] : ['--skip-license'])]);
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    if (r.status !== 0) throw new Error(`vsce package failed (exit ${r.status})`);
    fs.renameSync(partial, out); // readers never see a half-written .vsix
  } finally {
    fs.rmSync(STAGING, { recursive: true, force: true });
    fs.rmSync(partial, { force: true });
  }
  const bytes = fs.statSync(out).size;
  log(`${path.relative(ROOT, out)}: ${(bytes / 1024 / 1024).toFixed(1)} MiB (${bytes} bytes) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return out;
}

/** Newest modification time of a file or of any file under a folder (0 when missing). */
export function newestMtime(p) {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const e of fs.readdirSync(p, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) newest = Math.max(newest, fs.statSync(path.join(e.parentPath ?? e.path, e.name)).mtimeMs);
  }
  return newest;
}

/** A .vsix at least as new as every input, or a freshly built one. */
export async function ensureVsix({ log: say = log } = {}) {
  const out = vsixPath();
  if (fs.existsSync(out)) {
    const inputs = Math.max(...INPUTS.map(p => newestMtime(path.join(ROOT, p))));
    if (fs.statSync(out).mtimeMs >= inputs) { say(`reusing ${path.relative(ROOT, out)} (newer than its sources)`); return out; }
    say(`${path.relative(ROOT, out)} is older than its sources: rebuilding`);
  }
  return packageVsix();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  packageVsix({ skipBuild: process.argv.includes('--skip-build') })
    .catch(e => { console.error(`[package] FAILED: ${e.message}`); process.exit(1); });
}
