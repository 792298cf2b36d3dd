/**
 * The one request/response channel used at every child boundary (extension host <-> worker over fork IPC, worker <->
 * chart renderer child, worker <-> SQL execution thread): the wire envelope, its guards, and the method-map types.
 * The Node engine (ids, timeouts, cancellation, reject-on-exit, serving a handler table) is src/node/channel.ts.
 *
 * A protocol is a method map `{ [method]: { params; result; progress } }` plus an event map `{ [event]: data }` for
 * one-way messages from the served side (ready, log, fatal). Every message is `unknown` on arrival and goes through a
 * guard here; the payload types are the protocol's (each side is built from the same source).
 */
import { isErrorInfo, type ErrorInfo } from '../errors';
import { isObjectLike } from '../guards';

/** One method of a protocol. `progress: never` for methods that stream nothing. */
export interface MethodSpec {
  params: unknown;
  result: unknown;
  progress: unknown;
}

/** Constraint for a protocol's method map (an interface whose every member is a MethodSpec). */
export type MethodMap<M> = { [K in keyof M]: MethodSpec };
/** Constraint for a protocol's event map (one-way messages from the served side). */
export type EventMap<E> = { [K in keyof E]: unknown };

export type MethodName<M> = keyof M & string;
export type Params<M extends MethodMap<M>, K extends keyof M> = M[K]['params'];
export type Result<M extends MethodMap<M>, K extends keyof M> = M[K]['result'];
export type Progress<M extends MethodMap<M>, K extends keyof M> = M[K]['progress'];

/** Guards for the data of each event: the receiving side drops (and logs) an event whose data fails its guard. */
export type EventGuards<E extends EventMap<E>> = { [K in keyof E]: (x: unknown) => x is E[K] };

/** caller -> served side */
export type RequestMessage = { type: 'request'; id: number; method: string; params: unknown };
export type CancelMessage = { type: 'cancel'; id: number };
export type InboundMessage = RequestMessage | CancelMessage;

/** served side -> caller */
export type ResponseMessage =
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: ErrorInfo };
export type ProgressMessage = { type: 'progress'; id: number; data: unknown };
export type EventMessage = { type: 'event'; event: string; data: unknown };
export type OutboundMessage = ResponseMessage | ProgressMessage | EventMessage;

function isId(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x > 0;
}

export function isInboundMessage(x: unknown): x is InboundMessage {
  if (!isObjectLike(x) || !isId(x.id)) return false;
  if (x.type === 'request') return typeof x.method === 'string';
  return x.type === 'cancel';
}

export function isOutboundMessage(x: unknown): x is OutboundMessage {
  if (!isObjectLike(x)) return false;
  switch (x.type) {
    case 'response':
      if (!isId(x.id)) return false;
      if (x.ok === true) return true;
      return x.ok === false && isErrorInfo(x.error);
    case 'progress':
      return isId(x.id);
    case 'event':
      return typeof x.event === 'string';
    default:
      return false;
  }
}

/** A short, bounded rendering of a dropped message for the log (never the whole payload). */
export function describeMessage(x: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(x) ?? String(x);
  } catch {
    s = Object.prototype.toString.call(x);
  }
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}
