#!/usr/bin/env node
// `npm run package`: production webpack build, a staging copy of exactly what one platform's extension needs, checks
// that the required files (and nothing forbidden) are in the package, then `vsce package --target <target>`.
// onnxruntime-node is a webpack external (native code): it is staged as dist/node_modules/onnxruntime-node
// (+ onnxruntime-common) with only that platform's bin/napi-v6/<platform>/<arch>, where dist/worker.js's require()
// finds it. node_modules is never modified. Shape after continuedev/continue extensions/vscode/scripts/prepackage.js.
//   node scripts/package.mjs                        linux-x64 (what `npm test` and CI use)
//   node scripts/package.mjs --target darwin-arm64  one platform (repeat --target, or a comma list, for several)
//   node scripts/package.mjs --all-targets          every platform onnxruntime-node ships binaries for
//   --skip-build: package the repo's current dist/ instead of a fresh production build
// webpack runs once; each target is staged in build/vsix-staging-<pid>-<target>/ (removed afterwards).
// Export: ensureVsix() returns a linux-x64 .vsix newer than every input, building one when needed (test runners).
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/**
 * The marketplace targets: VS Code's platform names, onnxruntime-node's bin folder, and what its native files must be
 * (format and CPU, read from the file headers, so a package can never carry another platform's binary).
 */
export const TARGETS = {
  'linux-x64': { platform: 'linux', arch: 'x64', format: 'elf', lib: /^libonnxruntime\.so/ },
  'linux-arm64': { platform: 'linux', arch: 'arm64', format: 'elf', lib: /^libonnxruntime\.so/ },
  'darwin-x64': { platform: 'darwin', arch: 'x64', format: 'mach-o', lib: /^libonnxruntime\..*dylib$/ },
  'darwin-arm64': { platform: 'darwin', arch: 'arm64', format: 'mach-o', lib: /^libonnxruntime\..*dylib$/ },
  'win32-x64': { platform: 'win32', arch: 'x64', format: 'pe', lib: /^onnxruntime\.dll$/ },
  'win32-arm64': { platform: 'win32', arch: 'arm64', format: 'pe', lib: /^onnxruntime\.dll$/ },
};
export const DEFAULT_TARGET = 'linux-x64';
const ortBin = target => `bin/napi-v6/${TARGETS[target].platform}/${TARGETS[target].arch}`;
/** Files and folders of the repo that go into the package (filtered again by .vscodeignore). */
const SHIPPED = ['package.json', 'README.md', 'LICENSE', 'LICENSE.md', 'CHANGELOG.md', '.vscodeignore', 'dist', 'fixtures/tiny-model', 'docs/images'];
/** Inputs of the package: a .vsix older than any of these is stale. */
const INPUTS = ['package.json', 'package-lock.json', 'webpack.config.js', 'src', 'media', 'fixtures/tiny-model', '.vscodeignore', 'README.md', 'docs/images'];
/** Packaged files at least this large must be unique (the fonts used to ship twice, in media/ and dist/). */
const DUPLICATE_MIN_BYTES = 64 * 1024;

/**
 * What a target's package must contain, checked against vsce's own file list (so .vscodeignore mistakes are caught
 * too). Each test gets the list of packaged paths relative to the extension root.
 */
