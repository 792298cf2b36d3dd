/**
 * The one contract between the extension host (or the CLI) and the worker child process.
 * Each method is declared once with its params, result and (for streaming methods) progress type.
 * It travels on the one channel (src/core/protocol/channel.ts, src/node/channel.ts): `WorkerMethods` is its method
 * map, `WorkerEvents` its events, and src/worker/handlers serves it (the compiler checks every method is served).
 */
import type { EventGuards } from './channel';
import { isObjectLike } from '../guards';
import type { CandidateResult, GenerateParams, GenerateResult, LoadedModelInfo, OnnxBackendSpec } from '../sampling/request';
import type { SqlExecuteParams, SqlRankOutput, SqlRankParams, SqlRankProgress, SqlSchemaParams, SqlSchemaResult } from '../sql/protocol';
import type { ExecOutcome } from '../sql/types';
import type { ChartCandidateProgress, ChartRankParams, ChartRankResult, ChartRenderParams, ChartRenderResult } from '../chart/protocol';
import type { PatchRankParams, PatchRankProgress, PatchRankResult } from '../patch/protocol';

/** 2: the one channel (ready and log are `event` messages). */
export const WORKER_PROTOCOL_VERSION = 2;

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
  /**
   * Test hook (served only when the worker runs with REWARD_LENS_TEST_HOOKS=1): throws an uncaught exception or leaves
   * a rejection unhandled on the next tick, to test that the worker ends and the client restarts it.
   */
  'debug.crash': { params: { kind: 'exception' | 'rejection' }; result: { scheduled: true }; progress: never };
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

/** One-way messages from the worker (src/core/protocol/channel.ts carries them as `event` messages). */
export interface WorkerEvents {
  ready: { pid: number; protocolVersion: number };
  log: { level: WorkerLogLevel; message: string };
}

export type WorkerLogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
const LOG_LEVELS: readonly string[] = ['trace', 'debug', 'info', 'warn', 'error'];

export const workerEventGuards: EventGuards<WorkerEvents> = {
  ready: (x): x is WorkerEvents['ready'] => isObjectLike(x) && typeof x.pid === 'number' && typeof x.protocolVersion === 'number',
  log: (x): x is WorkerEvents['log'] => isObjectLike(x) && typeof x.message === 'string' && typeof x.level === 'string' && LOG_LEVELS.includes(x.level),
};
