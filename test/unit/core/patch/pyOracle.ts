/** Runs CPython's difflib as the oracle: one python3 process per batch, JSON over stdin (see difflib_oracle.py). */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../../..');
const SCRIPT = path.join(REPO_ROOT, 'test', 'fixtures', 'patch', 'difflib_oracle.py');

export function pythonAvailable(python = 'python3', module = 'difflib'): boolean {
  const r = spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore' });
  return r.status === 0;
}

/** `env` is laid over the process environment (e.g. PYTHONPATH=../shared/oracles for the reference's python-unidiff). */
export function runOracle<T = Record<string, unknown>>(cases: unknown[], python = 'python3', env: Record<string, string> = {}): T[] {
  const r = spawnSync(python, [SCRIPT], {
    input: JSON.stringify(cases),
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, PYTHONHASHSEED: '0', PYTHONIOENCODING: 'utf-8', ...env },
  });
  if (r.status !== 0) throw new Error(`python3 oracle failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T[];
}
