// Segmentation's exported head: probs [B, C, H/p, W/p] = softmax over classes of (patch token · A + b) per
// patch; `hilt predict` writes the class-id mask at the image's own size and gives its largest class.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { ElemType } from '../onnx/graph.ts';
import type { ExportedHead } from './exported.ts';

/** maps are stored as bytes (p·255) and computed from fp16-cached patch features: a byte-level tolerance */
const TOLERANCE = { maxAbsByte: 6, minArgmaxAgreement: 0.99 };

/** Class probabilities per patch [C, h, w] → class id per pixel of a W×H image (bilinear in probability). */
function upsampleArgmax(
  probs: Float32Array,
  C: number,
  h: number,
  w: number,
  W: number,
  H: number,
  ids: number[],
): Buffer {
  const out = Buffer.alloc(W * H);
  const n = h * w;
  for (let y = 0; y < H; y++) {
    const fy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / H - 0.5)),
      y0 = Math.floor(fy),
      y1 = Math.min(h - 1, y0 + 1),
      ty = fy - y0;
    for (let x = 0; x < W; x++) {
      const fx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / W - 0.5)),
        x0 = Math.floor(fx),
        x1 = Math.min(w - 1, x0 + 1),
        tx = fx - x0;
      let best = 0,
        bv = -1;
      for (let c = 0; c < C; c++) {
        const o = c * n;
        const v =
          (1 - ty) * ((1 - tx) * probs[o + y0 * w + x0] + tx * probs[o + y0 * w + x1]) +
          ty * ((1 - tx) * probs[o + y1 * w + x0] + tx * probs[o + y1 * w + x1]);
        if (v > bv) {
          bv = v;
          best = c;
        }
      }
      out[y * W + x] = ids[best];
    }
  }
  return out;
}

export const segmentationExport: ExportedHead = {
  graph(g, { patches, A, b }, h) {
    const p = g.op('Softmax', [g.op('Add', [g.op('MatMul', [patches, A]), b])], { axis: 2 }); // [B, N, C]
    // the patch grid's shape comes from the input: [H / stride, W / stride]
    const hw = g.op('Div', [
      g.op('Slice', [g.op('Shape', ['pixel_values']), g.i64('s2', [2]), g.i64('s4', [4])]),
      g.i64('stride', [h.patchSize]),
    ]);
    const shape = g.op('Concat', [g.i64('keepB', [0]), hw, g.i64('C', [h.C])], { axis: 0 });
    g.op('Transpose', [g.op('Reshape', [p, shape])], { perm: [0, 3, 1, 2] }, 'probs'); // [B, C, h, w]
    g.output('probs', ElemType.float, ['batch_size', h.C, 'grid_height', 'grid_width']);
  },
  outputs: '[B, C, H/stride, W/stride] class probabilities per patch',
  tolerance: TOLERANCE,
  passed: (maxAbs, agreement) => maxAbs <= TOLERANCE.maxAbsByte && agreement >= TOLERANCE.minArgmaxAgreement,
  writesMasks: true,
  async row({ file, buf, out, labels, masks }) {
    const meta = await sharp(buf, { autoOrient: true }).metadata();
    const W = meta.autoOrient?.width ?? meta.width,
      H = meta.autoOrient?.height ?? meta.height;
    const mask = upsampleArgmax(
      out.probs,
      labels.length,
      out.h,
      out.w,
      W,
      H,
      labels.map((l) => l.id),
    );
    const count = new Map<number, number>();
    for (const v of mask) count.set(v, (count.get(v) ?? 0) + 1);
    const [topId, topN] = [...count].sort((a, b) => b[1] - a[1])[0];
    const row: { file: string; class: string; classId: number; confidence: number; mask?: string } = {
      file,
      class: labels.find((l) => l.id === topId)!.name,
      classId: topId,
      confidence: +(topN / mask.length).toFixed(4),
    };
    if (masks) {
      fs.mkdirSync(masks, { recursive: true });
      row.mask = path.join(masks, `${path.basename(file).replace(/\.[^.]+$/, '')}.png`);
      await sharp(mask, { raw: { width: W, height: H, channels: 1 } })
        .png()
        .toFile(row.mask);
    }
    return row;
  },
};
