import * as fs from 'fs';
import * as path from 'path';
import { repoRoot } from '../assets';

/**
 * The tiny SQL model shipped with the extension, used when rewardLens.modelPath is empty: `tiny-model/` next to the
 * bundle (the packaging copies fixtures/tiny-model there) or fixtures/tiny-model in the repository.
 */
export function bundledModelPath(): string {
  const candidates = [path.join(__dirname, 'tiny-model'), path.join(repoRoot(), 'dist', 'tiny-model'), path.join(repoRoot(), 'fixtures', 'tiny-model')];
  return candidates.find((c) => fs.existsSync(path.join(c, 'config.json'))) ?? candidates[candidates.length - 1]!;
}
