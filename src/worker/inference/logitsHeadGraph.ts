/**
 * A small ONNX graph (encoded by hand, like rowSelectGraph.ts) that summarises rows of logits for the sampler, so the
 * passes over the whole vocabulary run in onnxruntime's vectorised kernels instead of JavaScript loops:
 *   inputs  logits (float [rows, vocab]), inv_temperature (float [1]), k (int64 [1])
 *   outputs lse_raw ([rows]: log-sum-exp of the raw logits, for each token's log-prob),
 *           lse_t ([rows]: log-sum-exp of logits * inv_temperature, the tempered distribution's normaliser),
 *           top_values, top_indices ([rows, k]: the k largest raw logits, sorted, lower index first on ties)
 */
import { FLOAT, INT64, valueInfo, Writer } from './rowSelectGraph';

function node(op: string, inputs: string[], outputs: string[], name: string, attrs: Writer[] = []): Writer {
  const w = new Writer();
  for (const i of inputs) w.str(1, i);
  for (const o of outputs) w.str(2, o);
  w.str(3, name).str(4, op);
  for (const a of attrs) w.msg(5, a);
  return w;
}
const intAttr = (name: string, v: number) => new Writer().str(1, name).int(3, v).int(20, 2 /* INT */);
const intsAttr = (name: string, vs: number[]) => {
  const w = new Writer().str(1, name);
  for (const v of vs) w.int(8, v < 0 ? 2 ** 64 + v : v); // negative ints as two's-complement varints
  return w.int(20, 7 /* INTS */);
};

export function logitsHeadModel(): Uint8Array {
  const g = new Writer();
  g.msg(1, node('ReduceLogSumExp', ['logits'], ['lse_raw'], 'lse_raw', [intsAttr('axes', [1]), intAttr('keepdims', 0)]));
  g.msg(1, node('Mul', ['logits', 'inv_temperature'], ['scaled'], 'scale'));
  g.msg(1, node('ReduceLogSumExp', ['scaled'], ['lse_t'], 'lse_t', [intsAttr('axes', [1]), intAttr('keepdims', 0)]));
  g.msg(1, node('TopK', ['logits', 'k'], ['top_values', 'top_indices'], 'topk', [intAttr('axis', 1), intAttr('largest', 1), intAttr('sorted', 1)]));
  g.str(2, 'logits_head');
  g.msg(11, valueInfo('logits', FLOAT, ['rows', 'vocab']));
  g.msg(11, valueInfo('inv_temperature', FLOAT, [1]));
  g.msg(11, valueInfo('k', INT64, [1]));
  g.msg(12, valueInfo('lse_raw', FLOAT, ['rows']));
  g.msg(12, valueInfo('lse_t', FLOAT, ['rows']));
  g.msg(12, valueInfo('top_values', FLOAT, ['rows', 'kk']));
  g.msg(12, valueInfo('top_indices', INT64, ['rows', 'kk']));
  return new Writer().int(1, 7).str(2, 'reward-lens').msg(7, g).msg(8, new Writer().str(1, '').int(2, 13)).finish();
}
