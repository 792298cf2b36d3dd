/**
 * Typed proxy over a forked worker process (used by the extension host and the CLI; no vscode here).
 * Every call has an id, a timeout and an AbortSignal. When the child exits, every pending call is rejected at once
 * with `worker_exited`, and the child is restarted with exponential backoff (pattern of vscode-copilot-chat's
 * src/util/node/worker.ts).
 */
import { fork, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CodedError, type ErrorInfo } from '../core/errors';
import { isWorkerOutbound, type ParamsOf, type ProgressOf, type ResultOf, type WorkerMethod } from '../core/protocol/worker';

export type WorkerState = 'starting' | 'ready' | 'restarting' | 'stopped';

export interface CallOptions<P> {
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (data: P) => void;
}

export interface WorkerClientOptions {
  /** Script to fork. Defaults to dist/worker.js next to this bundle, or src/worker/main.ts under tsx from source. */
  entry?: { modulePath: string; execArgv: string[] };
  env?: NodeJS.ProcessEnv;
  defaultTimeoutMs?: number;
  /** Restart automatically after an unexpected exit (default true). */
  autoRestart?: boolean;
  log?: (level: 'trace' | 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

interface Pending {
  method: string;
  resolve: (v: unknown) => void;
  reject: (e: CodedError) => void;
  onProgress?: (data: unknown) => void;
  cleanup: () => void;
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

export class WorkerClient {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
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
      env: { ...process.env, ...this.opts.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => this.log('info', `[worker stdout] ${d.toString().trimEnd()}`));
    child.stderr?.on('data', (d: Buffer) => this.log('warn', `[worker stderr] ${d.toString().trimEnd()}`));
    this.readyPromise = new Promise<void>((resolve, reject) => {
      const onMessage = (msg: unknown) => {
        if (!isWorkerOutbound(msg)) {
          this.log('warn', `dropped malformed message from worker: ${JSON.stringify(msg)?.slice(0, 200)}`);
          return;
        }
        switch (msg.type) {
          case 'ready':
            this.restartAttempts = 0;
            this.log('info', `worker ready (pid ${msg.pid}, protocol ${msg.protocolVersion})`);
            this.setState('ready');
            resolve();
            return;
          case 'log':
            this.log(msg.level, `[worker] ${msg.message}`);
            return;
          case 'progress':
            this.pending.get(msg.id)?.onProgress?.(msg.data);
            return;
          case 'response': {
            const p = this.pending.get(msg.id);
            if (!p) return;
            this.pending.delete(msg.id);
            p.cleanup();
            if (msg.ok) p.resolve(msg.result);
            else p.reject(new CodedError(msg.error.code, msg.error.message));
            return;
          }
        }
      };
      child.on('message', onMessage);
      child.on('error', (e) => this.log('error', `worker process error: ${e.message}`));
      child.on('exit', (code, signal) => {
        if (this.child === child) this.child = undefined;
        this.readyPromise = undefined;
        const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
        reject(new CodedError('worker_exited', `worker ${why} before it was ready`));
        this.failAll({ code: 'worker_exited', message: `the inference worker ${why}` });
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

  private failAll(error: ErrorInfo): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) {
      p.cleanup();
      p.reject(new CodedError(error.code, `${error.message} during "${p.method}"`));
    }
  }

  /** Calls a worker method. Rejects with CodedError codes worker_timeout, cancelled, worker_exited or the worker's own. */
  async call<M extends WorkerMethod>(method: M, params: ParamsOf<M>, opts?: CallOptions<ProgressOf<M>>): Promise<ResultOf<M>>;
  async call(method: string, params: unknown, opts?: CallOptions<unknown>): Promise<unknown>;
  async call(method: string, params: unknown, opts: CallOptions<unknown> = {}): Promise<unknown> {
    if (opts.signal?.aborted) throw new CodedError('cancelled', `"${method}" cancelled before it started`);
    clearTimeout(this.restartTimer);
    await this.start();
    const child = this.child;
    if (!child) throw new CodedError('worker_exited', 'the inference worker is not running');
    const id = this.nextId++;
    const timeoutMs = opts.timeoutMs ?? this.opts.defaultTimeoutMs ?? 60000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.pending.has(id)) return;
        this.pending.delete(id);
        cleanup();
        this.sendSafe({ type: 'cancel', id });
        reject(new CodedError('worker_timeout', `"${method}" did not finish within ${timeoutMs} ms`));
      }, timeoutMs);
      const onAbort = () => {
        if (!this.pending.has(id)) return;
        this.pending.delete(id);
        cleanup();
        this.sendSafe({ type: 'cancel', id });
        reject(new CodedError('cancelled', `"${method}" was cancelled`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      opts.signal?.addEventListener('abort', onAbort);
      this.pending.set(id, { method, resolve, reject, onProgress: opts.onProgress, cleanup });
      if (!this.sendSafe({ type: 'request', id, method, params })) {
        this.pending.delete(id);
        cleanup();
        reject(new CodedError('worker_exited', `the inference worker is not connected ("${method}")`));
      }
    });
  }

  private sendSafe(msg: unknown): boolean {
    const child = this.child;
    if (!child || !child.connected) return false;
    try {
      child.send(msg as object);
      return true;
    } catch (e) {
      this.log('warn', `send to worker failed: ${String(e)}`);
      return false;
    }
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
    this.failAll({ code: 'worker_exited', message: 'the inference worker was shut down' });
    this.child?.kill('SIGTERM');
    this.child = undefined;
    this.setState('stopped');
  }
}
