/**
 * The syntax port: one tree-sitter check for every language in languages.ts, behind core's `SyntaxChecker`
 * (synchronous, so the grammars a group needs are loaded first by `syntaxCheckerFor`). Markdown files are checked
 * through their fenced code blocks, each with the grammar its info string names.
 */
import type * as WTS from 'web-tree-sitter';
import { jsonSyntaxChecker, type SyntaxChecker } from '../../core/patch/rewards';
import { languageFor, languageForFence, type LanguageId } from './languages';
import { describe, loadedParser, loadGrammars, scanEdited, scanText, scanTree, type SyntaxScan } from './treeSitter';

/** Verdict for one text: `errors` counts ERROR/MISSING nodes, `first` is where the first one is. */
export interface SyntaxResult extends SyntaxScan {
  language: LanguageId;
  /** One line for people (`line 3:14: missing ")" (python)`); null when the text parses. */
  message: string | null;
}

// A fence opener with an info string: ```python, ~~~ rust, ```{.cpp}. Used to load the grammars a Markdown file's
// code blocks need before the synchronous check runs.
const FENCE = /^[ \t>]*(?:`{3,}|~{3,})[ \t]*([^\s`]+)/gm;

function fenceLanguages(text: string): LanguageId[] {
  const out: LanguageId[] = [];
  for (const m of text.matchAll(FENCE)) {
    const id = languageForFence(m[1]!);
    if (id) out.push(id);
  }
  return out;
}

/** The code of a fenced block: its content minus the `> ` and indentation that continue the enclosing block. */
function codeRanges(content: WTS.Node): WTS.Range[] {
  const ranges: WTS.Range[] = [];
  let startIndex = content.startIndex;
  let startPosition = content.startPosition;
  for (const c of content.children) {
    if (c?.type !== 'block_continuation') continue;
    if (c.startIndex > startIndex) ranges.push({ startIndex, endIndex: c.startIndex, startPosition, endPosition: c.startPosition });
    startIndex = c.endIndex;
    startPosition = c.endPosition;
  }
  if (content.endIndex > startIndex) ranges.push({ startIndex, endIndex: content.endIndex, startPosition, endPosition: content.endPosition });
  return ranges;
}

/**
 * Markdown: the block grammar's own errors plus those of every fenced block whose language is loaded, each block
 * parsed in place (included ranges), so positions are the Markdown file's own. `language` names where the first is.
 */
function scanMarkdown(parser: WTS.Parser, text: string): SyntaxScan & { language: LanguageId } {
  const tree = parser.parse(text);
  if (!tree) throw new Error('tree-sitter returned no tree');
  try {
    let { errors, first } = scanTree(tree.rootNode);
    let language: LanguageId = 'markdown';
    for (const block of tree.rootNode.descendantsOfType('fenced_code_block')) {
      const info = block?.children.find((c) => c?.type === 'info_string');
      const content = block?.children.find((c) => c?.type === 'code_fence_content');
      const id = info && content ? languageForFence(info.text) : null;
      const inner = id ? loadedParser(id) : null;
      const ranges = inner && content ? codeRanges(content) : [];
      if (!inner || ranges.length === 0) continue;
      const s = scanText(inner, text, ranges);
      errors += s.errors;
      if (s.first && (!first || s.first.line < first.line || (s.first.line === first.line && s.first.column < first.column))) {
        first = s.first;
        language = id!;
      }
    }
    return { errors, first, language };
  } finally {
    tree.delete();
  }
}

/**
 * Checks `text` as `language` with grammars already loaded (`loadGrammars`); null when the grammar is not loaded.
 * Synchronous: the patch reward calls it for every distinct after/before text of a group. `base`: the text this one
 * is an edit of (the file before the patch), parsed once and re-parsed incrementally.
 */
export function checkLoaded(language: LanguageId, text: string, base?: string): SyntaxResult | null {
  const parser = loadedParser(language);
  if (!parser) return null;
  if (language === 'markdown') {
    const { errors, first, language: at } = scanMarkdown(parser, text);
    return { language, errors, first, message: first ? describe(first, at) : null };
  }
  const scan = base === undefined ? scanText(parser, text) : scanEdited(parser, language, text, base);
  return { language, ...scan, message: scan.first ? describe(scan.first, language) : null };
}

/** The grammars needed to check these files (and the code blocks of their Markdown texts). */
export function grammarsFor(paths: readonly string[], texts: readonly string[] = [], languageIds?: ReadonlyMap<string, string>): Set<LanguageId> {
  const ids = new Set<LanguageId>();
  for (const p of paths) {
    const id = languageFor(p, languageIds?.get(p));
    if (id) ids.add(id);
  }
  if (ids.has('markdown')) for (const t of texts) for (const id of fenceLanguages(t)) ids.add(id);
  return ids;
}

/** Checks one file: loads its grammar (and its code blocks' grammars) on first use. null: no grammar for it. */
export async function checkSyntax(path: string, text: string, languageId?: string | null): Promise<SyntaxResult | null> {
  const language = languageFor(path, languageId);
  if (!language) return null;
  await loadGrammars(grammarsFor([path], [text], languageId ? new Map([[path, languageId]]) : undefined));
  return checkLoaded(language, text);
}

export interface SyntaxCheckerOptions {
  /** Texts that will be checked (files and candidates): Markdown code blocks' grammars are loaded from these. */
  texts?: readonly string[];
  /** VS Code's language id per path, where the editor knows it (wins over the extension). */
  languageIds?: ReadonlyMap<string, string>;
  /** The current text per path: candidates' versions of these files are parsed incrementally from it. */
  bases?: Readonly<Record<string, string>>;
}

/**
 * core's `SyntaxChecker` over tree-sitter, with the grammars for `paths` loaded. A path whose grammar was not
 * loaded (not named here) or that has none is not checked (null), as core expects of an unknown language.
 */
export async function syntaxCheckerFor(paths: readonly string[], opts: SyntaxCheckerOptions = {}): Promise<SyntaxChecker> {
  await loadGrammars(grammarsFor(paths, opts.texts, opts.languageIds));
  return (path, text) => {
    const language = languageFor(path, opts.languageIds?.get(path));
    const base = opts.bases && Object.hasOwn(opts.bases, path) ? opts.bases[path] : undefined;
    const r = language ? checkLoaded(language, text, base) : null;
    if (!r) return null;
    if (r.errors > 0) return { ok: false, message: r.message!, errors: r.errors };
    // tree-sitter's JSON grammar allows comments (JSONC); a plain .json file must also satisfy JSON.parse.
    const strict = language === 'json' ? jsonSyntaxChecker(path, text) : null;
    return strict && !strict.ok ? { ok: false, message: strict.message, errors: 1 } : { ok: true };
  };
}
