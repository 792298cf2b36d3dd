/**
 * matplotlib candidates (opt-in, trusted workspaces only): each runs in a fresh sandboxed Python process.
 *   prlimit --as --cpu --fsize --nofile   memory, CPU seconds, file size and open-file caps
 *   unshare -rnmpf --kill-child            an empty network namespace, a mount namespace where the harness makes
 *                                         every mount but the temp dir read-only (the audit hook alone is bypassed by
 *                                         `_posixsubprocess.fork_exec` or `os.remove`), a PID namespace so nothing the
 *                                         candidate starts outlives it (setsid escapes a process-group kill);
 *                                         where the machine does not allow it, candidates are refused (not_available)
 *   python3 -I                            isolated mode: no PYTHON* variables, no user site-packages
 * in a temp dir with a cleared environment, killed as a process group on timeout. The harness (mpl_harness.py)
 * traces texts, chart types, colours and layout ChartMimic-style and writes the PNG.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ErrorInfo } from '../../core/errors';
import { emptyTexts, type ChartAttributes, type LayoutCell, type TextRole } from '../../core/chart/types';
import { assetPath } from '../assets';
import { sandboxExecPath } from '../sandbox';

export interface MatplotlibOptions {
  /** Python with matplotlib (default /usr/bin/python3: Debian's packages are visible to it). */
  python?: string;
  timeoutMs?: number;
  memMb?: number;
  cpuSeconds?: number;
  /** The workspace data file, copied into the candidate's temp dir under its own name (the prompt tells the
   * model to read it from the current folder). */
  dataPath?: string;
  /** Persistent matplotlib font cache (first use builds it, ~1 s); default a folder in the OS temp dir. */
  mplConfigDir?: string;
  signal?: AbortSignal;
  /**
   * Folders the candidate must not read, covered with empty ones inside its mount namespace (the workspace folders);
   * the user's home folder, /run (sockets: the session bus, docker) and /tmp/.X11-unix are always among them. A
   * folder holding the candidate's temp dir or anything its Python loads from stays visible.
   */
  hide?: readonly string[];
  /** What this machine allows (default: sandboxSupport(), probed once). */
  sandbox?: SandboxSupport;
}

export interface SandboxSupport {
  prlimit: boolean;
  /** `unshare -rnmpf --kill-child`: user, network, mount and PID namespaces; matplotlib candidates run only with it. */
  namespaces: boolean;
}

export type MatplotlibOutcome = { ok: true; png: Uint8Array; attributes: ChartAttributes; sandbox: string[] } | { ok: false; error: ErrorInfo };

interface HarnessResult {
  ok: boolean;
  error?: string;
  /** Folders covered with empty ones (mpl_harness.py sandbox_fs). */
  hidden?: string[];
  types: string[];
  markCounts: Record<string, number>;
  colors: string[];
  numbers: number[];
  texts: Record<TextRole, string[]>;
  layout: LayoutCell[];
  layoutFacts: string[];
  width?: number;
  height?: number;
}

let sandboxCache: SandboxSupport | undefined;

/** Which sandbox tools work here (checked once): `unshare -rnmpf` needs unprivileged user namespaces. */
export function sandboxSupport(): SandboxSupport {
  if (!sandboxCache) {
    const ok = (cmd: string, args: string[]): boolean => {
      try {
        return spawnSync(cmd, args, { stdio: 'ignore', timeout: 5000 }).status === 0;
      } catch {
        return false;
      }
    };
    sandboxCache = { prlimit: ok('prlimit', ['--version']), namespaces: ok('unshare', [...NAMESPACES, 'true']) };
  }
  return sandboxCache;
}

