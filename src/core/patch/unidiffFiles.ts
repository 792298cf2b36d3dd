/**
 * SWE-RL's `get_filelevel_diff(patch_text)`: parse a unified diff with python-unidiff (matiasb/python-unidiff
 * 0.7.x, `unidiff/patch.py` PatchSet._parse / PatchedFile._parse_hunk) and return path -> hunk text, where each
 * hunk is rendered by `Hunk.__str__` (header re-formatted as "@@ -s,l +s,l @@", lines as written) and stripped.
 * Binary files are skipped, renames get a "rename from X to Y" header; any parse error yields {} (as SWE-RL
 * catches every exception). Only what the reward reads is reproduced: no line numbers, no metadata-only mode.
 */
import { PY_DIGIT_CLASS, pyInt } from '../pyDigits';
import { pyStrip } from './unifiedDiff';

const DEV_NULL = '/dev/null';

class UnidiffParseError extends Error {}

/** Python's `\d` in a str pattern: any Unicode decimal digit (python-unidiff's regexes read "@@ -\u0661 +1 @@"). */
const D = PY_DIGIT_CLASS;

/** Python's `int()` of a `\d+` match; throws (ValueError, which SWE-RL turns into {}) past 4,300 digits. */
function intOf(digits: string): bigint {
  const n = pyInt(digits);
  if (n === null) throw new UnidiffParseError(`ValueError: invalid literal for int(): ${digits.slice(0, 20)}`);
  return n;
}

const RE_SOURCE_FILENAME = /^--- ([^\t\n]+)(?:\t([^\n]+))?/;
const RE_TARGET_FILENAME = /^\+\+\+ ([^\t\n]+)(?:\t([^\n]+))?/;
const RE_DIFF_GIT_HEADER = /^diff --git (a\/[^\t\n]+) (b\/[^\t\n]+)/;
// Python's `.` is [^\n]: the part before "://" may hold tabs.
const RE_DIFF_GIT_HEADER_URI_LIKE = /^diff --git ([^\n]*:\/\/[^\t\n]+) ([^\n]*:\/\/[^\t\n]+)/;
const RE_DIFF_GIT_HEADER_NO_PREFIX = /^diff --git ([^\t\n]+) ([^\t\n]+)/;
// Python's `$` also matches before a final "\n".
const RE_DIFF_GIT_DELETED_FILE = new RegExp(`^deleted file mode ${D}+\\n?$`, 'u');
const RE_DIFF_GIT_NEW_FILE = new RegExp(`^new file mode ${D}+\\n?$`, 'u');
const RE_HUNK_HEADER = new RegExp(`^@@ -(${D}+)(?:,(${D}+))? \\+(${D}+)(?:,(${D}+))? @@[ ]?([^\\n]*)`, 'u');
const RE_HUNK_BODY_LINE = /^([- +\\])([\s\S]*)/;
const RE_HUNK_EMPTY_BODY_LINE = /^([- +\\]?)([\r\n]{1,2})/;
const RE_NO_NEWLINE_MARKER = /^\\ No newline at end of file/;
// Python's `\s` (str.isspace()) in the timestamps, not JS's (which lacks \x1c-\x1f and \x85, and has \ufeff).
const PY_WS = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const RE_BINARY_DIFF = new RegExp(
  `^Binary files? ([^\\t]+?)(?:\\t([${PY_WS}0-9:+-]+))?(?: and ([^\\t]+?)(?:\\t([${PY_WS}0-9:+-]+))?)? (differ|has changed)`,
);
const GIT_BINARY_PATCH = 'GIT binary patch\n';

interface Line {
  type: string;
  value: string;
}

interface Hunk {
  /** Python ints, printed by `Hunk.__str__` in full (a header may carry numbers past 2^53). */
  sourceStart: bigint;
  sourceLength: bigint;
  targetStart: bigint;
  targetLength: bigint;
  sectionHeader: string;
  lines: Line[];
}

interface PatchedFile {
  sourceFile: string | null;
  targetFile: string | null;
  isBinary: boolean;
  hunks: Hunk[];
}

