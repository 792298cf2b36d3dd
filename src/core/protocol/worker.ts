/**
 * The one contract between the extension host (or the CLI) and the worker child process.
 * Each method is declared once with its params, result and (for streaming methods) progress type.
 * Messages are `unknown` on arrival; `isWorkerInbound` / `isWorkerOutbound` narrow them.
 */
import type { ErrorInfo } from '../errors';
import type { CandidateResult, GenerateParams, GenerateResult, LoadedModelInfo, OnnxBackendSpec } from '../sampling/request';
import type { SqlExecuteParams, SqlRankOutput, SqlRankParams, SqlRankProgress, SqlSchemaParams, SqlSchemaResult } from '../sql/protocol';
import type { ExecOutcome } from '../sql/types';
import type { ChartCandidateProgress, ChartRankParams, ChartRankResult, ChartRenderParams, ChartRenderResult } from '../chart/protocol';
import type { PatchRankParams, PatchRankProgress, PatchRankResult } from '../patch/protocol';

export const WORKER_PROTOCOL_VERSION = 1;

export interface HealthResult {
  pid: number;
  node: string;
  platform: string;
  arch: string;
  protocolVersion: number;
  /** onnxruntime backends this build can use (e.g. cpu, webgpu); empty when onnxruntime failed to load. */
  executionProviders: string[];
  /** The provider in use by the loaded model, when one is loaded. */
  activeProvider: string | null;
  /** Why each provider that was tried was not chosen, e.g. {cuda: "provider libraries not installed"}. */
  fallbackReasons: Record<string, string>;
  onnxruntimeVersion: string | null;
  onnxruntimeError: string | null;
  uptimeMs: number;
  memoryRssBytes: number;
}

/**
 * Method table. Task issues add their methods here (one line each), with param/result types from
 * their own core modules.
 */
export interface WorkerMethods {
  health: { params: Record<string, never>; result: HealthResult; progress: never };
  /** Test hook: sleeps `ms` (respecting cancellation). Used to test timeouts, cancellation and crash recovery. */
  sleep: { params: { ms: number }; result: { sleptMs: number }; progress: never };
  /** SQL: schema (tables, columns, keys, samples) of a SQLite file, loaded into the worker's in-memory copy. */
  'sql.schema': { params: SqlSchemaParams; result: SqlSchemaResult; progress: never };
  /** SQL: run one statement under the read-only policy and limits (a verdict, never a throw, for a bad query). */
  'sql.execute': { params: SqlExecuteParams; result: ExecOutcome; progress: never };
  /** SQL: execute, score and rank groups of candidates (same code path as `reward-lens rank --task sql`). */
  'sql.rank': { params: SqlRankParams; result: SqlRankOutput; progress: SqlRankProgress };
  /** Render, score and rank chart candidates (issue 5). Progress: one message per rendered candidate. */
  'chart.rank': { params: ChartRankParams; result: ChartRankResult; progress: ChartCandidateProgress };
  /** Render one Vega-Lite/Vega spec to a PNG (base64) with its attributes. */
  'chart.render': { params: ChartRenderParams; result: ChartRenderResult; progress: never };
  /** Patch: apply, score and rank groups of patch candidates (same code path as `reward-lens rank --task patch`). */
  'patch.rank': { params: PatchRankParams; result: PatchRankResult; progress: PatchRankProgress };
  /** Sample N candidates from a local ONNX model or an OpenAI-compatible endpoint. Progress: one finished candidate. */
  generate: { params: GenerateParams; result: GenerateResult; progress: CandidateResult };
  /** Load (or keep) the local ONNX model of a backend ahead of the first generate; reports the provider in use. */
  'model.load': { params: { backend: OnnxBackendSpec }; result: LoadedModelInfo; progress: never };
  /** The loaded local model and its provider, or null. */
  'model.info': { params: Record<string, never>; result: { loaded: LoadedModelInfo | null }; progress: never };
}

export type WorkerMethod = keyof WorkerMethods;
export type ParamsOf<M extends WorkerMethod> = WorkerMethods[M]['params'];
export type ResultOf<M extends WorkerMethod> = WorkerMethods[M]['result'];
export type ProgressOf<M extends WorkerMethod> = WorkerMethods[M]['progress'];

/** extension -> worker */
export type WorkerInbound =
  | { type: 'request'; id: number; method: string; params: unknown }
  | { type: 'cancel'; id: number };

/** worker -> extension */
export type WorkerOutbound =
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: ErrorInfo }
  | { type: 'progress'; id: number; data: unknown }
  | { type: 'ready'; pid: number; protocolVersion: number }
  | { type: 'log'; level: 'trace' | 'debug' | 'info' | 'warn' | 'error'; message: string };

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

export function isWorkerInbound(x: unknown): x is WorkerInbound {
  if (!isObj(x) || typeof x.id !== 'number') return false;
  if (x.type === 'request') return typeof x.method === 'string';
  return x.type === 'cancel';
}

export function isWorkerOutbound(x: unknown): x is WorkerOutbound {
  if (!isObj(x)) return false;
  switch (x.type) {
    case 'response':
      return typeof x.id === 'number' && typeof x.ok === 'boolean';
    case 'progress':
      return typeof x.id === 'number';
    case 'ready':
      return typeof x.pid === 'number';
    case 'log':
      return typeof x.message === 'string' && typeof x.level === 'string';
    default:
      return false;
  }
}
