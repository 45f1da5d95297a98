// Segmentation's exported head: probs [B, C, H/p, W/p] = softmax over classes of (patch token · A + b) per
// patch; `hilt predict` takes it to the image's own size as the app does (each shape region named by the
// export's region model, the map refined to the image's edges: common/seg/refine.ts), writes the class-id
// mask and gives its largest class.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { onBackground } from '../../common/image-background.ts';
import { refineMap } from '../../common/seg/refine.ts';
import { nameRegions } from '../heads/seg-naming.ts';
import { ElemType } from '../onnx/graph.ts';
import type { ExportedHead, ExportedOutput, ExportedRegions } from './exported.ts';

/** maps are stored as bytes (p·255) and computed from fp16-cached patch features: a byte-level tolerance */
const TOLERANCE = { maxAbsByte: 6, minArgmaxAgreement: 0.99 };

/** An image's pixels, upright, on the shared background, RGB, at its own size or resized to w × h (as the
 *  trainer and the server read an image for refinement). */
async function rgbOf(buf: Buffer, size?: { w: number; h: number }) {
  let img = onBackground(sharp(buf, { autoOrient: true, failOn: 'error' }));
  if (size) img = img.resize(size.w, size.h, { fit: 'fill' });
  const { data, info } = await img.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
  };
}

/** The patch map as the trainer stores it (quantised, [C, h, w]) and, where the export has a region model, the
 *  same map with each region named as the app names it (trainer/heads/seg-regions.ts nameRegions, on the
 *  picture at the region model's guide side); `full`: the picture at its own size. */
export async function namedPatchMap(
  buf: Buffer,
  out: ExportedOutput,
  C: number,
  regions?: ExportedRegions,
): Promise<{ map: Uint8Array; named: Uint8Array | null; full: { data: Uint8Array; width: number; height: number } }> {
  const map = Uint8Array.from(out.probs, (v) => Math.round(v * 255));
  const full = await rgbOf(buf);
  if (!regions) return { map, named: null, full };
  const f = Math.min(1, regions.guideSide / Math.max(full.width, full.height)),
    gw = Math.max(1, Math.round(full.width * f)),
    gh = Math.max(1, Math.round(full.height * f));
  const guide = f < 1 ? await rgbOf(buf, { w: gw, h: gh }) : full;
  const refined = refineMap(map, C, out.h, out.w, { ...guide, channels: 3 }).idx;
  return { map, named: (await nameRegions(map, C, out.h, out.w, refined, guide, regions.namer)).map, full };
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
  async row({ file, buf, out, labels, masks, regions }) {
    // what the app accepts: the patch map with its regions named, refined to the image's own edges
    const C = labels.length,
      ids = labels.map((l) => l.id);
    const { named, map: patches, full } = await namedPatchMap(buf, out, C, regions);
    const map = named ?? patches,
      W = full.width,
      H = full.height;
    const idx = refineMap(map, C, out.h, out.w, { ...full, channels: 3 }).idx;
    const mask = Buffer.alloc(W * H);
    for (let i = 0; i < mask.length; i++) mask[i] = ids[idx[i]];
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
