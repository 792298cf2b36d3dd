import type { HealthResult } from '../../core/protocol/worker';
import { WORKER_PROTOCOL_VERSION } from '../../core/protocol/worker';
import { CodedError } from '../../core/errors';
import { probeProviders } from '../providers';
import type { HandlerTable } from './types';

const started = Date.now();

export const coreHandlers: HandlerTable = {
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
};
