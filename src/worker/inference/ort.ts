/**
 * onnxruntime-node, loaded lazily: a missing or broken native binding is reported (health, model_load errors)
 * instead of crashing the worker at import time.
 */
import type * as OrtTypes from 'onnxruntime-node';

export type Ort = typeof OrtTypes;
let cached: { ort: Ort | null; version: string | null; error: string | null } | undefined;

export function loadOrt(): { ort: Ort | null; version: string | null; error: string | null } {
  if (cached) return cached;
  try {
    // onnxruntime (1.30, POSIX) matches the process command line against std::regex patterns for its telemetry when
    // it creates its environment (the first session). libstdc++'s regex recurses once per character, so a command line
    // of ~29 KB (a long `--prompt` argument) overflowed the main thread's stack: a segfault inside session creation.
    // Turning telemetry off skips that code (see vespa-engine/vespa#37786); it collects nothing on Linux/macOS anyway.
    process.env.ORT_DISABLE_TELEMETRY ??= '1';
    const ort = require('onnxruntime-node') as Ort;
    let version: string | null = null;
    try {
      version = (ort.env as { versions?: { node?: string; common?: string } }).versions?.node ?? null;
      version ??= (require('onnxruntime-node/package.json') as { version: string }).version;
    } catch {
      /* version is informational */
    }
    cached = { ort, version, error: null };
  } catch (e) {
    cached = { ort: null, version: null, error: e instanceof Error ? e.message : String(e) };
  }
  return cached;
}
