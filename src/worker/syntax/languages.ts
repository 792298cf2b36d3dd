/**
 * Which tree-sitter grammar parses a file: by VS Code's language id when the caller knows it, else by the file's
 * name (`Gemfile`, `.bashrc`) or extension. The grammars are prebuilt WebAssembly from npm, copied into
 * dist/tree-sitter/ by webpack: Microsoft's @vscode/tree-sitter-wasm (the grammars VS Code itself ships) for the 13
 * languages it has; the grammar projects' own packages, which ship their .wasm, for C, HTML, JSON, YAML and TOML; and
 * @cursorless/tree-sitter-wasms for Markdown (the only prebuilt Markdown wasm web-tree-sitter 0.27 loads). The older
 * `tree-sitter-wasms` package was tried first: its grammars (tree-sitter-cli 0.20) fail web-tree-sitter 0.25+'s
 * dylink check; cursorless' builds of CSS and C# fail valid files (`a : b` in CSS, file-scoped namespaces).
 */
import grammarFiles from './grammars.json';

export interface GrammarInfo {
  /** File in dist/tree-sitter/ (same name as in the package). */
  readonly wasm: string;
  /** Path of the file from the repository root when running from source (tests, bench). */
  readonly source: string;
}

/**
 * Every grammar the port can load (grammars.json is also read by webpack.config.js, which copies these files, and
 * by scripts/package.mjs, which checks they are packaged). Markdown's code blocks use the grammar their fence names.
 */
export const GRAMMARS: Readonly<Record<keyof typeof grammarFiles, GrammarInfo>> = grammarFiles;

export type LanguageId = keyof typeof GRAMMARS;

export const LANGUAGE_IDS = Object.keys(GRAMMARS) as LanguageId[];

// Maps keyed by text from files and requests: no prototype to inherit `constructor` or `__proto__` from.
function table(entries: Record<string, LanguageId>): Map<string, LanguageId> {
  return new Map(Object.entries(entries));
}

const BY_EXTENSION = table({
  py: 'python', pyi: 'python', pyw: 'python',
  go: 'go',
  rs: 'rust',
  java: 'java',
  c: 'c', h: 'c',
  cc: 'cpp', cpp: 'cpp', cxx: 'cpp', 'c++': 'cpp', hh: 'cpp', hpp: 'cpp', hxx: 'cpp', 'h++': 'cpp', ipp: 'cpp', tpp: 'cpp', inl: 'cpp',
  cs: 'csharp',
  rb: 'ruby', rake: 'ruby', gemspec: 'ruby', ru: 'ruby',
  php: 'php', phtml: 'php',
  sh: 'bash', bash: 'bash', zsh: 'bash', ksh: 'bash',
  yml: 'yaml', yaml: 'yaml',
  toml: 'toml',
  json: 'json', jsonc: 'json', json5: 'json', code_workspace: 'json', geojson: 'json', webmanifest: 'json',
  css: 'css',
  html: 'html', htm: 'html', xhtml: 'html',
  ts: 'typescript', mts: 'typescript', cts: 'typescript',
  tsx: 'tsx',
  js: 'javascript', mjs: 'javascript', cjs: 'javascript', jsx: 'javascript',
  md: 'markdown', markdown: 'markdown',
});

const BY_NAME = table({
  gemfile: 'ruby', rakefile: 'ruby', '.bashrc': 'bash', '.bash_profile': 'bash', '.profile': 'bash', '.zshrc': 'bash',
  'cargo.lock': 'toml', 'pipfile': 'toml',
});

/** VS Code's language identifiers (https://code.visualstudio.com/docs/languages/identifiers). */
const BY_VSCODE_ID = table({
  python: 'python', go: 'go', rust: 'rust', java: 'java', c: 'c', cpp: 'cpp', 'cuda-cpp': 'cpp', csharp: 'csharp',
  ruby: 'ruby', php: 'php', shellscript: 'bash', yaml: 'yaml', toml: 'toml', json: 'json', jsonc: 'json',
  jsonl: 'json', css: 'css', html: 'html', typescript: 'typescript', typescriptreact: 'tsx', javascript: 'javascript',
  javascriptreact: 'javascript', markdown: 'markdown',
});

/** Info strings of Markdown fences (```py) and their grammars; anything else in a fence is left unchecked. */
const BY_FENCE = table({
  ...Object.fromEntries(BY_EXTENSION),
  ...Object.fromEntries(BY_VSCODE_ID),
  python3: 'python', py3: 'python', golang: 'go', 'c#': 'csharp', shell: 'bash', node: 'javascript',
});
// Markdown inside Markdown is not worth recursing into (and fenced Markdown never has a syntax error).
BY_FENCE.delete('markdown');
BY_FENCE.delete('md');

/**
 * The grammar for a file: VS Code's language id wins when given and known (an untitled buffer, `Jenkinsfile` set
 * to groovy), then the file name, then its extension. null: no grammar (the syntax reward skips the file).
 */
export function languageFor(path: string, vscodeLanguageId?: string | null): LanguageId | null {
  if (vscodeLanguageId) {
    const byId = BY_VSCODE_ID.get(vscodeLanguageId.toLowerCase());
    if (byId) return byId;
  }
  const base = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  const byName = BY_NAME.get(base);
  if (byName) return byName;
  const dot = base.lastIndexOf('.');
  if (dot < 0) return null;
  return BY_EXTENSION.get(base.slice(dot + 1)) ?? null;
}

/** The grammar for a Markdown fence's info string (```rust ignore -> rust), or null. */
export function languageForFence(info: string): LanguageId | null {
  const word = /^[{.]*([\w+#.-]+)/.exec(info.trim())?.[1]?.toLowerCase();
  return word ? (BY_FENCE.get(word) ?? null) : null;
}
