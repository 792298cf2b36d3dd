/**
 * tree-sitter's WebAssembly build (web-tree-sitter) in the worker: the runtime is initialised on first use and each
 * grammar is loaded the first time a file of its language is checked (a few ms to ~50 ms each), then kept. Parsing
 * itself is synchronous, so the `SyntaxChecker` port stays synchronous once `loadGrammars` has resolved.
 *
 * A text "parses" when its tree has no ERROR and no MISSING node (tree-sitter's error recovery inserts MISSING for a
 * token it had to assume, wraps what it had to skip in ERROR). Every such node counts once: nested errors inside an
 * ERROR node are one region, not several.
 */
import * as fs from 'node:fs';
import type * as WTS from 'web-tree-sitter';
import { assetPath } from '../assets';
import { GRAMMARS, type LanguageId } from './languages';

/** Where a syntax error is, 1-based like an editor, with what tree-sitter saw there. */
export interface SyntaxErrorSite {
  line: number;
  column: number;
  /** `missing` when the parser had to assume a token (`")"`), `unexpected` when it had to skip text. */
  kind: 'missing' | 'unexpected';
  /** The missing token's type, or the start of the skipped text (one line, at most 40 characters). */
  node: string;
}

export interface SyntaxScan {
  /** ERROR and MISSING nodes in the tree (0: the text parses). */
  errors: number;
  /**
   * The first of them in document order; for a text checked as an edit of an already broken base (`scanEdited`),
   * the first one the edit added, when it can tell (the message then points at the candidate's mistake).
   */
  first: SyntaxErrorSite | null;
}

type Runtime = typeof WTS;

let runtime: Promise<Runtime> | null = null;
let runtimeLoaded: Runtime | null = null;
const grammars = new Map<LanguageId, Promise<WTS.Parser>>();
const ready = new Map<LanguageId, WTS.Parser>();

function loadRuntime(): Promise<Runtime> {
  runtime ??= (async () => {
    // The CommonJS build (a plain require, bundled inline: ~170 KB) rather than the ESM one, whose
    // `new URL(..., import.meta.url)` would make webpack emit a second copy of the runtime's wasm.
    const mod = require('web-tree-sitter') as Runtime;
    const wasm = assetPath('tree-sitter/web-tree-sitter.wasm', 'node_modules/web-tree-sitter/web-tree-sitter.wasm');
    await mod.Parser.init({ locateFile: () => wasm });
    runtimeLoaded = mod;
    return mod;
  })();
  return runtime;
}

function loadGrammar(id: LanguageId): Promise<WTS.Parser> {
  let p = grammars.get(id);
  if (!p) {
    p = (async () => {
      const mod = await loadRuntime();
      const info = GRAMMARS[id];
      const language = await mod.Language.load(fs.readFileSync(assetPath(`tree-sitter/${info.wasm}`, info.source)));
      const parser = new mod.Parser();
      parser.setLanguage(language);
      ready.set(id, parser);
      return parser;
    })();
    // A failed load is not cached: the next request tries again (and reports the same error if it is permanent).
    p.catch(() => grammars.delete(id));
    grammars.set(id, p);
  }
  return p;
}

/** Loads the grammars (and the runtime) the given languages need; resolves when all can parse synchronously. */
export async function loadGrammars(ids: Iterable<LanguageId>): Promise<void> {
  await Promise.all([...new Set(ids)].map(loadGrammar));
}

/** The parser for a language whose grammar `loadGrammars` has loaded, else null. */
export function loadedParser(id: LanguageId): WTS.Parser | null {
  return ready.get(id) ?? null;
}

function site(n: WTS.Node): SyntaxErrorSite {
  const { row, column } = n.startPosition;
  if (n.isMissing) return { line: row + 1, column: column + 1, kind: 'missing', node: n.type };
  const text = n.text.split('\n', 1)[0]!.trim();
  return { line: row + 1, column: column + 1, kind: 'unexpected', node: text.length > 40 ? `${text.slice(0, 40)}...` : text };
}

/** Error sites kept per tree to tell an edit's new errors from the base's own (more are counted, not kept). */
const MAX_SITES = 200;

/** ERROR and MISSING nodes under `root`, visiting only subtrees that contain one (a clean tree costs one check). */
function collect(root: WTS.Node): { errors: number; sites: SyntaxErrorSite[] } {
  let errors = 0;
  const sites: SyntaxErrorSite[] = [];
  const stack: WTS.Node[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.isError || n.isMissing) {
      errors++;
      if (sites.length < MAX_SITES) sites.push(site(n));
      continue;
    }
    if (!n.hasError) continue;
    const kids = n.children;
    for (let i = kids.length - 1; i >= 0; i--) {
      const k = kids[i];
      if (k) stack.push(k);
    }
  }
  return { errors, sites };
}

export function scanTree(root: WTS.Node): SyntaxScan {
  const { errors, sites } = collect(root);
  return { errors, first: sites[0] ?? null };
}

