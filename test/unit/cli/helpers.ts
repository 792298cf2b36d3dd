import * as path from 'path';

export const REPO = path.resolve(__dirname, '../../..');
export const SHOP = path.join(REPO, 'fixtures/sample-workspace/shop.sqlite');

/** Runs an async CLI command with stdout/stderr captured. */
export async function capture(fn: () => Promise<number>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  (process.stdout as unknown as { write: (s: string) => boolean }).write = (s: string) => ((stdout += String(s)), true);
  (process.stderr as unknown as { write: (s: string) => boolean }).write = (s: string) => ((stderr += String(s)), true);
  try {
    const code = await fn();
    return { code, stdout, stderr };
  } finally {
    (process.stdout as unknown as { write: typeof out }).write = out;
    (process.stderr as unknown as { write: typeof err }).write = err;
  }
}

export const jsonl = (rows: object[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
