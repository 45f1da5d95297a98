// Pure parts of "see your work" and the superpixel brush: the mask outline, the disagreement count, and
// painting whole superpixels (also when they were computed at a smaller working size than the image).
import { describe, expect, it } from 'vitest';
import { disagreement, maskEdges } from '../web/src/seg/outline.ts';
import { paintSuperpixels, spMap, superpixelsUnder } from '../web/src/seg/superpixel-brush.ts';
import type { RGB } from '../web/src/seg/overlay-math.ts';

const colors = new Map<number, RGB>([
  [3, [200, 0, 0]],
  [5, [0, 0, 200]],
]);

describe('mask outline', () => {
  it('marks the labelled pixels next to another value, `t` deep, not the image border', () => {
    const W = 8,
      H = 6,
      m = new Uint8Array(W * H);
    for (let y = 1; y < 5; y++) for (let x = 2; x < 7; x++) m[y * W + x] = 3; // a 5×4 block
    const out = new Uint8ClampedArray(W * H * 4);
    maskEdges(m, W, H, colors, { x0: 0, y0: 0, x1: W, y1: H }, 1, out);
    const edge = (x: number, y: number) => out[(y * W + x) * 4 + 3] === 255;
    expect(edge(2, 1)).toBe(true); // corner
    expect(edge(4, 1)).toBe(true); // top row
    expect(edge(4, 2)).toBe(false); // inside
    expect(edge(0, 0)).toBe(false); // unlabelled
    const thick = new Uint8ClampedArray(W * H * 4);
    maskEdges(m, W, H, colors, { x0: 0, y0: 0, x1: W, y1: H }, 2, thick);
    expect(thick[(2 * W + 4) * 4 + 3]).toBe(255); // two deep
    // a block touching the image border has no edge there
    const full = new Uint8Array(W * H).fill(5),
      o2 = new Uint8ClampedArray(W * H * 4);
    maskEdges(full, W, H, colors, { x0: 0, y0: 0, x1: W, y1: H }, 1, o2);
    expect(o2.some((v, i) => i % 4 === 3 && v > 0)).toBe(false);
  });
});

describe('disagreement', () => {
  it('counts your labelled pixels the prediction names otherwise; unlabelled ones never disagree', () => {
    const W = 4,
      H = 2,
      mask = Uint8Array.from([3, 3, 5, 0, 0, 0, 5, 5]);
    const u = {
      width: 4,
      height: 2,
      idx: Uint8Array.from([0, 1, 1, 1, 0, 0, 0, 1]),
      conf: new Uint8Array(8),
      margin: new Uint8Array(8),
    };
    const r = disagreement(mask, W, H, u, [3, 5]);
    expect(r.labelled).toBe(5);
    expect(r.disagree).toBe(2); // pixel 1 (yours 3, model 5) and pixel 6 (yours 5, model 3)
    expect([...r.rgba].filter((_, i) => i % 4 === 3).map((a) => (a ? 1 : 0))).toEqual([0, 1, 0, 0, 0, 0, 1, 0]);
  });
});

describe('superpixel brush', () => {
  // 4×2 superpixels: left half 0, right half 1 (working size 4×2, image 8×4: each working pixel is 2×2)
  const sp = spMap({ width: 4, height: 2, labels: Int32Array.from([0, 0, 1, 1, 0, 0, 1, 1]), count: 2 }, 8, 4);

  it("keeps each superpixel's box at image size", () => {
    expect([...sp.boxes]).toEqual([0, 0, 4, 4, 4, 0, 8, 4]);
  });

  it('picks the superpixels a disc touches, and paints them whole', () => {
    expect([...superpixelsUnder(sp, 1, 1, 1, 1, 0.8)]).toEqual([0]);
    expect([...superpixelsUnder(sp, 4, 2, 4, 2, 1)].sort()).toEqual([0, 1]);
    const m = { data: new Uint8Array(32), width: 8, height: 4 };
    const dirty = paintSuperpixels(m, sp, [1], 7);
    expect(dirty).toEqual({ x0: 4, y0: 0, x1: 8, y1: 4 });
    expect([...m.data.slice(0, 8)]).toEqual([0, 0, 0, 0, 7, 7, 7, 7]);
    paintSuperpixels(m, sp, [1], 0); // the eraser
    expect(m.data.every((v) => v === 0)).toBe(true);
  });
});
