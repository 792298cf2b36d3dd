/**
 * The part every generate command shares: settings -> backend, sampling through the worker with a cancellable
 * progress notification, candidates streamed into the review session as they finish.
 */
import * as vscode from 'vscode';
import * as path from 'path';
import type { BackendSpec, ChatMessage, GenerateParams, GenerateResult } from '../../core/sampling/request';
import type { GenerationFacts, SamplingRecord } from '../../core/preferences/record';
import type { ExtensionApi } from '../api';
import type { Settings } from '../settings';
import type { ReviewSession } from '../review/reviewPanel';
import type { GroupOutput } from '../../core/ranking/types';
import { describeError } from '../errors';

export function backendFromSettings(s: Settings, extensionPath: string): BackendSpec {
  if (s.endpointUrl) {
    // The key comes from the environment only: never from settings, never into the preference log.
    const apiKey = process.env.REWARD_LENS_API_KEY || process.env.OPENAI_API_KEY;
    return { kind: 'openai', url: s.endpointUrl, model: s.endpointModel || 'default', ...(apiKey ? { apiKey } : {}) };
  }
  return { kind: 'onnx', modelPath: s.modelPath || path.join(extensionPath, 'fixtures', 'tiny-model'), executionProvider: s.executionProvider, dtype: s.modelDtype };
}

export function modelLabel(backend: BackendSpec): string {
  return backend.kind === 'openai' ? backend.model : path.basename(backend.modelPath);
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
  api.log.info(`${opts.title}: ${result.candidates.length} candidates from ${result.model.id} on ${result.provider} in ${result.timings.totalMs.toFixed(0)} ms (prefill ${result.timings.prefillMs.toFixed(0)} ms, ${result.timings.tokensPerSecond.toFixed(1)} tok/s)`);
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
  task: { title: string; rankingMessage: string; stop?: string[]; rank(texts: string[], signal: AbortSignal): Promise<G> },
): Promise<G | undefined> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Reward Lens: ${task.title}`, cancellable: true }, async (progress, token) => {
    const abort = abortOn(token, session.token);
    try {
      const { result, facts } = await sampleInto(api, session, s, backend, messages, { title: task.title, signal: abort.signal, progress, ...(task.stop ? { stop: task.stop } : {}) });
      progress.report({ message: task.rankingMessage });
      const cands = [...result.candidates].sort((a, b) => a.index - b.index);
      const group = await task.rank(cands.map((c) => c.text), abort.signal);
      // The ranking's candidate index is the position in `cands`; carry each one's token facts over.
      session.setRanked(group, new Map(cands.map((c, pos) => [pos, facts.get(c.index) ?? {}])));
      void api.refreshHealth();
      return group;
    } catch (e) {
      const msg = describeError(e);
      session.fail(e, msg);
      if (!abort.signal.aborted) void vscode.window.showErrorMessage(`Reward Lens: ${task.title} failed: ${msg}`, 'Show Log').then((a) => a && api.log.show());
      return undefined;
    } finally {
      abort.dispose();
    }
  });
}
