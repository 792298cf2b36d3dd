import type { ErrorInfo } from '../../core/errors';

export interface HandlerContext {
  /** Aborted when the caller cancels or the call times out. Check it between units of work. */
  signal: AbortSignal;
  /** Streams a partial result to the caller (e.g. one finished candidate). */
  progress(data: unknown): void;
  log(level: 'trace' | 'debug' | 'info' | 'warn' | 'error', message: string): void;
}

export type Handler = (params: unknown, ctx: HandlerContext) => Promise<unknown>;
export type HandlerTable = Record<string, Handler>;
export type { ErrorInfo };
