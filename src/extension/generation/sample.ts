/**
 * The part every generate command shares: settings -> backend, sampling through the worker with a cancellable
 * progress notification, candidates streamed into the review session as they finish.
 */
import * as vscode from 'vscode';
import * as path from 'path';
import * as fs from 'fs';
import { draftingSummary, type BackendSpec, type ChatMessage, type GenerateParams, type GenerateResult } from '../../core/sampling/request';
import type { GenerationFacts, RecordContext, SamplingRecord, TaskKind } from '../../core/preferences/record';
import type { ExtensionApi } from '../api';
import type { Settings } from '../settings';
import type { ReviewSession } from '../review/reviewPanel';
import type { GroupOutput } from '../../core/ranking/types';
import { describeError, errorAdvice } from '../errors';
import { toErrorInfo } from '../../core/errors';
import { defaultSqlWeights } from '../../core/sql/weights';
import { PATCH_DEFAULT_WEIGHTS } from '../../core/patch/rewards';
import { DEFAULT_CHART_WEIGHTS, DEFAULT_CHART_WEIGHTS_REFERENCE_FREE } from '../../core/chart/rewards';
import { ReviewPanel } from '../review/reviewPanel';

export function backendFromSettings(s: Settings, extensionPath: string): BackendSpec {
  if (s.endpointUrl) {
    // The key comes from the environment only: never from settings, never into the preference log.
    const apiKey = process.env.REWARD_LENS_API_KEY || process.env.OPENAI_API_KEY;
    return { kind: 'openai', url: s.endpointUrl, model: s.endpointModel || 'default', timeoutMs: s.endpointTimeoutMs, ...(apiKey ? { apiKey } : {}) };
  }
  return { kind: 'onnx', modelPath: s.modelPath || path.join(extensionPath, 'fixtures', 'tiny-model'), executionProvider: s.executionProvider, dtype: s.modelDtype };
}

export function modelLabel(backend: BackendSpec): string {
  return backend.kind === 'openai' ? backend.model : path.basename(backend.modelPath);
}

