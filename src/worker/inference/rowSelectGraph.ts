/**
 * A small ONNX graph, encoded here by hand (protobuf wire format), that gathers batch rows of every KV-cache tensor:
 *   inputs  rows (int64 [k]), past_key_values.* ([batch, kvHeads, len, headDim])
 *   outputs the same names prefixed "sel." ([k, kvHeads, len, headDim]), each Gather(axis 0).
 * Run on the WebGPU provider with outputs kept as gpu-buffer, it tiles and compacts a GPU-resident cache without
 * reading it back (getData() on a GPU tensor aborts the process).
 */

export class Writer {
  private parts: number[] = [];
  varint(v: number): this {
    while (v > 0x7f) {
      this.parts.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    this.parts.push(v);
    return this;
  }
  tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }
  int(field: number, v: number): this {
    return this.tag(field, 0).varint(v);
  }
  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2).varint(b.length);
    for (const x of b) this.parts.push(x);
    return this;
  }
  str(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  msg(field: number, w: Writer): this {
    return this.bytes(field, w.finish());
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export const FLOAT = 1;
export const INT64 = 7;
export const FLOAT16 = 10;

export function valueInfo(name: string, elemType: number, dims: (string | number)[]): Writer {
  const shape = new Writer();
  for (const d of dims) shape.msg(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().str(2, d));
  const tensorType = new Writer().int(1, elemType).msg(2, shape);
  return new Writer().str(1, name).msg(2, new Writer().msg(1, tensorType));
}

export function rowSelectModel(names: readonly string[], kvType: 'float32' | 'float16', kvHeads: number, headDim: number): Uint8Array {
  const et = kvType === 'float16' ? FLOAT16 : FLOAT;
  const graph = new Writer();
  names.forEach((n, i) => {
    const node = new Writer().str(1, n).str(1, 'rows').str(2, `sel.${n}`).str(3, `gather_${i}`).str(4, 'Gather')
      .msg(5, new Writer().str(1, 'axis').int(3, 0).int(20, 2 /* INT */));
    graph.msg(1, node);
  });
  graph.str(2, 'kv_row_select');
  graph.msg(11, valueInfo('rows', INT64, ['k']));
  for (const n of names) graph.msg(11, valueInfo(n, et, ['batch', kvHeads, 'len', headDim]));
  for (const n of names) graph.msg(12, valueInfo(`sel.${n}`, et, ['k', kvHeads, 'len', headDim]));
  return new Writer().int(1, 7 /* ir_version */).str(2, 'reward-lens').msg(7, graph).msg(8, new Writer().str(1, '').int(2, 13)).finish();
}
