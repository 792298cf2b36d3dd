/**
 * Execution-provider choice. `auto` tries CUDA (only when its provider libraries are installed next to the
 * onnxruntime-node binding: the npm package does not bundle them), then WebGPU (bundled on linux-x64, win32 and
 * darwin; needs a GPU adapter, i.e. a Vulkan/Metal/D3D12 driver), then CPU. Each provider that is passed over gets a
 * reason, shown in the worker health and the status bar.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CodedError } from '../../core/errors';
import { setActiveProvider } from '../providers';
import { loadOrt, type Ort } from './ort';

export type ProviderChoice = 'auto' | 'cuda' | 'webgpu' | 'cpu';
export type ProviderName = 'cuda' | 'webgpu' | 'cpu';

/** The fields of HealthResult (src/core/protocol/worker.ts) that come from here. */
export interface ProvidersProbe {
  executionProviders: string[];
  activeProvider: string | null;
  fallbackReasons: Record<string, string>;
  onnxruntimeVersion: string | null;
  onnxruntimeError: string | null;
}

let lastSelection: { provider: ProviderName; fallbackReasons: Record<string, string> } | null = null;

/** Called by the model loader after a session was created. */
export function recordSelection(provider: ProviderName, fallbackReasons: Record<string, string>): void {
  lastSelection = { provider, fallbackReasons: { ...fallbackReasons } };
  setActiveProvider(provider, { ...fallbackReasons }); // what the worker's health handler reports
}

function bindingDir(): string | null {
  try {
    const pkg = require.resolve('onnxruntime-node/package.json');
    return path.join(path.dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return null;
  }
}

/** Why CUDA cannot be used, or null when its provider libraries are present. */
export function cudaUnavailableReason(ort: Ort): string | null {
  const backend = ort.listSupportedBackends().find((b) => b.name === 'cuda');
  if (!backend) return `onnxruntime-node has no CUDA backend on ${process.platform}-${process.arch}`;
  const dir = bindingDir();
  const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  if (!dir || !fs.existsSync(path.join(dir, lib))) {
    return `provider libraries not installed (${lib} is not in ${dir ?? 'the onnxruntime-node binding folder'}; onnxruntime-node's install script downloads them)`;
  }
  return null;
}

function webgpuUnavailableReason(ort: Ort): string | null {
  return ort.listSupportedBackends().some((b) => b.name === 'webgpu') ? null : `onnxruntime-node has no WebGPU backend on ${process.platform}-${process.arch}`;
}

/**
 * Linux without a GPU device node: any WebGPU adapter would be a software Vulkan driver (Mesa's lavapipe), slower
 * than onnxruntime's own CPU kernels, so auto passes it over. An explicit `webgpu` setting still uses it.
 */
export function softwareOnlyGpuReason(): string | null {
  if (process.platform !== 'linux') return null;
  try {
    const dri = fs.existsSync('/dev/dri') && fs.readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
    const nvidia = fs.readdirSync('/dev').some((f) => /^nvidia\d+$/.test(f));
    if (dri || nvidia) return null;
  } catch {
    return null;
  }
  return 'no GPU device (/dev/dri/renderD*, /dev/nvidia*): a WebGPU adapter here would be a software Vulkan driver, slower than the CPU provider';
}

/**
 * What the worker health reports. Never throws, also when onnxruntime fails to load. Whether a WebGPU adapter
 * exists is only known once a session was created (see createSessionWithFallback); until then webgpu is listed
 * when the build has it.
 */
export function probeProviders(): ProvidersProbe {
  const { ort, version, error } = loadOrt();
  if (!ort) return { executionProviders: [], activeProvider: null, fallbackReasons: {}, onnxruntimeVersion: null, onnxruntimeError: error };
  const eps: string[] = [];
  const reasons: Record<string, string> = {};
  try {
    const cuda = cudaUnavailableReason(ort);
    if (cuda) reasons.cuda = cuda;
    else eps.push('cuda');
    const webgpu = webgpuUnavailableReason(ort);
    if (webgpu) reasons.webgpu = webgpu;
    else eps.push('webgpu');
    eps.push('cpu');
  } catch (e) {
    return { executionProviders: ['cpu'], activeProvider: null, fallbackReasons: {}, onnxruntimeVersion: version, onnxruntimeError: e instanceof Error ? e.message : String(e) };
  }
  return {
    executionProviders: eps,
    activeProvider: lastSelection?.provider ?? null,
    fallbackReasons: lastSelection ? lastSelection.fallbackReasons : reasons,
    onnxruntimeVersion: version,
    onnxruntimeError: null,
  };
}

export interface SessionAttempt<S> {
  session: S;
  provider: ProviderName;
  fallbackReasons: Record<string, string>;
}

/**
 * Tries providers in order; `open` creates (and should smoke-test) a session on one provider and throws when it
 * cannot. An explicit choice other than auto does not fall back: it fails with model_load and the reason.
 */
export async function createSessionWithFallback<S>(choice: ProviderChoice, open: (ort: Ort, provider: ProviderName) => Promise<S>): Promise<SessionAttempt<S>> {
  const { ort, error } = loadOrt();
  if (!ort) throw new CodedError('model_load', `onnxruntime-node could not be loaded: ${error}`);
  const order: ProviderName[] = choice === 'auto' ? ['cuda', 'webgpu', 'cpu'] : [choice];
  const reasons: Record<string, string> = {};
  for (const provider of order) {
    const pre = provider === 'cuda' ? cudaUnavailableReason(ort)
      : provider === 'webgpu' ? webgpuUnavailableReason(ort) ?? (choice === 'auto' ? softwareOnlyGpuReason() : null)
        : null;
    if (pre) {
      reasons[provider] = pre;
      continue;
    }
    try {
      const session = await open(ort, provider);
      recordSelection(provider, reasons);
      return { session, provider, fallbackReasons: reasons };
    } catch (e) {
      if (e instanceof CodedError && e.code === 'model_folder') throw e; // the folder is wrong: no provider will help
      reasons[provider] = firstLine(e instanceof Error ? e.message : String(e));
    }
  }
  const detail = Object.entries(reasons).map(([k, v]) => `${k}: ${v}`).join('; ');
  throw new CodedError('model_load', choice === 'auto' ? `no execution provider could run the model (${detail})` : `the ${choice} execution provider could not run the model (${detail})`);
}

function firstLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim().length > 0) ?? s;
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}
