/**
 * The Node side of the one channel (envelope and guards: src/core/protocol/channel.ts), used at the three child
 * boundaries: extension host/CLI <-> worker (fork IPC), worker <-> chart renderer child (fork IPC), worker <-> SQL
 * execution thread (worker_threads MessagePort).
 *
 * - `ChannelClient`: calls with ids, a timeout, an AbortSignal (a `cancel` goes to the other side), progress, typed
 *   events, and `close(why)` that rejects every pending call at once (the owner calls it when the other side exits).
 *   Every rejection is a `ChannelError` (a CodedError with a `reason`), with the codes the boundary chose.
 * - `serve`: answers requests from a handler table whose type (`Handlers<M>`) makes the compiler check that every
 *   method of the protocol is served with its result type; cancels abort the handler's signal.
 * Both sides guard every incoming message: anything else is logged and dropped.
 */
import type { ChildProcess } from 'child_process';
import type { MessagePort, Worker } from 'worker_threads';
import { CodedError, toErrorInfo, type ErrorCode } from '../core/errors';
import {
  describeMessage,
  isInboundMessage,
  isOutboundMessage,
  type EventGuards,
  type EventMap,
  type InboundMessage,
  type MethodMap,
  type MethodName,
  type OutboundMessage,
} from '../core/protocol/channel';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export type LogFn = (level: LogLevel, message: string) => void;

/** A message pipe: post returns false when the other side is gone; onMessage returns an unsubscribe function. */
export interface Transport {
  post(msg: InboundMessage | OutboundMessage): boolean;
  onMessage(listener: (msg: unknown) => void): () => void;
}

// ---------------------------------------------------------------------------------------------------------------
// Transports

/** False when sending threw (the other side went away between the check and the send). */
function sent(send: () => unknown): boolean {
  try {
    send();
    return true;
  } catch {
    return false;
  }
}

/** What a ChildProcess (parent side) and `process` (child side) have in common: a fork's IPC channel. */
interface IpcEndpoint {
  readonly connected: boolean;
  send?(message: InboundMessage | OutboundMessage): boolean;
  on(event: 'message', listener: (msg: unknown) => void): unknown;
  off(event: 'message', listener: (msg: unknown) => void): unknown;
}

function ipcTransport(endpoint: IpcEndpoint): Transport {
  return {
    post: (msg) => endpoint.connected && endpoint.send !== undefined && sent(() => endpoint.send!(msg)),
    onMessage(l) {
      endpoint.on('message', l);
      return () => endpoint.off('message', l);
    },
  };
}

/** Parent side of a forked child (child_process IPC). */
export function childProcessTransport(child: ChildProcess): Transport {
  return ipcTransport(child);
}

/** Child side of a fork: this process's IPC channel to its parent. */
export function parentProcessTransport(): Transport {
  return ipcTransport(process as unknown as IpcEndpoint);
}