function required(target) {
  const bin = `dist/node_modules/onnxruntime-node/${ortBin(target)}/`;
  const { lib } = TARGETS[target];
  return [
    ['extension bundle', f => f.includes('dist/extension.js')],
    ['worker bundle', f => f.includes('dist/worker.js')],
    ['webview bundle (dist/webview/)', f => f.includes('dist/webview/webview.js')],
    ['webview stylesheet (dist/webview/)', f => f.includes('dist/webview/review.css')],
    ['CLI bundle', f => f.includes('dist/cli.js')],
    ['onnxruntime-node JS', f => f.includes('dist/node_modules/onnxruntime-node/dist/index.js')],
    ['onnxruntime-common JS', f => f.includes('dist/node_modules/onnxruntime-common/dist/cjs/index.js')],
    [`onnxruntime binding (${ortBin(target)})`, f => f.includes(`${bin}onnxruntime_binding.node`)],
    [`onnxruntime library ${lib} (${ortBin(target)})`, f => f.some(p => p.startsWith(bin) && lib.test(p.slice(bin.length)))],
    ['sql.js wasm', f => f.some(p => /^dist\/(.*\/)?sql-wasm\.wasm$/.test(p))],
    ['resvg wasm', f => f.some(p => /^dist\/(.*\/)?(resvg[^/]*|index_bg)\.wasm$/.test(p))],
    ['chart font', f => f.some(p => /^dist\/.*\.(ttf|otf|woff2?)$/.test(p))],
    // Syntax port: tree-sitter's runtime and every grammar src/worker/syntax/grammars.json names (loaded on demand).
    ['tree-sitter runtime wasm', f => f.includes('dist/tree-sitter/web-tree-sitter.wasm')],
    ...Object.entries(JSON.parse(fs.readFileSync(path.join(ROOT, 'src/worker/syntax/grammars.json'), 'utf8')))
      .map(([lang, g]) => [`${lang} grammar (${g.wasm})`, f => f.includes(`dist/tree-sitter/${g.wasm}`)]),
    ['tiny model config.json', f => f.includes('fixtures/tiny-model/config.json')],
    ['tiny model tokenizer.json', f => f.includes('fixtures/tiny-model/tokenizer.json')],
    ['tiny model .onnx', f => f.some(p => /^fixtures\/tiny-model\/.*\.onnx$/.test(p))],
  ];
}
/** Must not be packaged: other platforms' native code, sources, tests, anything the panel or the worker do not load. */
function forbidden(target) {
  const bin = `dist/node_modules/onnxruntime-node/${ortBin(target)}/`;
  return [
    ['native code outside this target\'s onnxruntime folder', p => /\.(node|so(\.\d+)*|dylib|dll)$/.test(p) && !p.startsWith(bin)],
    ['other platforms\' onnxruntime folders', p => p.includes('/bin/napi-v6/') && !p.startsWith(bin)],
    ['TypeScript sources', p => p.startsWith('src/')],
    ['tests', p => p.startsWith('test/') || p.startsWith('out/')],
    ['top-level node_modules', p => p.startsWith('node_modules/')],
    ['media/ (sources: what ships is copied into dist/)', p => p.startsWith('media/')],
    ['source maps', p => p.endsWith('.map')],
  ];
}

const log = msg => console.log(`[package] ${msg}`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
  return r;
}

const binOf = (pkg, rel) => path.join(ROOT, 'node_modules', pkg, rel);
const ortVersion = () => JSON.parse(fs.readFileSync(binOf('onnxruntime-node', 'package.json'), 'utf8')).version;

/** Targets whose binaries the installed onnxruntime-node has (it does not ship every platform VS Code runs on). */
export function shippedTargets() {
  return Object.keys(TARGETS).filter(t => fs.existsSync(binOf('onnxruntime-node', ortBin(t))));
}

function copyPackage(staging, name, filter) {
  const src = path.join(ROOT, 'node_modules', name);
  const dst = path.join(staging, 'dist/node_modules', name);
  fs.cpSync(src, dst, { recursive: true, filter: s => filter(path.relative(src, s).split(path.sep).join('/')) });
}

