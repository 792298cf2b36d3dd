/**
 * The worker child process (forked by the extension host and by the CLI). onnxruntime, sql.js and the chart renderer
 * live here so that a native abort or a runaway query never takes the extension host down.
 * Protocol: src/core/protocol/worker.ts, on the one channel (src/node/channel.ts). stdout is never used for protocol
 * traffic.
 */
import { WORKER_PROTOCOL_VERSION, type WorkerEvents, type WorkerLogLevel, type WorkerMethods } from '../core/protocol/worker';
import { parentProcessTransport, serve } from '../node/channel';
import { handlers } from './handlers';
import { disposeChartHandlers } from './handlers/chart';

if (!process.send) {
  process.stderr.write('reward-lens worker: must be started with child_process.fork (IPC channel missing)\n');
  process.exit(2);
}

function log(level: WorkerLogLevel, message: string): void {
  served.emit('log', { level, message });
}

const served = serve<WorkerMethods, WorkerEvents>(parentProcessTransport(), handlers, { log });

// The parent went away (extension host closed or restarted us): stop the chart renderer children, then exit.
process.on('disconnect', () => {
  void Promise.resolve(disposeChartHandlers()).finally(() => process.exit(0));
});

/**
 * An uncaught exception (or an unhandled rejection) leaves the worker in a state nobody knows: report it, stop the
 * renderer children, and exit. The client rejects the pending calls with `worker_exited` and starts a fresh worker.
 */
let dying = false;
function die(what: string, e: unknown): void {
  if (dying) return;
  dying = true;
  const text = `${what}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`;
  process.stderr.write(`reward-lens worker: ${text}\n`);
  try {
    disposeChartHandlers();
  } catch {
    /* exiting anyway */
  }
  const exit = (): never => process.exit(70); // EX_SOFTWARE
  // Let the log line reach the parent before the IPC channel closes; never wait long for it.
  setTimeout(exit, 200).unref();
  if (process.connected) process.send!({ type: 'event', event: 'log', data: { level: 'error', message: `${text} (exiting)` } }, undefined, {}, exit);
  else exit();
}
process.on('uncaughtException', (e) => die('uncaught exception', e));
process.on('unhandledRejection', (e) => die('unhandled rejection', e));

served.emit('ready', { pid: process.pid, protocolVersion: WORKER_PROTOCOL_VERSION });
