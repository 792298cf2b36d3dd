/**
 * The opt-in `tests` reward: copy the workspace to a temporary folder, apply the candidate there, run the configured
 * command with a time limit, pass = exit code 0. The user's tree is only ever read. On timeout or cancellation the
 * command's whole process group is killed (a test runner's own children included), then the copy is removed.
 *
 * The copy holds no link to anything outside it (issue 15): regular files and folders are copied (dependency folders
 * such as node_modules included, copy-on-write where the file system can), a symbolic link inside the root is
 * replaced by a copy of what it points to when that stays inside the root and left out otherwise, and every path a
 * candidate writes is resolved with realpath inside the copy. So no path of the candidate's, and no link in the copy,
 * leads into the workspace or out of it. The test command itself, with the candidate's code, runs with the user's
 * rights: code that names an absolute path can write there (README, the runTests setting say so).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CodedError } from '../../core/errors';
import { candidatePathProblem, type FileChange } from '../../core/patch/candidate';
import type { PatchTestEvidence, PatchTestsConfig } from '../../core/patch/protocol';
import { resolveInsideRoot } from '../../node/paths';
import { sandboxExecPath } from '../sandbox';

const TAIL_CHARS = 4000;
/** Not copied: VCS data. */
const SKIP = new Set(['.git', '.hg', '.svn']);

function isInside(root: string, p: string): boolean {
  const r = path.relative(root, p);
  return r === '' || (!r.startsWith('..') && !path.isAbsolute(r));
}

/**
 * Copies `src` (a folder inside the real root) into `dst` without links: files are copied (COPYFILE_FICLONE: a
 * reflink where the file system supports it), links are dereferenced only when their real target is inside
 * `realRoot` (cycles cut), special files (FIFOs, sockets, devices) are left out.
 */
async function copyTree(src: string, dst: string, realRoot: string, active: Set<string>): Promise<void> {
  await fs.promises.mkdir(dst, { recursive: true, mode: 0o755 });
  for (const e of await fs.promises.readdir(src, { withFileTypes: true })) {
    if (SKIP.has(e.name)) continue;
    let from = path.join(src, e.name);
    const to = path.join(dst, e.name);
    let st: fs.Stats;
    if (e.isSymbolicLink()) {
      let real: string;
      try {
        real = await fs.promises.realpath(from);
      } catch {
        continue; // dangling
      }
      if (!isInside(realRoot, real)) continue; // never follow a link out of the root
      from = real;
      st = await fs.promises.stat(real);
    } else {
      st = await fs.promises.lstat(from);
    }
    if (st.isDirectory()) {
      const real = await fs.promises.realpath(from);
      if (active.has(real)) continue; // a link back into its own ancestors
      active.add(real);
      try {
        await copyTree(from, to, realRoot, active);
      } finally {
        active.delete(real);
      }
    } else if (st.isFile()) {
      await fs.promises.copyFile(from, to, fs.constants.COPYFILE_EXCL | fs.constants.COPYFILE_FICLONE);
    }
  }
}

/** Copies `root` into a new temporary folder: no links, nothing that points outside the copy. */
export async function copyWorkspace(root: string): Promise<string> {
  const realRoot = await fs.promises.realpath(root);
  const tmp = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'reward-lens-patch-'));
  try {
    await copyTree(realRoot, tmp, realRoot, new Set([realRoot]));
  } catch (e) {
    await fs.promises.rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return tmp;
}

/**
 * Writes a candidate's changes into the sandbox `dir`. Every path is checked lexically (candidatePathProblem) and
 * resolved with realpath inside `dir`; an existing file is replaced (unlinked first), never written through.
 */
