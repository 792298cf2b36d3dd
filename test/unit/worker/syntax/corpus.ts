/**
 * Real files per language for the syntax port's tests: this repository's own files, the fixtures in
 * test/fixtures/syntax (one or more per language, so every language is always covered), and, where installed,
 * files from Debian packages on the machine (Python's standard library, vim's and zlib's C examples, git's Go and
 * shell contrib, pythran's C++ headers, ...). A few files each: the test stays fast.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { languageFor, type LanguageId } from '../../../../src/worker/syntax/languages';

export const ROOT = path.resolve(__dirname, '../../../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/syntax');

/** Files outside the repository, used when present (a fresh machine may lack some; the fixtures remain). */
const MACHINE: Partial<Record<LanguageId, string[]>> = {
  python: ['/usr/lib/python3.11/textwrap.py', '/usr/lib/python3.11/string.py', '/usr/lib/python3.11/json/decoder.py', '/usr/lib/python3.11/asyncio/locks.py', '/usr/lib/python3.11/dataclasses.py'],
  go: ['/usr/share/doc/git/contrib/persistent-https/main.go', '/usr/share/doc/git/contrib/persistent-https/proxy.go', '/usr/share/doc/git/contrib/persistent-https/socket.go'],
  c: ['/usr/share/vim/vim90/macros/maze/maze.c', '/usr/share/doc/zlib1g-dev/examples/zpipe.c', '/usr/share/doc/libstemmer0d/examples/stemwords.c', '/usr/share/doc/libjansson4/examples/json_process.c'],
  cpp: ['/usr/share/cmake-3.25/Modules/CMakeCXXCompilerABI.cpp', '/usr/lib/python3/dist-packages/numpy/core/tests/data/generate_umath_validation_data.cpp'],
  bash: ['/usr/share/dpkg/sh/dpkg-error.sh', '/usr/share/ucf/ucf_helper_functions.sh', '/usr/share/doc/git/contrib/rerere-train.sh'],
  yaml: ['/usr/share/perl/5.36.0/CPAN/Kwalify/distroprefs.yml'],
  css: ['/usr/share/gitweb/static/gitweb.css', '/usr/share/doc/python3/_static/basic.css'],
  html: ['/usr/share/doc/base-passwd/users-and-groups.html', '/usr/share/doc/libffi8/html/Multiple-ABIs.html'],
};

/** Repository files per language (relative to the root). */
const REPO: Partial<Record<LanguageId, string[]>> = {
  typescript: ['src/core/patch/rewards.ts', 'src/worker/syntax/syntaxPort.ts', 'src/core/ranking/ranking.ts', 'src/extension/extension.ts'],
  javascript: ['webpack.config.js', 'scripts/package.mjs', 'eslint.config.mjs'],
  json: ['package.json', 'tsconfig.base.json', '.mocharc.json', 'src/worker/syntax/grammars.json'],
  css: ['media/review.css'],
  markdown: ['README.md', 'docs/CONVENTIONS.md'],
  bash: ['.ci/run'],
};

export interface CorpusFile {
  /** Shown in failures: repo-relative or absolute. */
  name: string;
  text: string;
}

/** The corpus of one language: fixtures + repository files + machine files that exist. Never empty. */
export function corpus(language: LanguageId): CorpusFile[] {
  const out: CorpusFile[] = [];
  for (const f of fs.readdirSync(FIXTURES).sort()) {
    if (f !== 'README.md' && languageFor(f) === language) out.push({ name: `test/fixtures/syntax/${f}`, text: fs.readFileSync(path.join(FIXTURES, f), 'utf8') });
  }
  for (const f of REPO[language] ?? []) {
    const abs = path.join(ROOT, f);
    if (fs.existsSync(abs)) out.push({ name: f, text: fs.readFileSync(abs, 'utf8') });
  }
  for (const abs of MACHINE[language] ?? []) {
    if (fs.existsSync(abs)) out.push({ name: abs, text: fs.readFileSync(abs, 'utf8') });
  }
  if (out.length === 0) throw new Error(`no corpus for ${language}: add a fixture to test/fixtures/syntax`);
  return out;
}
