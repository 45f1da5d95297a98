// Naming segmentation regions by their crops (trainer/heads/seg-regions.ts): regions of a class map, square
// silhouette crops, the crop head fitted on labelled regions, and a predicted map whose two regions the patch
// head calls the same class (identical tokens) renamed by what their crops show.
import { describe, expect, it } from 'vitest';
import { predictProba } from '../trainer/heads/logreg.ts';
import {
  channelOrder,
  COLOUR_VIEWS,
  CROP_VIEWS,
  cropPixels,
  cropViews,
  dihedral,
  flipCrop,
  fitCropHead,
  labelledCrops,
  regionsOf,
  REGION_CROP,
  rotateCrop,
  VIEW_ANGLES,
  type EmbedCrops,
} from '../trainer/heads/seg-regions.ts';
import { cropHeadNamer, nameRegions, shapeRegions } from '../trainer/heads/seg-naming.ts';

const W = 64,
  H = 64,
  gw = 8,
  gh = 8,
  C = 3; // background, square, triangle

/** A class map with filled squares (class 1) and right triangles (class 2) at the given corners. */
function scene(shapes: { cls: 1 | 2; x: number; y: number; s: number }[]): Uint8Array {
  const m = new Uint8Array(W * H);
  for (const { cls, x, y, s } of shapes)
    for (let j = 0; j < s; j++) for (let i = 0; i < (cls === 1 ? s : j + 1); i++) m[(y + j) * W + x + i] = cls;
  return m;
}
/** Every shape the same colour on a grey background: colour says nothing about the class. */
const rgbOf = (m: Uint8Array) => Uint8Array.from({ length: W * H * 3 }, (_, k) => (m[Math.floor(k / 3)] ? 200 : 90));

/** A stand-in backbone: the share of the crop that is not the flat fill (the region, whatever its colour) and its
 *  square. A square fills its box, a triangle half of it. */
const embed: EmbedCrops = async (crops, side) =>
  crops.map((px) => {
    let ink = 0;
    const [r, g, b] = REGION_CROP.fill!;
    for (let i = 0; i < side * side; i++)
      if (Math.abs(px[i * 3] - r) + Math.abs(px[i * 3 + 1] - g) + Math.abs(px[i * 3 + 2] - b) > 30) ink++;
    const f = ink / (side * side);
    return Float32Array.from([f, f * f]);
  });
const crop = { ...REGION_CROP, side: 32 };

