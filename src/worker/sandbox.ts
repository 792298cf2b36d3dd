/**
 * The file-system sandbox of untrusted code (src/worker/sandbox_exec.py): the patch tests run through it as a
 * command, the matplotlib harness loads it as a library inside its own namespaces.
 */
import { assetPath } from './assets';

export function sandboxExecPath(): string {
  return assetPath('sandbox_exec.py', 'src/worker/sandbox_exec.py');
}
