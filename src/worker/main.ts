/**
 * The worker child process (forked by the extension host and by the CLI). onnxruntime, sql.js and the chart renderer
 * live here so that a native abort or a runaway query never takes the extension host down.
 * Protocol: src/core/protocol/worker.ts. stdout is never used for protocol traffic.
 */
import { isWorkerInbound, WORKER_PROTOCOL_VERSION, type WorkerOutbound } from '../core/protocol/worker';
import { toErrorInfo } from '../core/errors';
import { handlers } from './handlers';
import { disposeChartHandlers } from './handlers/chart';

if (!process.send) {
  process.stderr.write('reward-lens worker: must be started with child_process.fork (IPC channel missing)\n');
  process.exit(2);
}

const inflight = new Map<number, AbortController>();

function send(msg: WorkerOutbound): void {
  if (process.connected) process.send!(msg);
}

function log(level: 'trace' | 'debug' | 'info' | 'warn' | 'error', message: string): void {
  send({ type: 'log', level, message });
}

process.on('message', (raw: unknown) => {
  if (!isWorkerInbound(raw)) {
    log('warn', `dropped malformed message: ${JSON.stringify(raw)?.slice(0, 200)}`);
    return;
  }
  if (raw.type === 'cancel') {
    inflight.get(raw.id)?.abort();
    return;
  }
  const { id, method, params } = raw;
  const handler = Object.prototype.hasOwnProperty.call(handlers, method) ? handlers[method] : undefined;
  if (!handler) {
    send({ type: 'response', id, ok: false, error: { code: 'unknown_method', message: `worker has no method "${method}"` } });
    return;
  }
  const ac = new AbortController();
  inflight.set(id, ac);
  const ctx = {
    signal: ac.signal,
    progress: (data: unknown) => send({ type: 'progress', id, data }),
    log,
  };
  handler(params, ctx).then(
    (result) => send({ type: 'response', id, ok: true, result }),
    (e: unknown) => send({ type: 'response', id, ok: false, error: toErrorInfo(e) }),
  ).finally(() => inflight.delete(id));
});

// The parent went away (extension host closed or restarted us): stop the chart renderer children, then exit.
process.on('disconnect', () => {
  void Promise.resolve(disposeChartHandlers()).finally(() => process.exit(0));
});
process.on('uncaughtException', (e) => {
  log('error', `uncaught exception: ${e.stack ?? e.message}`);
});
process.on('unhandledRejection', (e) => {
  log('error', `unhandled rejection: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
});

send({ type: 'ready', pid: process.pid, protocolVersion: WORKER_PROTOCOL_VERSION });
