// A full-size ViT-S/16-shaped graph with random weights, for benchmarks only: it costs what the real
// DINOv3 ViT-S/16 costs (patch conv, 12 pre-norm blocks, D=384, 6 heads, MLP 1536, CLS + 4 registers)
// but skips RoPE (a few elementwise ops per block) so it works for any H, W without position tables.
import { ElemType, Graph } from './graph.ts';
import { filled, mulberry32, randomWeights } from './rng.ts';

export interface VitShape {
  dim: number;
  depth: number;
  heads: number;
  mlp: number;
  registers: number;
  patch: number;
}

export const VITS16: VitShape = { dim: 384, depth: 12, heads: 6, mlp: 1536, registers: 4, patch: 16 };

export function buildVit(s: VitShape = VITS16, seed = 4321): { bytes: Uint8Array; params: number } {
  const rand = mulberry32(seed);
  const g = new Graph();
  const { dim: D, patch: P } = s;
  const hd = D / s.heads;
  const std = 0.02; // config.initializer_range
  const x = g.input('pixel_values', ElemType.float, ['batch_size', 3, 'height', 'width']);

  const conv = g.op(
    'Conv',
    [x, g.f32('patch_w', [D, 3, P, P], randomWeights(rand, D * 3 * P * P, std)), g.f32('patch_b', [D], filled(D, 0))],
    { kernel_shape: [P, P], strides: [P, P] },
  );
  const patches = g.op('Transpose', [g.op('Reshape', [conv, g.i64('shape', [0, D, -1])])], { perm: [0, 2, 1] });

  // CLS + registers: a constant [1, 1+R, D] expanded to the dynamic batch size
  const nTok = 1 + s.registers;
  const batch = g.op('Slice', [g.op('Shape', [x]), g.i64('s0', [0]), g.i64('s1', [1])]);
  const tokShape = g.op('Concat', [batch, g.i64('tok', [nTok, D])], { axis: 0 });
  const tok = g.op('Expand', [g.f32('cls_reg', [1, nTok, D], randomWeights(rand, nTok * D, std)), tokShape]);
  let h = g.op('Concat', [tok, patches], { axis: 1 }); // [B, T, D]

  const ln = (inp: string) =>
    g.op('LayerNormalization', [inp, g.f32('ln_g', [D], filled(D, 1)), g.f32('ln_b', [D], filled(D, 0))], {
      axis: -1,
      epsilon: { f: 1e-5 },
    });
  const linear = (inp: string, nIn: number, nOut: number) =>
    g.op('Add', [
      g.op('MatMul', [inp, g.f32('w', [nIn, nOut], randomWeights(rand, nIn * nOut, std))]),
      g.f32('b', [nOut], filled(nOut, 0)),
    ]);
  const headsShape = g.i64('heads', [0, 0, s.heads, hd]);
  const mergeShape = g.i64('merge', [0, 0, D]);
  const scale = g.scalar('scale', 1 / Math.sqrt(hd));
  const half = g.scalar('half', 0.5);
  const one = g.scalar('one', 1);
  const invSqrt2 = g.scalar('isq2', Math.SQRT1_2);

  for (let i = 0; i < s.depth; i++) {
    // attention
    const a = ln(h);
    const split = (t: string, perm: number[]) => g.op('Transpose', [g.op('Reshape', [t, headsShape])], { perm });
    const q = split(linear(a, D, D), [0, 2, 1, 3]); // [B, H, T, hd]
    const k = split(linear(a, D, D), [0, 2, 3, 1]); // [B, H, hd, T]
    const v = split(linear(a, D, D), [0, 2, 1, 3]);
    const att = g.op('Softmax', [g.op('Mul', [g.op('MatMul', [q, k]), scale])], { axis: -1 });
    const ctx = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [att, v])], { perm: [0, 2, 1, 3] }), mergeShape]);
    h = g.op('Add', [h, linear(ctx, D, D)]);
    // MLP with exact (erf) GELU; onnxruntime fuses this pattern into its Gelu kernel
    const m = linear(ln(h), D, s.mlp);
    const gelu = g.op('Mul', [g.op('Mul', [m, half]), g.op('Add', [g.op('Erf', [g.op('Mul', [m, invSqrt2])]), one])]);
    h = g.op('Add', [h, linear(gelu, s.mlp, D)]);
  }

  const out = ln(h);
  g.op('Identity', [out], {}, 'last_hidden_state');
  g.op('Gather', [out, g.i64('idx0', [0], [])], { axis: 1 }, 'pooler_output'); // CLS, [B, D]
  g.output('last_hidden_state', ElemType.float, ['batch_size', 'sequence_length', D]);
  g.output('pooler_output', ElemType.float, ['batch_size', D]);
  return { bytes: g.toModel('vits16-random'), params: g.params };
}
