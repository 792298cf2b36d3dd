import { toErrorInfo } from '../core/errors';

/** Words a user reads for an error that crossed a boundary: the message plus what to do next, by code. */
export function describeError(e: unknown): string {
  const info = toErrorInfo(e);
  const next: Record<string, string> = {
    worker_exited: 'The worker stopped; it restarts by itself. Try again, or run "Reward Lens: Restart Inference Worker".',
    worker_timeout: 'Increase the time limit in settings or try a smaller request.',
    model_folder: 'Check the "rewardLens.modelPath" setting: it must point at an ONNX model folder (config.json, tokenizer.json, onnx/model.onnx).',
    model_load: 'Try "rewardLens.executionProvider": "cpu", or another model export.',
    endpoint_refused: 'Is the server running? Check "rewardLens.endpoint.url" (e.g. http://127.0.0.1:11434/v1 for Ollama).',
    endpoint_http: 'Check "rewardLens.endpoint.model" and the server log.',
    sql_db_open: 'Pick a SQLite database file (.sqlite, .db) or set "rewardLens.sql.databasePath".',
  };
  const hint = next[info.code];
  return hint ? `${info.message}. ${hint}` : info.message;
}