describe('regions of a class map', () => {
  it('splits by class or joins touching shapes, with bounding boxes', () => {
    const m = scene([
      { cls: 1, x: 4, y: 4, s: 10 },
      { cls: 2, x: 14, y: 4, s: 10 }, // touches the square
      { cls: 1, x: 40, y: 40, s: 12 },
    ]);
    const byClass = regionsOf(m, W, H, { by: 'class' });
    expect(byClass.map((r) => [r.cls, r.pixels.length])).toEqual([
      [1, 100],
      [2, 55],
      [1, 144],
    ]);
    expect(byClass[2]).toMatchObject({ x0: 40, y0: 40, x1: 51, y1: 51 });
    expect(regionsOf(m, W, H, { by: 'foreground' }).map((r) => r.pixels.length)).toEqual([155, 144]);
    // both parts of the joined region are large: they stay apart; a small speck joins its neighbour
    expect(shapeRegions(m, W, H, 10, 0.25).map((r) => r.pixels.length)).toEqual([100, 55, 144]);
    const speck = scene([
      { cls: 1, x: 4, y: 4, s: 12 },
      { cls: 2, x: 16, y: 4, s: 3 },
    ]);
    expect(shapeRegions(speck, W, H, 10, 0.25).map((r) => [r.cls, r.pixels.length])).toEqual([[1, 150]]);
  });

  it('a labelled region is learned from views without its colour or its angle: channel orders, mirror images, rotations, flat silhouettes', () => {
    const m = scene([{ cls: 1, x: 10, y: 20, s: 20 }]);
    const [r] = regionsOf(m, W, H, { by: 'class' });
    const rgb = Uint8Array.from({ length: W * H * 3 }, (_, k) => (m[Math.floor(k / 3)] ? [200, 90, 30][k % 3] : 60)),
      all = cropViews(rgb, W, H, r, crop),
      views = all.map((v) => v.px),
      S = crop.side,
      fill = REGION_CROP.fill!;
    expect(all.map((v) => v.view)).toEqual([...Array(CROP_VIEWS).keys()]);
    const own = cropPixels(rgb, W, H, r, crop);
    expect(views[0]).toEqual(own);
    expect(views[1]).toEqual(flipCrop(own, S));
    VIEW_ANGLES.forEach((a, i) => expect(views[2 + i]).toEqual(rotateCrop(own, S, (a * Math.PI) / 180, fill)));
    expect(views[COLOUR_VIEWS]).toEqual(channelOrder(own, [1, 2, 0]));
    // the region's colour at the crop's centre, per view: the colour views (crop, mirror, rotations) and the four
    // channel-order views hold the region's three channel values in three orders; the silhouettes (upright and
    // rotated) one flat colour each of four, none the region's
    const centre = (v: Uint8Array) => {
      const o = ((S >> 1) * S + (S >> 1)) * 3;
      return [v[o], v[o + 1], v[o + 2]].join(',');
    };
    const colours = views.map(centre),
      coloured = colours.slice(0, COLOUR_VIEWS + 4),
      inked = colours.slice(COLOUR_VIEWS + 4);
    expect(new Set(coloured).size).toBe(3);
    expect(new Set(colours.slice(0, COLOUR_VIEWS)).size).toBe(1);
    expect(new Set(inked).size).toBe(4);
    for (const c of inked) expect(coloured).not.toContain(c);
    // outside the region the flat fill (in the view's channel order)
    views.forEach((v, i) =>
      i >= COLOUR_VIEWS && i < COLOUR_VIEWS + 4
        ? expect([...v.slice(0, 3)].sort()).toEqual([...fill].sort())
        : expect([...v.slice(0, 3)]).toEqual(fill),
    );
    // a rotated view keeps the region's area (its pixels within the crop) and turns it: a quarter turn is the
    // square's own rotation, a turn by 72° is not
    const inRegion = (v: Uint8Array) => {
      let n = 0;
      for (let t = 0; t < v.length; t += 3) if (v[t] > 150) n++;
      return n;
    };
    for (let i = 2; i < COLOUR_VIEWS; i++) expect(Math.abs(inRegion(views[i]) / inRegion(own) - 1)).toBeLessThan(0.05);
    expect(rotateCrop(own, S, Math.PI / 2, fill)).toEqual(dihedral(own, S, 2)[1]);
    expect(views[2]).not.toEqual(own);
    // the background's views leave the rotations out and keep their indices; `n` takes the first views
    expect(cropViews(rgb, W, H, r, crop, { rotate: false }).map((v) => v.view)).toEqual([
      0,
      1,
      ...[...Array(CROP_VIEWS - COLOUR_VIEWS - VIEW_ANGLES.length).keys()].map((k) => COLOUR_VIEWS + k),
    ]);
    expect(cropViews(rgb, W, H, r, crop, { n: COLOUR_VIEWS }).map((v) => v.view)).toEqual([
      ...Array(COLOUR_VIEWS).keys(),
    ]);
  });

  it("crops the region's pixels on the flat fill, with the margin around the box", () => {
    const m = scene([{ cls: 1, x: 20, y: 20, s: 20 }]);
    const [r] = regionsOf(m, W, H, { by: 'class' });
    const px = cropPixels(rgbOf(m), W, H, r, { ...crop, margin: 0.25 });
    let ink = 0;
    for (let i = 0; i < 32 * 32; i++) if (px[i * 3] > 160) ink++;
    // a 20 px box with 5 px either side: the square covers (20/30)² of the crop
    expect(ink / (32 * 32)).toBeCloseTo((20 / 30) ** 2, 1);
    expect([...px.slice(0, 3)]).toEqual(REGION_CROP.fill);
  });
});