/**
 * Parses `text` with a loaded grammar (optionally only `ranges` of it: Markdown code blocks) and scans the tree.
 * The tree is freed before returning (it lives in the wasm heap, not the JS one).
 */
export function scanText(parser: WTS.Parser, text: string, ranges?: WTS.Range[]): SyntaxScan {
  const tree = parser.parse(text, null, ranges ? { includedRanges: ranges } : undefined);
  if (!tree) throw new Error('tree-sitter returned no tree');
  try {
    return scanTree(tree.rootNode);
  } finally {
    tree.delete();
  }
}

/** Position (0-based row, UTF-16 column, as web-tree-sitter counts) of `index` in `text`. */
function pointAt(text: string, index: number): WTS.Point {
  const nl = text.lastIndexOf('\n', index - 1);
  let row = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) row++;
  return { row, column: index - (nl + 1) };
}

export type EditSpan = ConstructorParameters<typeof WTS.Edit>[0];

/** The one edit that turns `from` into `to`: the span between their common prefix and common suffix. */
export function editBetween(from: string, to: string): EditSpan {
  const max = Math.min(from.length, to.length);
  let start = 0;
  while (start < max && from.charCodeAt(start) === to.charCodeAt(start)) start++;
  let tail = 0;
  while (tail < max - start && from.charCodeAt(from.length - 1 - tail) === to.charCodeAt(to.length - 1 - tail)) tail++;
  const oldEnd = from.length - tail;
  const newEnd = to.length - tail;
  return { startIndex: start, oldEndIndex: oldEnd, newEndIndex: newEnd, startPosition: pointAt(from, start), oldEndPosition: pointAt(from, oldEnd), newEndPosition: pointAt(to, newEnd) };
}

// Trees of the files candidates edit, kept for incremental re-parsing: a candidate's text is the file with a few
// lines changed, and tree-sitter re-parses only around the edit (a few ms instead of a full parse of 2,000 lines).
// Bounded, least recently used first out; a tree lives in the wasm heap, so an evicted one is deleted.
const BASE_TREES = 8;
const baseTrees = new Map<string, WTS.Tree>();

function baseTree(parser: WTS.Parser, language: LanguageId, text: string): WTS.Tree {
  const key = `${language}\u0000${text}`;
  let tree = baseTrees.get(key);
  if (tree) baseTrees.delete(key);
  else {
    tree = parser.parse(text) ?? undefined;
    if (!tree) throw new Error('tree-sitter returned no tree');
  }
  baseTrees.set(key, tree);
  if (baseTrees.size > BASE_TREES) {
    const [oldest, old] = baseTrees.entries().next().value as [string, WTS.Tree];
    baseTrees.delete(oldest);
    old.delete();
  }
  return tree;
}

/**
 * `scanText` for a text that is an edit of `base` (a file and a candidate's version of it): the base's tree is
 * parsed once and kept, and the text is parsed incrementally from it. Same verdict as a full parse.
 */
export function scanEdited(parser: WTS.Parser, language: LanguageId, text: string, base: string): SyntaxScan {
  const old = baseTree(parser, language, base);
  if (text === base) return scanTree(old.rootNode);
  const edited = old.copy();
  let tree: WTS.Tree | null = null;
  try {
    // A parser exists only once the runtime is loaded, so runtimeLoaded is set here.
    edited.edit(new runtimeLoaded!.Edit(editBetween(base, text)));
    tree = parser.parse(text, edited);
    if (!tree) throw new Error('tree-sitter returned no tree');
    if (!old.rootNode.hasError) return scanTree(tree.rootNode);
    return { ...scanTree(tree.rootNode), first: firstNewSite(collect(old.rootNode).sites, collect(tree.rootNode).sites, editBetween(base, text)) };
  } finally {
    tree?.delete();
    edited.delete();
  }
}

/**
 * The first site of the edited text with no counterpart in the base (same kind, node and column, on the same line
 * once lines after the edit are shifted back): the error the edit introduced. Falls back to the first site.
 */
function firstNewSite(before: SyntaxErrorSite[], after: SyntaxErrorSite[], edit: EditSpan): SyntaxErrorSite | null {
  const key = (s: SyntaxErrorSite, line: number) => `${line}:${s.column}:${s.kind}:${s.node}`;
  const known = new Set(before.map((s) => key(s, s.line)));
  const shift = edit.newEndPosition.row - edit.oldEndPosition.row;
  for (const s of after) {
    const row = s.line - 1;
    const inBase = row < edit.startPosition.row ? s.line : row > edit.newEndPosition.row ? s.line - shift : null;
    if (inBase === null || !known.has(key(s, inBase))) return s;
  }
  return after[0] ?? null;
}

/** A site as the one-line message the syntax reward shows (`line 3:14: missing ")" (python)`). */
export function describe(s: SyntaxErrorSite, language: string): string {
  const what = s.kind === 'missing' ? `missing ${JSON.stringify(s.node)}` : `syntax error at ${JSON.stringify(s.node)}`;
  return `line ${s.line}:${s.column}: ${what} (${language})`;
}