export async function writeChanges(dir: string, changes: readonly FileChange[]): Promise<void> {
  const resolve = (rel: string): string => {
    const problem = candidatePathProblem(rel);
    if (problem) throw new CodedError('path_outside_root', `${JSON.stringify(rel)}: ${problem}; paths must stay inside the root`);
    return resolveInsideRoot(dir, rel);
  };
  for (const c of changes) {
    if (c.oldPath !== undefined) await fs.promises.rm(resolve(c.oldPath), { force: true });
    const p = resolve(c.path);
    await fs.promises.rm(p, { force: true });
    if (c.after !== null) {
      await fs.promises.mkdir(path.dirname(p), { recursive: true });
      // The folders just created are plain folders of the sandbox; resolve again before writing.
      if (resolve(c.path) !== p) throw new CodedError('path_outside_root', `${JSON.stringify(c.path)} changed while it was written`);
      await fs.promises.writeFile(p, c.after, { flag: 'wx' });
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

/** The Python that makes the test sandbox (sandbox_exec.py needs only its standard library). */
export const SANDBOX_PYTHON = 'python3';

const sandboxProbe = new Map<string, string | null>();

/**
 * Why the test sandbox cannot be made here, or null when it can (checked once per Python): Linux with unprivileged
 * user namespaces, and a python3 to set them up.
 */
export function testSandboxUnavailable(python = SANDBOX_PYTHON): string | null {
  let why = sandboxProbe.get(python);
  if (why === undefined) {
    if (process.platform !== 'linux') why = `the test sandbox uses Linux namespaces; this is ${process.platform}`;
    else {
      const r = spawnSync(python, ['-I', sandboxExecPath(), '--check'], { encoding: 'utf8', timeout: 10_000 });
      why = r.error ? `${python}: ${r.error.message}` : r.status === 0 ? null : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`);
    }
    sandboxProbe.set(python, why);
  }
  return why;
}

/**
 * Where a sandboxed command may write besides its folder: a temporary folder, given to it as TMPDIR and as the cache
 * folder of the usual tools (XDG_CACHE_HOME: pip, Go, ...; npm's cache), since the rest of the file system, the home
 * folder included, is read-only to it.
 */
export interface CommandSandbox {
  python: string;
  scratch: string;
}

/** Credential files and folders under the home folder, covered in the tests sandbox. */
const CREDENTIALS = ['.ssh', '.gnupg', '.aws', '.azure', '.config/gcloud', '.kube', '.docker', '.netrc', '.git-credentials', '.npmrc', '.pypirc',
  '.config/gh', '.password-store', '.local/share/keyrings', '.cargo/credentials', '.cargo/credentials.toml', '.cache/huggingface/token', '.huggingface/token'];

/**
 * What the tests sandbox covers (folders with empty ones, files and sockets with /dev/null): the usual credential
 * files under the home folder, which a test could print into its output (the panel shows it, the preference log
 * keeps it), and the sockets a sandboxed command must not reach: a read-only mount does not stop connect(2), and
 * through these a command runs outside any sandbox (the session bus: systemd-run --user; a docker, containerd or
 * podman daemon: a container with the host mounted), types into the user's desktop (X11) or signs with the user's
 * keys (the ssh agent: a push to their remotes). The user's runtime folder holds the session bus, rootless docker,
 * the Wayland socket and the gpg agent. Tests that need one of them (testcontainers) need the sandbox off.
 */
export function sandboxCovered(env: NodeJS.ProcessEnv = process.env): string[] {
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  const home = env.HOME || os.homedir();
  return [
    ...CREDENTIALS.map((p) => path.join(home, p)),
    env.XDG_RUNTIME_DIR || (uid >= 0 ? `/run/user/${uid}` : ''),
    '/run/dbus', '/run/docker.sock', '/run/containerd', '/run/podman', '/run/snapd.socket', '/tmp/.X11-unix',
    env.SSH_AUTH_SOCK ?? '',
  ].filter((p) => p !== '' && path.isAbsolute(p));
}

/**
 * Runs `command` in `cwd` (own process group), resolving with its verdict; never rejects on test failure. With a
 * sandbox it runs through sandbox_exec.py: everything read-only but `cwd` and the scratch folder, and nothing it
 * starts outlives it.
 */
export function runCommand(command: string, cwd: string, timeoutMs: number, signal?: AbortSignal, sandbox?: CommandSandbox): Promise<PatchTestEvidence> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let tail = '';
    let timedOut = false;
    const env = { ...process.env, CI: '1', REWARD_LENS_PATCH_TEST: '1' };
    if (sandbox) {
      Object.assign(env, { TMPDIR: sandbox.scratch, TMP: sandbox.scratch, TEMP: sandbox.scratch, XDG_CACHE_HOME: path.join(sandbox.scratch, 'cache'), npm_config_cache: path.join(sandbox.scratch, 'npm') });
    }
    const opts = { cwd, detached: process.platform !== 'win32', stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'], env };
    const child = sandbox
      ? spawn(sandbox.python, ['-I', sandboxExecPath(), '--writable', cwd, '--writable', sandbox.scratch, ...sandboxCovered().flatMap((h) => ['--hide', h]), '--', '/bin/sh', '-c', command], opts)
      : spawn(command, { ...opts, shell: true });
    const onData = (d: Buffer) => {
      tail = (tail + d.toString('utf8')).slice(-TAIL_CHARS);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    // A process the test moved to its own session (setsid) outlives the group kill and may hold the pipes open:
    // at the limit, stop reading them too, or 'close' never comes.
    const stop = () => {
      killGroup(child.pid);
      child.stdout?.destroy();
      child.stderr?.destroy();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, timeoutMs);
    const onAbort = stop;
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

/** Copy, apply, run (in the sandbox unless cfg.sandbox is false), clean up. */
export async function runPatchTests(root: string, changes: readonly FileChange[], cfg: PatchTestsConfig, signal?: AbortSignal): Promise<PatchTestEvidence> {
  const sandboxed = cfg.sandbox !== false;
  if (sandboxed) {
    const why = testSandboxUnavailable();
    if (why) {
      throw new CodedError('not_available', `the test command runs the model's code, so it runs only in a sandbox (${why}); ` +
        'allow unprivileged user namespaces, or turn rewardLens.patch.testSandbox off to run tests with your own rights');
    }
  }
  const dir = await copyWorkspace(root);
  const scratch = sandboxed ? await fs.promises.mkdtemp(path.join(os.tmpdir(), 'reward-lens-patch-scratch-')) : null;
  try {
    await writeChanges(dir, changes);
    return await runCommand(cfg.command, dir, cfg.timeoutMs ?? 120_000, signal, scratch ? { python: SANDBOX_PYTHON, scratch } : undefined);
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
    if (scratch) await fs.promises.rm(scratch, { recursive: true, force: true });
  }
}
