// Regions of a full-resolution class map, the square crops around them and the crop head: a classifier on the
// pooled embedding of a region's crop (which sees the region's whole outline), learnt from the labelled maps'
// regions in several views (seg-naming.ts names a predicted map's regions with it). Pure functions on pixels;
// the caller embeds the crops (trainer/tasks/segmentation.ts with the loop's backbone, bench/seg-few.ts).

import { fitLogReg, type LogRegModel } from './logreg.ts';
import { colourParts, type Region } from './seg-colour.ts';

export type { Region } from './seg-colour.ts';

/** Connected (4-neighbour) regions of pixels whose class is not `background`. `by`: 'class' splits where the
 *  class changes (the true regions of a labelled mask), 'foreground' joins touching shapes of any class (a
 *  predicted map, whose class is what is in question). Regions under `minArea` pixels are left out;
 *  `ignore` (e.g. an unlabelled value) counts as background. */
export function regionsOf(
  idx: ArrayLike<number>,
  W: number,
  H: number,
  o: { by: 'class' | 'foreground'; background?: number; minArea?: number; ignore?: number },
): Region[] {
  const bg = o.background ?? 0,
    minArea = o.minArea ?? 1,
    n = W * H,
    seen = new Uint8Array(n),
    stack = new Int32Array(n),
    buf = new Int32Array(n),
    out: Region[] = [];
  const inside = (p: number) => idx[p] !== bg && idx[p] !== o.ignore;
  for (let s = 0; s < n; s++) {
    if (seen[s] || !inside(s)) continue;
    let top = 0,
      len = 0,
      x0 = W,
      y0 = H,
      x1 = -1,
      y1 = -1;
    const c0 = idx[s];
    seen[s] = 1;
    stack[top++] = s;
    while (top) {
      const p = stack[--top];
      buf[len++] = p;
      const x = p % W,
        y = (p - x) / W;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      const visit = (q: number) => {
        if (!seen[q] && inside(q) && (o.by === 'foreground' || idx[q] === c0)) {
          seen[q] = 1;
          stack[top++] = q;
        }
      };
      if (x > 0) visit(p - 1);
      if (x + 1 < W) visit(p + 1);
      if (y > 0) visit(p - W);
      if (y + 1 < H) visit(p + W);
    }
    if (len >= minArea) out.push({ pixels: buf.slice(0, len), x0, y0, x1, y1, cls: c0 });
  }
  return out;
}

export interface CropOptions {
  /** margin around the bounding box, as a fraction of its longer side (each side) */
  margin: number;
  /** side of the square crop handed to the backbone */
  side: number;
  /** paint pixels outside the region this colour (RGB); null keeps the image */
  fill: [number, number, number] | null;
  /** paint the region's own pixels this colour (with `fill`: the region's silhouette, no colour or texture) */
  ink?: [number, number, number] | null;
}
export const DEFAULT_CROP: CropOptions = { margin: 0.2, side: 224, fill: null };

/** The square around a region's bounding box with the margin, in image pixels (it may reach past the
 *  image's edges; those pixels are filled). */
export function cropSquare(r: Region, margin: number): { left: number; top: number; size: number } {
  const bw = r.x1 - r.x0 + 1,
    bh = r.y1 - r.y0 + 1,
    size = Math.max(2, Math.round(Math.max(bw, bh) * (1 + 2 * margin)));
  return {
    left: Math.round((r.x0 + r.x1 + 1) / 2 - size / 2),
    top: Math.round((r.y0 + r.y1 + 1) / 2 - size / 2),
    size,
  };
}

/** RGB pixels [side, side, 3] of a region's square crop (bilinear resampling; outside the image, and outside
 *  the region when `fill` is set, the fill colour or the nearest edge pixel). */
