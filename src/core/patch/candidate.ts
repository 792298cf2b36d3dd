/**
 * Patch candidates in the three shapes a model writes them, turned into new file texts, or into a verdict that says
 * why not (ErrorInfo `patch_format` for text that is not a patch, `patch_apply` for a patch that does not fit the
 * current files):
 *  - SWE-RL search/replace blocks (```` ```lang\n### path\n<<<<<<< SEARCH\n...\n=======\n...\n>>>>>>> REPLACE\n``` ````),
 *    applied with SWE-RL's own rules (search anchored at a line start, every occurrence replaced);
 *  - unified diffs (git or plain), parsed and applied with the `diff` package (jsdiff), line endings converted;
 *  - a whole-file rewrite: the code (first fenced block, or the whole text) replaces the selection or the file.
 */
import { applyPatch, parsePatch, type StructuredPatch, type StructuredPatchHunk } from 'diff';
import type { ErrorInfo } from '../errors';
import { DEFAULT_PATCH_LIMITS, limitError, type PatchLimits } from './limits';
import { applyCodeChange, findSearchReplaceBlocks, FormatError, getOwn, hasSwerlTags, newFiles, parseSearchReplaceAnswer } from './swerl';

export type CandidateFormat = 'search-replace' | 'unified-diff' | 'whole-file';

/** The region a whole-file rewrite replaces: UTF-16 offsets into `files[path]`. */
export interface Selection {
  path: string;
  start: number;
  end: number;
}

export interface PatchContext {
  /** path -> current text (workspace-relative paths, "/" separators). Read as own properties only. */
  files: Record<string, string>;
  selection?: Selection;
  /** Paths whose file is binary (NUL bytes or invalid UTF-8): never patched, whatever the format. */
  binary?: ReadonlySet<string>;
  /** Paths the caller refused after resolving them (a link that leaves the root, a file over a size limit). */
  refused?: ReadonlyMap<string, ErrorInfo>;
  /** Size bounds (default DEFAULT_PATCH_LIMITS). */
  limits?: Pick<PatchLimits, 'maxHunkLines' | 'maxFileLines'>;
  /** Work budget check, called in the loops that grow with the input (throws to stop). */
  check?: () => void;
}

export interface ApplyOptions {
  /** SWE-RL's strict output format: <think>…</think><solution>…</solution> required around search/replace blocks. */
  requireThinkSolution?: boolean;
}

export type FileStatus = 'modified' | 'added' | 'deleted' | 'renamed';

export interface FileChange {
  path: string;
  /** For renames: the path the text came from. */
  oldPath?: string;
  status: FileStatus;
  before: string | null;
  after: string | null;
}

export type ApplyResult =
  | { ok: true; format: CandidateFormat; changes: FileChange[]; notes: string[] }
  | { ok: false; format: CandidateFormat | null; error: ErrorInfo; notes: string[] };

const fail = (format: CandidateFormat | null, code: 'patch_format' | 'patch_apply' | 'path_outside_root' | 'limit_exceeded', message: string, notes: string[] = []): ApplyResult => ({
  ok: false,
  format,
  error: { code, message },
  notes,
});

/**
 * The body of the first fenced block: the opening fence line, then the body up to the newline before a closing
 * fence at a line start ("```\n```" is an empty body). The body's last newline belongs to the fence, so a blank last
 * line of code survives ("a\n\n```" is "a\n"); with `crlf`, a "\r" before that newline goes with it. This is the
 * regex /```[^\n]*\n([\s\S]*?)\r?\n```|```[^\n]*\n()```/ without its quadratic backtracking on many unclosed fences.
 */
export function firstFence(text: string, crlf = true): string | null {
  let nl = -1;
  let closeFrom = -2;
  let close = -1;
  for (let p = text.indexOf('```'); p >= 0; p = text.indexOf('```', p + 1)) {
    if (nl < p + 3) nl = text.indexOf('\n', p + 3);
    if (nl < 0) return null;
    if (closeFrom !== nl + 1) {
      closeFrom = nl + 1;
      close = text.indexOf('\n```', nl + 1);
    }
    if (close >= 0) {
      const body = text.slice(nl + 1, close);
      return crlf && body.endsWith('\r') ? body.slice(0, -1) : body;
    }
    if (text.startsWith('```', nl + 1)) return '';
  }
  return null;
}
const SR_MARKER_LINE = /^(?:<<<<<<< SEARCH|>>>>>>> REPLACE)[ \t]*\r?$/m;

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/**
 * Why a path a candidate names cannot be used (undefined: it can). Lexical only (core has no file system): the
 * worker and the extension also resolve real paths (src/node/paths.ts) before reading or writing.
 */
