// An independent forward pass of a Keras conv-net in plain JS, NHWC, straight from the Keras layer
// semantics (explicit ZeroPadding2D, TF "same" padding, BatchNormalization applied as a separate op,
// ReLU6) — no BN folding, no ONNX, no kernel transposes — to check our converter against.
import type { KerasModel } from '../../trainer/onnx/keras.ts';

interface T {
  h: number;
  w: number;
  c: number;
  d: Float32Array;
}

function conv(
  x: T,
  k: { shape: number[]; data: Float32Array },
  stride: number,
  same: boolean,
  depthwise: boolean,
  bias?: Float32Array,
): T {
  const [kh, kw, cin, last] = k.shape;
  const cout = depthwise ? cin * last : last;
  let ph = 0,
    pw = 0,
    oh: number,
    ow: number;
  if (same) {
    oh = Math.ceil(x.h / stride);
    ow = Math.ceil(x.w / stride);
    ph = Math.floor(Math.max((oh - 1) * stride + kh - x.h, 0) / 2);
    pw = Math.floor(Math.max((ow - 1) * stride + kw - x.w, 0) / 2);
  } else {
    oh = Math.floor((x.h - kh) / stride) + 1;
    ow = Math.floor((x.w - kw) / stride) + 1;
  }
  const out = new Float32Array(oh * ow * cout);
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++) {
      const o = (oy * ow + ox) * cout;
      if (bias) for (let c = 0; c < cout; c++) out[o + c] = bias[c];
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * stride + ky - ph;
        if (iy < 0 || iy >= x.h) continue;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox * stride + kx - pw;
          if (ix < 0 || ix >= x.w) continue;
          const xi = (iy * x.w + ix) * x.c,
            ki = (ky * kw + kx) * cin * last;
          if (depthwise) for (let c = 0; c < cin; c++) out[o + c] += x.d[xi + c] * k.data[ki + c];
          else
            for (let i = 0; i < cin; i++) {
              const v = x.d[xi + i];
              const kr = ki + i * last;
              for (let c = 0; c < cout; c++) out[o + c] += v * k.data[kr + c];
            }
        }
      }
    }
  return { h: oh, w: ow, c: cout, d: out };
}

/** Runs the model on one NHWC image up to `output`; returns that layer's activation. */
export function kerasForward(m: KerasModel, image: T, output: string): T {
  const acts = new Map<string, T>();
  const W = (n: string) => m.weights.get(n)!;
  for (const l of m.layers) {
    const c = l.config as Record<string, any>;
    const x = acts.get(l.inputs[0])!;
    let y: T;
    switch (l.class_name) {
      case 'InputLayer':
        y = image;
        break;
      case 'ZeroPadding2D': {
        const [[t, b], [le, r]] = c.padding;
        y = { h: x.h + t + b, w: x.w + le + r, c: x.c, d: new Float32Array((x.h + t + b) * (x.w + le + r) * x.c) };
        for (let i = 0; i < x.h; i++)
          y.d.set(x.d.subarray(i * x.w * x.c, (i + 1) * x.w * x.c), ((i + t) * y.w + le) * x.c);
        break;
      }
      case 'Conv2D':
        y = conv(
          x,
          W(`${l.name}/kernel`),
          c.strides[0],
          c.padding === 'same',
          false,
          c.use_bias ? W(`${l.name}/bias`).data : undefined,
        );
        break;
      case 'DepthwiseConv2D':
        y = conv(x, W(`${l.name}/depthwise_kernel`), c.strides[0], c.padding === 'same', true);
        break;
      case 'BatchNormalization': {
        const g = W(`${l.name}/gamma`).data,
          b = W(`${l.name}/beta`).data,
          mu = W(`${l.name}/moving_mean`).data,
          v = W(`${l.name}/moving_variance`).data;
        y = {
          ...x,
          d: x.d.map((val, i) => {
            const k = i % x.c;
            return (g[k] * (val - mu[k])) / Math.sqrt(v[k] + c.epsilon) + b[k];
          }),
        };
        break;
      }
      case 'ReLU':
        y = { ...x, d: x.d.map((v) => Math.min(Math.max(v, 0), c.max_value ?? Infinity)) };
        break;
      case 'Add': {
        const z = acts.get(l.inputs[1])!;
        y = { ...x, d: x.d.map((v, i) => v + z.d[i]) };
        break;
      }
      default:
        throw new Error(`reference: ${l.class_name} not supported`);
    }
    acts.set(l.name, y);
    if (l.name === output) return y;
  }
  throw new Error(`no layer ${output}`);
}
