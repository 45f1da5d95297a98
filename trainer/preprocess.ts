// Image → normalised CHW floats for `pixel_values`, exactly as the trainer embeds (so an exported model fed
// by `hilt predict` sees what the trainer saw). sharp decodes, honours EXIF orientation and resizes with
// its antialiased 'linear' kernel, which matches the reference DINOv3 processor (torchvision bilinear,
// antialias) better than transformers.js' affine resize. Transparency is composited onto the one shared
// background (white) first.
import fs from 'node:fs/promises';
import sharp from 'sharp';
import { onBackground } from '../common/image-background.ts';

/** pooled: a square `resolution` image, for one feature row; grid: the short side at `segShortSide`, aspect kept,
 *  for a patch grid (trainer/types.ts; a task says which it needs: TaskFactory.embedMode) */
export type { EmbedMode } from './types.ts';
import type { EmbedMode } from './types.ts';
/** Normalised CHW float image, ready for `pixel_values`. */
export interface PreparedImage {
  data: Float32Array;
  height: number;
  width: number;
}

export interface PixelSpec {
  rescale: number;
  mean: readonly number[];
  std: readonly number[];
  /** pooled: square side; grid: short side, both multiples of patchSize */
  resolution: number;
  segShortSide: number;
  patchSize: number;
}

const MAX_SEG_SIDE = 1792; // bounds memory/compute for panoramas: long side capped, short side shrinks

export function segmentationSize(w: number, h: number, shortSide: number, patch = 16): [number, number] {
  let s = shortSide / Math.min(w, h);
  s = Math.min(s, MAX_SEG_SIDE / Math.max(w, h));
  const r = (v: number) => Math.max(patch, Math.round((v * s) / patch) * patch);
  return [r(w), r(h)];
}

/** Per-channel lookup table uint8 → normalised float: one table read per sample instead of 2 flops + a divide. */
export function pixelTable(p: Pick<PixelSpec, 'rescale' | 'mean' | 'std'>): Float32Array[] {
  return [0, 1, 2].map((c) => Float32Array.from({ length: 256 }, (_, v) => (v * p.rescale - p.mean[c]) / p.std[c]));
}

export async function preparePixels(
  src: string | Buffer,
  mode: EmbedMode,
  spec: PixelSpec,
  lut = pixelTable(spec),
): Promise<PreparedImage> {
  const buf = typeof src === 'string' ? await fs.readFile(src) : src;
  // transparent pixels show the one background every path uses (common/image-background.ts)
  const img = onBackground(sharp(buf, { autoOrient: true, failOn: 'error' }));
  let w = spec.resolution,
    h = spec.resolution;
  if (mode === 'grid') {
    const m = await img.metadata();
    [w, h] = segmentationSize(
      m.autoOrient?.width ?? m.width,
      m.autoOrient?.height ?? m.height,
      spec.segShortSide,
      spec.patchSize,
    );
  }
  const { data, info } = await img
    .resize(w, h, { fit: 'fill', kernel: 'linear' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const ch = info.channels,
    n = w * h;
  const out = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) {
    const t = lut[c],
      off = c * n,
      src0 = Math.min(c, ch - 1);
    for (let i = 0, j = src0; i < n; i++, j += ch) out[off + i] = t[data[j]];
  }
  return { data: out, height: h, width: w };
}

/** A square RGB crop [side, side, 3] (segmentation's region crops) as `pixel_values`, at its own side: no
 *  resizing, so the backbone's tokens see the whole region at once. */
export function prepareCrop(px: Uint8Array, side: number, lut: Float32Array[]): PreparedImage {
  const n = side * side;
  if (px.length !== 3 * n) throw new Error(`a crop of side ${side} has ${3 * n} bytes, not ${px.length}`);
  const out = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) {
    const t = lut[c],
      off = c * n;
    for (let i = 0, j = c; i < n; i++, j += 3) out[off + i] = t[px[j]];
  }
  return { data: out, height: side, width: side };
}
