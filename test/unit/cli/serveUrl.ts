/** The URL `reward-lens serve` prints on its stdout once it listens (tests and bench/serve start it as a process). */
import type { ChildProcess } from 'child_process';

export function servedUrl(child: ChildProcess): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^(http:\/\/\S+)$/m.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (c) => reject(new Error(`serve exited ${c}`)));
  });
}
