// Regions from the picture's colours (trainer/heads/seg-colour.ts) and what the crop head does with them in
// nameRegions: two touching shapes of different colours the patch map joined are named apart, a region the crop
// head knows as background becomes background, and a shape the patch map missed is found in its background.
import { describe, expect, it } from 'vitest';
import { colourParts, colourSplit } from '../trainer/heads/seg-colour.ts';
import { fitCropHead, labelledCrops, REGION_CROP, regionsOf, type EmbedCrops } from '../trainer/heads/seg-regions.ts';
import { cropHeadNamer, nameRegions } from '../trainer/heads/seg-naming.ts';

const W = 96,
  H = 96,
  gw = 12,
  gh = 12,
  C = 3; // background, square, triangle
const GREY = 90;

type Shape = { cls: 0 | 1 | 2; x: number; y: number; s: number; colour: number };
/** class map and RGB of squares (class 1) and right triangles (class 2) in flat grey levels on a grey
 *  background; class 0 shapes are background painted another colour */
function scene(shapes: Shape[]): { mask: Uint8Array; rgb: Uint8Array } {
  const mask = new Uint8Array(W * H),
    rgb = new Uint8Array(W * H * 3).fill(GREY);
  for (const { cls, x, y, s, colour } of shapes)
    for (let j = 0; j < s; j++)
      for (let i = 0; i < (cls === 2 ? j + 1 : s); i++) {
        const p = (y + j) * W + x + i;
        mask[p] = cls;
        rgb.fill(colour, p * 3, p * 3 + 3);
      }
  return { mask, rgb };
}

/** A stand-in backbone: the share of the crop that is not the flat fill, its square, and the mean grey level of
 *  those pixels (scaled so that a logistic head separates them surely). */
const embed: EmbedCrops = async (crops, side) =>
  crops.map((px) => {
    let ink = 0,
      level = 0;
    const [r, g, b] = REGION_CROP.fill!;
    for (let i = 0; i < side * side; i++)
      if (Math.abs(px[i * 3] - r) + Math.abs(px[i * 3 + 1] - g) + Math.abs(px[i * 3 + 2] - b) > 30) {
        ink++;
        level += px[i * 3];
      }
    const f = ink / (side * side);
    return Float32Array.from([10 * f, 10 * f * f, (10 * level) / Math.max(1, ink) / 255]);
  });
const crop = { ...REGION_CROP, side: 32 };

describe('colour parts of a region', () => {
  it('splits touching shapes of different colours, not one colour', () => {
    const two = scene([
      { cls: 1, x: 10, y: 10, s: 24, colour: 200 },
      { cls: 1, x: 34, y: 10, s: 20, colour: 30 },
    ]);
    const [joined] = regionsOf(two.mask, W, H, { by: 'foreground' });
    expect(joined.pixels.length).toBe(24 * 24 + 20 * 20);
    const parts = colourSplit(two.rgb, W, H, joined);
    expect(parts.map((r) => r.pixels.length).sort((a, b) => a - b)).toEqual([400, 576]);
    expect(parts.find((r) => r.pixels.length === 400)).toMatchObject({ x0: 34, y0: 10, x1: 53, y1: 29 });
    const one = scene([
      { cls: 1, x: 10, y: 10, s: 24, colour: 200 },
      { cls: 1, x: 34, y: 10, s: 20, colour: 190 },
    ]);
    expect(colourSplit(one.rgb, W, H, regionsOf(one.mask, W, H, { by: 'foreground' })[0])).toHaveLength(1);
  });

  it('cuts a pixel set into connected parts of one colour, by size', () => {
    const s = scene([
      { cls: 1, x: 4, y: 4, s: 20, colour: 200 },
      { cls: 1, x: 60, y: 60, s: 10, colour: 200 },
      { cls: 1, x: 60, y: 4, s: 2, colour: 200 },
    ]);
    const all = Int32Array.from({ length: W * H }, (_, p) => p);
    const parts = colourParts(s.rgb, W, H, all, { minArea: 50, maxArea: 0.3 * W * H, max: 6, cls: 0 });
    // the grey background is too large, the 2×2 speck too small
    expect(parts.map((r) => [r.cls, r.pixels.length])).toEqual([
      [0, 400],
      [0, 100],
    ]);
  });
});

describe('the crop head knows the background', () => {
  // labelled: a square and a triangle in light greys, and a background with a mid-grey patch (no shape)
  const labelled = [
    scene([
      { cls: 1, x: 6, y: 6, s: 26, colour: 190 },
      { cls: 2, x: 50, y: 40, s: 30, colour: 240 },
      { cls: 0, x: 10, y: 60, s: 20, colour: 150 },
    ]),
    scene([
      { cls: 2, x: 8, y: 50, s: 28, colour: 190 },
      { cls: 1, x: 56, y: 8, s: 24, colour: 240 },
      { cls: 0, x: 60, y: 60, s: 22, colour: 150 },
    ]),
  ];

  it('learns the background and its one-colour parts, and renames, drops and finds regions', async () => {
    const samples = (
      await Promise.all(labelled.map((l) => labelledCrops(l.mask, W, H, l.rgb, embed, crop, { minFraction: 0 })))
    ).flat();
    // per scene: two shapes and the background region, and the mid-grey patch as a background part
    expect(samples.filter((s) => s.view === 0).map((s) => s.cls)).toEqual([0, 1, 2, 0, 0, 1, 2, 0]);
    const head = fitCropHead(samples, C, { colour: true })!;
    expect(head.classes).toEqual([0, 1, 2]);

    // the scene to predict: a triangle touching a square of another colour (the patch map: one square), a
    // mid-grey patch the patch map calls a square, and a square the patch map missed
    const t = scene([
      { cls: 2, x: 4, y: 4, s: 28, colour: 195 },
      { cls: 1, x: 32, y: 4, s: 22, colour: 245 },
      { cls: 0, x: 8, y: 60, s: 24, colour: 150 },
      { cls: 1, x: 62, y: 58, s: 26, colour: 205 },
    ]);
    const said = Uint8Array.from(t.mask, (v, p) => (v ? 1 : 0) * (p % W < 60 || Math.floor(p / W) < 40 ? 1 : 0));
    for (let y = 60; y < 84; y++) for (let x = 8; x < 32; x++) said[y * W + x] = 1; // the mid-grey patch
    const n = gh * gw,
      map = new Uint8Array(C * n);
    for (let q = 0; q < n; q++) {
      const x = (q % gw) * 8 + 4,
        y = Math.floor(q / gw) * 8 + 4,
        fg = said[y * W + x];
      map[q] = fg ? 20 : 235;
      map[n + q] = fg ? 235 : 20;
    }
    const named = await nameRegions(
      map,
      C,
      gh,
      gw,
      said,
      { data: t.rgb, width: W, height: H },
      cropHeadNamer(head, embed, { crop, minFraction: 0 }),
    );
    const top = (x: number, y: number) => {
      const q = Math.floor(y / 8) * gw + Math.floor(x / 8);
      return [0, 1, 2].reduce((b, c) => (named.map[c * n + q] > named.map[b * n + q] ? c : b), 0);
    };
    expect(top(6, 28)).toBe(2); // the triangle, split from the lighter square by colour
    expect(top(44, 12)).toBe(1); // the lighter square
    expect(top(20, 72)).toBe(0); // the mid-grey patch: background
    expect(top(74, 70)).toBe(1); // the missed square, found
    expect(top(90, 30)).toBe(0); // background stays
    expect(named.regions).toBeGreaterThanOrEqual(4);
  });
});
