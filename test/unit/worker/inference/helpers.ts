import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const REPO = path.resolve(__dirname, '..', '..', '..', '..');
export const TINY = path.join(REPO, 'fixtures', 'tiny-model');
export const REFERENCE = path.join(REPO, 'test', 'fixtures', 'tiny-model-reference.json');

/** A scratch copy of the tiny model folder that a test may break. */
export function copyTiny(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-model-'));
  fs.cpSync(TINY, dir, { recursive: true });
  return dir;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
