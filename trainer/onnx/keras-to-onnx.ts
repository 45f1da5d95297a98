// Keras conv-net layers → an ONNX graph with DINOv3's output signature, for frozen feature extraction.
// Covers what MobileNet-style backbones use: ZeroPadding2D (folded into the next conv's pads), Conv2D and
// DepthwiseConv2D (group conv) with their BatchNormalization folded in, ReLU/ReLU6 (Clip), Add.
// Keras is NHWC, ONNX NCHW: kernels are transposed here, activations never need to be.
// Outputs: last_hidden_state [B, 1+h·w, C] (token 0 = global average, then the token map row-major: the
// output layer, or a hypercolumn of finer layers, ConvertOptions.grid) and pooler_output [B, P] (the output
// layer's global average), so the trainer reads it like a ViT.
import { ElemType, Graph } from './graph.ts';
import type { KerasLayer, KerasModel, KerasTensor } from './keras.ts';

type Pads = [number, number, number, number]; // ONNX order: top, left, bottom, right

function weight(m: KerasModel, name: string): KerasTensor {
  const w = m.weights.get(name);
  if (!w) throw new Error(`weight ${name} missing from the manifest`);
  return w;
}

/** Per-output-channel scale and shift of an inference-mode BatchNormalization. */
function bnAffine(m: KerasModel, bn: KerasLayer, channels: number): { scale: Float32Array; shift: Float32Array } {
  const c = bn.config as { epsilon?: number; center?: boolean; scale?: boolean };
  const eps = c.epsilon ?? 1e-3;
  const gamma = c.scale === false ? null : weight(m, `${bn.name}/gamma`).data;
  const beta = c.center === false ? null : weight(m, `${bn.name}/beta`).data;
  const mean = weight(m, `${bn.name}/moving_mean`).data;
  const variance = weight(m, `${bn.name}/moving_variance`).data;
  const scale = new Float32Array(channels),
    shift = new Float32Array(channels);
  for (let k = 0; k < channels; k++) {
    const s = (gamma ? gamma[k] : 1) / Math.sqrt(variance[k] + eps);
    scale[k] = s;
    shift[k] = (beta ? beta[k] : 0) - mean[k] * s;
  }
  return { scale, shift };
}

export interface ConvertOptions {
  /** the last layer converted; `pooler_output` is its global average */
  output: string;
  name?: string;
  /**
   * Layers whose maps are the tokens (default: the output alone). Several are concatenated channel-wise at
   * the first one's size (the others resized to it, bilinear), e.g. stride-16 layers for a finer grid than
   * the output's stride 32; the stride of the tokens is then that of the first layer.
   */
  grid?: string[];
}

