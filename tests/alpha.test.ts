// @vitest-environment node
// Transparent images: a black shape on a fully transparent canvas shows only on a light background. The
// pixels that reach the model (trainer/preprocess.ts: embedding, POST /api/predict, `hilt predict`, an
// exported model's preprocessing), the thumbnail and the segmentation refinement's pixels all composite it
// onto the one shared background (white), so the shape is there, black on white, in each.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { preparePixels } from '../trainer/preprocess.ts';
import { makeThumb } from '../server/import/thumbs.ts';
import { imageRgb } from '../server/seg-prediction.ts';
import { IMAGE_BACKGROUND } from '../common/image-background.ts';
import type { ImageRow } from '../server/db/schema.ts';
import { tempDir } from './helpers/fixtures.ts';

const W = 64,
  H = 64;
/** RGBA: transparent black everywhere (0,0,0,0), an opaque black square in the middle (0,0,0,255) */
async function transparentPng(): Promise<Buffer> {
  const px = Buffer.alloc(W * H * 4);
  for (let y = 16; y < 48; y++) for (let x = 16; x < 48; x++) px[(y * W + x) * 4 + 3] = 255;
  return sharp(px, { raw: { width: W, height: H, channels: 4 } })
    .png()
    .toBuffer();
}

describe('transparent images are composited onto white everywhere', () => {
  it('the background is white', () => {
    expect(IMAGE_BACKGROUND).toEqual({ r: 255, g: 255, b: 255 });
  });

  it('the model input (preparePixels: embedding, predict, export): white around, black inside', async () => {
    const png = await transparentPng();
    // rescale only, so a pixel value v arrives as v / 255
    const img = await preparePixels(png, 'pooled', {
      rescale: 1 / 255,
      mean: [0, 0, 0],
      std: [1, 1, 1],
      resolution: 32,
      segShortSide: 32,
      patchSize: 16,
    });
    const at = (c: number, x: number, y: number) => img.data[c * 32 * 32 + y * 32 + x];
    for (let c = 0; c < 3; c++) {
      expect(at(c, 1, 1)).toBeCloseTo(1, 2); // the transparent corner: white
      expect(at(c, 16, 16)).toBeCloseTo(0, 2); // the shape: black
    }
  });

  it('the thumbnail: no alpha left, white around, black inside', async () => {
    const thumb = await makeThumb(await transparentPng());
    const { data, info } = await sharp(thumb).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(3);
    const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
    for (const v of at(2, 2)) expect(v).toBeGreaterThanOrEqual(250);
    for (const v of at(32, 32)) expect(v).toBeLessThanOrEqual(5);
  });

  it('the pixels the segmentation refinement reads', async () => {
    const dir = tempDir(),
      path = join(dir, 'shape.png');
    const png = await transparentPng();
    writeFileSync(path, png);
    // read as imported: the row names the file's hash and size
    const px = await imageRgb({
      id: 1,
      path,
      width: W,
      height: H,
      sha256: createHash('sha256').update(png).digest('hex'),
      bytes: png.length,
    } as ImageRow);
    expect([...px.data.subarray(0, 3)]).toEqual([255, 255, 255]);
    const mid = (32 * W + 32) * 3;
    expect([...px.data.subarray(mid, mid + 3)]).toEqual([0, 0, 0]);
  });
});