/** `endpoint (host)` for the status bar and labels; never the path or credentials. */
export function endpointHost(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

const TASK_WORDS: Record<TaskKind, string> = { sql: 'SQL', patch: 'code patches', chart: 'chart specs' };

/**
 * The tasks a local model folder declares it can do: `config.json` key `reward_lens.tasks` (the bundled demo model
 * says `["sql"]`). Null when the folder says nothing (any task is tried) or for an endpoint.
 */
export function modelTasks(backend: BackendSpec): TaskKind[] | null {
  if (backend.kind !== 'onnx') return null;
  try {
    const cfg = JSON.parse(fs.readFileSync(path.join(backend.modelPath, 'config.json'), 'utf8')) as { reward_lens?: { tasks?: unknown } };
    const tasks = cfg.reward_lens?.tasks;
    return Array.isArray(tasks) ? tasks.filter((t): t is TaskKind => t === 'sql' || t === 'patch' || t === 'chart') : null;
  } catch {
    return null;
  }
}

/**
 * Before sampling: a model that says it cannot do `task` is not asked (the bundled SQL model would "patch" a file by
 * replacing it with a SELECT). Returns false, after telling the user and offering Select Model..., when it cannot.
 */
export function ensureModelCanDo(task: TaskKind, backend: BackendSpec): boolean {
  const tasks = modelTasks(backend);
  if (tasks === null || tasks.includes(task)) return true;
  const name = backend.kind === 'onnx' ? path.basename(backend.modelPath) : backend.model;
  void vscode.window
    .showErrorMessage(`Reward Lens: the model "${name}" only writes ${tasks.map((t) => TASK_WORDS[t]).join(' and ') || 'nothing this extension asks for'}; it cannot write ${TASK_WORDS[task]}. Select a model that can (an instruction-tuned code model, local or through an OpenAI-compatible endpoint).`, 'Select Model...')
    .then((a) => a && vscode.commands.executeCommand('rewardLens.selectModel'));
  return false;
}

/**
 * The weights a task's ranking starts from (its defaults, with or without a gold answer) overlaid with the user's
 * overrides: what the panel's sliders show while candidates are generated, and after a failure. When the ranker
 * reports the weights it used, the session adopts those.
 */
export function startWeights(task: TaskKind, hasReference: boolean, overrides: Record<string, number>): Record<string, number> {
  const base: Record<string, number> =
    task === 'sql' ? defaultSqlWeights(hasReference) : task === 'patch' ? { ...PATCH_DEFAULT_WEIGHTS } : { ...(hasReference ? DEFAULT_CHART_WEIGHTS : DEFAULT_CHART_WEIGHTS_REFERENCE_FREE) };
  if (task === 'patch' && !hasReference) delete base['similarity'];
  for (const k of ['similarity_unidiff', 'tests']) if (base[k] === 0 || (k === 'tests' && overrides['tests'] === undefined)) delete base[k];
  return { ...base, ...overrides };
}

export function samplingRecord(s: Settings): SamplingRecord {
  return { n: s.numCandidates, temperature: s.temperature, topP: s.topP, maxNewTokens: s.maxNewTokens };
}

export interface SampleOutcome {
  result: GenerateResult;
  facts: Map<number, GenerationFacts>;
}

/**
 * Samples N candidates for `messages`, streaming each finished one into the session. Cancelled by the
 * notification's Cancel, the panel's Cancel, or a newer session. Throws CodedError (cancelled, model_*, endpoint_*).
 */
export async function sampleInto(
  api: ExtensionApi,
  session: ReviewSession,
  s: Settings,
  backend: BackendSpec,
  messages: ChatMessage[],
  opts: { title: string; stop?: string[]; signal: AbortSignal; progress: vscode.Progress<{ message?: string; increment?: number }> },
): Promise<SampleOutcome> {
  const params: GenerateParams = {
    backend,
    messages,
    n: s.numCandidates,
    temperature: s.temperature,
    topP: s.topP,
    maxNewTokens: s.maxNewTokens,
    ...(opts.stop ? { stop: opts.stop } : {}),
    ...(backend.kind === 'onnx' ? { draftTokens: s.draftTokens } : {}),
  };
  const facts = new Map<number, GenerationFacts>();
  let done = 0;
  opts.progress.report({ message: `sampling ${s.numCandidates} candidates with ${modelLabel(backend)}...` });
  const result = await api.worker.call('generate', params, {
    signal: opts.signal,
    timeoutMs: 30 * 60 * 1000,
    onProgress: (c) => {
      done++;
      const f: GenerationFacts = { tokenCount: c.tokenCount, logprobs: c.logprobs };
      facts.set(c.index, f);
      session.addCandidate({ index: c.index, text: c.text }, f);
      session.setProgress(done, s.numCandidates, 'sampling');
      opts.progress.report({ message: `${done}/${s.numCandidates} candidates sampled`, increment: 100 / s.numCandidates / 2 });
    },
  });
  session.setProvider(backend.kind === 'openai' ? 'endpoint' : result.provider);
  for (const c of result.candidates) {
    if (!facts.has(c.index)) facts.set(c.index, { tokenCount: c.tokenCount, logprobs: c.logprobs });
  }
  const drafting = draftingSummary(result.timings);
  api.log.info(`${opts.title}: ${result.candidates.length} candidates from ${result.model.id} on ${result.provider} in ${result.timings.totalMs.toFixed(0)} ms (prefill ${result.timings.prefillMs.toFixed(0)} ms, ${result.timings.tokensPerSecond.toFixed(1)} tok/s${drafting ? `; ${drafting}` : ''})`);
  return { result, facts };
}

/** An AbortSignal that fires when any of the given cancellation tokens does. */
export function abortOn(...tokens: vscode.CancellationToken[]): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const subs = tokens.map((t) => {
    if (t.isCancellationRequested) ac.abort();
    return t.onCancellationRequested(() => ac.abort());
  });
  return { signal: ac.signal, dispose: () => subs.forEach((d) => d.dispose()) };
}

