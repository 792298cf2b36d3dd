/**
 * Parent side of the chart renderer: long-lived forked children (imports and wasm paid once), each rendering one
 * spec at a time. Each render has a timeout; on timeout the child is killed (SIGKILL) and a fresh one starts on the
 * next render, as it does after a crash (e.g. the V8 heap cap `--max-old-space-size` was hit). A runaway spec only
 * ever takes its own child down.
 */
import { fork, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CodedError, toErrorInfo, type ErrorInfo } from '../../core/errors';
import { ChannelClient, ChannelError, childProcessTransport } from '../../node/channel';
import { rendererEventGuards, type RenderRequest, type RenderSuccess, type RendererEvents, type RendererMethods } from './protocol';

export interface ChartRendererOptions {
  /** V8 old-space cap of the child, MB. */
  maxHeapMb?: number;
  /** Default per-render timeout, ms (includes a child restart when one is needed). */
  timeoutMs?: number;
  /** Number of child processes rendering in parallel (default 2, at most the number of CPUs). */
  processes?: number;
  /** How long a fresh child may take to load vega and the wasm rasteriser. */
  startTimeoutMs?: number;
}

export type RenderOutcome = ({ ok: true } & Omit<RenderSuccess, 'ok'>) | { ok: false; error: ErrorInfo; warnings?: string[] };

/** The child's script: the bundled `chartRenderer.js` next to this bundle, or the TypeScript source under tsx. */
export function childScript(): { file: string; execArgv: string[] } {
  const bundled = path.join(__dirname, 'chartRenderer.js');
  if (!__filename.endsWith('.ts') && fs.existsSync(bundled)) return { file: bundled, execArgv: [] };
  const source = path.join(__dirname, 'rendererChild.ts');
  if (fs.existsSync(source)) return { file: source, execArgv: ['--import', 'tsx'] };
  throw new CodedError('not_available', `chart renderer script not found (${bundled})`);
}

/** One renderer child process with its own queue. */
class RendererProcess {
  private child: ChildProcess | null = null;
  private channel: ChannelClient<RendererMethods, RendererEvents> | null = null;
  private ready: Promise<void> | null = null;
  private isReady = false;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly maxHeapMb: number;
  private readonly timeoutMs: number;
  private readonly startTimeoutMs: number;
  /** Number of children started so far (1 after the first render; more after crashes and timeouts). */
  starts = 0;

  /** Renders queued or running here (the pool picks the least busy process). */
  outstanding = 0;
  private disposed = false;

  constructor(opts: ChartRendererOptions = {}) {
    this.maxHeapMb = opts.maxHeapMb ?? 512;
    this.timeoutMs = opts.timeoutMs ?? 10000;
    this.startTimeoutMs = opts.startTimeoutMs ?? 60000;
  }

