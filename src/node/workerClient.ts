/**
 * Typed proxy over a forked worker process (used by the extension host and the CLI; no vscode here), on the one
 * channel (src/node/channel.ts): every call has an id, a timeout and an AbortSignal. When the child exits (a crash,
 * a kill, or an uncaught exception, which ends the worker on purpose) every pending call is rejected at once with
 * `worker_exited`, and the child is restarted with exponential backoff (pattern of vscode-copilot-chat's
 * src/util/node/worker.ts).
 */
import { fork, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CodedError } from '../core/errors';
import { workerEventGuards, type ParamsOf, type ProgressOf, type ResultOf, type WorkerEvents, type WorkerMethod, type WorkerMethods } from '../core/protocol/worker';
import { allocatorEnv } from './allocatorEnv';
import { ChannelClient, childProcessTransport, type CallOptions } from './channel';

export type WorkerState = 'starting' | 'ready' | 'restarting' | 'stopped';

export type { CallOptions };

export interface WorkerClientOptions {
  /** Script to fork. Defaults to dist/worker.js next to this bundle, or src/worker/main.ts under tsx from source. */
  entry?: { modulePath: string; execArgv: string[] };
  env?: NodeJS.ProcessEnv;
  defaultTimeoutMs?: number;
  /** Restart automatically after an unexpected exit (default true). */
  autoRestart?: boolean;
  log?: (level: 'trace' | 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

export function defaultWorkerEntry(): { modulePath: string; execArgv: string[] } {
  const bundled = [path.join(__dirname, 'worker.js'), path.join(__dirname, '..', 'dist', 'worker.js')];
  // From source (unit tests under tsx) prefer the TypeScript entry so tests exercise the code they import.
  const src = path.join(__dirname, '..', 'worker', 'main.ts');
  if (fs.existsSync(src)) return { modulePath: src, execArgv: ['--require', 'tsx/cjs'] };
  for (const b of bundled) if (fs.existsSync(b)) return { modulePath: b, execArgv: [] };
  throw new Error(`worker bundle not found next to ${__dirname}; run the build first`);
}

type Listener<T> = (v: T) => void;

/** The worker's environment: ours, the malloc settings for onnxruntime's outputs (allocatorEnv.ts), then the caller's. */
export function workerEnv(base: NodeJS.ProcessEnv, extra: NodeJS.ProcessEnv | undefined, platform: string): NodeJS.ProcessEnv {
  return { ...base, ...allocatorEnv(base, platform), ...extra, ELECTRON_RUN_AS_NODE: '1' };
}

export class WorkerClient {
  private child: ChildProcess | undefined;
  private channel: ChannelClient<WorkerMethods, WorkerEvents> | undefined;
  private stateValue: WorkerState = 'stopped';
  private readonly stateListeners = new Set<Listener<WorkerState>>();
  private readyPromise: Promise<void> | undefined;
  private restartAttempts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly entry: { modulePath: string; execArgv: string[] };
  /** Number of times the child exited unexpectedly since construction. */
  crashes = 0;

  constructor(private readonly opts: WorkerClientOptions = {}) {
    this.entry = opts.entry ?? defaultWorkerEntry();
  }

  get state(): WorkerState {
    return this.stateValue;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  onDidChangeState(listener: Listener<WorkerState>): { dispose(): void } {
    this.stateListeners.add(listener);
    return { dispose: () => this.stateListeners.delete(listener) };
  }

  private setState(s: WorkerState): void {
    if (s === this.stateValue) return;
    this.stateValue = s;
    for (const l of this.stateListeners) l(s);
  }

  private log(level: 'trace' | 'debug' | 'info' | 'warn' | 'error', message: string): void {
    this.opts.log?.(level, message);
  }

  /** Starts the child if it is not running; resolves when it said `ready`. */
  start(): Promise<void> {
    if (this.disposed) return Promise.reject(new CodedError('worker_exited', 'worker client disposed'));
    if (this.readyPromise && this.child) return this.readyPromise;
    this.setState(this.stateValue === 'restarting' ? 'restarting' : 'starting');
    const child = fork(this.entry.modulePath, [], {
      execArgv: this.entry.execArgv,
      env: workerEnv(process.env, this.opts.env, process.platform),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => this.log('info', `[worker stdout] ${d.toString().trimEnd()}`));
    child.stderr?.on('data', (d: Buffer) => this.log('warn', `[worker stderr] ${d.toString().trimEnd()}`));
    const channel = new ChannelClient<WorkerMethods, WorkerEvents>(childProcessTransport(child), {
      peer: 'the inference worker',
      codes: { timeout: 'worker_timeout', cancelled: 'cancelled', closed: 'worker_exited' },
      defaultTimeoutMs: this.opts.defaultTimeoutMs ?? 60000,
      events: workerEventGuards,
      log: (level, message) => this.log(level, message),
    });
    this.channel = channel;
    channel.on('log', (m) => this.log(m.level, `[worker] ${m.message}`));
    this.readyPromise = new Promise<void>((resolve, reject) => {
      channel.on('ready', (m) => {
        this.restartAttempts = 0;
        this.log('info', `worker ready (pid ${m.pid}, protocol ${m.protocolVersion})`);
        this.setState('ready');
        resolve();
      });
      child.on('error', (e) => this.log('error', `worker process error: ${e.message}`));
      child.on('exit', (code, signal) => {
        if (this.child === child) {
          this.child = undefined;
          this.channel = undefined;
        }
        this.readyPromise = undefined;
        const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
        reject(new CodedError('worker_exited', `worker ${why} before it was ready`));
        channel.close(`the inference worker ${this.disposed ? 'was shut down' : why}`);
        if (this.disposed || this.opts.autoRestart === false) {
          this.setState('stopped');
          return;
        }
        this.crashes++;
        this.log('warn', `worker ${why}; restarting`);
        this.scheduleRestart();
      });
    });
    // Avoid an unhandled rejection when nobody awaits start() (e.g. auto restart).
    this.readyPromise.catch(() => undefined);
    return this.readyPromise;
  }

  private scheduleRestart(): void {
    const delay = Math.min(30000, 250 * 2 ** this.restartAttempts);
    this.restartAttempts++;
    this.setState('restarting');
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (!this.disposed) void this.start().catch((e: unknown) => this.log('error', `worker restart failed: ${String(e)}`));
    }, delay);
  }

  /** Calls a worker method. Rejects with CodedError codes worker_timeout, cancelled, worker_exited or the worker's own. */
  async call<M extends WorkerMethod>(method: M, params: ParamsOf<M>, opts?: CallOptions<ProgressOf<M>>): Promise<ResultOf<M>>;
  async call(method: string, params: unknown, opts?: CallOptions<unknown>): Promise<unknown>;
  async call(method: string, params: unknown, opts: CallOptions<unknown> = {}): Promise<unknown> {
    if (opts.signal?.aborted) throw new CodedError('cancelled', `"${method}" cancelled before it started`);
    clearTimeout(this.restartTimer);
    await this.start();
    const channel = this.channel;
    if (!channel || !this.child) throw new CodedError('worker_exited', 'the inference worker is not running');
    return channel.request(method, params, opts);
  }

  /** Kills the child (if any) and starts a fresh one. */
  async restart(): Promise<void> {
    clearTimeout(this.restartTimer);
    this.restartAttempts = 0;
    const child = this.child;
    if (child) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      const auto = this.opts.autoRestart;
      this.opts.autoRestart = false;
      child.kill('SIGKILL');
      await exited;
      this.opts.autoRestart = auto;
      clearTimeout(this.restartTimer);
    }
    this.setState('restarting');
    await this.start();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.restartTimer);
    this.channel?.close('the inference worker was shut down');
    this.channel = undefined;
    this.child?.kill('SIGTERM');
    this.child = undefined;
    this.setState('stopped');
  }
}
