// Layer boundaries (../shared/STYLE.md) enforced by lint zones, as vscode-copilot-chat does, plus the compiler
// (src/core/tsconfig.json has "types": []). Floating promises are errors; deliberate fire-and-forget says `void`.
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = ['fs', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'http', 'https', 'net', 'url', 'util', 'stream', 'events', 'zlib', 'readline', 'process', 'buffer', 'assert', 'module', 'vm'];
const nodeOnly = [...NODE_BUILTINS, ...NODE_BUILTINS.map((m) => `${m}/*`), 'node:*', 'onnxruntime-node', 'onnxruntime-common', 'sql.js', 'vega', 'vega-lite', '@resvg/*', '@huggingface/tokenizers'];

const restrict = (patterns, message) => ['error', { patterns: [{ group: patterns, message }] }];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-host/**', 'build/**', 'fixtures/**', 'test-output/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts'],
    languageOptions: { parserOptions: { project: ['./tsconfig.json', './src/webview/tsconfig.json'], tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(['vscode', ...nodeOnly, '**/worker/**', '**/extension/**', '**/webview/**', '**/cli/**'], 'src/core is pure TypeScript: no vscode, Node, onnxruntime or sql.js, and no imports from outer layers.') },
  },
  {
    files: ['src/extension/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(['**/worker/**', '**/cli/**', '**/webview/**'], 'The extension host talks to the worker only through src/node (WorkerClient) and the typed protocol; worker code runs in the child process.') },
  },
  {
    files: ['src/worker/**/*.ts', 'src/cli/**/*.ts', 'src/node/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(['vscode', '**/extension/**', '**/webview/**'], 'Only src/extension may import vscode; the worker, src/node and the CLI never depend on the extension or the panel.') },
  },
  {
    files: ['src/node/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(['vscode', '**/extension/**', '**/webview/**', '**/worker/**', '**/cli/**'], 'src/node is shared by the extension host and the CLI: it may use core and Node, never the worker\'s internals (those run in the child process).') },
  },
  {
    files: ['src/webview/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(['vscode', ...nodeOnly, '**/worker/**', '**/extension/**', '**/cli/**'], 'The webview is browser code: it imports only src/core (protocol and pure types).') },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }], '@typescript-eslint/no-require-imports': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