/** Either end of a worker_threads pair: the parent's `Worker` or the thread's `parentPort`. */
export function messagePortTransport(port: Worker | MessagePort): Transport {
  let closed = false;
  const events = port as unknown as NodeJS.EventEmitter;
  events.once('close', () => (closed = true)); // MessagePort
  events.once('exit', () => (closed = true)); // Worker
  return {
    post: (msg) => !closed && sent(() => port.postMessage(msg)),
    onMessage(l) {
      port.on('message', l);
      return () => port.off('message', l);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Client

export type ChannelFailure = 'timeout' | 'cancelled' | 'closed' | 'remote';

/** Why a call did not return a result: `reason` says which; `code` is the boundary's code (or the remote one). */
export class ChannelError extends CodedError {
  constructor(code: ErrorCode | (string & {}), message: string, readonly reason: ChannelFailure) {
    super(code, message);
    this.name = 'ChannelError';
  }
}

export interface CallOptions<P> {
  /** Default: the client's `defaultTimeoutMs`. `Infinity` waits as long as the other side lives. */
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (data: P) => void;
}

export interface ChannelClientOptions<E extends EventMap<E>> {
  /** Names the other side in messages, e.g. "the inference worker". */
  peer: string;
  /** Codes of the rejections this boundary reports (defaults: `timeout`, `cancelled`, `worker_exited`). */
  codes?: { timeout?: ErrorCode; cancelled?: ErrorCode; closed?: ErrorCode };
  defaultTimeoutMs?: number;
  /** Guard per event of the protocol. */
  events: EventGuards<E>;
  log?: LogFn;
}

interface PendingCall {
  method: string;
  resolve(v: unknown): void;
  reject(e: ChannelError): void;
  onProgress: ((data: unknown) => void) | undefined;
  cleanup(): void;
}

export class ChannelClient<M extends MethodMap<M>, E extends EventMap<E> = Record<never, never>> {
  private nextId = 1;
  private readonly pending = new Map<number, PendingCall>();
  private readonly listeners = new Map<keyof E, Set<(data: never) => void>>();
  private closedWhy: string | null = null;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly transport: Transport,
    private readonly opts: ChannelClientOptions<E>,
  ) {
    this.unsubscribe = transport.onMessage((m) => this.receive(m));
  }

  /** Calls still waiting for their response. */
  get pendingCount(): number {
    return this.pending.size;
  }

  get closed(): boolean {
    return this.closedWhy !== null;
  }

  private log(level: LogLevel, message: string): void {
    (this.opts.log ?? defaultLog)(level, message);
  }

  private receive(msg: unknown): void {
    if (!isOutboundMessage(msg)) {
      this.log('warn', `dropped malformed message from ${this.opts.peer}: ${describeMessage(msg)}`);
      return;
    }
    switch (msg.type) {
      case 'event': {
        const name = msg.event as keyof E & string;
        const guard = Object.prototype.hasOwnProperty.call(this.opts.events, name) ? this.opts.events[name] : undefined;
        if (!guard || !guard(msg.data)) {
          this.log('warn', `dropped unknown or malformed event from ${this.opts.peer}: ${describeMessage(msg)}`);
          return;
        }
        for (const l of this.listeners.get(name) ?? []) (l as (d: unknown) => void)(msg.data);
        return;
      }
      case 'progress':
        this.pending.get(msg.id)?.onProgress?.(msg.data);
        return;
      case 'response': {
        const p = this.pending.get(msg.id);
        if (!p) return; // timed out or cancelled already
        this.pending.delete(msg.id);
        p.cleanup();
        if (msg.ok) p.resolve(msg.result);
        else p.reject(new ChannelError(msg.error.code, msg.error.message, 'remote'));
        return;
      }
    }
  }

  /** Subscribes to one event of the protocol; returns the unsubscribe function. */
  on<K extends keyof E & string>(event: K, listener: (data: E[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (data: never) => void);
    return () => set.delete(listener as (data: never) => void);
  }

  /** Calls a method of the protocol. Rejects with a ChannelError (timeout, cancelled, closed, or the remote error). */
  call<K extends MethodName<M>>(method: K, params: M[K]['params'], opts?: CallOptions<M[K]['progress']>): Promise<M[K]['result']> {
    return this.request(method, params, opts as CallOptions<unknown>);
  }

  /** Untyped call (a method name from outside the protocol, e.g. tests of `unknown_method`). */
  request(method: string, params: unknown, opts: CallOptions<unknown> = {}): Promise<unknown> {
    const codes = this.opts.codes ?? {};
    if (this.closedWhy !== null) return Promise.reject(new ChannelError(codes.closed ?? 'worker_exited', `${this.closedWhy} ("${method}")`, 'closed'));
    if (opts.signal?.aborted) return Promise.reject(new ChannelError(codes.cancelled ?? 'cancelled', `"${method}" cancelled before it started`, 'cancelled'));
    const id = this.nextId++;
    const timeoutMs = opts.timeoutMs ?? this.opts.defaultTimeoutMs ?? 60000;
    return new Promise<unknown>((resolve, reject) => {
      const giveUp = (e: ChannelError): void => {
        if (!this.pending.has(id)) return;
        this.pending.delete(id);
        cleanup();
        this.transport.post({ type: 'cancel', id });
        reject(e);
      };
      const timer = Number.isFinite(timeoutMs)
        ? setTimeout(() => giveUp(new ChannelError(codes.timeout ?? 'timeout', `"${method}" did not finish within ${timeoutMs} ms`, 'timeout')), Math.max(0, timeoutMs))
        : undefined;
      const onAbort = (): void => giveUp(new ChannelError(codes.cancelled ?? 'cancelled', `"${method}" was cancelled`, 'cancelled'));
      const cleanup = (): void => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, { method, resolve, reject, onProgress: opts.onProgress, cleanup });
      if (!this.transport.post({ type: 'request', id, method, params })) {
        this.pending.delete(id);
        cleanup();
        reject(new ChannelError(codes.closed ?? 'worker_exited', `${this.opts.peer} is not connected ("${method}")`, 'closed'));
      }
    });
  }

  /**
   * The other side is gone (exited, killed, disconnected): rejects every pending call now, and every later call.
   * Idempotent; the first reason wins.
   */
  close(why: string): void {
    if (this.closedWhy === null) this.closedWhy = why;
    this.unsubscribe();
    const all = [...this.pending.values()];
    this.pending.clear();
    const code = this.opts.codes?.closed ?? 'worker_exited';
    for (const p of all) {
      p.cleanup();
      p.reject(new ChannelError(code, `${this.closedWhy} during "${p.method}"`, 'closed'));
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Served side

export interface HandlerContext<P = unknown> {
  /** Aborted when the caller cancels or its call times out. Check it between units of work. */
  signal: AbortSignal;
  /** Streams a partial result to the caller (e.g. one finished candidate). */
  progress(data: P): void;
  log: LogFn;
}

/**
 * One method's handler. `params` arrive as `unknown`: each handler validates them (a bad request is a
 * `bad_request` error, never a crash); the result type is the protocol's.
 */
export type Handler<S extends { params: unknown; result: unknown; progress: unknown }> = (params: unknown, ctx: HandlerContext<S['progress']>) => Promise<S['result']>;

/** The handler table of a protocol: one handler per method, each returning that method's result type. */
export type Handlers<M extends MethodMap<M>> = { [K in keyof M]: Handler<M[K]> };

export interface ServeOptions {
  log?: LogFn;
  /** Code of a handler's throw that carries none (a plain Error). Default `internal`. */
  fallbackCode?: ErrorCode;
}

export interface Served<E extends EventMap<E>> {
  /** Sends an event of the protocol to the caller. */
  emit<K extends keyof E & string>(event: K, data: E[K]): boolean;
  /** Requests running now. */
  readonly inflight: number;
  stop(): void;
}

/** Serves a handler table on a transport. Unknown methods answer `unknown_method`; a handler's throw is its error. */
export function serve<M extends MethodMap<M>, E extends EventMap<E> = Record<never, never>>(transport: Transport, handlers: Handlers<M>, opts: ServeOptions = {}): Served<E> {
  const log = opts.log ?? defaultLog;
  const running = new Map<number, AbortController>();
  const table = handlers as unknown as Record<string, Handler<{ params: unknown; result: unknown; progress: unknown }>>;
  const unsubscribe = transport.onMessage((msg) => {
    if (!isInboundMessage(msg)) {
      log('warn', `dropped malformed message: ${describeMessage(msg)}`);
      return;
    }
    if (msg.type === 'cancel') {
      running.get(msg.id)?.abort();
      return;
    }
    const { id, method, params } = msg;
    const handler = Object.prototype.hasOwnProperty.call(table, method) ? table[method] : undefined;
    if (!handler) {
      transport.post({ type: 'response', id, ok: false, error: { code: 'unknown_method', message: `no method "${method}"` } });
      return;
    }
    const ac = new AbortController();
    running.set(id, ac);
    const ctx: HandlerContext = { signal: ac.signal, progress: (data) => transport.post({ type: 'progress', id, data }), log };
    let result: Promise<unknown>;
    try {
      result = handler(params, ctx);
    } catch (e) {
      running.delete(id);
      transport.post({ type: 'response', id, ok: false, error: toErrorInfo(e, opts.fallbackCode) });
      return;
    }
    void Promise.resolve(result).then(
      (r) => transport.post({ type: 'response', id, ok: true, result: r }),
      (e: unknown) => transport.post({ type: 'response', id, ok: false, error: toErrorInfo(e, opts.fallbackCode) }),
    ).finally(() => running.delete(id));
  });
  return {
    emit: (event, data) => transport.post({ type: 'event', event, data }),
    get inflight() {
      return running.size;
    },
    stop: unsubscribe,
  };
}

function defaultLog(level: LogLevel, message: string): void {
  if (level === 'warn' || level === 'error') process.stderr.write(`[channel ${level}] ${message}\n`);
}