export function cropPixels(
  rgb: Uint8Array,
  W: number,
  H: number,
  r: Region,
  o: CropOptions = DEFAULT_CROP,
): Uint8Array {
  const { left, top, size } = cropSquare(r, o.margin),
    S = o.side,
    out = new Uint8Array(S * S * 3);
  let keep: Uint8Array | null = null;
  if (o.fill) {
    keep = new Uint8Array(W * H);
    for (const p of r.pixels) keep[p] = 1;
  }
  const scale = size / S;
  for (let j = 0; j < S; j++) {
    const fy = top + (j + 0.5) * scale - 0.5;
    for (let i = 0; i < S; i++) {
      const fx = left + (i + 0.5) * scale - 0.5,
        o3 = (j * S + i) * 3;
      const xi = Math.min(W - 1, Math.max(0, Math.floor(fx))),
        yi = Math.min(H - 1, Math.max(0, Math.floor(fy))),
        xj = Math.min(W - 1, xi + 1),
        yj = Math.min(H - 1, yi + 1),
        tx = Math.min(1, Math.max(0, fx - xi)),
        ty = Math.min(1, Math.max(0, fy - yi));
      const at = (x: number, y: number, c: number) => {
        const p = y * W + x;
        if (keep && !keep[p]) return o.fill![c];
        return o.ink ? o.ink[c] : rgb[p * 3 + c];
      };
      const outside = o.fill && (fx < -0.5 || fy < -0.5 || fx > W - 0.5 || fy > H - 0.5);
      for (let c = 0; c < 3; c++)
        out[o3 + c] = outside
          ? o.fill![c]
          : Math.round(
              (1 - ty) * ((1 - tx) * at(xi, yi, c) + tx * at(xj, yi, c)) +
                ty * ((1 - tx) * at(xi, yj, c) + tx * at(xj, yj, c)),
            );
    }
  }
  return out;
}

/** The 8 symmetries of the square (rotations by 90° and their mirror images) of a [S, S, 3] crop, the
 *  crop itself first (augmentation of the labelled crops); `n` of them. */
export function dihedral(px: Uint8Array, S: number, n = 8): Uint8Array[] {
  const out = [px];
  const rot = (q: Uint8Array) => {
    const r = new Uint8Array(q.length);
    for (let y = 0; y < S; y++)
      for (let x = 0; x < S; x++) {
        const a = (y * S + x) * 3,
          b = ((S - 1 - x) * S + y) * 3;
        r[a] = q[b];
        r[a + 1] = q[b + 1];
        r[a + 2] = q[b + 2];
      }
    return r;
  };
  for (let k = 1; k < Math.min(n, 8); k++) out.push(k === 4 ? flipCrop(px, S) : rot(out[k - 1]));
  return out;
}

/** Mirror a [S, S, 3] crop left to right (augmentation of the labelled crops). */
export function flipCrop(px: Uint8Array, S: number): Uint8Array {
  const out = new Uint8Array(px.length);
  for (let y = 0; y < S; y++)
    for (let x = 0; x < S; x++) {
      const a = (y * S + x) * 3,
        b = (y * S + S - 1 - x) * 3;
      out[a] = px[b];
      out[a + 1] = px[b + 1];
      out[a + 2] = px[b + 2];
    }
  return out;
}

/** Relabel each region of a class map (in place) with its class from `classOf`; background stays. */
export function relabel(idx: Uint8Array, regions: Region[], classes: number[]): Uint8Array {
  regions.forEach((r, k) => {
    for (const p of r.pixels) idx[p] = classes[k];
  });
  return idx;
}

/** Pooled embeddings of RGB crops [side, side, 3] (the backbone's classification input), one per crop. */
export type EmbedCrops = (crops: Uint8Array[], side: number) => Promise<Float32Array[]>;

/** Labelled crops: the true regions (one class each) of labelled class maps. */
export interface CropSample {
  feature: Float32Array;
  cls: number;
  /** which of cropViews' views (0: the crop itself) */
  view: number;
}

/** Regions per class the crop classifier needs before it names regions (below it the patch head's classes stay). */
export const MIN_REGIONS_PER_CLASS = 1;

/** The crop classifier: a softmax head on pooled crop embeddings over the shape classes (indices 1..C-1 of the
 *  segmentation head) and, where labelled background was cropped too, the background (index 0): a region it
 *  names background is no shape. Null while fewer than two shape classes have MIN_REGIONS_PER_CLASS labelled
 *  regions. */
export interface LogRegCropHead {
  model: LogRegModel;
  /** segmentation class index of each column */
  classes: number[];
  /** labelled regions it was fitted on */
  regions: number;
  /** views per region it learned from (COLOUR_VIEWS: colour kept; CROP_VIEWS: colour-free views too) */
  views: number;
  /** L-BFGS iterations of the fit */
  iterations: number;
}
/** `colour`: learn from the views that keep colour only (COLOUR_VIEWS), where colour tells the classes apart.
 *  `warm`: the previous crop head, the fit's start where it has the same classes and views (a new labelled image
 *  moves the optimum little, so the refit takes a few iterations instead of a cold fit's hundreds). */