/** Copies what ships into `staging`, dist/ from `distDir`, and the target's onnxruntime binaries only. */
function stage(staging, distDir, target) {
  for (const rel of SHIPPED) {
    const src = rel === 'dist' ? distDir : path.join(ROOT, rel);
    if (!fs.existsSync(src)) continue;
    fs.cpSync(src, path.join(staging, rel), { recursive: true });
  }
  // Source maps stay out of the package: they double its size and only help with a debugger attached.
  for (const e of fs.readdirSync(path.join(staging, 'dist'), { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.map')) fs.rmSync(path.join(e.parentPath ?? e.path, e.name));
  }
  // The staged manifest keeps no scripts (vsce would run vscode:prepublish in the staging dir) and no
  // dependency lists (everything but onnxruntime is bundled; onnxruntime is staged by hand below).
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  for (const k of ['scripts', 'devDependencies', 'dependencies', 'allowScripts', 'bin']) delete manifest[k];
  fs.writeFileSync(path.join(staging, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');

  const bin = ortBin(target);
  log(`${target}: staging onnxruntime-node ${ortVersion()} with ${bin} only`);
  copyPackage(staging, 'onnxruntime-node', rel => rel === '' || rel === 'package.json' || rel === 'LICENSE' ||
    rel === 'dist' || (rel.startsWith('dist/') && !rel.endsWith('.map') && !rel.endsWith('.d.ts')) ||
    rel === 'bin' || `${bin}/`.startsWith(`${rel}/`) || rel.startsWith(`${bin}/`));
  dropAliasCopies(path.join(staging, 'dist/node_modules/onnxruntime-node', bin), target);
  copyPackage(staging, 'onnxruntime-common', rel => rel === '' || rel === 'package.json' || rel === 'LICENSE' ||
    rel === 'dist' || rel === 'dist/cjs' || (rel.startsWith('dist/cjs/') && !rel.endsWith('.map') && !rel.endsWith('.d.ts')));
}

/**
 * npm has no symlinks, so onnxruntime-node's macOS folder holds libonnxruntime.1.dylib and libonnxruntime.1.30.0.dylib
 * as two identical 45 MB files. Of files with the same bytes, keep the one whose name the binding links
 * (`@rpath/libonnxruntime.1.dylib`) and drop the others.
 */
function dropAliasCopies(binDir, target) {
  const binding = fs.readFileSync(path.join(binDir, 'onnxruntime_binding.node')).toString('latin1');
  const bySha = new Map();
  for (const f of fs.readdirSync(binDir)) {
    const h = createHash('sha256').update(fs.readFileSync(path.join(binDir, f))).digest('hex');
    bySha.set(h, [...(bySha.get(h) ?? []), f]);
  }
  for (const names of bySha.values()) {
    if (names.length < 2) continue;
    const linked = names.filter(n => binding.includes(n));
    if (linked.length !== 1) throw new Error(`${target}: identical files ${names.join(', ')} and the binding links ${linked.length ? linked.join(', ') : 'none of them'} by name`);
    for (const n of names) if (n !== linked[0]) {
      fs.rmSync(path.join(binDir, n));
      log(`${target}: dropped ${n} (same bytes as ${linked[0]}, the name the binding links)`);
    }
  }
}

/** Format and CPU of a native file from its header (ELF e_machine, Mach-O cputype, PE machine), or null. */
export function binaryArch(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(4096);
    const n = fs.readSync(fd, b, 0, b.length, 0);
    if (n >= 20 && b.readUInt32BE(0) === 0x7f454c46) {
      const machine = b[5] === 2 ? b.readUInt16BE(18) : b.readUInt16LE(18);
      return { format: 'elf', arch: { 0x3e: 'x64', 0xb7: 'arm64' }[machine] ?? `elf-machine-${machine}` };
    }
    if (n >= 8 && b.readUInt32LE(0) === 0xfeedfacf) {
      const cpu = b.readUInt32LE(4);
      return { format: 'mach-o', arch: { 0x01000007: 'x64', 0x0100000c: 'arm64' }[cpu] ?? `mach-o-cpu-${cpu}` };
    }
    if (n >= 8 && b.readUInt32BE(0) === 0xcafebabe) return { format: 'mach-o', arch: 'universal' };
    if (n >= 0x40 && b.toString('latin1', 0, 2) === 'MZ') {
      const pe = b.readUInt32LE(0x3c);
      if (pe + 6 <= n && b.toString('latin1', pe, pe + 4) === 'PE\0\0') {
        const machine = b.readUInt16LE(pe + 4);
        return { format: 'pe', arch: { 0x8664: 'x64', 0xaa64: 'arm64' }[machine] ?? `pe-machine-${machine}` };
      }
    }
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** Loads the staged onnxruntime-node the way dist/worker.js will, to catch a missing library before shipping. */
function smokeTestOnnxruntime(staging, target) {
  if (target !== `${process.platform}-${process.arch}`) {
    log(`${target}: not this machine's platform (${process.platform}-${process.arch}): binaries checked by their headers, not loaded`);
    return;
  }
  const r = spawnSync(process.execPath, ['-e',
    "const o=require('./dist/node_modules/onnxruntime-node');console.log(o.listSupportedBackends().map(b=>b.name).join(','))"],
  { cwd: staging, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`staged onnxruntime-node does not load:\n${r.stderr}`);
  log(`${target}: staged onnxruntime-node loads; backends: ${r.stdout.trim()}`);
}

function vsce(staging, args) {
  return spawnSync(process.execPath, [binOf('@vscode/vsce', 'vsce'), ...args], { cwd: staging, encoding: 'utf8' });
}

/** Checks vsce's file list: required present, nothing forbidden, native files built for the target, no big duplicates. */
function verify(staging, target) {
  const r = vsce(staging, ['ls', '--no-dependencies']);
  if (r.status !== 0) throw new Error(`vsce ls failed:\n${r.stderr}`);
  const files = r.stdout.split('\n').map(s => s.trim()).filter(Boolean);
  const allowMissing = (process.env.REWARD_LENS_PACKAGE_ALLOW_MISSING || '').split(',').filter(Boolean);
  const req = required(target);
  const missing = req.filter(([, test]) => !test(files)).map(([what]) => what);
  const bad = forbidden(target).map(([what, test]) => [what, files.filter(test)]).filter(([, hits]) => hits.length);
  const { format, arch } = TARGETS[target];
  const wrongArch = files.filter(p => /\.(node|so(\.\d+)*|dylib|dll)$/.test(p)).flatMap(p => {
    const a = binaryArch(path.join(staging, p));
    return a && a.format === format && a.arch === arch ? [] : [`${p} (${a ? `${a.format} ${a.arch}` : 'not a native binary'})`];
  });
  if (wrongArch.length) bad.push([`native files not built for ${format} ${arch}`, wrongArch]);
  const bySha = new Map();
  for (const p of files) {
    const full = path.join(staging, p);
    if (fs.statSync(full).size < DUPLICATE_MIN_BYTES) continue;
    const h = createHash('sha256').update(fs.readFileSync(full)).digest('hex');
    bySha.set(h, [...(bySha.get(h) ?? []), p]);
  }
  const dups = [...bySha.values()].filter(ps => ps.length > 1).map(ps => ps.join(' = '));
  if (dups.length) bad.push([`the same file twice (>= ${DUPLICATE_MIN_BYTES / 1024} KiB)`, dups]);
  for (const [what, hits] of bad) console.error(`[package] ${target}: must not ship ${what}: ${hits.slice(0, 5).join(', ')}${hits.length > 5 ? ', ...' : ''}`);
  const fatal = missing.filter(m => !allowMissing.some(a => m.includes(a)));
  for (const m of missing) console.error(`[package] ${target}: ${fatal.includes(m) ? 'MISSING' : 'missing (allowed by REWARD_LENS_PACKAGE_ALLOW_MISSING)'}: ${m}`);
  if (fatal.length || bad.length) throw new Error(`the package does not have what the ${target} target needs (see above)`);
  const native = files.filter(p => p.startsWith(`dist/node_modules/onnxruntime-node/${ortBin(target)}/`)).length;
  log(`${target}: verified ${files.length} packaged files: ${req.length - missing.length} of ${req.length} required present, ${native} native files all ${format} ${arch}, nothing forbidden, no duplicates`);
}

export function vsixPath(target = DEFAULT_TARGET) {
  const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  return path.join(ROOT, `reward-lens-${version}-${target}.vsix`);
}

/** Builds once, then stages, checks and packages each target. Returns [{target, file, bytes}]. */
export async function packageVsixes({ targets = [DEFAULT_TARGET], skipBuild = false } = {}) {
  const t0 = Date.now();
  for (const t of targets) {
    if (!TARGETS[t]) throw new Error(`unknown target ${t} (known: ${Object.keys(TARGETS).join(', ')})`);
    if (!shippedTargets().includes(t)) throw new Error(`onnxruntime-node ${ortVersion()} ships no ${ortBin(t)} binaries, so there is no ${t} package (it ships: ${shippedTargets().join(', ')})`);
  }
  const build = path.join(ROOT, 'build', `vsix-dist-${process.pid}`);
  const out = [];
  fs.rmSync(build, { recursive: true, force: true });
  try {
    let distDir = path.join(ROOT, 'dist');
    if (!skipBuild) {
      // Into build/: the repo's dist/ (in use by development runs) is left alone, and no chunk of an earlier
      // development build can ride along in the package.
      log('webpack --mode production (output: build/, once for every target)');
      run(process.execPath, [binOf('webpack-cli', 'bin/cli.js'), '--mode', 'production', '--env', `outDir=${build}`]);
      distDir = build;
    }
    for (const target of targets) out.push(packageTarget(distDir, target));
  } finally {
    fs.rmSync(build, { recursive: true, force: true });
  }
  if (out.length > 1) {
    log(`${out.length} packages in ${((Date.now() - t0) / 1000).toFixed(1)} s:`);
    for (const o of out) log(`  ${o.target.padEnd(13)} ${(o.bytes / 1024 / 1024).toFixed(1).padStart(6)} MiB  ${path.relative(ROOT, o.file)}`);
  }
  return out;
}

function packageTarget(distDir, target) {
  const t0 = Date.now();
  const staging = path.join(ROOT, 'build', `vsix-staging-${process.pid}-${target}`);
  const file = vsixPath(target);
  const partial = file.replace(/\.vsix$/, `.${process.pid}.partial.vsix`);
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  try {
    stage(staging, distDir, target);
    smokeTestOnnxruntime(staging, target);
    verify(staging, target);
    log(`vsce package --target ${target}`);
    const hasLicense = ['LICENSE', 'LICENSE.md'].some(f => fs.existsSync(path.join(staging, f)));
    // README links docs/ (screenshot, training guide) relatively; the repository URL is not a real host, so vsce must
    // not try to rewrite them (it refuses to package otherwise).
    const r = vsce(staging, ['package', '--no-dependencies', '--no-rewrite-relative-links', '--target', target, '--out', partial, ...(hasLicense ? [] : ['--skip-license'])]);
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    if (r.status !== 0) throw new Error(`vsce package failed (exit ${r.status})`);
    fs.renameSync(partial, file); // readers never see a half-written .vsix
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    fs.rmSync(partial, { force: true });
  }
  const bytes = fs.statSync(file).size;
  log(`${path.relative(ROOT, file)}: ${(bytes / 1024 / 1024).toFixed(1)} MiB (${bytes} bytes) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { target, file, bytes };
}

/** The linux-x64 package (test runners, CI). */
export async function packageVsix({ skipBuild = false } = {}) {
  const [o] = await packageVsixes({ targets: [DEFAULT_TARGET], skipBuild });
  return o.file;
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

/** `--target a --target b,c`, `--target=a`, `--all-targets` (every target onnxruntime-node ships), default linux-x64. */
export function targetsFromArgs(argv) {
  if (argv.includes('--all-targets')) {
    const skipped = Object.keys(TARGETS).filter(t => !shippedTargets().includes(t));
    if (skipped.length) log(`skipping ${skipped.join(', ')}: onnxruntime-node ${ortVersion()} ships no binaries for ${skipped.length > 1 ? 'them' : 'it'}`);
    return shippedTargets();
  }
  const out = [];
  argv.forEach((a, i) => {
    if (a === '--target') {
      if (argv[i + 1] === undefined || argv[i + 1].startsWith('--')) throw new Error('--target needs a value, e.g. --target darwin-arm64');
      out.push(...argv[i + 1].split(','));
    } else if (a.startsWith('--target=')) out.push(...a.slice('--target='.length).split(','));
  });
  return out.length ? [...new Set(out.map(t => t.trim()).filter(Boolean))] : [DEFAULT_TARGET];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  Promise.resolve()
    .then(() => packageVsixes({ targets: targetsFromArgs(process.argv.slice(2)), skipBuild: process.argv.includes('--skip-build') }))
    .catch(e => { console.error(`[package] FAILED: ${e.message}`); process.exit(1); });
}
