/**
 * The `syntax` reward's parser for TypeScript and JavaScript: the `typescript` package's own parser
 * (createSourceFile, syntactic diagnostics only: no type checking, no file system). Loaded on first use (~0.3 s).
 */
import type * as TS from 'typescript';
import { chainCheckers, jsonSyntaxChecker, type SyntaxChecker } from '../../core/patch/rewards';

let ts: typeof TS | null = null;

function load(): typeof TS {
  ts ??= require('typescript') as typeof TS;
  return ts;
}

function scriptKind(path: string): TS.ScriptKind | null {
  const t = load();
  const m = /\.([cm]?[jt]sx?)$/i.exec(path);
  if (!m) return null;
  const ext = m[1]!.toLowerCase();
  if (ext === 'tsx') return t.ScriptKind.TSX;
  if (ext === 'jsx') return t.ScriptKind.JSX;
  if (ext.endsWith('ts')) return t.ScriptKind.TS;
  return t.ScriptKind.JS;
}

export const typescriptSyntaxChecker: SyntaxChecker = (path, text) => {
  if (!/\.([cm]?[jt]sx?)$/i.test(path)) return null;
  const t = load();
  const kind = scriptKind(path)!;
  const sf = t.createSourceFile(path, text, t.ScriptTarget.Latest, false, kind);
  // parseDiagnostics is the parser's own list (what `tsc --noEmit` reports as syntax errors, TS1xxx).
  const diags = (sf as unknown as { parseDiagnostics?: readonly TS.Diagnostic[] }).parseDiagnostics ?? [];
  const first = diags[0];
  if (!first) return { ok: true };
  const { line, character } = sf.getLineAndCharacterOfPosition(first.start ?? 0);
  return { ok: false, message: `line ${line + 1}:${character + 1}: ${t.flattenDiagnosticMessageText(first.messageText, '\n')} (TS${first.code})` };
};

/** TypeScript/JavaScript through TypeScript's parser, JSON through JSON.parse. */
export const defaultSyntaxChecker: SyntaxChecker = chainCheckers(typescriptSyntaxChecker, jsonSyntaxChecker);
