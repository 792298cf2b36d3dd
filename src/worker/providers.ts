/**
 * What onnxruntime can offer in this process. Loading onnxruntime-node can fail (missing binary for the platform,
 * missing libc symbols): the worker must still answer health with the reason.
 * The inference module records which provider a loaded model actually uses (setActiveProvider).
 */
export interface ProviderProbe {
  executionProviders: string[];
  activeProvider: string | null;
  fallbackReasons: Record<string, string>;
  onnxruntimeVersion: string | null;
  onnxruntimeError: string | null;
}

let active: { provider: string | null; fallbackReasons: Record<string, string> } = { provider: null, fallbackReasons: {} };

export function setActiveProvider(provider: string | null, fallbackReasons: Record<string, string>): void {
  active = { provider, fallbackReasons };
}

interface OrtModule {
  listSupportedBackends?: () => Array<{ name: string; bundled?: boolean }>;
  env?: { versions?: { common?: string; node?: string } };
}

export function loadOrt(): OrtModule {
  return require('onnxruntime-node') as OrtModule;
}

export async function probeProviders(): Promise<ProviderProbe> {
  let ort: OrtModule;
  try {
    ort = loadOrt();
  } catch (e) {
    return { executionProviders: [], activeProvider: active.provider, fallbackReasons: active.fallbackReasons, onnxruntimeVersion: null, onnxruntimeError: e instanceof Error ? e.message : String(e) };
  }
  const backends = ort.listSupportedBackends?.() ?? [{ name: 'cpu', bundled: true }];
  return {
    executionProviders: backends.map((b) => b.name),
    activeProvider: active.provider,
    fallbackReasons: active.fallbackReasons,
    onnxruntimeVersion: ort.env?.versions?.node ?? ort.env?.versions?.common ?? null,
    onnxruntimeError: null,
  };
}
