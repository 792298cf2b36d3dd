import { toErrorInfo } from '../core/errors';

/** What to do next for an error that crossed a boundary, by code; '' when there is nothing to add to the message. */
export function errorAdvice(e: unknown): string {
  const info = toErrorInfo(e);
  if (info.code === 'endpoint_http' && /\bHTTP 404\b/.test(info.message)) {
    // A 404 is a wrong URL far more often than a wrong model name (Ollama and vLLM answer a bad model with 400/404
    // bodies that name the model; those are shown as they are).
    return /model/i.test(info.message.replace(/^\S+ answered HTTP 404:/, ''))
      ? 'Check "rewardLens.endpoint.model": the server does not know that model.'
      : 'Check "rewardLens.endpoint.url": nothing answers at that address. An OpenAI-compatible base URL usually ends in /v1 (e.g. http://127.0.0.1:11434/v1 for Ollama).';
  }
  const next: Record<string, string> = {
    worker_exited: 'The worker stopped; it restarts by itself. Try again, or run "Reward Lens: Restart Inference Worker".',
    worker_timeout: 'Increase the time limit in settings or try a smaller request.',
    model_folder: 'Check the "rewardLens.modelPath" setting: it must point at an ONNX model folder (config.json, tokenizer.json, onnx/model.onnx).',
    model_load: 'Try "rewardLens.executionProvider": "cpu", or another model export.',
    endpoint_refused: 'Is the server running? Check "rewardLens.endpoint.url" (e.g. http://127.0.0.1:11434/v1 for Ollama).',
    endpoint_http: 'Check "rewardLens.endpoint.url", "rewardLens.endpoint.model" and the server log.',
    endpoint_timeout: 'Raise "rewardLens.endpoint.timeoutMs", or ask for fewer tokens ("rewardLens.maxNewTokens").',
    sql_db_open: 'Pick a SQLite database file (.sqlite, .db) or set "rewardLens.sql.databasePath".',
  };
  return next[info.code] ?? '';
}

/** Words a user reads for an error that crossed a boundary: the message plus what to do next, by code. */
export function describeError(e: unknown): string {
  const info = toErrorInfo(e);
  const hint = errorAdvice(e);
  return hint ? `${info.message}. ${hint}` : info.message;
}
