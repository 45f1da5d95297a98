// The "tiny" backbone: DINOv3 ViT-S/16's signature, fixed-seed random weights, but built so that
// its features are informative enough for a linear head to learn colours, textures and layouts:
//   patch tokens = half colour filters (tanh of a random mix of the patch's mean RGB) and
//                  half texture filters (tanh |zero-mean random 16×16 filter|, i.e. phase-free energy);
//   CLS          = tanh(random projection of [mean, max, 4×4 layout] of the patch grid);
//   registers    = tanh(CLS * s + r), cheap and input-dependent like the real ones;
//   pooler_output = CLS, exactly as DINOv3 (pooler = last_hidden_state[:, 0]).
import { ElemType, Graph } from './graph.ts';
import { mulberry32, randomWeights } from './rng.ts';

const P = 16;
const REGISTERS = 4;

/** `external`: write big tensors to that side file (the hub's DINOv3 layout) and return its bytes as `data`. */
export function buildTiny(
  dim = 64,
  seed = 1234,
  external?: string,
): { bytes: Uint8Array; params: number; data?: Uint8Array } {
  const rand = mulberry32(seed);
  const g = new Graph();
  const half = dim / 2;
  const x = g.input('pixel_values', ElemType.float, ['batch_size', 3, 'height', 'width']);

  // Conv weights [dim, 3, 16, 16]
  const w = new Float32Array(dim * 3 * P * P);
  for (let o = 0; o < dim; o++) {
    for (let c = 0; c < 3; c++) {
      const base = (o * 3 + c) * P * P;
      if (o < half) {
        // colour filter: a uniform kernel = the patch mean of channel c times a random mix weight
        const mix = (rand() * 2 - 1) * 1.0;
        for (let k = 0; k < P * P; k++) w[base + k] = mix / (P * P);
      } else {
        // texture filter: random, zero mean per channel so flat colour gives no response
        const k0 = randomWeights(rand, P * P, 1 / Math.sqrt(3 * P * P));
        let m = 0;
        for (const v of k0) m += v;
        m /= P * P;
        for (let k = 0; k < P * P; k++) w[base + k] = k0[k] - m;
      }
    }
  }
  const b = randomWeights(rand, dim, 0.3);
  const y = g.op('Conv', [x, g.f32('patch_w', [dim, 3, P, P], w), g.f32('patch_b', [dim], b)], {
    kernel_shape: [P, P],
    strides: [P, P],
  });
  const [yc, yt] = g.opN('Split', [y, g.i64('split', [half, half])], { axis: 1 }, 2);
  const fc = g.op('Tanh', [yc]);
  const ft = g.op('Tanh', [g.op('Abs', [yt])]);
  const f = g.op('Concat', [fc, ft], { axis: 1 }); // [B, D, h, w]

  const patches = g.op('Transpose', [g.op('Reshape', [f, g.i64('shape', [0, dim, -1])])], { perm: [0, 2, 1] });

  // Global descriptors of the grid: mean, max, and a 4×4 layout (Resize to fixed size works for any H, W)
  const mean = g.op('ReduceMean', [patches], { axes: [1], keepdims: 0 });
  const max = g.op('ReduceMax', [patches], { axes: [1], keepdims: 0 });
  const bc = g.op('Slice', [g.op('Shape', [f]), g.i64('s0', [0]), g.i64('s1', [2])]);
  const sizes = g.op('Concat', [bc, g.i64('grid', [4, 4])], { axis: 0 });
  const lay = g.op('Resize', [f, '', '', sizes], { mode: 'linear' });
  const layFlat = g.op('Reshape', [lay, g.i64('flat', [0, -1])]);
  const gdesc = g.op('Concat', [mean, max, layFlat], { axis: 1 }); // [B, 2D + 16D]

  const nIn = 2 * dim + 16 * dim;
  const wc = new Float32Array(nIn * dim);
  // mean/max rows carry more weight than the 16× more numerous layout rows
  wc.set(randomWeights(rand, 2 * dim * dim, 1.2 / Math.sqrt(2 * dim)), 0);
  wc.set(randomWeights(rand, 16 * dim * dim, 1.0 / Math.sqrt(16 * dim)), 2 * dim * dim);
  const pre = g.op('Add', [
    g.op('MatMul', [gdesc, g.f32('cls_w', [nIn, dim], wc)]),
    g.f32('cls_b', [dim], randomWeights(rand, dim, 0.1)),
  ]);
  const cls = g.op('Tanh', [pre]); // [B, D]
  const clsU = g.op('Unsqueeze', [cls, g.i64('ax1', [1])]); // [B, 1, D]

  const sr = g.f32('reg_s', [1, REGISTERS, dim], randomWeights(rand, REGISTERS * dim, 0.5));
  const rr = g.f32('reg_r', [1, REGISTERS, dim], randomWeights(rand, REGISTERS * dim, 0.5));
  const regs = g.op('Tanh', [g.op('Add', [g.op('Mul', [clsU, sr]), rr])]); // broadcasts to [B, 4, D]

  g.op('Concat', [clsU, regs, patches], { axis: 1 }, 'last_hidden_state');
  g.op('Identity', [cls], {}, 'pooler_output');
  g.output('last_hidden_state', ElemType.float, ['batch_size', 'sequence_length', dim]);
  g.output('pooler_output', ElemType.float, ['batch_size', dim]);
  if (external) {
    const { model, data } = g.toModelWithExternalData('tiny-dinov3', external);
    return { bytes: model, data, params: g.params };
  }
  return { bytes: g.toModel('tiny-dinov3'), params: g.params };
}
