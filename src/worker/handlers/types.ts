import type { ErrorInfo } from '../../core/errors';
import type { WorkerMethods } from '../../core/protocol/worker';
import type { HandlerContext as ChannelHandlerContext, Handlers } from '../../node/channel';

/** What a worker method's handler gets besides its params (signal, progress, log). */
export type HandlerContext<P = unknown> = ChannelHandlerContext<P>;

/**
 * The worker's handler table: one handler per method of `WorkerMethods`, each returning that method's result type.
 * Each task file serves its part through `workerHandlers({...})`; handlers/index.ts assembles the whole table as
 * `WorkerHandlers`, so a method without a handler (or a handler with the wrong result type) does not compile.
 */
export type WorkerHandlers = Handlers<WorkerMethods>;

/** Types part of the handler table: the keys must be methods of the protocol, each handler its method's type. */
export function workerHandlers<K extends keyof WorkerMethods>(table: Pick<WorkerHandlers, K>): Pick<WorkerHandlers, K> {
  return table;
}
export type { ErrorInfo };
