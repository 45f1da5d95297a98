// Generated scene styles: in 'plain' and 'textured' scenes a shape's colour does not tell its class (the
// same class comes in far-apart colours), the masks are exact, and textured backgrounds have two colours.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { polygonsToMask } from '../server/masks.ts';
import { makeColourScenes } from '../scripts/simulate/scenes.ts';
import { tempDir } from './helpers/fixtures.ts';

interface Coco {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: { image_id: number; category_id: number; segmentation: number[][] }[];
}

async function shapeColours(style: 'coloured' | 'textured' | 'plain') {
  const dir = tempDir('hilt-scenes-');
  await makeColourScenes(dir, { count: 24, seed: 5, size: [96, 72], style });
  const coco: Coco = JSON.parse(readFileSync(join(dir, 'coco.json'), 'utf8'));
  const byClass = new Map<number, number[][]>();
  const backgrounds: number[] = [];
  for (const im of coco.images) {
    const px = new Uint8Array(await sharp(join(dir, im.file_name)).removeAlpha().raw().toBuffer());
    const anns = coco.annotations.filter((a) => a.image_id === im.id);
    const owner = new Int16Array(im.width * im.height).fill(-1);
    anns.forEach((a, k) => {
      const m = polygonsToMask(a.segmentation, im.width, im.height);
      for (let i = 0; i < m.length; i++) if (m[i]) owner[i] = k;
    });
    anns.forEach((a, k) => {
      const sum = [0, 0, 0];
      let n = 0;
      for (let i = 0; i < owner.length; i++)
        if (owner[i] === k) {
          for (let c = 0; c < 3; c++) sum[c] += px[i * 3 + c];
          n++;
        }
      if (n > 20) byClass.set(a.category_id, [...(byClass.get(a.category_id) ?? []), sum.map((v) => v / n)]);
    });
    // background colour spread: distance between the darkest and brightest quarter of background pixels
    const lum: number[] = [];
    for (let i = 0; i < owner.length; i++) if (owner[i] < 0) lum.push(px[i * 3] + px[i * 3 + 1] + px[i * 3 + 2]);
    lum.sort((x, y) => x - y);
    backgrounds.push(lum[Math.floor(lum.length * 0.9)] - lum[Math.floor(lum.length * 0.1)]);
  }
  /** largest colour distance between two shapes of the same class, over the classes */
  const spread = Math.max(
    ...[...byClass.values()].map((cs) =>
      Math.max(...cs.flatMap((a) => cs.map((b) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2])))),
    ),
  );
  return { classes: byClass.size, spread, medianBackground: backgrounds.sort((x, y) => x - y)[12] };
}

describe('scene styles', () => {
  it('textured: several classes, colours that do not identify the class, two-colour backgrounds', async () => {
    const t = await shapeColours('textured'),
      c = await shapeColours('coloured'),
      p = await shapeColours('plain');
    expect(t.classes).toBe(4);
    expect(t.spread).toBeGreaterThan(150); // the same class in far-apart colours
    expect(c.spread).toBeLessThan(t.spread); // the coloured style keeps a colour family per class
    expect(t.medianBackground).toBeGreaterThan(60); // stripes / checker / noise of two colours
    expect(p.medianBackground).toBeLessThan(40); // plain: one flat colour (with a little noise)
  }, 60_000);
});
