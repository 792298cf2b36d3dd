/** Errors cross every boundary (worker IPC, CLI JSON, webview) as plain `{code, message}` objects. */
export type ErrorCode =
  | 'worker_exited'
  | 'worker_timeout'
  | 'cancelled'
  | 'unknown_method'
  | 'bad_request'
  | 'internal'
  | 'not_available'
  // paths and limits (every path from a candidate, request or log; every input that can grow)
  | 'path_outside_root'
  | 'path_unreadable'
  | 'limit_exceeded'
  // SQL verdicts
  | 'sql_write'
  | 'sql_ddl'
  | 'sql_attach'
  | 'sql_pragma'
  | 'sql_multiple_statements'
  | 'sql_not_sql'
  | 'sql_not_read_only'
  | 'sql_syntax'
  | 'sql_schema'
  | 'sql_runtime'
  | 'sql_timeout'
  | 'sql_too_large'
  | 'result_too_large'
  | 'sql_db_open'
  // patch verdicts
  | 'patch_format'
  | 'patch_apply'
  | 'patch_syntax'
  // chart verdicts
  | 'chart_parse'
  | 'chart_network'
  | 'chart_render'
  | 'chart_timeout'
  // model / inference
  | 'model_folder'
  | 'model_load'
  | 'model_forward'
  | 'endpoint_refused'
  | 'endpoint_http'
  | 'endpoint_bad_response'
  | 'endpoint_timeout';

export interface ErrorInfo {
  code: ErrorCode | (string & {});
  message: string;
}

export function isErrorInfo(x: unknown): x is ErrorInfo {
  return typeof x === 'object' && x !== null && typeof (x as ErrorInfo).code === 'string' && typeof (x as ErrorInfo).message === 'string';
}

/** An Error that carries a stable code, for code paths that throw. */
export class CodedError extends Error {
  constructor(public readonly code: ErrorInfo['code'], message: string) {
    super(message);
    this.name = 'CodedError';
  }
  toInfo(): ErrorInfo {
    return { code: this.code, message: this.message };
  }
}

export function toErrorInfo(e: unknown, fallback: ErrorInfo['code'] = 'internal'): ErrorInfo {
  if (e instanceof CodedError) return e.toInfo();
  if (isErrorInfo(e)) return { code: e.code, message: e.message };
  if (e instanceof Error) return { code: fallback, message: e.message };
  return { code: fallback, message: String(e) };
}