describe('the crop head names regions the patch head cannot tell apart', () => {
  it('two regions with the same patch class get the classes their crops show', async () => {
    const labelled = [
      scene([
        { cls: 1, x: 2, y: 2, s: 16 },
        { cls: 2, x: 34, y: 2, s: 22 },
      ]),
      scene([
        { cls: 2, x: 4, y: 30, s: 18 },
        { cls: 1, x: 36, y: 34, s: 20 },
      ]),
    ];
    const samples = (
      await Promise.all(labelled.map((m) => labelledCrops(m, W, H, rgbOf(m), embed, crop, { minFraction: 0 })))
    ).flat();
    // each shape region in CROP_VIEWS views, the background of each scene too (its one flat colour: no smaller
    // parts) without the rotations
    expect(samples.map((s) => s.cls).sort()).toEqual([
      ...new Array(2 * (CROP_VIEWS - 2 * VIEW_ANGLES.length)).fill(0),
      ...new Array(2 * CROP_VIEWS).fill(1),
      ...new Array(2 * CROP_VIEWS).fill(2),
    ]);
    const head = fitCropHead(samples, C)!;
    expect(head.classes).toEqual([0, 1, 2]);
    expect(head.regions).toBe(6);

    // the scene to predict: a triangle top left, a square bottom right; the patch map says "square" for both
    const truth = scene([
      { cls: 2, x: 4, y: 4, s: 24 },
      { cls: 1, x: 40, y: 40, s: 16 },
    ]);
    const refined = Uint8Array.from(truth, (v) => (v ? 1 : 0));
    const n = gh * gw,
      map = new Uint8Array(C * n);
    for (let q = 0; q < n; q++) {
      const x = (q % gw) * 8 + 4,
        y = Math.floor(q / gw) * 8 + 4,
        fg = truth[y * W + x] ? 1 : 0;
      map[q] = fg ? 20 : 235;
      map[n + q] = fg ? 235 : 20; // the patch head: square wherever there is a shape
    }
    const named = await nameRegions(
      map,
      C,
      gh,
      gw,
      refined,
      { data: rgbOf(truth), width: W, height: H },
      cropHeadNamer(head, embed, { crop, minFraction: 0 }),
    );
    expect(named.regions).toBe(2);
    const top = (x: number, y: number) => {
      const q = Math.floor(y / 8) * gw + Math.floor(x / 8);
      return [0, 1, 2].reduce((b, c) => (named.map[c * n + q] > named.map[b * n + q] ? c : b), 0);
    };
    expect(top(6, 20)).toBe(2); // inside the triangle
    expect(top(46, 46)).toBe(1); // inside the square
    expect(top(60, 4)).toBe(0); // background stays
    // the input map is kept
    expect(map[2 * n + Math.floor(20 / 8) * gw]).toBe(0);
  });

  it('a refit starts from the previous crop head and ends where a cold fit does', async () => {
    const crops = (m: Uint8Array) => labelledCrops(m, W, H, rgbOf(m), embed, crop, { minFraction: 0 });
    const first = [
      ...(await crops(
        scene([
          { cls: 1, x: 2, y: 2, s: 16 },
          { cls: 2, x: 34, y: 2, s: 22 },
        ]),
      )),
    ];
    const more = [
      ...first,
      ...(await crops(
        scene([
          { cls: 2, x: 4, y: 30, s: 18 },
          { cls: 1, x: 36, y: 34, s: 20 },
        ]),
      )),
    ];
    const before = fitCropHead(first, C)!,
      cold = fitCropHead(more, C)!,
      warm = fitCropHead(more, C, { warm: before })!;
    expect(warm.classes).toEqual(cold.classes);
    expect(warm.iterations).toBeLessThan(cold.iterations);
    for (const s of more) {
      const p = predictProba(cold.model, s.feature, 1),
        q = predictProba(warm.model, s.feature, 1);
      for (let i = 0; i < p.length; i++) expect(Math.abs(p[i] - q[i])).toBeLessThan(0.02);
    }
    // another set of classes: no warm start (a cold fit from scratch)
    const other = fitCropHead(
      more.filter((s) => s.cls !== 0),
      C,
      { warm: before },
    )!;
    expect(other.classes).toEqual([1, 2]);
    expect(other.iterations).toBe(
      fitCropHead(
        more.filter((s) => s.cls !== 0),
        C,
      )!.iterations,
    );
  });

  it('no crop head with fewer than two shape classes labelled', async () => {
    const m = scene([
      { cls: 1, x: 2, y: 2, s: 16 },
      { cls: 1, x: 34, y: 34, s: 20 },
    ]);
    const samples = await labelledCrops(m, W, H, rgbOf(m), embed, crop, { minFraction: 0 });
    expect(fitCropHead(samples, C)).toBeNull();
  });
});