export function candidatePathProblem(p: string): string | undefined {
  if (p.length === 0) return 'the path is empty';
  if (p.includes('\0')) return 'the path contains a NUL character';
  if (/[\x00-\x1f\x7f]/.test(p)) return 'the path contains a control character';
  if (p.startsWith('/') || p.startsWith('\\') || /^[A-Za-z]:/.test(p) || p.startsWith('~')) return 'the path is absolute';
  const parts = p.split(/[\\/]+/);
  // Windows strips trailing dots and spaces from a name (".git." is ".git", ".. " is ".."), reads "name:stream" as
  // a stream of "name" (".git::$INDEX_ALLOCATION" is the folder itself), and knows .git by its 8.3 name GIT~1 too.
  // Such names are refused everywhere: a patch accepted on Linux may be applied again on Windows.
  const dotsOnly = (x: string) => /^[. ]+$/.test(x) && (x.match(/\./g) ?? []).length >= 2;
  if (parts.some((x) => x === '..' || dotsOnly(x))) return 'the path goes up with ".."';
  const base = (x: string) => x.split(':')[0]!.replace(/[. ]+$/, '').toLowerCase();
  if (parts.some((x) => x.toLowerCase() === '.git' || base(x) === '.git' || /^git~\d+$/.test(base(x)))) return 'the path is inside .git';
  return undefined;
}

function pathFail(format: CandidateFormat, p: string, problem: string): ApplyResult {
  return fail(format, 'path_outside_root', `${JSON.stringify(p)}: ${problem}; paths must stay inside the root`);
}

/** The verdict for a path a candidate names, or null when it may be used. */
function pathVerdict(format: CandidateFormat, ctx: PatchContext, p: string): ApplyResult | null {
  const problem = candidatePathProblem(p);
  if (problem) return pathFail(format, p, problem);
  const refused = ctx.refused?.get(p);
  if (refused) return fail(format, refused.code as 'path_outside_root', refused.message);
  return null;
}

const BINARY_NOTE = 'binary file (NUL bytes or invalid UTF-8): patches apply to text files only';

function isBinary(ctx: PatchContext, p: string): boolean {
  if (ctx.binary?.has(p)) return true;
  const t = getOwn(ctx.files, p);
  return t !== undefined && t.includes('\0');
}

function countLines(t: string): number {
  let n = 1;
  for (let i = t.indexOf('\n'); i >= 0; i = t.indexOf('\n', i + 1)) n++;
  return n;
}

/** maxFileLines over every text a change reads or writes; the verdict for the first file over it. */
function checkFileLines(format: CandidateFormat, changes: readonly FileChange[], ctx: PatchContext): ApplyResult | null {
  const max = (ctx.limits ?? DEFAULT_PATCH_LIMITS).maxFileLines;
  for (const c of changes) {
    for (const t of [c.before, c.after]) {
      if (t !== null && t.length > max && countLines(t) > max) return fail(format, 'limit_exceeded', limitError('maxFileLines', max, `${c.path}: ${countLines(t)} lines`).message);
    }
  }
  return null;
}

/**
 * Which of the three shapes the text is: a block SWE-RL's regex reads, else a unified diff (headers or hunks at line
 * starts), else anything SWE-RL-like (a tag, a marker line, trailing spaces included) is judged as a malformed
 * search/replace answer (-1, as the reference does) instead of being written into the file, else a whole-file rewrite.
 * Known ambiguity: a whole-file answer whose code itself holds such lines (tags, markers, diff headers) is not read
 * as a whole-file answer.
 */
