/** Running the reference implementations in ../shared/oracles (Debian's Python) from the oracle tests. */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const ORACLES = path.resolve(__dirname, '../../../..', '..', 'shared', 'oracles');
export const PYTHON = '/usr/bin/python3';
export const FIXTURES = path.resolve(__dirname, '../../../fixtures/sql');

/** Why the oracle cannot run here, or null when it can. */
export function oracleMissing(modules: string[]): string | null {
  if (!fs.existsSync(ORACLES)) return `reference oracles not found at ${ORACLES}`;
  if (!fs.existsSync(PYTHON)) return `${PYTHON} not found`;
  try {
    execFileSync(PYTHON, ['-c', modules.map((m) => `import ${m}`).join('; ')], { env: { PATH: process.env.PATH ?? '', PYTHONPATH: ORACLES }, stdio: 'pipe' });
  } catch (e) {
    return `the oracle modules do not import (${modules.join(', ')}): ${String((e as { stderr?: Buffer }).stderr ?? e).trim().split('\n').at(-1)}; apt-get install python3-numpy python3-sqlparse`;
  }
  return null;
}

/** One batch process: JSON in on stdin, JSON out on stdout. */
export function runOracle<T>(script: string, input: unknown): T {
  const out = execFileSync(PYTHON, [path.join(FIXTURES, script)], {
    input: JSON.stringify(input),
    env: { PATH: process.env.PATH ?? '', PYTHONPATH: ORACLES, PYTHONHASHSEED: '0' },
    maxBuffer: 256 << 20,
  });
  return JSON.parse(out.toString()) as T;
}
