// @ts-check
'use strict';
/**
 * One bundle per runtime: extension host (node, `vscode` external), worker child process (node, onnxruntime-node
 * external: it ships native binaries, copied per platform by scripts/package.mjs), CLI (node), review panel (web).
 * Output: dist/ (or `--env outDir=...`); the panel gets its own folder, dist/webview/ (script and stylesheet), the
 * only folder the panel may load resources from (its `localResourceRoots`). Everything that ships is under dist/:
 * media/ is source (the fonts are copied into dist/ once), see .vscodeignore.
 */
const path = require('path');
const CopyPlugin = require('copy-webpack-plugin');
const { BannerPlugin } = require('webpack');

/** Node bundles: name -> entry. Task code that needs its own child process adds one line here. */
const nodeEntries = {
  extension: './src/extension/extension.ts',
  worker: './src/worker/main.ts',
  cli: './src/cli/bin.ts',
  // SQL execution thread (worker_threads), resolved at run time as path.join(__dirname, 'sqlExecThread.js').
  sqlExecThread: './src/worker/sql/execThread.ts',
  // Chart renderer child process (forked with a heap cap), resolved at run time as path.join(__dirname, 'chartRenderer.js').
  chartRenderer: './src/worker/chart/rendererChild.ts',
};

/** Files copied next to the bundles in dist/ (found at run time with src/worker/assets.ts). */
const copies = [
  { from: 'node_modules/sql.js/dist/sql-wasm.wasm', to: 'sql-wasm.wasm' },
  // Chart renderer: resvg rasteriser, the fonts charts are drawn with (and their licence), the matplotlib harness.
  { from: 'node_modules/@resvg/resvg-wasm/index_bg.wasm', to: 'resvg.wasm' },
  { from: 'media/fonts/DejaVuSans.ttf', to: 'DejaVuSans.ttf' },
  { from: 'media/fonts/DejaVuSans-Bold.ttf', to: 'DejaVuSans-Bold.ttf' },
  { from: 'media/fonts/DejaVu-LICENSE.txt', to: 'DejaVu-LICENSE.txt' },
  { from: 'src/worker/chart/mpl_harness.py', to: 'mpl_harness.py' },
  { from: 'src/worker/sandbox_exec.py', to: 'sandbox_exec.py' },
  // Reward server's Python client (`reward-lens python-client --out FILE` writes it).
  { from: 'src/cli/python/reward_lens_client.py', to: 'reward_lens_client.py' },
  // Syntax port (src/worker/syntax): tree-sitter's runtime and one grammar per language, loaded on first use.
  { from: 'node_modules/web-tree-sitter/web-tree-sitter.wasm', to: 'tree-sitter/web-tree-sitter.wasm' },
  ...Object.values(require('./src/worker/syntax/grammars.json')).map(g => ({ from: g.source, to: `tree-sitter/${g.wasm}` })),
];

const tsRule = {
  test: /\.ts$/,
  exclude: /node_modules/,
  use: [{ loader: 'ts-loader', options: { transpileOnly: true, configFile: path.resolve(__dirname, 'tsconfig.base.json'), compilerOptions: { module: 'es2020', sourceMap: true, noEmit: false } } }],
};

/** @type {(env: {outDir?: string} | undefined, argv: {mode?: string}) => import('webpack').Configuration[]} */
module.exports = (env, argv) => {
  const production = argv.mode === 'production';
  const outDir = path.resolve(__dirname, env?.outDir ?? 'dist');
  /** @type {import('webpack').Configuration} */
  const node = {
    name: 'node',
    target: 'node20',
    mode: production ? 'production' : 'development',
    entry: nodeEntries,
    output: { path: outDir, filename: '[name].js', libraryTarget: 'commonjs2', devtoolModuleFilenameTemplate: '../[resource-path]' },
    devtool: 'source-map',
    // esbuild is only used when running from source (tests); canvas is vega's optional native renderer (not shipped).
    externals: { vscode: 'commonjs vscode', 'onnxruntime-node': 'commonjs onnxruntime-node', esbuild: 'commonjs esbuild', canvas: 'commonjs canvas' },
    externalsPresets: { node: true },
    node: { __dirname: false, __filename: false },
    resolve: { extensions: ['.ts', '.js', '.mjs', '.json'] },
    // sql.js sets `module = undefined` to stop Emscripten's own export; webpack would fold `typeof module` to a
    // constant and crash. Left unparsed, the file keeps plain CommonJS semantics.
    module: { rules: [tsRule], noParse: /[\\/]sql\.js[\\/]dist[\\/]sql-wasm\.js$/ },
    optimization: { minimize: false },
    plugins: [new CopyPlugin({ patterns: copies }), new BannerPlugin({ banner: '#!/usr/bin/env node', raw: true, entryOnly: true, include: /^cli\.js$/ })],
    performance: { hints: false },
    infrastructureLogging: { level: 'warn' },
    stats: 'errors-warnings',
  };
  /** @type {import('webpack').Configuration} */
  const web = {
    name: 'webview',
    target: 'web',
    mode: production ? 'production' : 'development',
    entry: { webview: './src/webview/main.ts' },
    output: { path: path.join(outDir, 'webview'), filename: '[name].js' },
    devtool: production ? 'source-map' : 'inline-source-map',
    resolve: { extensions: ['.ts', '.js'] },
    module: { rules: [tsRule] },
    plugins: [new CopyPlugin({ patterns: [{ from: 'media/review.css', to: 'review.css' }] })],
    performance: { hints: false },
    stats: 'errors-warnings',
  };
  return [node, web];
};