export function kerasToOnnx(
  m: KerasModel,
  o: ConvertOptions,
): { bytes: Uint8Array; params: number; channels: number; pooledChannels: number } {
  const g = new Graph();
  const byName = new Map(m.layers.map((l) => [l.name, l]));
  const consumers = new Map<string, KerasLayer[]>();
  for (const l of m.layers) for (const i of l.inputs) consumers.set(i, [...(consumers.get(i) ?? []), l]);
  // a BN whose input is a conv used by nothing else is folded into that conv
  const foldInto = new Map<string, KerasLayer>();
  for (const l of m.layers) {
    if (l.class_name !== 'BatchNormalization') continue;
    const src = byName.get(l.inputs[0]);
    if (src && /^(Depthwise)?Conv2D$/.test(src.class_name) && consumers.get(src.name)!.length === 1)
      foldInto.set(src.name, l);
  }
  const tensor = new Map<string, string>(); // keras layer name → onnx value name
  const padOf = new Map<string, { src: string; pads: Pads }>();
  const channels = new Map<string, number>();
  let done = false;

  for (const l of m.layers) {
    if (done) break;
    const c = l.config as Record<string, unknown>;
    const inName = l.inputs[0];
    switch (l.class_name) {
      case 'InputLayer': {
        const shape = c.batch_input_shape as (number | null)[];
        tensor.set(l.name, g.input('pixel_values', ElemType.float, ['batch_size', shape[3] ?? 3, 'height', 'width']));
        channels.set(l.name, shape[3] ?? 3);
        break;
      }
      case 'ZeroPadding2D': {
        const p = c.padding as [[number, number], [number, number]];
        padOf.set(l.name, { src: tensor.get(inName)!, pads: [p[0][0], p[1][0], p[0][1], p[1][1]] });
        channels.set(l.name, channels.get(inName)!);
        break;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const depthwise = l.class_name === 'DepthwiseConv2D';
        const k = weight(m, `${l.name}/${depthwise ? 'depthwise_kernel' : 'kernel'}`);
        const [kh, kw, cin, last] = k.shape;
        const cout = depthwise ? cin * last : last;
        const w = new Float32Array(cout * (depthwise ? 1 : cin) * kh * kw);
        for (let y = 0; y < kh; y++)
          for (let x = 0; x < kw; x++)
            for (let i = 0; i < cin; i++)
              for (let j = 0; j < last; j++) {
                const v = k.data[((y * kw + x) * cin + i) * last + j];
                if (depthwise)
                  w[((i * last + j) * kh + y) * kw + x] = v; // [cin·mult, 1, kh, kw]
                else w[((j * cin + i) * kh + y) * kw + x] = v; // [out, in, kh, kw]
              }
        const bias = new Float32Array(cout);
        if (c.use_bias) bias.set(weight(m, `${l.name}/bias`).data);
        const bn = foldInto.get(l.name);
        if (bn) {
          const { scale, shift } = bnAffine(m, bn, cout);
          const per = w.length / cout;
          for (let oc = 0; oc < cout; oc++) {
            for (let t = 0; t < per; t++) w[oc * per + t] *= scale[oc];
            bias[oc] = bias[oc] * scale[oc] + shift[oc];
          }
        }
        if (c.activation && c.activation !== 'linear')
          throw new Error(`${l.name}: fused activation ${c.activation} not supported`);
        const padded = padOf.get(inName);
        const src = padded ? padded.src : tensor.get(inName)!;
        const strides = c.strides as number[];
        const attrs: Record<string, number[] | number | string> = { kernel_shape: [kh, kw], strides };
        if (depthwise) attrs.group = cin;
        // TF's "same" pads the extra row/column at the end, which is ONNX's SAME_UPPER
        if (c.padding === 'same') attrs.auto_pad = 'SAME_UPPER';
        else attrs.pads = padded ? padded.pads : [0, 0, 0, 0];
        if (c.padding === 'same' && padded)
          throw new Error(`${l.name}: explicit padding before a "same" conv is not supported`);
        const out = g.op(
          'Conv',
          [
            src,
            g.f32(`${l.name}_w`, depthwise ? [cout, 1, kh, kw] : [cout, cin, kh, kw], w),
            g.f32(`${l.name}_b`, [cout], bias),
          ],
          attrs,
        );
        tensor.set(l.name, out);
        channels.set(l.name, cout);
        if (bn) {
          tensor.set(bn.name, out);
          channels.set(bn.name, cout);
        }
        break;
      }
      case 'BatchNormalization': {
        if (tensor.has(l.name)) break; // folded into its conv
        const ch = channels.get(inName)!;
        const { scale, shift } = bnAffine(m, l, ch);
        const x = tensor.get(inName)!;
        const s = g.f32(`${l.name}_s`, [ch, 1, 1], scale),
          b = g.f32(`${l.name}_t`, [ch, 1, 1], shift);
        tensor.set(l.name, g.op('Add', [g.op('Mul', [x, s]), b]));
        channels.set(l.name, ch);
        break;
      }
      case 'ReLU': {
        if ((c.negative_slope as number) || (c.threshold as number))
          throw new Error(`${l.name}: leaky/thresholded ReLU not supported`);
        const x = tensor.get(inName)!;
        const max = c.max_value as number | null | undefined;
        tensor.set(
          l.name,
          max == null ? g.op('Relu', [x]) : g.op('Clip', [x, g.scalar('zero', 0), g.scalar('max', max)]),
        );
        channels.set(l.name, channels.get(inName)!);
        break;
      }
      case 'Add': {
        let acc = tensor.get(l.inputs[0])!;
        for (const i of l.inputs.slice(1)) acc = g.op('Add', [acc, tensor.get(i)!]);
        tensor.set(l.name, acc);
        channels.set(l.name, channels.get(inName)!);
        break;
      }
      default:
        throw new Error(`layer ${l.name}: ${l.class_name} is not supported by the converter (it stops at ${o.output})`);
    }
    if (l.name === o.output) done = true;
  }
  if (!done) throw new Error(`output layer ${o.output} not found`);
  const out = tensor.get(o.output)!;
  const pooled = g.op('Flatten', [g.op('GlobalAveragePool', [out])], { axis: 1 }); // [B, C]
  const gridLayers = o.grid ?? [o.output];
  for (const name of gridLayers)
    if (!tensor.has(name)) throw new Error(`grid layer ${name} not found up to ${o.output}`);
  const first = tensor.get(gridLayers[0])!;
  const firstShape = gridLayers.length > 1 ? g.op('Shape', [first]) : '';
  const maps = gridLayers.map((name, i) => {
    const t = tensor.get(name)!;
    if (i === 0) return t;
    // the exact size of the first map (an odd side is not twice the coarser one), channels kept
    const size = g.op(
      'Concat',
      [
        g.op('Slice', [g.op('Shape', [t]), g.i64('s0', [0]), g.i64('s2', [2])]),
        g.op('Slice', [firstShape, g.i64('s2', [2]), g.i64('s4', [4])]),
      ],
      { axis: 0 },
    );
    return g.op('Resize', [t, '', '', size], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' });
  });
  const f = maps.length > 1 ? g.op('Concat', maps, { axis: 1 }) : first;
  const C = gridLayers.reduce((a, name) => a + channels.get(name)!, 0);
  // token 0 (a ViT's CLS): the global average of the token map, which is pooler_output when the tokens are the output
  const cls = f === out ? pooled : g.op('Flatten', [g.op('GlobalAveragePool', [f])], { axis: 1 });
  const tokens = g.op('Transpose', [g.op('Reshape', [f, g.i64('shape', [0, C, -1])])], { perm: [0, 2, 1] }); // [B, h·w, C]
  g.op('Concat', [g.op('Unsqueeze', [cls, g.i64('ax1', [1])]), tokens], { axis: 1 }, 'last_hidden_state');
  g.op('Identity', [pooled], {}, 'pooler_output');
  g.output('last_hidden_state', ElemType.float, ['batch_size', 'sequence_length', C]);
  const P = channels.get(o.output)!;
  g.output('pooler_output', ElemType.float, ['batch_size', P]);
  return { bytes: g.toModel(o.name ?? 'keras'), params: g.params, channels: C, pooledChannels: P };
}
