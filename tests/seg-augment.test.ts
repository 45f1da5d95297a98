// Augmented copies of labelled segmentation images (trainer/heads/seg-augment.ts): the pixels mirrored and put in
// other channel orders, the patch labels mirrored with them, and a copy whose grid is not the image's left out.
import { describe, expect, it } from 'vitest';
import {
  AUGMENTS,
  augmentedGrids,
  augmentedRows,
  augmentPixels,
  colourCue,
  mirrorGrid,
  regionColours,
} from '../trainer/heads/seg-augment.ts';
import { mulberry32 } from '../trainer/rng.ts';
import { IGNORE } from '../trainer/heads/segmentation.ts';
import sharp from 'sharp';

describe('augmented copies for the patch head', () => {
  it('mirrors pixels left to right and reorders channels', () => {
    // 2 × 1 image: a red pixel, then a blue one
    const rgb = Uint8Array.from([255, 0, 0, 0, 0, 255]);
    expect([...augmentPixels(rgb, 2, 1, true, [0, 1, 2])]).toEqual([0, 0, 255, 255, 0, 0]);
    expect([...augmentPixels(rgb, 2, 1, false, [1, 2, 0])]).toEqual([0, 0, 255, 0, 255, 0]);
    expect([...augmentPixels(rgb, 2, 1, true, [2, 0, 1])]).toEqual([255, 0, 0, 0, 255, 0]);
  });

  it("mirrors patch labels with the image, and gives each copy a third of the image's labels", () => {
    const labels = Int32Array.from([0, 1, 2, 3, 4, 5]); // 2 rows × 3 columns
    expect([...mirrorGrid(labels, 2, 3)]).toEqual([2, 1, 0, 5, 4, 3]);
    const grid = (h: number, w: number) => ({ h, w, d: 1, data: new Float32Array(h * w) });
    const rows = augmentedRows(
      AUGMENTS.map(() => grid(2, 3)),
      labels,
      2,
      3,
    );
    expect(rows).toHaveLength(AUGMENTS.length);
    // copy k keeps every third patch (p mod 3 = k) of the image's labels, mirrored for a mirror image
    rows.forEach((r, k) => {
      const own = AUGMENTS[k].flip ? [2, 1, 0, 5, 4, 3] : [...labels];
      expect([...r.labels]).toEqual(own.map((v, p) => (p % AUGMENTS.length === k ? v : IGNORE)));
    });
    // together the copies label each patch position once: as many rows as the image
    const kept = rows.reduce((n, r) => n + r.labels.filter((v) => v !== IGNORE).length, 0);
    expect(kept).toBe(labels.length);
    // a grid of another size (the copy came out another shape) is left out
    expect(augmentedRows([grid(2, 3), grid(3, 2), grid(2, 3)], labels, 2, 3)).toHaveLength(2);
  });

  it('hands the embedder one encoded image per copy, in order', async () => {
    const W = 4,
      H = 2,
      rgb = Uint8Array.from({ length: W * H * 3 }, (_, k) => (Math.floor(k / 3) % W === 0 && k % 3 === 0 ? 250 : 10));
    const seen: Uint8Array[] = [];
    const grids = await augmentedGrids(rgb, W, H, async (bufs) => {
      for (const b of bufs) seen.push(new Uint8Array(await sharp(b).raw().toBuffer()));
      return bufs.map(() => ({ h: 1, w: 1, d: 1, data: new Float32Array(1) }));
    });
    expect(grids).toHaveLength(AUGMENTS.length);
    AUGMENTS.forEach((a, k) => expect(seen[k]).toEqual(augmentPixels(rgb, W, H, a.flip, a.order)));
  });

  it('reads from the labelled regions whether colour tells the classes apart', () => {
    // a 6 × 2 class map: background, class 1 at x 1–2, class 2 at x 4–5; pixels coloured per region
    const W = 6,
      H = 2,
      idx = Uint8Array.from({ length: W * H }, (_, p) => [0, 1, 1, 0, 2, 2][p % W]);
    const rgb = Uint8Array.from({ length: W * H * 3 }, (_, k) => [10, 200, 200, 10, 90, 90][Math.floor(k / 3) % W]);
    const regs = regionColours(idx, W, H, rgb);
    // background is two regions (x 0 and x 3), then one region per shape
    expect(regs.map((r) => [r.cls, r.mean[0]])).toEqual([
      [0, 10],
      [1, 200],
      [0, 10],
      [2, 90],
    ]);
    // a colour per class: each region's nearest colour is of its class
    const rand = mulberry32(5);
    const jitter = (c: number[]) => c.map((v) => v + (rand() - 0.5) * 20) as [number, number, number];
    const perClass = [
      [200, 30, 30],
      [30, 200, 30],
      [30, 30, 200],
    ];
    const coloured = Array.from({ length: 12 }, (_, i) => ({ cls: i % 3, mean: jitter(perClass[i % 3]) }));
    expect(colourCue(coloured)).toEqual({ agreement: 1, cue: true });
    // random colours: the nearest colour is of any class
    const random = Array.from({ length: 30 }, (_, i) => ({
      cls: i % 3,
      mean: [rand() * 255, rand() * 255, rand() * 255] as [number, number, number],
    }));
    const r = colourCue(random);
    expect(r.cue).toBe(false);
    expect(r.agreement).toBeLessThan(0.7);
    // too few regions, or one class: colour is kept
    expect(colourCue(random.slice(0, 3)).cue).toBe(true);
    expect(colourCue(random.filter((x) => x.cls === 1)).cue).toBe(true);
  });
});
