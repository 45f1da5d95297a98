// Classification's exported head: pooled = [token 0 ‖ mean of the N patch tokens] (what trainer/embed.ts
// computes), or [pooler_output ‖ pooler_output] for a backbone that pools another map than its tokens
// (MobileNetV2: its tokens are a finer layer for segmentation); probs [B, C] = softmax(pooled · A + b);
// `hilt predict` gives the top class. Its validation bound is derived per image (trainer/export-validate.ts).
import { ElemType } from '../onnx/graph.ts';
import type { ExportedHead } from './exported.ts';

export const classificationExport: ExportedHead = {
  graph(g, { lhs, patches, A, b }, h) {
    const pooled =
      h.pooled === 'pooler_output'
        ? g.op('Concat', ['pooler_output', 'pooler_output'], { axis: 1 }) // [B, 2P]
        : g.op(
            'Concat',
            [
              g.op('Gather', [lhs, g.i64('zero', [0], [])], { axis: 1 }), // [B, D]
              g.op('ReduceMean', [patches], { axes: [1], keepdims: 0 }), // [B, D]
            ],
            { axis: 1 },
          ); // [B, 2D]
    g.op('Softmax', [g.op('Add', [g.op('MatMul', [pooled, A]), b])], { axis: 1 }, 'probs');
    g.output('probs', ElemType.float, ['batch_size', h.C]);
  },
  outputs: '[B, C] class probabilities',
  writesMasks: false,
  async row({ file, out, labels }) {
    let b = 0;
    for (let c = 1; c < labels.length; c++) if (out.probs[c] > out.probs[b]) b = c;
    return { file, class: labels[b].name, classId: labels[b].id, confidence: +out.probs[b].toFixed(4) };
  },
};
