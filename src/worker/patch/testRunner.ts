/**
 * The opt-in `tests` reward: copy the workspace to a temporary folder, apply the candidate there, run the configured
 * command with a time limit, pass = exit code 0. The user's tree is only ever read. On timeout or cancellation the
 * command's whole process group is killed (a test runner's own children included), then the copy is removed.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CodedError } from '../../core/errors';
import type { FileChange } from '../../core/patch/candidate';
import type { PatchTestEvidence, PatchTestsConfig } from '../../core/patch/protocol';

const TAIL_CHARS = 4000;
/** Not copied: VCS data. Linked instead of copied: dependency folders (read-only use by tests, and huge). */
const SKIP = new Set(['.git', '.hg', '.svn']);
const LINK = new Set(['node_modules', '.venv', 'venv']);

/** Resolves `rel` inside `root`, refusing absolute paths and `..` escapes (a candidate names these paths). */
export function insideRoot(root: string, rel: string): string {
  const p = path.resolve(root, rel);
  const r = path.resolve(root);
  if (path.isAbsolute(rel) || (p !== r && !p.startsWith(r + path.sep))) throw new CodedError('patch_apply', `${rel}: path leaves the workspace`);
  return p;
}

/** Copies `root` into a new temporary folder (top-level dependency folders are symlinked). */
export async function copyWorkspace(root: string): Promise<string> {
  const tmp = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'reward-lens-patch-'));
  for (const e of await fs.promises.readdir(root, { withFileTypes: true })) {
    if (SKIP.has(e.name)) continue;
    const src = path.join(root, e.name);
    const dst = path.join(tmp, e.name);
    if (LINK.has(e.name) && e.isDirectory()) await fs.promises.symlink(src, dst, 'dir');
    else await fs.promises.cp(src, dst, { recursive: true, verbatimSymlinks: true, filter: (s) => !SKIP.has(path.basename(s)) });
  }
  return tmp;
}

export async function writeChanges(dir: string, changes: readonly FileChange[]): Promise<void> {
  for (const c of changes) {
    if (c.oldPath !== undefined) await fs.promises.rm(insideRoot(dir, c.oldPath), { force: true });
    const p = insideRoot(dir, c.path);
    if (c.after === null) {
      await fs.promises.rm(p, { force: true });
    } else {
      await fs.promises.mkdir(path.dirname(p), { recursive: true });
      await fs.promises.writeFile(p, c.after);
    }
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    if (process.platform === 'win32') spawn('taskkill', ['/pid', String(pid), '/t', '/f'], { stdio: 'ignore' });
    else process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Runs `command` in `cwd` (own process group), resolving with its verdict; never rejects on test failure. */
export function runCommand(command: string, cwd: string, timeoutMs: number, signal?: AbortSignal): Promise<PatchTestEvidence> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let tail = '';
    let timedOut = false;
    const child = spawn(command, {
      cwd,
      shell: true,
      detached: process.platform !== 'win32',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: '1', REWARD_LENS_PATCH_TEST: '1' },
    });
    const onData = (d: Buffer) => {
      tail = (tail + d.toString('utf8')).slice(-TAIL_CHARS);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    const onAbort = () => killGroup(child.pid);
    signal?.addEventListener('abort', onAbort, { once: true });
    let exitCode: number | null = null;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve({ passed: exitCode === 0 && !timedOut, exitCode, timedOut, durationMs: Math.round(performance.now() - t0), outputTail: tail });
    };
    child.on('error', (e) => {
      tail += `\n${e.message}`;
      finish();
    });
    // The shell may exit before what it started (a watcher holding the pipes open): kill the group, then 'close'.
    child.on('exit', (code) => {
      exitCode = code;
      killGroup(child.pid);
    });
    child.on('close', () => finish());
  });
}

/** Copy, apply, run, clean up. */
export async function runPatchTests(root: string, changes: readonly FileChange[], cfg: PatchTestsConfig, signal?: AbortSignal): Promise<PatchTestEvidence> {
  const dir = await copyWorkspace(root);
  try {
    await writeChanges(dir, changes);
    return await runCommand(cfg.command, dir, cfg.timeoutMs ?? 120_000, signal);
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
