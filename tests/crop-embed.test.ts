// @vitest-environment node
// Segmentation's region crops are embedded at their own side (CROP_SIDE), normalised as the backbone's
// preprocessor says but not resized to its classification input: the trainer (SideEmbedder → loopEmbedder),
// the bench and the exported region model all prepare a crop with prepareCrop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { loopEmbedder } from '../trainer/embedder.ts';
import { pixelTable, prepareCrop } from '../trainer/preprocess.ts';
import { SideEmbedder } from '../trainer/side-embed.ts';
import { CROP_SIDE } from '../trainer/heads/seg-regions.ts';
import type { Embedder } from '../trainer/types.ts';

/** a square crop: a grey ground with a disc of colour `c` at (cx, cy) */
function crop(side: number, c: [number, number, number], cx = 0.5, cy = 0.5): Uint8Array {
  const px = new Uint8Array(side * side * 3).fill(120);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++)
      if ((x - cx * side) ** 2 + (y - cy * side) ** 2 < (0.3 * side) ** 2) px.set(c, (y * side + x) * 3);
  return px;
}

describe('prepareCrop', () => {
  it('normalises each channel through the lookup table, channels first, without resizing', () => {
    const lut = pixelTable({ rescale: 1 / 255, mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.5] });
    const px = Uint8Array.from([0, 10, 20, 30, 40, 50, 60, 70, 80, 255, 254, 253]); // 2 × 2 × RGB
    const p = prepareCrop(px, 2, lut);
    expect([p.width, p.height, p.data.length]).toEqual([2, 2, 12]);
    for (let c = 0; c < 3; c++)
      for (let i = 0; i < 4; i++)
        expect(p.data[c * 4 + i]).toBeCloseTo((px[i * 3 + c] / 255 - [0.5, 0.4, 0.3][c]) / [0.2, 0.25, 0.5][c], 5);
    expect(() => prepareCrop(px, 3, lut)).toThrow(/side 3 has 27 bytes, not 12/);
  });
});

describe('crop embeddings in the trainer', () => {
  let e: Embedder;
  beforeAll(async () => {
    e = await loopEmbedder({ backbone: 'tiny', device: 'cpu', offline: true });
  });
  afterAll(() => e?.dispose?.());

  it('embeds a crop at its own side: the same as the image pipeline on a picture of exactly those pixels', async () => {
    const side = CROP_SIDE;
    const px = crop(side, [200, 40, 40]);
    const [own] = await e.embedCrops([px], side);
    expect(own.every(Number.isFinite)).toBe(true);
    // the image pipeline resizes a picture to the classification input (224): a 96-px crop through it is
    // another input, so another vector
    const png = await sharp(px, { raw: { width: side, height: side, channels: 3 } })
      .png()
      .toBuffer();
    const [resized] = await e.embed([{ id: 1, sha: '', source: async () => png }], 'pooled');
    expect(resized.pooled!.length).toBe(own.length);
    expect(Math.max(...own.map((v, i) => Math.abs(v - resized.pooled![i])))).toBeGreaterThan(1e-3);
    // and the crop resized to 224 by the same kernel, embedded as a crop, is exactly what the pipeline gives
    const big = new Uint8Array(
      await sharp(px, { raw: { width: side, height: side, channels: 3 } })
        .resize(224, 224, { fit: 'fill', kernel: 'linear' })
        .raw()
        .toBuffer(),
    );
    const [same] = await e.embedCrops([big], 224);
    expect(Math.max(...same.map((v, i) => Math.abs(v - resized.pooled![i])))).toBeLessThan(1e-5);
  });

  it('SideEmbedder keeps the order over several batches and stops once the trainer is closed', async () => {
    let closed = false;
    const side = new SideEmbedder(e, () => closed);
    const crops = Array.from({ length: e.batchSize + 3 }, (_, k) =>
      crop(CROP_SIDE, [(k * 40) % 256, 80, 255 - k * 10], 0.3 + k * 0.03, 0.5),
    );
    const all = await side.embedCrops(crops, CROP_SIDE);
    expect(all).toHaveLength(crops.length);
    for (const k of [0, e.batchSize, crops.length - 1]) {
      const [alone] = await e.embedCrops([crops[k]], CROP_SIDE);
      expect(Math.max(...alone.map((v, i) => Math.abs(v - all[k][i])))).toBeLessThan(1e-5);
    }
    closed = true;
    await expect(side.embedCrops(crops, CROP_SIDE)).rejects.toThrow(/closed/);
  });
});
