import * as fs from 'fs';
import * as path from 'path';

/**
 * Finds a runtime asset (a .wasm file, a font, a helper bundle) both when running from the webpack bundle
 * (assets are copied next to the bundle in dist/) and when running from source under tsx (unit tests), where
 * the asset lives in node_modules or media/.
 * @param name file name as copied into dist/ (e.g. "sql-wasm.wasm")
 * @param sourceFallbacks paths relative to the repository root to try when not bundled
 */
export function assetPath(name: string, ...sourceFallbacks: string[]): string {
  const candidates = [path.join(__dirname, name), path.join(__dirname, '..', name), path.join(__dirname, '..', 'dist', name)];
  const root = repoRoot();
  for (const f of sourceFallbacks) candidates.push(path.join(root, f));
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new Error(`asset ${name} not found (looked in ${candidates.join(', ')})`);
}

/** The folder holding package.json (the extension root when bundled, the repository when run from source). */
export function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  return path.resolve(__dirname, '..', '..');
}