/** Whether `python` can import matplotlib; the reason when not. */
export function matplotlibAvailable(python = '/usr/bin/python3'): { ok: boolean; reason?: string } {
  try {
    const r = spawnSync(python, ['-I', '-c', 'import matplotlib'], { encoding: 'utf8', timeout: 30000, env: { PATH: '/usr/bin:/bin', MPLBACKEND: 'Agg' } });
    if (r.error) return { ok: false, reason: `${python}: ${r.error.message}` };
    return r.status === 0 ? { ok: true } : { ok: false, reason: `${python} cannot import matplotlib: ${r.stderr.trim().split('\n').pop()}` };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}

const NAMESPACES = ['-rnmpf', '--kill-child'];

export function harnessPath(): string {
  return assetPath('mpl_harness.py', 'src/worker/chart/mpl_harness.py');
}

export async function runMatplotlib(code: string, opts: MatplotlibOptions = {}): Promise<MatplotlibOutcome> {
  const python = opts.python ?? '/usr/bin/python3';
  const timeoutMs = opts.timeoutMs ?? 15000;
  // The wall-clock timer is the limit a user sees (chart_timeout); the CPU rlimit is a backstop one second later, so
  // a single-threaded endless loop (CPU time <= wall time) always meets the timer first.
  const memMb = opts.memMb ?? 1024, cpu = opts.cpuSeconds ?? Math.ceil(timeoutMs / 1000) + 1;
  const sb = opts.sandbox ?? sandboxSupport();
  if (!sb.namespaces) {
    // The audit hook in the harness is not a boundary (os.remove, _posixsubprocess.fork_exec get past it): without a
    // read-only file system and a PID namespace the candidate does not run at all.
    return {
      ok: false,
      error: {
        code: 'not_available',
        message: 'matplotlib candidates run only in a Linux sandbox made with unprivileged user namespaces (unshare -rnmpf: no network, ' +
          'a read-only file system, a PID namespace), which this machine does not allow; ask for a Vega-Lite chart instead, or allow ' +
          'unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or AppArmor\'s apparmor_restrict_unprivileged_userns=0)',
      },
    };
  }
  const mplConfigDir = opts.mplConfigDir ?? path.join(os.tmpdir(), 'reward-lens-mplconfig');
  fs.mkdirSync(mplConfigDir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reward-lens-mpl-'));
  try {
    const cand = path.join(dir, 'candidate.py'), out = path.join(dir, 'out.png');
    fs.writeFileSync(cand, code);
    if (opts.dataPath) fs.copyFileSync(opts.dataPath, path.join(dir, path.basename(opts.dataPath)));
    const argv: string[] = [];
    const sandbox: string[] = [];
    if (sb.prlimit) { argv.push('prlimit', `--as=${memMb * 1024 * 1024}`, `--cpu=${cpu}`, `--fsize=${50 * 1024 * 1024}`, '--nofile=256'); sandbox.push('prlimit'); }
    argv.push('unshare', ...NAMESPACES);
    sandbox.push('no-network', 'read-only-fs', 'pid-namespace');
    argv.push(python, '-I', harnessPath(), cand, out, '--sandbox', sandboxExecPath());
    // /run and the X11 socket folder too: a read-only mount does not stop connect(2), and through the session bus
    // (systemd-run), a docker daemon's socket or the X server a program runs or types outside the sandbox
    for (const h of [os.homedir(), '/run', '/tmp/.X11-unix', ...(opts.hide ?? [])]) if (path.isAbsolute(h)) argv.push('--hide', h);
    const r = await new Promise<{ stdout: string; stderr: string; code: number | null; signal: string | null; timedOut: boolean; cancelled: boolean }>((resolve) => {
      const p = spawn(argv[0]!, argv.slice(1), {
        cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: '/usr/bin:/bin', MPLBACKEND: 'Agg', MPLCONFIGDIR: mplConfigDir, HOME: dir, LANG: 'C.UTF-8', TMPDIR: dir },
      });
      let stdout = '', stderr = '', timedOut = false, cancelled = false;
      p.stdout.on('data', (d: Buffer) => { if (stdout.length < 8 << 20) stdout += d.toString(); });
      p.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
      const killGroup = (): void => { try { if (p.pid) process.kill(-p.pid, 'SIGKILL'); } catch { /* already gone */ } };
      // A process the candidate moved to its own session survives the group kill and keeps the pipes open: stop
      // reading them, or 'close' never comes.
      const timer = setTimeout(() => { timedOut = true; killGroup(); p.stdout.destroy(); p.stderr.destroy(); }, timeoutMs);
      const onAbort = (): void => { cancelled = true; killGroup(); p.stdout.destroy(); p.stderr.destroy(); };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      p.on('error', (e) => { stderr += e.message; });
      p.on('close', (code, signal) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve({ stdout, stderr, code, signal, timedOut, cancelled });
      });
    });
    if (r.cancelled) return { ok: false, error: { code: 'cancelled', message: 'cancelled' } };
    if (r.timedOut) return { ok: false, error: { code: 'chart_timeout', message: `matplotlib candidate ran longer than ${timeoutMs} ms` } };
    let res: HarnessResult;
    try {
      res = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as HarnessResult;
    } catch {
      const why = r.signal ? `killed by ${r.signal} (CPU or memory limit?)` : `exit code ${r.code}`;
      return { ok: false, error: { code: 'chart_render', message: `matplotlib candidate produced no result (${why}): ${r.stderr.trim().split('\n').slice(-2).join(' ')}` } };
    }
    if (!res.ok) return { ok: false, error: { code: 'chart_render', message: res.error ?? 'matplotlib candidate failed' } };
    // The candidate runs in the harness's process and can print a result line of its own and exit: no PNG then.
    let png: Uint8Array;
    try {
      png = new Uint8Array(fs.readFileSync(out));
    } catch {
      return { ok: false, error: { code: 'chart_render', message: 'matplotlib candidate wrote no picture' } };
    }
    const attributes: ChartAttributes = {
      source: 'matplotlib', texts: { ...emptyTexts(), ...res.texts }, types: res.types, markCounts: res.markCounts,
      colors: res.colors, layout: res.layout, layoutFacts: res.layoutFacts, numbers: res.numbers,
      width: res.width ?? 0, height: res.height ?? 0,
    };
    return { ok: true, png, attributes, sandbox: res.hidden?.length ? [...sandbox, `hidden: ${res.hidden.join(", ")}`] : sandbox };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
