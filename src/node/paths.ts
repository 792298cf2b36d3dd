/**
 * Real-path containment for every path that comes from a candidate, a request or a log (issue 15): the path is
 * resolved with realpath (symlinks followed), and it must stay inside the root's own real path. A path that leaves
 * the root, directly (`..`, absolute) or through a link, is refused with `path_outside_root`; errors name the path as
 * given (relative to the root), never content from outside it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CodedError } from '../core/errors';

/** Lexical checks that need no file system: empty, NUL, absolute, drive letters, `..` segments. */
export function checkRelativePath(rel: string): string | undefined {
  if (typeof rel !== 'string' || rel.length === 0) return 'the path is empty';
  if (rel.includes('\0')) return 'the path contains a NUL character';
  if (path.isAbsolute(rel) || /^[A-Za-z]:/.test(rel) || rel.startsWith('\\')) return 'the path is absolute';
  const parts = rel.split(/[\\/]+/);
  if (parts.some((p) => p === '..')) return 'the path goes up with ".."';
  return undefined;
}

function isInside(root: string, p: string): boolean {
  const r = path.relative(root, p);
  return r === '' || (!r.startsWith('..') && !path.isAbsolute(r));
}

/**
 * Resolves `rel` inside `root`. The deepest existing ancestor of the target (the target itself when it exists) is
 * realpath'd and must be inside realpath(root), so a symlinked folder or file that points outside is refused even
 * when the target file does not exist yet (a write would follow the link).
 */
export function resolveInsideRoot(root: string, rel: string): string {
  const lexical = checkRelativePath(rel);
  if (lexical) throw new CodedError('path_outside_root', `${JSON.stringify(rel)}: ${lexical}; paths must stay inside the root`);
  const realRoot = fs.realpathSync(root);
  const target = path.resolve(realRoot, rel);
  if (!isInside(realRoot, target)) throw new CodedError('path_outside_root', `${JSON.stringify(rel)} leaves the root`);
  let probe = target;
  const rest: string[] = [];
  for (;;) {
    let real: string | undefined;
    try {
      real = fs.realpathSync(probe);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new CodedError('path_unreadable', `${JSON.stringify(rel)}: ${code ?? 'cannot be resolved'}`);
      // A dangling symlink is not "missing": following it on write would create a file wherever it points.
      try {
        if (fs.lstatSync(probe).isSymbolicLink()) throw new CodedError('path_outside_root', `${JSON.stringify(rel)} passes through a dangling symbolic link`);
      } catch (le) {
        if (le instanceof CodedError) throw le;
      }
    }
    if (real !== undefined) {
      if (!isInside(realRoot, real)) throw new CodedError('path_outside_root', `${JSON.stringify(rel)} passes through a symbolic link that leaves the root`);
      return rest.length ? path.join(real, ...rest.reverse()) : real;
    }
    const parent = path.dirname(probe);
    if (parent === probe) throw new CodedError('path_outside_root', `${JSON.stringify(rel)} cannot be resolved inside the root`);
    rest.push(path.basename(probe));
    probe = parent;
  }
}

/** resolveInsideRoot over several roots: the first root under which `rel` exists, else the first root's answer. */
export function resolveInsideRoots(roots: readonly string[], rel: string): string {
  if (roots.length === 0) throw new CodedError('path_outside_root', `${JSON.stringify(rel)}: no root is configured`);
  let first: unknown;
  for (const root of roots) {
    try {
      const p = resolveInsideRoot(root, rel);
      if (fs.existsSync(p)) return p;
      if (first === undefined) first = p;
    } catch (e) {
      if (first === undefined) first = e;
    }
  }
  if (typeof first === 'string') return first;
  throw first;
}