/**
 * The whole generate-and-rank step every command shares: a cancellable progress notification, streamed sampling
 * into the session, the task's ranking in the worker, then the ranked group (or the failure, with what to do) in
 * the panel. Returns undefined when cancelled or failed.
 */
export async function sampleAndRank<G extends GroupOutput>(
  api: ExtensionApi,
  session: ReviewSession,
  s: Settings,
  backend: BackendSpec,
  messages: ChatMessage[],
  task: {
    title: string;
    rankingMessage: string;
    stop?: string[];
    rank(texts: string[], signal: AbortSignal): Promise<G>;
    /**
     * A shorter prompt to try once when the first does not fit the model's context (e.g. the schema without sample
     * values for the bundled 1024-token model), with a line saying what was left out and the record's context to match.
     * Null: nothing shorter.
     */
    shorterPrompt?(): { messages: ChatMessage[]; note: string; context?: RecordContext } | null;
  },
): Promise<G | undefined> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Reward Lens: ${task.title}`, cancellable: true }, async (rawProgress, token) => {
    const abort = abortOn(token, session.token);
    // The notification shows how long it has been running (a slow endpoint or a long patch looks stuck otherwise).
    const t0 = Date.now();
    let last = '';
    const elapsed = () => `${Math.round((Date.now() - t0) / 1000)} s`;
    const progress: vscode.Progress<{ message?: string; increment?: number }> = {
      report: (v) => {
        if (v.message !== undefined) last = v.message;
        rawProgress.report({ ...v, message: `${last} (${elapsed()})` });
      },
    };
    const clock = setInterval(() => rawProgress.report({ message: `${last} (${elapsed()})` }), 1000);
    const usingEndpoint = backend.kind === 'openai';
    if (usingEndpoint) api.setEndpointInUse?.(endpointHost(backend.url));
    try {
      const opts = { title: task.title, signal: abort.signal, progress, ...(task.stop ? { stop: task.stop } : {}) };
      let sampled: SampleOutcome;
      try {
        sampled = await sampleInto(api, session, s, backend, messages, opts);
      } catch (e) {
        const info = toErrorInfo(e);
        const shorter = !abort.signal.aborted && info.code === 'limit_exceeded' && /context/.test(info.message) ? (task.shorterPrompt?.() ?? null) : null;
        if (!shorter) throw e;
        api.log.info(`${task.title}: ${info.message}; trying again with a shorter prompt (${shorter.note})`);
        session.setPrompt(shorter.messages, shorter.context);
        session.status('warning', `The prompt did not fit the model's context: ${shorter.note}.`);
        sampled = await sampleInto(api, session, s, backend, shorter.messages, opts);
      }
      const { result, facts } = sampled;
      if (usingEndpoint) api.setEndpointInUse?.(null);
      progress.report({ message: task.rankingMessage });
      const cands = [...result.candidates].sort((a, b) => a.index - b.index);
      const group = await task.rank(cands.map((c) => c.text), abort.signal);
      // The ranking's candidate index is the position in `cands`; carry each one's token facts over.
      session.setRanked(group, new Map(cands.map((c, pos) => [pos, facts.get(c.index) ?? {}])));
      void api.refreshHealth();
      return group;
    } catch (e) {
      if (abort.signal.aborted) {
        // The user's own Cancel (notification or panel) or a newer request: not a failure.
        session.markCancelled();
        api.log.info(`${task.title}: cancelled`);
        return undefined;
      }
      session.fail(e, errorAdvice(e));
      api.log.error(`${task.title} failed: ${describeError(e)}`);
      // Shown once: in the panel when it is visible, else as a notification.
      if (!ReviewPanel.active?.panel.visible) void vscode.window.showErrorMessage(`Reward Lens: ${task.title} failed: ${describeError(e)}`, 'Show Log').then((a) => a && api.log.show());
      return undefined;
    } finally {
      clearInterval(clock);
      if (usingEndpoint) api.setEndpointInUse?.(null);
      abort.dispose();
    }
  });
}
