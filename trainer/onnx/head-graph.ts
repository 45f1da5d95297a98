// The trained linear head as ONNX nodes appended to a backbone's graph (Graph.toGraphPatch), reading the
// backbone's `last_hidden_state` [B, 1+R+N, D]; what the head computes from the tokens is the task's
// (trainer/tasks/<task>-export.ts: a pooled vector per image, or one per patch).
// A [d, C] and b [C] are the head's weights with the standardisation folded in (trainer/heads/logreg.ts),
// so the exported graph computes exactly what predictProba computes.
import type { Task } from '../../common/protocol.ts';
import { Graph } from './graph.ts';
import type { ExportedHead } from '../tasks/exported.ts';

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

/** `tail`: the task's nodes from the tokens and weights to `probs` (tasks/<task>-export.ts) */
export function headPatch(h: HeadWeights, tail: ExportedHead['graph']): Uint8Array {
  const g = new Graph('hilt_head/');
  const lhs = 'last_hidden_state';
  const patches = g.op('Slice', [lhs, g.i64('start', [1 + h.registers]), g.i64('end', [BIG]), g.i64('axis', [1])]); // [B, N, D]
  const A = g.f32('A', [h.d, h.C], h.A),
    b = g.f32('b', [h.C], h.b);
  tail(g, { lhs, patches, A, b }, h);
  return g.toGraphPatch();
}
