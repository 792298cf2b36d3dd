import type { HealthResult } from '../../core/protocol/worker';
import { WORKER_PROTOCOL_VERSION } from '../../core/protocol/worker';
import { CodedError } from '../../core/errors';
import { probeProviders } from '../providers';
import { workerHandlers } from './types';

const started = Date.now();

export const coreHandlers = workerHandlers({
  async health(): Promise<HealthResult> {
    const p = await probeProviders();
    return {
      pid: process.pid,
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      protocolVersion: WORKER_PROTOCOL_VERSION,
      executionProviders: p.executionProviders,
      activeProvider: p.activeProvider,
      fallbackReasons: p.fallbackReasons,
      onnxruntimeVersion: p.onnxruntimeVersion,
      onnxruntimeError: p.onnxruntimeError,
      uptimeMs: Date.now() - started,
      memoryRssBytes: process.memoryUsage().rss,
    };
  },

  async sleep(params, ctx) {
    const ms = typeof (params as { ms?: unknown })?.ms === 'number' ? (params as { ms: number }).ms : 0;
    const t0 = Date.now();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new CodedError('cancelled', 'sleep cancelled'));
      });
    });
    return { sleptMs: Date.now() - t0 };
  },

  async 'debug.crash'(params) {
    if (process.env.REWARD_LENS_TEST_HOOKS !== '1') throw new CodedError('unknown_method', 'worker has no method "debug.crash" (test hooks are off)');
    const kind = (params as { kind?: unknown } | null)?.kind;
    if (kind !== 'exception' && kind !== 'rejection') throw new CodedError('bad_request', 'debug.crash: kind must be "exception" or "rejection"');
    setTimeout(() => {
      if (kind === 'exception') throw new Error('debug.crash: deliberate uncaught exception');
      void Promise.reject(new Error('debug.crash: deliberate unhandled rejection'));
    }, 10);
    return { scheduled: true as const };
  },
});