export function fitCropHead(
  all: CropSample[],
  C: number,
  o: { l2?: number; colour?: boolean; warm?: LogRegCropHead | null } = {},
): LogRegCropHead | null {
  const views = o.colour ? COLOUR_VIEWS : CROP_VIEWS,
    samples = all.filter((s) => s.view < views);
  const count = new Map<number, number>();
  for (const s of samples) if (s.cls >= 0 && s.cls < C) count.set(s.cls, (count.get(s.cls) ?? 0) + 1);
  const shapes = [...count.entries()].filter(([c, n]) => c > 0 && n >= MIN_REGIONS_PER_CLASS).map(([c]) => c);
  if (shapes.length < 2) return null;
  const classes = [...(count.has(0) ? [0] : []), ...shapes.sort((a, b) => a - b)];
  const index = new Map(classes.map((c, i) => [c, i]));
  const use = samples.filter((s) => index.has(s.cls));
  const d = use[0].feature.length,
    X = new Float32Array(use.length * d),
    y = new Int32Array(use.length);
  use.forEach((s, i) => {
    X.set(s.feature, i * d);
    y[i] = index.get(s.cls)!;
  });
  const w = o.warm,
    warm = w && w.views === views && w.model.d === d && w.classes.join() === classes.join() ? w.model : null;
  const r = fitLogReg(X, y, use.length, d, classes.length, { seed: 0, l2: o.l2 ?? 1e-2, warm });
  return {
    model: r.model,
    classes,
    regions: use.filter((s) => s.view === 0).length,
    views,
    iterations: r.iterations,
  };
}

/** Crop settings the segmentation task uses: the region's own pixels on a flat grey, 20 % margin. */
export const REGION_CROP: Omit<CropOptions, 'side'> = { margin: 0.2, fill: [124, 116, 104] };
/** the side of a region's crop, embedded at that size (not resized to the backbone's classification input): at 96 px
 *  MobileNetV2's stride-16 tokens each see the whole region, so the pooled vector describes its outline rather than
 *  averaging pieces of it (chosen on development scenes against 64, 128, 160 and 224; docs/segmentation.md) */
export const CROP_SIDE = 96;
export const MIN_REGION_FRACTION = 64 / (320 * 240);

/** Swap the colour channels of a [S, S, 3] crop: channel c of the result is channel `order[c]` of the crop. */
export function channelOrder(px: Uint8Array, order: readonly number[]): Uint8Array {
  const out = new Uint8Array(px.length);
  for (let t = 0; t < px.length; t += 3) for (let c = 0; c < 3; c++) out[t + c] = px[t + order[c]];
  return out;
}

/** the flat colours the region's silhouette is painted in for the colour-free views of a labelled crop */
const VIEW_INKS: [number, number, number][] = [
  [200, 40, 40],
  [40, 160, 60],
  [250, 230, 80],
  [30, 30, 120],
];
/** Rotate a [S, S, 3] crop about its centre by `angle` radians (bilinear; what comes from outside the crop is
 *  `fill`). */
export function rotateCrop(px: Uint8Array, S: number, angle: number, fill: readonly number[]): Uint8Array {
  const out = new Uint8Array(px.length),
    c = (S - 1) / 2,
    cos = Math.cos(angle),
    sin = Math.sin(angle);
  for (let y = 0; y < S; y++)
    for (let x = 0; x < S; x++) {
      const dx = x - c,
        dy = y - c,
        fx = cos * dx + sin * dy + c,
        fy = -sin * dx + cos * dy + c,
        o = (y * S + x) * 3;
      if (fx < 0 || fy < 0 || fx > S - 1 || fy > S - 1) {
        out.set(fill, o);
        continue;
      }
      const x0 = Math.floor(fx),
        y0 = Math.floor(fy),
        x1 = Math.min(S - 1, x0 + 1),
        y1 = Math.min(S - 1, y0 + 1),
        tx = fx - x0,
        ty = fy - y0;
      for (let k = 0; k < 3; k++)
        out[o + k] = Math.round(
          (1 - ty) * ((1 - tx) * px[(y0 * S + x0) * 3 + k] + tx * px[(y0 * S + x1) * 3 + k]) +
            ty * ((1 - tx) * px[(y1 * S + x0) * 3 + k] + tx * px[(y1 * S + x1) * 3 + k]),
        );
    }
  return out;
}

/** the angles a labelled shape region is also learned at (away from the square's own symmetries, so a square
 *  seen upright is also seen as a diamond), in degrees */
export const VIEW_ANGLES = [72, 144, 216, 288];
/** views per labelled region (see cropViews) */
export const CROP_VIEWS = 10 + 2 * VIEW_ANGLES.length;
/** the views that keep the region's colours (the crop, its mirror image and the crop rotated): all the crop head
 *  learns from where colour tells the classes apart */
