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