/** Python's StringIO iteration: split after each "\n", keeping it. */
function splitKeepNewline(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
    out.push(text.slice(start, i + 1));
    start = i + 1;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/** A hunk length as a line count to reach: one past 2^53 can never be reached (the text has fewer lines). */
const countOf = (n: bigint): number => (n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : Infinity);

function parseHunk(header: string, lines: string[], pos: { i: number }): Hunk {
  const m = RE_HUNK_HEADER.exec(header)!;
  const hunk: Hunk = {
    sourceStart: intOf(m[1]!),
    sourceLength: m[2] === undefined ? 1n : intOf(m[2]),
    targetStart: intOf(m[3]!),
    targetLength: m[4] === undefined ? 1n : intOf(m[4]),
    sectionHeader: m[5] ?? '',
    lines: [],
  };
  // python-unidiff counts line numbers from the starts up to start + length; counting seen lines against the
  // lengths is the same test without arithmetic on (possibly huge) starts.
  let src = 0;
  let tgt = 0;
  const srcEnd = countOf(hunk.sourceLength);
  const tgtEnd = countOf(hunk.targetLength);
  while (pos.i < lines.length) {
    const line = lines[pos.i++]!;
    const valid = RE_HUNK_BODY_LINE.exec(line) ?? RE_HUNK_EMPTY_BODY_LINE.exec(line);
    if (!valid) throw new UnidiffParseError(`Hunk diff line expected: ${line}`);
    let type = valid[1]!;
    if (type === '') type = ' ';
    const value = valid[2]!;
    if (type === '+') tgt++;
    else if (type === '-') src++;
    else if (type === ' ') {
      tgt++;
      src++;
    }
    if (src > srcEnd || tgt > tgtEnd) throw new UnidiffParseError('Hunk is longer than expected');
    hunk.lines.push({ type, value });
    if (src === srcEnd && tgt === tgtEnd) break;
  }
  if (src < srcEnd || tgt < tgtEnd) throw new UnidiffParseError('Hunk is shorter than expected');
  return hunk;
}

/** python-unidiff's PatchSet(text), reduced to what get_filelevel_diff reads. Throws on what unidiff rejects. */
export function parsePatchSet(text: string): PatchedFile[] {
  const lines = splitKeepNewline(text);
  const files: PatchedFile[] = [];
  let current: PatchedFile | null = null;
  let patchInfo: string[] | null = null;
  // Python locals that may be unbound (reading one raises UnboundLocalError, which SWE-RL also turns into {}).
  let sourceFile: string | null | undefined;
  let targetFile: string | null | undefined;
  let sourceTimestampBound = false;
  const pos = { i: 0 };
  while (pos.i < lines.length) {
    const line = lines[pos.i++]!;
    const git = RE_DIFF_GIT_HEADER.exec(line) ?? RE_DIFF_GIT_HEADER_URI_LIKE.exec(line) ?? RE_DIFF_GIT_HEADER_NO_PREFIX.exec(line);
    if (git) {
      patchInfo = [line];
      sourceFile = git[1]!;
      targetFile = git[2]!;
      current = { sourceFile, targetFile, isBinary: false, hunks: [] };
      files.push(current);
      continue;
    }
    if (RE_DIFF_GIT_NEW_FILE.test(line)) {
      if (!current || !patchInfo) throw new UnidiffParseError(`Unexpected new file found: ${line}`);
      current.sourceFile = DEV_NULL;
      patchInfo.push(line);
      continue;
    }
    if (RE_DIFF_GIT_DELETED_FILE.test(line)) {
      if (!current || !patchInfo) throw new UnidiffParseError(`Unexpected deleted file found: ${line}`);
      current.targetFile = DEV_NULL;
      patchInfo.push(line);
      continue;
    }
    const src = RE_SOURCE_FILENAME.exec(line);
    if (src) {
      sourceFile = src[1]!;
      sourceTimestampBound = true;
      if (current && current.sourceFile !== sourceFile) current = null;
      continue;
    }
    const tgt = RE_TARGET_FILENAME.exec(line);
    if (tgt) {
      targetFile = tgt[1]!;
      if (current && current.targetFile !== targetFile) throw new UnidiffParseError(`Target without source: ${line}`);
      if (!current) {
        if (sourceFile === undefined || !sourceTimestampBound) throw new UnidiffParseError('UnboundLocalError: source_file');
        current = { sourceFile, targetFile, isBinary: false, hunks: [] };
        files.push(current);
        patchInfo = null;
      }
      continue;
    }
    if (RE_HUNK_HEADER.test(line)) {
      patchInfo = null;
      if (!current) throw new UnidiffParseError(`Unexpected hunk found: ${line}`);
      current.hunks.push(parseHunk(line, lines, pos));
      continue;
    }
    if (RE_NO_NEWLINE_MARKER.test(line)) {
      if (!current) throw new UnidiffParseError(`Unexpected marker: ${line}`);
      const last = current.hunks[current.hunks.length - 1];
      if (!last) throw new UnidiffParseError('Unexpected marker: No newline at end of file');
      last.lines.push({ type: '\\', value: ' No newline at end of file\n' });
      continue;
    }
    if (line === '\n' && current) {
      const last = current.hunks[current.hunks.length - 1];
      if (!last) throw new UnidiffParseError('Unexpected trailing newline character');
      last.lines.push({ type: '', value: '\n' });
      continue;
    }
    if (!patchInfo) {
      current = null;
      patchInfo = [];
    }
    const bin = RE_BINARY_DIFF.exec(line);
    if (bin) {
      sourceFile = bin[1]!;
      targetFile = bin[3] ?? null;
      patchInfo.push(line);
      if (current) current.isBinary = true;
      else files.push({ sourceFile, targetFile, isBinary: true, hunks: [] });
      patchInfo = null;
      current = null;
      continue;
    }
    if (line === GIT_BINARY_PATCH) {
      // Python sets `current_file.is_binary_file` here: with no current file (a patch-info line was not seen since
      // the last hunk) that is an AttributeError, which SWE-RL also turns into {}.
      if (!current) throw new UnidiffParseError(`AttributeError: unexpected ${line}`);
      current.isBinary = true;
      patchInfo = null;
      current = null;
      continue;
    }
    patchInfo.push(line);
  }
  return files;
}

function isRename(f: PatchedFile): boolean {
  return f.sourceFile !== DEV_NULL && f.targetFile !== DEV_NULL && (f.sourceFile ?? '').slice(2) !== (f.targetFile ?? '').slice(2);
}

function filePath(f: PatchedFile): string {
  let p = f.sourceFile;
  if (p === null || p === DEV_NULL || (isRename(f) && f.targetFile !== null && f.targetFile !== DEV_NULL)) p = f.targetFile;
  p = p ?? '';
  return p.startsWith('a/') || p.startsWith('b/') ? p.slice(2) : p;
}

function hunkToString(h: Hunk): string {
  const head = `@@ -${h.sourceStart},${h.sourceLength} +${h.targetStart},${h.targetLength} @@${h.sectionHeader ? ' ' + h.sectionHeader : ''}\n`;
  let content = '';
  for (const l of h.lines) content += l.type + l.value;
  return head + content;
}

/** SWE-RL's `get_filelevel_diff`: path -> stripped hunk text ("rename from A to B" first for renames); {} on error. */
export function filelevelDiff(patchText: string): Record<string, string> {
  let files: PatchedFile[];
  try {
    files = parsePatchSet(patchText);
  } catch {
    return {};
  }
  const out = Object.create(null) as Record<string, string>;
  for (const f of files) {
    if (f.isBinary) continue;
    let header = '';
    let path: string;
    if (isRename(f)) {
      let s = f.sourceFile ?? '';
      let t = f.targetFile ?? '';
      if (s.startsWith('a/')) s = s.slice(2);
      if (t.startsWith('b/')) t = t.slice(2);
      header = `rename from ${s} to ${t}`;
      path = s;
    } else {
      path = filePath(f);
    }
    const body = f.hunks.map((h) => pyStrip(hunkToString(h))).join('\n');
    out[path] = pyStrip(header + '\n' + body);
  }
  return out;
}
