// A tiny ONNX graph builder on top of proto.ts. Field numbers follow onnx/onnx.proto
// (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto).
import { Msg } from './proto.ts';

export const ElemType = { float: 1, int64: 7 } as const;
type Elem = (typeof ElemType)[keyof typeof ElemType];

/** Attribute values: number → INT, number[] → INTS, string → STRING, {f} → FLOAT. */
export type AttrValue = number | number[] | string | { f: number };

// AttributeProto.AttributeType
const AT = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

function attribute(name: string, v: AttrValue): Msg {
  const m = new Msg().string(1, name);
  if (typeof v === 'number') m.int(20, AT.INT).int(3, v);
  else if (typeof v === 'string') m.int(20, AT.STRING).string(4, v);
  else if (Array.isArray(v)) {
    m.int(20, AT.INTS);
    for (const x of v) m.int(8, x);
  } else m.int(20, AT.FLOAT).float(2, v.f);
  return m;
}

function valueInfo(name: string, elem: Elem, dims: (number | string)[]): Msg {
  const shape = new Msg();
  for (const d of dims) {
    // Dimension: 1 = dim_value, 2 = dim_param (symbolic, i.e. dynamic)
    shape.msg(1, typeof d === 'number' ? new Msg().int(1, d) : new Msg().string(2, d));
  }
  const tensorType = new Msg().int(1, elem).msg(2, shape);
  return new Msg().string(1, name).msg(2, new Msg().msg(1, tensorType));
}

export class Graph {
  private nodes: Msg[] = [];
  /** initializers; big float tensors keep their raw bytes apart so they can go to an external data file */
  private inits: { head: Msg; raw: Uint8Array; external: boolean }[] = [];
  private inputs: Msg[] = [];
  private outputs: Msg[] = [];
  private counter = 0;
  /** Number of float parameters stored as initializers (for reporting). */
  params = 0;

  /** `namespace` prefixes every generated name, so a graph can be appended to another (see toGraphPatch). */
  constructor(private namespace = '') {}

  fresh(prefix: string): string {
    return `${this.namespace}${prefix}_${this.counter++}`;
  }

  input(name: string, elem: Elem, dims: (number | string)[]): string {
    this.inputs.push(valueInfo(name, elem, dims));
    return name;
  }

  output(name: string, elem: Elem, dims: (number | string)[]): void {
    this.outputs.push(valueInfo(name, elem, dims));
  }

  /** Float32 initializer; raw_data is little-endian, which is what every Float32Array on x86/arm is. */
  f32(prefix: string, dims: number[], data: Float32Array): string {
    const name = this.fresh(prefix);
    const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const t = new Msg();
    for (const d of dims) t.int(1, d);
    this.inits.push({ head: t.int(2, ElemType.float).string(8, name), raw, external: data.length >= 64 });
    this.params += data.length;
    return name;
  }

  /** 1-D int64 initializer (shapes, axes, indices). */
  i64(prefix: string, values: number[], dims: number[] = [values.length]): string {
    const name = this.fresh(prefix);
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    const t = new Msg();
    for (const d of dims) t.int(1, d);
    const raw = new Uint8Array(data.buffer);
    this.inits.push({ head: t.int(2, ElemType.int64).string(8, name), raw, external: false });
    return name;
  }

  scalar(prefix: string, v: number): string {
    return this.f32(prefix, [], Float32Array.of(v));
  }

  /** Adds a node; returns its output names (fresh unless given). */
  opN(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputs: number | string[] = 1): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(op)) : outputs;
    const n = new Msg();
    for (const i of inputs) n.string(1, i);
    for (const o of outs) n.string(2, o);
    n.string(3, this.fresh(`n_${op}`)).string(4, op);
    for (const [k, v] of Object.entries(attrs)) n.msg(5, attribute(k, v));
    this.nodes.push(n);
    return outs;
  }

  op(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, out?: string): string {
    return this.opN(op, inputs, attrs, out ? [out] : 1)[0];
  }

  /** Serialises to a ModelProto. IR 8 + opset 17 is loadable by every onnxruntime from 1.14 on. */
  toModel(name: string, opset = 17, irVersion = 8): Uint8Array {
    return this.serialise(name, opset, irVersion, null).model;
  }

  /**
   * The layout of the hub's large exports (onnx-community DINOv3): the graph in model.onnx, every large
   * float tensor in a side file (`location`, relative to the model file) referenced by offset + length.
   */
  toModelWithExternalData(
    name: string,
    location: string,
    opset = 17,
    irVersion = 8,
  ): { model: Uint8Array; data: Uint8Array } {
    return this.serialise(name, opset, irVersion, location) as { model: Uint8Array; data: Uint8Array };
  }

  /**
   * Only this graph's nodes, initializers and outputs, as a ModelProto holding just a `graph` field. Appended
   * to another model's bytes it extends that model's graph: protobuf merges a singular message field that
   * appears twice and concatenates repeated fields (nodes, initializers, outputs). The new nodes may read
   * the other graph's values by name (e.g. `last_hidden_state`).
   */
  toGraphPatch(): Uint8Array {
    const g = new Msg();
    for (const n of this.nodes) g.msg(1, n);
    for (const t of this.inits) g.msg(5, copy(t.head).bytes(9, t.raw));
    for (const o of this.outputs) g.msg(12, o);
    return new Msg().msg(7, g).toBytes();
  }

  private serialise(
    name: string,
    opset: number,
    irVersion: number,
    location: string | null,
  ): { model: Uint8Array; data: Uint8Array | null } {
    const g = new Msg();
    for (const n of this.nodes) g.msg(1, n);
    g.string(2, name);
    const chunks: Uint8Array[] = [];
    let offset = 0;
    for (const t of this.inits) {
      if (location === null || !t.external) {
        g.msg(5, copy(t.head).bytes(9, t.raw));
        continue;
      }
      // TensorProto.external_data (13) = {location, offset, length}; data_location (14) = EXTERNAL (1).
      // Offsets are 4 KiB-aligned like onnx's own writer, so the data can be memory-mapped.
      const pad = (4096 - (offset % 4096)) % 4096;
      if (pad) {
        chunks.push(new Uint8Array(pad));
        offset += pad;
      }
      const m = copy(t.head);
      for (const [k, v] of [
        ['location', location],
        ['offset', String(offset)],
        ['length', String(t.raw.length)],
      ])
        m.msg(13, new Msg().string(1, k).string(2, v));
      g.msg(5, m.int(14, 1));
      chunks.push(t.raw);
      offset += t.raw.length;
    }
    for (const i of this.inputs) g.msg(11, i);
    for (const o of this.outputs) g.msg(12, o);
    const model = new Msg()
      .int(1, irVersion)
      .string(2, 'hilt')
      .string(3, '0.1.0')
      .msg(7, g)
      .msg(8, new Msg().string(1, '').int(2, opset))
      .toBytes();
    if (location === null) return { model, data: null };
    const data = new Uint8Array(offset);
    let o = 0;
    for (const c of chunks) {
      data.set(c, o);
      o += c.length;
    }
    return { model, data };
  }
}

/** A fresh message with the same fields (a Msg is appended to in place, and heads are reused). */
function copy(m: Msg): Msg {
  return new Msg().raw(m.toBytes());
}
