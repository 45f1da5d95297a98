// The trained linear head as ONNX nodes appended to a backbone's graph (Graph.toGraphPatch), reading the
// backbone's `last_hidden_state` [B, 1+R+N, D]:
//   classification: pooled = [token 0 ‖ mean of the N patch tokens] (what trainer/embed.ts computes), or
//                   [pooler_output ‖ pooler_output] for a backbone that pools another map than its tokens,
//                   probs [B, C] = softmax(pooled · A + b)
//   segmentation:   probs [B, C, H/p, W/p] = softmax over classes of (patch token · A + b) per patch
// A [d, C] and b [C] are the head's weights with the standardisation folded in (trainer/heads/logreg.ts),
// so the exported graph computes exactly what predictProba computes.
import type { Task } from '../../server/protocol.ts';
import { ElemType, Graph } from './graph.ts';

export interface HeadWeights {
  task: Task;
  /** input width of the head: 2·D (pooled) for classification, D for segmentation */
  d: number;
  C: number;
  /** [d, C] row-major */
  A: Float32Array;
  b: Float32Array;
  /** backbone tokens before the patches: 1 (CLS or the global average) + registers */
  registers: number;
  /** the backbone's stride: patch size for a ViT, 16 for MobileNetV2's token grid */
  patchSize: number;
  /** where classification's pooled features come from (LoadedBackbone.pooled; default 'tokens') */
  pooled?: 'tokens' | 'pooler_output';
}

const BIG = 2 ** 62;

export function headPatch(h: HeadWeights): Uint8Array {
  const g = new Graph('hilt_head/');
  const lhs = 'last_hidden_state';
  const patches = g.op('Slice', [lhs, g.i64('start', [1 + h.registers]), g.i64('end', [BIG]), g.i64('axis', [1])]); // [B, N, D]
  const A = g.f32('A', [h.d, h.C], h.A), b = g.f32('b', [h.C], h.b);
  if (h.task === 'classification') {
    const pooled = h.pooled === 'pooler_output'
      ? g.op('Concat', ['pooler_output', 'pooler_output'], { axis: 1 }) // [B, 2P]
      : g.op('Concat', [
        g.op('Gather', [lhs, g.i64('zero', [0], [])], { axis: 1 }), // [B, D]
        g.op('ReduceMean', [patches], { axes: [1], keepdims: 0 }), // [B, D]
      ], { axis: 1 }); // [B, 2D]
    g.op('Softmax', [g.op('Add', [g.op('MatMul', [pooled, A]), b])], { axis: 1 }, 'probs');
    g.output('probs', ElemType.float, ['batch_size', h.C]);
  } else {
    const p = g.op('Softmax', [g.op('Add', [g.op('MatMul', [patches, A]), b])], { axis: 2 }); // [B, N, C]
    // the patch grid's shape comes from the input: [H / stride, W / stride]
    const hw = g.op('Div', [g.op('Slice', [g.op('Shape', ['pixel_values']), g.i64('s2', [2]), g.i64('s4', [4])]), g.i64('stride', [h.patchSize])]);
    const shape = g.op('Concat', [g.i64('keepB', [0]), hw, g.i64('C', [h.C])], { axis: 0 });
    g.op('Transpose', [g.op('Reshape', [p, shape])], { perm: [0, 3, 1, 2] }, 'probs'); // [B, C, h, w]
    g.output('probs', ElemType.float, ['batch_size', h.C, 'grid_height', 'grid_width']);
  }
  return g.toGraphPatch();
}
