/**
 * A JSON check with a position, for chart specs and any other JSON a candidate produces. JSON.parse is the judge
 * (it is the parser the consumer uses); the position comes from tree-sitter's JSON grammar, because V8's messages
 * give an offset for some errors and none for others (`Unexpected token '}', "..." is not valid JSON`).
 */
import { loadGrammars } from './treeSitter';
import { checkLoaded } from './syntaxPort';

export type JsonCheck = { ok: true; value: unknown } | { ok: false; line: number; column: number; message: string };

/** 1-based line and column of a UTF-16 offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const nl = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: before.length - nl };
}

/** Parses `text` as JSON; on failure says where (line and column, 1-based) and what JSON.parse objected to. */
export async function checkJson(text: string): Promise<JsonCheck> {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    // V8 echoes the whole input in some messages: keep only what it says about it.
    const v8 = (e as Error).message.replace(/, ".*" is not valid JSON$/s, '');
    await loadGrammars(['json']);
    const ts = checkLoaded('json', text);
    let at: { line: number; column: number };
    if (ts?.first) at = { line: ts.first.line, column: ts.first.column };
    else {
      // tree-sitter's grammar accepts what JSON.parse does not (comments): fall back to V8's offset, if it gave one.
      const pos = /at position (\d+)/.exec(v8);
      const comment = /\/[/*]/.exec(text);
      at = lineColumn(text, pos ? Number(pos[1]) : comment ? comment.index : 0);
    }
    return { ok: false, ...at, message: `line ${at.line}:${at.column}: ${v8.replace(/ in JSON at position \d+.*$/s, '')}` };
  }
}