  /** Starts the child now (otherwise the first render does). */
  start(): Promise<void> {
    if (this.ready && this.child && this.child.exitCode === null && this.child.signalCode === null) return this.ready;
    if (this.disposed) return Promise.reject(new CodedError('not_available', 'chart renderer disposed'));
    const { file, execArgv } = childScript();
    const child = fork(file, [], {
      execArgv: [...execArgv, `--max-old-space-size=${this.maxHeapMb}`],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
    });
    this.starts++;
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); });
    const channel = new ChannelClient<RendererMethods, RendererEvents>(childProcessTransport(child), {
      peer: 'the chart renderer',
      codes: { timeout: 'chart_timeout', cancelled: 'cancelled', closed: 'chart_render' },
      events: rendererEventGuards,
    });
    this.channel = channel;
    this.isReady = false;
    child.on('exit', () => {
      if (this.child === child) { this.child = null; this.channel = null; this.ready = null; this.isReady = false; }
    });
    // 'close' comes after 'exit' once stderr is drained, so V8's "heap out of memory" is there to be reported.
    child.on('close', (code, signal) => {
      const why = signal ? `signal ${signal}` : `exit code ${code}`;
      const oom = /heap out of memory|Allocation failed/i.test(stderr) ? ` (out of memory: the renderer's heap is capped at ${this.maxHeapMb} MB)` : '';
      channel.close(`chart renderer exited (${why})${oom}`);
    });
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new CodedError('chart_timeout', `chart renderer did not start in ${this.startTimeoutMs} ms`)); }, this.startTimeoutMs);
      channel.on('ready', () => { clearTimeout(timer); if (this.child === child) this.isReady = true; resolve(); });
      channel.on('fatal', (m) => { clearTimeout(timer); reject(new CodedError('not_available', m.message)); });
      child.once('exit', (code) => { clearTimeout(timer); reject(new CodedError('not_available', `chart renderer exited during start (code ${code}): ${stderr.slice(-500)}`)); });
    });
    this.ready.catch(() => undefined);
    return this.ready;
  }

  /** Renders one spec (already URL-checked, data bound). Never throws: failures come back as `{ok: false, error}`. */
  render(spec: unknown, opts: RenderOptions = {}): Promise<RenderOutcome> {
    const run = (): Promise<RenderOutcome> => this.renderNow(spec, opts);
    this.outstanding++;
    const p = this.queue.then(run, run).finally(() => { this.outstanding--; });
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async renderNow(spec: unknown, opts: RenderOptions): Promise<RenderOutcome> {
    if (opts.signal?.aborted) return { ok: false, error: { code: 'cancelled', message: 'cancelled' } };
    try {
      await this.start();
    } catch (e) {
      return { ok: false, error: toErrorInfo(e, 'not_available') };
    }
    const child = this.child!;
    const channel = this.channel!;
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const req: RenderRequest = { spec, language: opts.language ?? 'vega-lite', scale: opts.scale ?? 1, ...(opts.rgba ? { rgba: true } : {}) };
    try {
      const { ok: _ok, ...rest } = await channel.call('render', req, { timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
      return { ok: true, ...rest };
    } catch (e) {
      if (e instanceof ChannelError && (e.reason === 'timeout' || e.reason === 'cancelled')) {
        this.killChild(child);
        // Start the replacement now, while the caller scores what it has, not when the next candidate arrives.
        this.start().catch(() => undefined);
        return { ok: false, error: e.reason === 'timeout' ? { code: 'chart_timeout', message: `rendering took longer than ${timeoutMs} ms (the per-candidate limit: --timeout-ms, chart.rank timeoutMs)` } : { code: 'cancelled', message: 'cancelled' } };
      }
      // The child's verdict (chart_parse, chart_network, chart_render) or its exit (chart_render, "chart renderer exited").
      return { ok: false, error: toErrorInfo(e, 'chart_render') };
    }
  }

  /** Kills a child now and forgets it, so the next render starts a fresh one instead of talking to a dying one. */
  private killChild(child: ChildProcess): void {
    if (this.child === child) { this.child = null; this.channel = null; this.ready = null; this.isReady = false; }
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  /** The running child's pid, if any. */
  /** Whether a started child is ready now (not starting, not restarting after a kill). */
  get warm(): boolean {
    return this.isReady;
  }

  /** The running child's pid, if any. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  dispose(): void {
    this.disposed = true;
    if (this.child) this.killChild(this.child);
  }
}

export type RenderOptions = { language?: 'vega-lite' | 'vega'; scale?: number; timeoutMs?: number; signal?: AbortSignal; rgba?: boolean };

/**
 * The renderer used by rankCharts: a small pool of `RendererProcess`es; each render goes to the least busy one.
 * Two processes keep both cores of a small machine busy while one candidate's render waits on the other.
 */
export class ChartRenderer {
  private readonly procs: RendererProcess[];

  constructor(opts: ChartRendererOptions = {}) {
    const n = Math.max(1, Math.min(opts.processes ?? 2, os.cpus().length || 1));
    this.procs = Array.from({ length: n }, () => new RendererProcess(opts));
  }

  /** Starts every child now (otherwise renders start them on demand). */
  async start(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.start()));
  }

  /** Renders one spec (already URL-checked, data bound). Never throws: failures come back as `{ok: false, error}`. */
  render(spec: unknown, opts: RenderOptions = {}): Promise<RenderOutcome> {
    // The least busy process, and among equals one whose child is ready: a child restarting after a kill (a spec
    // that hit its timeout) takes seconds to load vega, and the next candidate should not wait for it.
    let best = this.procs[0]!;
    for (const p of this.procs) {
      if (p.outstanding < best.outstanding || (p.outstanding === best.outstanding && p.warm && !best.warm)) best = p;
    }
    return best.render(spec, opts);
  }

  /** Children started so far, restarts after crashes and timeouts included. */
  get starts(): number {
    return this.procs.reduce((s, p) => s + p.starts, 0);
  }

  get processes(): number {
    return this.procs.length;
  }

  /** Pids of the running children (benchmarks read their CPU time). */
  get pids(): number[] {
    return this.procs.map((p) => p.pid).filter((x): x is number => x !== null);
  }

  dispose(): void {
    for (const p of this.procs) p.dispose();
  }
}