export function detectFormat(text: string): CandidateFormat {
  if (findSearchReplaceBlocks(text, 1).length > 0) return 'search-replace';
  if (/^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@/m.test(text) || (/^--- \S/m.test(text) && /^\+\+\+ \S/m.test(text)) || /^diff --git /m.test(text)) return 'unified-diff';
  if (hasSwerlTags(text) || SR_MARKER_LINE.test(text) || /^### [^\n]*\n<<<<<<< SEARCH/m.test(text)) return 'search-replace';
  return 'whole-file';
}

/** Turns a candidate into file changes against `ctx.files`, or a verdict. */
export function applyCandidate(text: string, ctx: PatchContext, opts: ApplyOptions = {}): ApplyResult {
  // SWE-RL's strict format: whatever the shape, only a tagged search/replace answer is read (the rest is -1 there).
  if (opts.requireThinkSolution) return applySearchReplace(text, ctx, opts);
  const format = detectFormat(text);
  switch (format) {
    case 'search-replace':
      return applySearchReplace(text, ctx, opts);
    case 'unified-diff':
      return applyUnifiedDiff(text, ctx);
    case 'whole-file':
      return applyWholeFile(text, ctx);
  }
}

function changesFrom(ctx: PatchContext, after: Record<string, string>): FileChange[] {
  return Object.keys(after)
    .filter((p) => getOwn(ctx.files, p) !== after[p])
    .map((path) => {
      const before = getOwn(ctx.files, path);
      return { path, status: before !== undefined ? 'modified' : 'added', before: before ?? null, after: after[path]! };
    });
}

function srFormatFail(text: string, e: FormatError): ApplyResult {
  // SWE-RL calls every one of these a format error (reward -1); the verdict tells a missing search text apart.
  const m = e.message;
  if (m.startsWith('Search block not found')) return fail('search-replace', 'patch_apply', `search text not found in the file: ${JSON.stringify(m.slice('Search block not found in the code: \n'.length).slice(0, 200))}`);
  const hint = m === 'No valid search blocks found' ? noBlocksHint(text) : '';
  return fail('search-replace', 'patch_format', m + hint);
}

function applySearchReplace(text: string, ctx: PatchContext, opts: ApplyOptions): ApplyResult {
  const parsed = parseSearchReplaceAnswer(text, opts.requireThinkSolution === true);
  if (!parsed.ok) return srFormatFail(text, parsed.error);
  for (const [p, list] of parsed.edits) {
    const v = pathVerdict('search-replace', ctx, p);
    if (v) return v;
    if (isBinary(ctx, p)) return fail('search-replace', 'patch_apply', `${p}: ${BINARY_NOTE}`);
    // SWE-RL's regex reads several edits inside one fenced block as ONE edit whose replace text carries the other
    // edits' markers (it would paste them into the file): its similarity is computed that way, but it does not apply.
    const k = list.findIndex((e) => SR_MARKER_LINE.test(e.search) || SR_MARKER_LINE.test(e.replace));
    if (k >= 0) {
      return fail(
        'search-replace',
        'patch_format',
        `${p}: edit ${k + 1} has SEARCH/REPLACE marker lines inside its text: several edits in one fenced block are read as one edit by SWE-RL; put each edit in its own fenced block`,
      );
    }
  }
  let after: Record<string, string>;
  try {
    after = applyCodeChange(ctx.files, parsed.edits, ctx.check);
  } catch (e) {
    if (e instanceof FormatError) return srFormatFail(text, e);
    throw e;
  }
  const changes = changesFrom(ctx, after);
  return checkFileLines('search-replace', changes, ctx) ?? { ok: true, format: 'search-replace', changes, notes: [] };
}

/** Why SWE-RL's regex found no block, for the verdict (the reward is -1 either way). */
function noBlocksHint(text: string): string {
  if (/^(?:<<<<<<< SEARCH|=======|>>>>>>> REPLACE)[ \t]+\r?$/m.test(text)) return ': a marker line has trailing spaces';
  if (/\r\n/.test(text)) return ': the block has CRLF line endings (SWE-RL reads LF only)';
  return ': each edit is ```, "### path", <<<<<<< SEARCH, the lines, =======, the new lines, >>>>>>> REPLACE, ``` (one fenced block per edit)';
}

function stripPrefix(name: string | undefined, prefix: 'a/' | 'b/', files: Record<string, string>): string | null {
  if (name === undefined) return null;
  const n = name.replace(/\t.*$/, '').trim();
  if (n === '/dev/null') return null;
  if (n.startsWith(prefix) && !hasOwn(files, n)) return n.slice(2);
  return n;
}

const lineOf = (s: string) => s.replace(/\r$/, '');

/** Why a hunk does not fit: the first context/removed line that differs at the stated position. */
function explainHunk(source: string, h: StructuredPatchHunk, check?: () => void): string {
  const lines = source.split('\n').map(lineOf);
  const old = h.lines.filter((l) => l[0] === ' ' || l[0] === '-').map((l) => lineOf(l.slice(1)));
  const at = Math.min(Math.max(0, h.oldStart - 1), lines.length);
  const anywhere = old.length === 0 ? -1 : lines.findIndex((_, i) => (check?.(), old.every((o, k) => lines[i + k] === o)));
  if (anywhere >= 0) return `its lines occur at line ${anywhere + 1} but cannot be placed after the previous hunk`;
  for (let k = 0; k < old.length; k++) {
    if (lines[at + k] !== old[k]) {
      const found = at + k < lines.length ? JSON.stringify(lines[at + k]!.slice(0, 120)) : 'end of file';
      return `line ${at + k + 1}: patch expects ${JSON.stringify(old[k]!.slice(0, 120))}, file has ${found}`;
    }
  }
  return 'its context does not match the file';
}

function hunkHeader(h: StructuredPatchHunk): string {
  return `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`;
}

/** Hunk positions that differ from their headers (jsdiff moves hunks silently; the verdict says so). */
function offsetNotes(path: string, source: string, hunks: StructuredPatchHunk[], check?: () => void): string[] {
  const lines = source.split('\n').map(lineOf);
  const notes: string[] = [];
  let from = 0;
  hunks.forEach((h, n) => {
    const old = h.lines.filter((l) => l[0] === ' ' || l[0] === '-').map((l) => lineOf(l.slice(1)));
    if (old.length === 0) return;
    let best = -1;
    for (let i = from; i + old.length <= lines.length; i++) {
      check?.();
      if (old.every((o, k) => lines[i + k] === o) && (best < 0 || Math.abs(i + 1 - h.oldStart) < Math.abs(best + 1 - h.oldStart))) best = i;
    }
    if (best >= 0 && best + 1 !== h.oldStart) notes.push(`${path}: hunk ${n + 1} (${hunkHeader(h)}) applied at line ${best + 1}, not at line ${h.oldStart}`);
    if (best >= 0) from = best + old.length;
  });
  return notes;
}

/**
 * The diff inside a fenced answer ("Here is the patch:\n```diff\n...\n```"), or the text itself when its own diff
 * lines come before any fence (a diff of a Markdown file holds fences of its own, as context lines).
 */
function extractDiffText(text: string): string {
  const fence = text.indexOf('```');
  if (fence < 0) return text;
  const firstDiffLine = text.search(/^(?:diff --git |--- |\+\+\+ |@@ -)/m);
  if (firstDiffLine >= 0 && firstDiffLine < fence) return text;
  const body = firstFence(text.slice(fence), false);
  return body !== null && /^@@ /m.test(body) ? body + '\n' : text;
}

/**
 * The patch with hunk start lines clamped to the file: jsdiff searches for a hunk outward from its stated line one
 * line at a time, so `@@ -99999999999999999999,1 ...` would walk 10^20 positions. The notes keep the stated line.
 */
function clampHunks(p: StructuredPatch, source: string): StructuredPatch {
  const n = countLines(source) + 1;
  if (p.hunks.every((h) => h.oldStart <= n)) return p;
  return { ...p, hunks: p.hunks.map((h) => (h.oldStart <= n ? h : { ...h, oldStart: n })) };
}

function applyUnifiedDiff(text: string, ctx: PatchContext): ApplyResult {
  const diffText = extractDiffText(text);
  let patches: StructuredPatch[];
  try {
    patches = parsePatch(diffText);
  } catch (e) {
    return fail('unified-diff', 'patch_format', `malformed unified diff: ${(e as Error).message}`);
  }
  patches = patches.filter((p) => p.hunks.length > 0 || p.isBinary || p.isRename || p.isCreate || p.isDelete || p.oldFileName !== undefined);
  if (patches.length === 0) return fail('unified-diff', 'patch_format', 'no hunks found in the unified diff');
  if (/^GIT binary patch$/m.test(diffText) || patches.some((p) => p.isBinary)) {
    const p = patches.find((x) => x.isBinary) ?? patches[0]!;
    return fail('unified-diff', 'patch_format', `binary patch for ${stripPrefix(p.newFileName, 'b/', ctx.files) ?? stripPrefix(p.oldFileName, 'a/', ctx.files) ?? 'a file'}: only text patches can be applied`);
  }
  const maxHunk = (ctx.limits ?? DEFAULT_PATCH_LIMITS).maxHunkLines;
  for (const p of patches) {
    for (const h of p.hunks) {
      if (h.lines.length > maxHunk) return fail('unified-diff', 'limit_exceeded', limitError('maxHunkLines', maxHunk, `hunk ${hunkHeader(h)}: ${h.lines.length} lines`).message);
      if (!Number.isSafeInteger(h.oldStart) || !Number.isSafeInteger(h.newStart)) return fail('unified-diff', 'patch_format', `hunk header ${hunkHeader(h)}: the line number is too large`);
    }
  }
  const result = Object.create(null) as Record<string, string | null>;
  const changes: FileChange[] = [];
  const notes: string[] = [];
  const known = Object.keys(ctx.files);
  for (const p of patches) {
    let oldPath = stripPrefix(p.oldFileName, 'a/', ctx.files);
    let newPath = stripPrefix(p.newFileName, 'b/', ctx.files);
    const isCreate = p.isCreate || (p.oldFileName?.trim() === '/dev/null');
    const isDelete = p.isDelete || (p.newFileName?.trim() === '/dev/null');
    if (p.oldFileName === undefined && p.newFileName === undefined) {
      // A hunk-only diff: it can only mean the selection's file or the only file given.
      const only = ctx.selection?.path ?? (known.length === 1 ? known[0]! : null);
      if (!only) return fail('unified-diff', 'patch_format', 'the diff has no ---/+++ file headers and more than one file is open: cannot tell which file it patches');
      oldPath = newPath = only;
    }
    const sourcePath = isCreate ? null : oldPath;
    const targetPath = isDelete ? null : newPath;
    for (const q of [sourcePath, targetPath]) {
      const v = q === null ? null : pathVerdict('unified-diff', ctx, q);
      if (v) return v;
    }
    if (sourcePath === null && targetPath === null) return fail('unified-diff', 'patch_format', 'a file header names /dev/null on both sides');
    let source = '';
    if (sourcePath !== null) {
      if (isBinary(ctx, sourcePath)) return fail('unified-diff', 'patch_apply', `${sourcePath}: ${BINARY_NOTE}`);
      const cur = hasOwn(result, sourcePath) ? result[sourcePath] : getOwn(ctx.files, sourcePath);
      if (cur === undefined || cur === null) return fail('unified-diff', 'patch_apply', `${sourcePath}: the diff patches a file that is not in the workspace`);
      source = cur;
    } else if (targetPath !== null && getOwn(ctx.files, targetPath) !== undefined) {
      return fail('unified-diff', 'patch_apply', `${targetPath}: the diff creates a file that already exists`);
    }
    let after: string | null;
    if (targetPath === null) {
      after = null;
    } else if (p.hunks.length === 0) {
      after = source;
    } else {
      ctx.check?.();
      const out = applyPatch(source, clampHunks(p, source), { fuzzFactor: 0, autoConvertLineEndings: true });
      if (out === false) {
        const label = sourcePath ?? targetPath;
        const failing = firstFailingHunk(source, p);
        const h = p.hunks[failing]!;
        return fail('unified-diff', 'patch_apply', `${label}: hunk ${failing + 1} of ${p.hunks.length} (${hunkHeader(h)}) does not apply: ${explainHunk(source, h, ctx.check)}`, notes);
      }
      after = out;
      notes.push(...offsetNotes(targetPath, source, p.hunks, ctx.check));
    }
    if (sourcePath !== null && targetPath !== sourcePath) result[sourcePath] = null;
    if (targetPath !== null) result[targetPath] = after;
    const status: FileStatus = sourcePath === null ? 'added' : targetPath === null ? 'deleted' : sourcePath !== targetPath ? 'renamed' : 'modified';
    const path = targetPath ?? sourcePath!;
    const change: FileChange = { path, status, before: sourcePath === null ? null : source, after };
    if (status === 'renamed') change.oldPath = sourcePath!;
    changes.push(change);
  }
  const kept = changes.filter((c) => c.before !== c.after || c.status !== 'modified');
  return checkFileLines('unified-diff', kept, ctx) ?? { ok: true, format: 'unified-diff', changes: kept, notes };
}

/** Index of the first hunk that does not apply on its own, hunk by hunk (for the verdict). */
function firstFailingHunk(source: string, p: StructuredPatch): number {
  let text = source;
  for (let i = 0; i < p.hunks.length; i++) {
    const out = applyPatch(text, clampHunks({ ...p, hunks: [p.hunks[i]!] }, text), { fuzzFactor: 0, autoConvertLineEndings: true });
    if (out === false) return i;
    text = out;
  }
  return p.hunks.length - 1;
}

/**
 * The new text of a region from a whole-file answer. Fenced: the body's lines, with the region's own line ending
 * style (a CRLF fence leaves no stray "\r") and its final line ending. Unfenced: the text, given the region's final
 * line ending when it has none.
 */
function rewriteOf(text: string, region: string, file = region): string {
  const fenced = firstFence(text);
  const eol = region.endsWith('\r\n') ? '\r\n' : region.endsWith('\n') ? '\n' : '';
  if (fenced === null) return eol && !text.endsWith('\n') ? text + eol : text;
  let body = fenced.replace(/\r\n/g, '\n');
  if (file.includes('\r\n')) body = body.replace(/\n/g, '\r\n');
  return body + eol;
}

function applyWholeFile(text: string, ctx: PatchContext): ApplyResult {
  const code = firstFence(text) ?? text;
  if (code.trim() === '') return fail('whole-file', 'patch_format', 'the candidate is empty: no code to put in place');
  const sel = ctx.selection;
  const known = Object.keys(ctx.files);
  if (sel) {
    const v = pathVerdict('whole-file', ctx, sel.path);
    if (v) return v;
    const before = getOwn(ctx.files, sel.path);
    if (before === undefined) return fail('whole-file', 'patch_apply', `${sel.path}: the selection's file is not among the given files`);
    if (isBinary(ctx, sel.path)) return fail('whole-file', 'patch_apply', `${sel.path}: ${BINARY_NOTE}`);
    if (sel.start < 0 || sel.end > before.length || sel.start > sel.end) return fail('whole-file', 'patch_apply', `${sel.path}: the selection ${sel.start}-${sel.end} lies outside the file (${before.length} characters)`);
    const after = before.slice(0, sel.start) + rewriteOf(text, before.slice(sel.start, sel.end), before) + before.slice(sel.end);
    const changes: FileChange[] = after === before ? [] : [{ path: sel.path, status: 'modified', before, after }];
    return checkFileLines('whole-file', changes, ctx) ?? { ok: true, format: 'whole-file', changes, notes: [] };
  }
  if (known.length !== 1) return fail('whole-file', 'patch_format', `not a diff or search/replace blocks, and ${known.length === 0 ? 'no file is' : 'several files are'} given: a whole-file rewrite needs exactly one file or a selection`);
  const path = known[0]!;
  const v = pathVerdict('whole-file', ctx, path);
  if (v) return v;
  if (isBinary(ctx, path)) return fail('whole-file', 'patch_apply', `${path}: ${BINARY_NOTE}`);
  const before = getOwn(ctx.files, path)!;
  const after = rewriteOf(text, before);
  const changes: FileChange[] = after === before ? [] : [{ path, status: 'modified', before, after }];
  return checkFileLines('whole-file', changes, ctx) ?? { ok: true, format: 'whole-file', changes, notes: [] };
}

/** path -> text after the change (deleted files absent), over the given files: SWE-RL's "new content" map. */
export function newContentOf(changes: readonly FileChange[]): Record<string, string> {
  const out = newFiles();
  for (const c of changes) {
    if (c.after !== null) out[c.path] = c.after;
    // A deletion or the old side of a rename is a change to "" for SWE-RL's normalised diff.
    if (c.after === null) out[c.path] = '';
    if (c.oldPath !== undefined) out[c.oldPath] = '';
  }
  return out;
}

/** Paths a candidate names (before applying it), so that a caller can load the files it needs. */
export function referencedPaths(text: string, selection?: Selection | null): string[] {
  const out = new Set<string>();
  if (selection) out.add(selection.path);
  const format = detectFormat(text);
  if (format === 'search-replace') {
    for (const m of text.matchAll(/^### ([^\n]*)\n<<<<<<< SEARCH$/gm)) out.add(m[1]!);
  } else if (format === 'unified-diff') {
    for (const m of text.matchAll(/^(?:---|\+\+\+) ([^\t\r\n]+)/gm)) {
      const n = m[1]!.trim();
      if (n === '/dev/null') continue;
      out.add(n);
      if (n.startsWith('a/') || n.startsWith('b/')) out.add(n.slice(2));
    }
    for (const m of text.matchAll(/^(?:rename|copy) from ([^\r\n]+)/gm)) out.add(m[1]!);
  }
  return [...out];
}