export const COLOUR_VIEWS = 2 + VIEW_ANGLES.length;

/** The views a labelled region is learned from, so that a few labelled regions teach its outline rather than its
 *  colour or its angle: the crop, its mirror image and the crop rotated by each of VIEW_ANGLES (COLOUR_VIEWS that
 *  keep its colours), the crop in two other channel orders (each mirrored once), the region's silhouette painted
 *  in four flat colours (every second one mirrored), and those silhouettes rotated by VIEW_ANGLES (one angle
 *  each). CROP_VIEWS of them; the first `n`, without the rotations where `rotate` is false (their places left
 *  out, so each view keeps its index). */
export function cropViews(
  rgb: Uint8Array,
  W: number,
  H: number,
  r: Region,
  crop: CropOptions,
  o: { n?: number; rotate?: boolean } = {},
): { view: number; px: Uint8Array }[] {
  const n = o.n ?? CROP_VIEWS,
    S = crop.side,
    fill = crop.fill ?? [0, 0, 0],
    px = cropPixels(rgb, W, H, r, crop),
    rad = VIEW_ANGLES.map((a) => (a * Math.PI) / 180);
  // a view left out (the rotations when `rotate` is false) is null here, so the others keep their index
  const turned = (q: Uint8Array, a: number) => (o.rotate === false ? null : rotateCrop(q, S, a, fill));
  const out: (Uint8Array | null)[] = [px, flipCrop(px, S), ...rad.map((a) => turned(px, a))];
  if (n > out.length) {
    const a = channelOrder(px, [1, 2, 0]),
      b = channelOrder(px, [2, 0, 1]);
    const inked = VIEW_INKS.map((ink, i) => {
      const q = cropPixels(rgb, W, H, r, { ...crop, ink });
      return i % 2 ? flipCrop(q, S) : q;
    });
    out.push(a, flipCrop(a, S), b, flipCrop(b, S), ...inked);
    out.push(...rad.map((a, i) => turned(inked[i % inked.length], a)));
  }
  return out.slice(0, n).flatMap((q, view) => (q ? [{ view, px: q }] : []));
}

/** The labelled crops of one class map (`idx`: class index per pixel; `ignore` is not a region), the first
 *  `views` (CROP_VIEWS) views of each region (cropViews; the background's without the rotations): each shape
 *  class's connected regions and, as samples of the background (class `background` − `offset`), the
 *  background's own connected regions and up to `negatives` (NEGATIVE_PARTS) of its connected parts of one
 *  colour (colourParts: what a shape region cut from a predicted map looks like where it is background). */
export async function labelledCrops(
  idx: ArrayLike<number>,
  W: number,
  H: number,
  rgb: Uint8Array,
  embed: EmbedCrops,
  crop: CropOptions,
  o: {
    background?: number;
    ignore?: number;
    offset?: number;
    minFraction?: number;
    views?: number;
    negatives?: number;
  } = {},
): Promise<CropSample[]> {
  const views = o.views ?? CROP_VIEWS,
    bg = o.background ?? 0,
    minArea = Math.max(1, Math.round((o.minFraction ?? MIN_REGION_FRACTION) * W * H));
  const regs = regionsOf(idx, W, H, { by: 'class', background: -1, ignore: o.ignore, minArea });
  const negatives = o.negatives ?? NEGATIVE_PARTS;
  if (negatives > 0) {
    const px: number[] = [];
    for (let p = 0; p < W * H; p++) if (idx[p] === bg) px.push(p);
    regs.push(...colourParts(rgb, W, H, Int32Array.from(px), { ...proposalArea(W, H), max: negatives, cls: bg }));
  }
  if (!regs.length) return [];
  const all = regs.flatMap((r) =>
    cropViews(rgb, W, H, r, crop, { n: views, rotate: r.cls !== bg }).map((v) => ({ ...v, cls: r.cls })),
  );
  const f = await embed(
    all.map((v) => v.px),
    crop.side,
  );
  return f.map((feature, i) => ({ feature, cls: all[i].cls - (o.offset ?? 0), view: all[i].view }));
}

/** background parts of one colour per labelled image that the crop head learns as background */
export const NEGATIVE_PARTS = 6;
/** the sizes of background parts that are cropped (negatives, proposals), as fractions of the image */
const PROPOSAL_AREA = { min: 0.004, max: 0.3 };
export const proposalArea = (W: number, H: number) => ({
  minArea: Math.round(PROPOSAL_AREA.min * W * H),
  maxArea: Math.round(PROPOSAL_AREA.max * W * H),
});
