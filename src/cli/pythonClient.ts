/**
 * reward-lens python-client --out FILE|-
 * Writes the standard-library Python client of the reward server (TRL, verl and OpenRLHF adapters). The template is
 * src/cli/python/reward_lens_client.py, copied next to dist/cli.js by webpack; tests run the very same file.
 */
import * as fs from 'node:fs';
import { assetPath } from '../worker/assets';
import { parseCli, runCommand, UsageError } from './args';

export const PYTHON_CLIENT_USAGE = 'usage: reward-lens python-client --out reward_lens_client.py   (--out - prints it)\n';

export function pythonClientSource(): string {
  return fs.readFileSync(assetPath('reward_lens_client.py', 'src/cli/python/reward_lens_client.py'), 'utf8');
}

export async function pythonClientCommand(args: string[]): Promise<number> {
  return runCommand('python-client', PYTHON_CLIENT_USAGE, async () => {
    const a = parseCli(args, { out: { type: 'string' } });
    if (a.help) {
      process.stdout.write(PYTHON_CLIENT_USAGE);
      return 0;
    }
    const out = a.str('out');
    if (!out) throw new UsageError('--out FILE is required');
    const src = pythonClientSource();
    if (out === '-') process.stdout.write(src);
    else {
      fs.writeFileSync(out, src);
      process.stderr.write(`wrote ${out} (${src.length} bytes): set REWARD_LENS_URLS and see docs/training.md\n`);
    }
    return 0;
  });
}
